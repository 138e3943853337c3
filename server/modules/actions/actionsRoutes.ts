import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { formatDate } from '../../shared/time.ts';
import type { CurrentUser } from '../../types.ts';
import { caseContext } from '../cases/casesRoutes.ts';
import { staleErrors } from '../cases/caseViews.ts';
import { actionsDueQuerySchema, actionStatuses, actionUpdateSchema, dateInputValues, newActionSchema } from './actionsSchemas.ts';
import type { ActionsService } from './actionsService.ts';

const NEW_ACTION_FIELDS = ['title', 'description', 'ownerOrganisationId', 'ownerUserId', 'dueDate'];
const UPDATE_ACTION_FIELDS = ['status', 'dueDate', 'ownerUserId', 'description'];

type ActionToEdit = Awaited<ReturnType<ActionsService['actionToEdit']>>;

/** A case's action plan tab, adding and updating actions, and the actions-due list. */
export async function actionsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { actions } = services;
  const view = { config: { access: 'case:view' as const } };
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const params = (request: FastifyRequest) => request.params as { caseId: string; actionId?: string };

  app.get(paths.cases.actionsDue.pattern, view, async (request, reply) => {
    const query = actionsDueQuerySchema.parse(request.query ?? {});
    const { rows, today } = await actions.actionsDue(me(request), query, request.actor);
    return reply.render('actions/views/actionsDue.njk', { pageTitle: request.t('cases.actionsDue.title'), query, rows, today });
  });

  app.get(paths.cases.actions.pattern, view, async (request, reply) => {
    const plan = await actions.plan(me(request), params(request).caseId, request.actor);
    return reply.render('actions/views/plan.njk', {
      ...caseContext(request, plan.opened, 'actions'),
      pageTitle: request.t('actions.plan.title'),
      actionPolicy: plan.can,
      actions: plan.actions,
      interventions: plan.interventions,
    });
  });

  const renderNewAction = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { caseId } = params(request);
    const form = await actions.newActionForm(me(request), caseId, request.actor);
    if (!form.can.canAddAction) return reply.redirect(paths.cases.actions({ caseId }), 302);
    const agencyNames = new Map(form.agencies.map((agency) => [agency.id, agency.name]));
    return reply.render('actions/views/newAction.njk', {
      ...caseContext(request, form.opened, 'actions'),
      pageTitle: request.t('actions.new.title'),
      values,
      agencyItems: selectItems(form.agencies.map((agency) => ({ value: agency.id, text: agency.name })), values.ownerOrganisationId, request.t('actions.fields.chooseAgency')),
      officerItems: selectItems(
        form.officers.map((officer) => ({ value: officer.id, text: request.t('actions.fields.officerOf', { name: officer.name, organisation: agencyNames.get(officer.organisation_id) }) })),
        values.ownerUserId,
        request.t('actions.fields.noOfficer'),
      ),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, NEW_ACTION_FIELDS, { dateFields: ['dueDate'] }) : undefined,
    });
  };

  app.get(paths.cases.newAction.pattern, edit, async (request, reply) => renderNewAction(request, reply, {}));

  app.post(paths.cases.newAction.pattern, edit, async (request, reply) => {
    const { caseId } = params(request);
    const form = parseForm(newActionSchema, request.body);
    if (!form.ok) return renderNewAction(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await actions.createAction(me(request), caseId, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNewAction(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('actions.new.done', { title: form.data.title }) };
    return reply.redirect(paths.cases.actions({ caseId }));
  });

  /** The update form; `problem` is either what was wrong with the input or someone else's save. */
  const renderEditAction = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, problem?: FieldErrors | StaleUpdate) => {
    const { caseId, actionId } = params(request);
    const form = await actions.actionToEdit(me(request), caseId, actionId ?? '', request.actor);
    if (!form.can.canUpdateAction) return reply.redirect(paths.cases.actions({ caseId }), 302);
    const values = typed ?? storedActionValues(form.action);
    return reply.render('actions/views/editAction.njk', {
      ...caseContext(request, form.opened, 'actions'),
      pageTitle: request.t('actions.edit.title'),
      action: form.action,
      values,
      statusItems: actionStatuses.map((status) => ({ value: status, text: request.t(`actions.status.${status}`), checked: values.status === status })),
      officerItems: selectItems(form.officers.map((officer) => ({ value: officer.id, text: officer.name })), values.ownerUserId, request.t('actions.fields.noOfficer')),
      errors: problem instanceof StaleUpdate ? staleErrors(readableStale(problem, form, request), request.t, 'actions.fields') : problem ? formErrors(problem, request.t, UPDATE_ACTION_FIELDS, { dateFields: ['dueDate'] }) : undefined,
    });
  };

  app.get(paths.cases.editAction.pattern, edit, async (request, reply) => renderEditAction(request, reply));

  app.post(paths.cases.editAction.pattern, edit, async (request, reply) => {
    const { caseId, actionId } = params(request);
    const form = parseForm(actionUpdateSchema, request.body);
    if (!form.ok) return renderEditAction(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await actions.updateAction(me(request), caseId, actionId ?? '', form.data, request.actor);
    } catch (error) {
      if (error instanceof StaleUpdate) return renderEditAction(request, reply.status(409), { ...echoValues(request.body), version: error.currentVersion }, error);
      if (error instanceof ValidationFailed) return renderEditAction(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('actions.edit.done') };
    return reply.redirect(paths.cases.actions({ caseId }));
  });
}

function storedActionValues(action: ActionToEdit['action']): FormValues {
  return {
    status: action.status,
    description: action.description ?? '',
    ownerUserId: action.owner_user_id ?? '',
    ...dateInputValues('dueDate', action.due_date),
    version: action.version,
  };
}

/** What the other person saved, as a person reads it: names, dates and labels rather than ids. */
function readableStale(error: StaleUpdate, form: ActionToEdit, request: FastifyRequest): StaleUpdate {
  const { action } = form;
  const readable: Record<string, string> = {
    status: request.t(`actions.status.${action.status}`),
    description: action.description ?? '',
    ownerUserId: action.owner_user_name ?? '',
    dueDate: formatDate(action.due_date, request.locale),
  };
  const currentValues = Object.fromEntries(Object.keys(error.currentValues).map((field) => [field, readable[field] ?? error.currentValues[field] ?? '']));
  return new StaleUpdate(currentValues, error.currentVersion);
}
