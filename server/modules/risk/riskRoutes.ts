import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { ValidationFailed, type FieldErrors } from '../../shared/errors.ts';
import { echoValues, selectItems, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { caseContext } from '../cases/casesRoutes.ts';
import { maximumScore } from './riskScoring.ts';
import { answerSections, assessmentErrors, assessmentForm } from './riskViews.ts';

/** The risk tab of a case: current risk and history, completing an instrument, one result. */
export async function riskRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { risk } = services;
  const view = { config: { access: 'case:view' as const } };
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const params = (request: FastifyRequest) => request.params as { caseId: string; instrument?: string; assessmentId?: string };

  app.get(paths.cases.risk.pattern, view, async (request, reply) => {
    const overview = await risk.overview(me(request), params(request).caseId, request.actor);
    return reply.render('risk/views/index.njk', {
      ...caseContext(request, overview.opened, 'risk'),
      pageTitle: request.t('risk.index.title'),
      history: overview.history,
      latest: overview.latest,
      latestReferral: overview.latestInstrument?.scoring.referral,
      instruments: overview.instruments,
      overdue: isOverdue(overview.opened.case, overview.today),
    });
  });

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { caseId, instrument: code = '' } = params(request);
    const { opened, instrument, people } = await risk.form(me(request), caseId, code, request.actor);
    const errors = fieldErrors ? assessmentErrors(instrument, fieldErrors, request.t) : undefined;
    return reply.render('risk/views/form.njk', {
      ...caseContext(request, opened, 'risk'),
      pageTitle: request.t('risk.form.title', { instrument: request.t(instrument.name) }),
      instrument,
      sections: assessmentForm(instrument, values, errors, request.t),
      personItems: selectItems(people.map((person) => ({ value: person.id, text: `${person.given_name} ${person.family_name}` })), values.personId, request.t('risk.form.nobody')),
      values,
      errors,
    });
  };

  app.get(paths.cases.newAssessment.pattern, edit, async (request, reply) => renderForm(request, reply, {}));

  app.post(paths.cases.newAssessment.pattern, edit, async (request, reply) => {
    const { caseId, instrument: code = '' } = params(request);
    try {
      const { assessmentId, band } = await risk.complete(me(request), caseId, code, request.body, request.actor);
      request.session.flash = { kind: 'success', text: request.t('risk.result.done', { band: request.t(`cases.risk.${band}`) }) };
      return reply.redirect(paths.cases.assessment({ caseId, assessmentId }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderForm(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.cases.assessment.pattern, view, async (request, reply) => {
    const { caseId, assessmentId = '' } = params(request);
    const completed = await risk.assessment(me(request), caseId, assessmentId, request.actor);
    return reply.render('risk/views/show.njk', {
      ...caseContext(request, completed.opened, 'risk'),
      pageTitle: request.t('risk.result.title'),
      assessment: completed.assessment,
      instrument: completed.instrument,
      maximum: maximumScore(completed.instrument),
      referral: completed.instrument.scoring.referral,
      answerSections: answerSections(completed.instrument, completed.answers, request.t),
    });
  });
}

function isOverdue(kase: { next_review_due: string | null; status: string }, today: string): boolean {
  return kase.status !== 'closed' && kase.next_review_due !== null && kase.next_review_due < today;
}
