import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { caseContext } from '../cases/casesRoutes.ts';
import type { InterventionRow } from './actionsRepository.ts';
import { dateInputValues, interventionSchema, interventionStages, interventionStatuses } from './actionsSchemas.ts';
import type { ActionsService } from './actionsService.ts';

const INTERVENTION_FIELDS = ['stage', 'personId', 'status', 'issuedOn', 'reviewOn', 'expiresOn', 'notes'];

type InterventionForm = Awaited<ReturnType<ActionsService['interventionForm']>> & { intervention?: InterventionRow };

/** Recording and updating a case's interventions, from warning letters to court orders. */
export async function interventionsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { actions } = services;
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const params = (request: FastifyRequest) => request.params as { caseId: string; interventionId?: string };

  const loadForm = async (request: FastifyRequest): Promise<InterventionForm> => {
    const { caseId, interventionId } = params(request);
    if (interventionId === undefined) return actions.interventionForm(me(request), caseId, request.actor);
    return actions.interventionToEdit(me(request), caseId, interventionId, request.actor);
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, fieldErrors?: FieldErrors) => {
    const { caseId, interventionId } = params(request);
    const form = await loadForm(request);
    const allowed = form.intervention ? form.can.canUpdateIntervention : form.can.canRecordIntervention;
    if (!allowed) return reply.redirect(paths.cases.actions({ caseId }), 302);
    const values = typed ?? (form.intervention ? storedInterventionValues(form.intervention) : { status: 'planned' });
    return reply.render('actions/views/interventionForm.njk', {
      ...caseContext(request, form.opened, 'actions'),
      pageTitle: request.t(form.intervention ? 'actions.interventions.editTitle' : 'actions.interventions.newTitle'),
      formAction: interventionId === undefined ? paths.cases.newIntervention({ caseId }) : paths.cases.editIntervention({ caseId, interventionId }),
      values,
      stageItems: interventionStages.map((stage) => ({ value: stage, text: request.t(`actions.interventions.stages.${stage}`), checked: values.stage === stage })),
      statusItems: interventionStatuses.map((status) => ({ value: status, text: request.t(`actions.interventions.status.${status}`), checked: values.status === status })),
      personItems: selectItems(form.people.map((person) => ({ value: person.id, text: `${person.given_name} ${person.family_name}` })), values.personId, request.t('actions.interventions.noPerson')),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, INTERVENTION_FIELDS, { dateFields: ['issuedOn', 'reviewOn', 'expiresOn'] }) : undefined,
    });
  };

  const save = async (request: FastifyRequest, reply: FastifyReply) => {
    const { caseId, interventionId } = params(request);
    const form = parseForm(interventionSchema, request.body);
    if (!form.ok) return render(request, reply.status(400), form.values, form.fieldErrors);
    try {
      if (interventionId === undefined) await actions.recordIntervention(me(request), caseId, form.data, request.actor);
      else await actions.updateIntervention(me(request), caseId, interventionId, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return render(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t(interventionId === undefined ? 'actions.interventions.recorded' : 'actions.interventions.updated') };
    return reply.redirect(paths.cases.actions({ caseId }));
  };

  app.get(paths.cases.newIntervention.pattern, edit, async (request, reply) => render(request, reply));
  app.post(paths.cases.newIntervention.pattern, edit, save);
  app.get(paths.cases.editIntervention.pattern, edit, async (request, reply) => render(request, reply));
  app.post(paths.cases.editIntervention.pattern, edit, save);
}

function storedInterventionValues(intervention: InterventionRow): FormValues {
  return {
    stage: intervention.stage,
    personId: intervention.person_id ?? '',
    status: intervention.status,
    notes: intervention.notes ?? '',
    ...dateInputValues('issuedOn', intervention.issued_on),
    ...dateInputValues('reviewOn', intervention.review_on),
    ...dateInputValues('expiresOn', intervention.expires_on),
  };
}
