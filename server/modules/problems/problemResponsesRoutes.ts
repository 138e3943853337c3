import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { actionStatuses, actionUpdateSchema, dateInputValues, newActionSchema } from '../actions/actionsSchemas.ts';

const NEW_FIELDS = ['title', 'description', 'ownerOrganisationId', 'ownerUserId', 'dueDate'];
const UPDATE_FIELDS = ['status', 'dueDate', 'ownerUserId', 'description'];

/**
 * A problem's responses: actions given to partner organisations, stored as case actions that
 * belong to the problem and checked with the action plan's own schemas (ADR 0019).
 */
export async function problemResponsesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { problems } = services;
  const manage = { config: { access: 'problem:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const params = (request: FastifyRequest) => request.params as { problemId: string; responseId?: string };
  const responsesPath = (request: FastifyRequest) => `${paths.problems.show({ problemId: params(request).problemId })}#responses`;

  const render = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, problem?: FieldErrors | StaleUpdate) => {
    const { problemId, responseId } = params(request);
    const form = await problems.responseForm(me(request), problemId, responseId);
    if (!form.can.canEdit) return reply.redirect(responsesPath(request), 302);
    const organisationNames = new Map(form.organisations.map((organisation) => [organisation.id, organisation.name]));
    const stored: FormValues | undefined = form.response
      ? { status: form.response.status, description: form.response.description ?? '', ownerUserId: form.response.owner_user_id ?? '', version: form.response.version, ...dateInputValues('dueDate', form.response.due_date) }
      : undefined;
    const values = typed ?? stored ?? {};
    const fields = form.response ? UPDATE_FIELDS : NEW_FIELDS;
    return reply.render('problems/views/response.njk', {
      pageTitle: request.t(form.response ? 'problems.responses.editTitle' : 'problems.responses.newTitle'),
      problem: form.problem,
      response: form.response,
      values,
      formAction: form.response ? paths.problems.editResponse({ problemId, responseId: form.response.id }) : paths.problems.newResponse({ problemId }),
      organisationItems: selectItems(form.organisations.map((organisation) => ({ value: organisation.id, text: organisation.name })), values.ownerOrganisationId, request.t('actions.fields.chooseAgency')),
      officerItems: selectItems(
        form.officers.map((officer) => ({ value: officer.id, text: request.t('actions.fields.officerOf', { name: officer.name, organisation: organisationNames.get(officer.organisation_id) }) })),
        values.ownerUserId,
        request.t('actions.fields.noOfficer'),
      ),
      statusItems: actionStatuses.map((status) => ({ value: status, text: request.t(`actions.status.${status}`), checked: values.status === status })),
      errors: problem instanceof StaleUpdate
        ? { list: [{ text: request.t('problems.errors.stale'), href: '#status' }], fields: {} }
        : problem ? formErrors(problem, request.t, fields, { dateFields: ['dueDate'] }) : undefined,
    });
  };

  const save = async (request: FastifyRequest, reply: FastifyReply) => {
    const { problemId, responseId } = params(request);
    try {
      if (responseId === undefined) {
        const form = parseForm(newActionSchema, request.body);
        if (!form.ok) return render(request, reply.status(400), form.values, form.fieldErrors);
        await problems.addResponse(me(request), problemId, form.data, request.actor);
      } else {
        const form = parseForm(actionUpdateSchema, request.body);
        if (!form.ok) return render(request, reply.status(400), form.values, form.fieldErrors);
        await problems.updateResponse(me(request), problemId, responseId, form.data, request.actor);
      }
    } catch (error) {
      if (error instanceof StaleUpdate) return render(request, reply.status(409), { ...echoValues(request.body), version: error.currentVersion }, error);
      if (error instanceof ValidationFailed) return render(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      if (error instanceof Conflict) {
        request.session.flash = { kind: 'important', text: request.t(error.message) };
        return reply.redirect(responsesPath(request));
      }
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t(responseId === undefined ? 'problems.responses.added' : 'problems.responses.updated') };
    return reply.redirect(responsesPath(request));
  };

  app.get(paths.problems.newResponse.pattern, manage, async (request, reply) => render(request, reply));
  app.post(paths.problems.newResponse.pattern, manage, save);
  app.get(paths.problems.editResponse.pattern, manage, async (request, reply) => render(request, reply));
  app.post(paths.problems.editResponse.pattern, manage, save);
}
