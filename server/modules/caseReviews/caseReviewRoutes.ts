import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { letterParagraphs, letterPlaceholders } from './caseReviewLetter.ts';
import {
  appealDecisionSchema,
  meetingSchema,
  outcomeSchema,
  recommendationSchema,
  recommendationStatuses,
  recommendationStatusSchema,
  settingsSchema,
  statisticsQuerySchema,
  thresholdDecisionSchema,
} from './caseReviewSchemas.ts';

/**
 * The staff side of ASB Case Reviews: the queue with its working-day deadlines, each step of the
 * review, the outcome letter, the applicant's appeal, the partnership's settings and the annual
 * statistics. Holders of `case_review:manage` (case managers and partnership administrators) work
 * the reviews; settings are the partnership administrator's (`partnership:manage`); the
 * statistics are counts only (`analytics:view`).
 */
export async function caseReviewRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { caseReviews } = services;
  const manage = { config: { access: 'case_review:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const idOf = (request: FastifyRequest) => (request.params as { applicationId: string }).applicationId;
  const showPath = (request: FastifyRequest) => paths.caseReviews.show({ applicationId: idOf(request) });

  /** Runs a step; a step the application's status does not allow comes back as a message on its page. */
  const step = async (request: FastifyRequest, reply: FastifyReply, work: () => Promise<void>, done: string, invalid?: (errors: FieldErrors) => unknown) => {
    try {
      await work();
    } catch (error) {
      if (error instanceof ValidationFailed && invalid) return invalid(error.fieldErrors);
      if (!(error instanceof Conflict)) throw error;
      request.session.flash = { kind: 'important', text: request.t(error.message) };
      return reply.redirect(showPath(request));
    }
    request.session.flash = { kind: 'success', text: request.t(done) };
    return reply.redirect(showPath(request));
  };

  app.get(paths.caseReviews.index.pattern, manage, async (request, reply) => {
    const showAll = (request.query as { show?: string } | undefined)?.show === 'all';
    const rows = await caseReviews.queue(request.actor, { openOnly: !showAll });
    return reply.render('caseReviews/views/queue.njk', { pageTitle: request.t('caseReviews.queue.title'), rows, showAll, columnWidth: 'full' });
  });

  app.get(paths.caseReviews.statistics.pattern, { config: { access: 'analytics:view' as const } }, async (request, reply) => {
    const { year } = statisticsQuerySchema.parse(request.query ?? {});
    const chosen = year ?? Number(caseReviews.today().slice(0, 4));
    const statistics = await caseReviews.annualStatistics(chosen);
    return reply.render('caseReviews/views/statistics.njk', { pageTitle: request.t('caseReviews.statistics.title'), statistics });
  });

  const renderSettings = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors?: FieldErrors) =>
    reply.render('caseReviews/views/settings.njk', {
      pageTitle: request.t('caseReviews.settings.title'),
      values,
      placeholders: letterPlaceholders,
      errors: errors ? formErrors(errors, request.t, Object.keys(settingsSchema.shape)) : undefined,
    });

  app.get(paths.caseReviews.settings.pattern, { config: { access: 'partnership:manage' as const } }, async (request, reply) => {
    const settings = await caseReviews.settings();
    return renderSettings(request, reply, {
      thresholdComplaints: String(settings.threshold_complaints),
      thresholdPeriodMonths: String(settings.threshold_period_months),
      vulnerableThresholdComplaints: settings.vulnerable_threshold_complaints === null ? '' : String(settings.vulnerable_threshold_complaints),
      singleHateIncident: settings.single_hate_incident ? 'yes' : 'no',
      acknowledgeWorkingDays: String(settings.acknowledge_working_days),
      decisionWorkingDays: String(settings.decision_working_days),
      outcomeLetterTemplate: settings.outcome_letter_template,
    });
  });

  app.post(paths.caseReviews.settings.pattern, { config: { access: 'partnership:manage' as const } }, async (request, reply) => {
    const parsed = parseForm(settingsSchema, request.body);
    if (!parsed.ok) return renderSettings(request, reply.status(400), parsed.values, parsed.fieldErrors);
    await caseReviews.updateSettings(me(request), parsed.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('caseReviews.settings.saved') };
    return reply.redirect(paths.caseReviews.settings());
  });

  app.get(paths.caseReviews.show.pattern, manage, async (request, reply) => {
    const details = await caseReviews.application(idOf(request), request.actor);
    return reply.render('caseReviews/views/show.njk', { pageTitle: details.application.reference, ...details, recommendationStatuses, columnWidth: 'full' });
  });

  app.post(paths.caseReviews.acknowledge.pattern, manage, async (request, reply) =>
    step(request, reply, () => caseReviews.acknowledge(me(request), idOf(request), request.actor), 'caseReviews.done.acknowledged'),
  );

  // Forms with one page each: the form is shown with the application's reference, and re-shown with its errors.
  const formPage = (template: string, titleKey: string, extra: (request: FastifyRequest) => Promise<Record<string, unknown>> = async () => ({})) =>
    async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: FieldErrors) => {
      const details = await caseReviews.application(idOf(request), request.actor, template);
      return reply.render(`caseReviews/views/${template}.njk`, {
        pageTitle: request.t(titleKey),
        application: details.application,
        appeal: details.appeal,
        can: details.can,
        values,
        errors: errors ? formErrors(errors, request.t) : undefined,
        ...(await extra(request)),
      });
    };

  const decisionPage = formPage('decision', 'caseReviews.decision.title');
  app.get(paths.caseReviews.decision.pattern, manage, async (request, reply) => decisionPage(request, reply));
  app.post(paths.caseReviews.decision.pattern, manage, async (request, reply) => {
    const parsed = parseForm(thresholdDecisionSchema, request.body);
    if (!parsed.ok) return decisionPage(request, reply.status(400), parsed.values, parsed.fieldErrors);
    return step(request, reply, () => caseReviews.decideThreshold(me(request), idOf(request), parsed.data, request.actor), 'caseReviews.done.decided');
  });

  const meetingPage = formPage('meeting', 'caseReviews.meeting.title', async () => ({ organisations: (await caseReviews.meetingForm()).organisations }));
  app.get(paths.caseReviews.meeting.pattern, manage, async (request, reply) => meetingPage(request, reply));
  app.post(paths.caseReviews.meeting.pattern, manage, async (request, reply) => {
    const parsed = parseForm(meetingSchema(() => caseReviews.today()), request.body);
    if (!parsed.ok) return meetingPage(request, reply.status(400), parsed.values, parsed.fieldErrors);
    return step(request, reply, () => caseReviews.scheduleMeeting(me(request), idOf(request), parsed.data, request.actor), 'caseReviews.done.meeting', (errors) =>
      meetingPage(request, reply.status(400), request.body as FormValues, errors),
    );
  });

  const recommendationPage = formPage('recommendation', 'caseReviews.recommendation.title', async (request) => ({
    organisationItems: selectItems(
      (await caseReviews.meetingForm()).organisations.map((organisation) => ({ value: organisation.id, text: organisation.name })),
      (request.body as FormValues | undefined)?.ownerOrganisationId,
      request.t('caseReviews.recommendation.chooseOrganisation'),
    ),
  }));
  app.get(paths.caseReviews.newRecommendation.pattern, manage, async (request, reply) => recommendationPage(request, reply));
  app.post(paths.caseReviews.newRecommendation.pattern, manage, async (request, reply) => {
    const parsed = parseForm(recommendationSchema(() => caseReviews.today()), request.body);
    if (!parsed.ok) return recommendationPage(request, reply.status(400), parsed.values, parsed.fieldErrors);
    return step(request, reply, () => caseReviews.addRecommendation(me(request), idOf(request), parsed.data, request.actor), 'caseReviews.done.recommendation', (errors) =>
      recommendationPage(request, reply.status(400), request.body as FormValues, errors),
    );
  });

  app.post(paths.caseReviews.recommendationStatus.pattern, manage, async (request, reply) => {
    const parsed = parseForm(recommendationStatusSchema, request.body);
    if (!parsed.ok) {
      request.session.flash = { kind: 'important', text: request.t('caseReviews.errors.recommendationStatus.missing') };
      return reply.redirect(showPath(request));
    }
    const { recommendationId } = request.params as { recommendationId: string };
    return step(request, reply, () => caseReviews.setRecommendationStatus(me(request), idOf(request), recommendationId, parsed.data.status, request.actor), 'caseReviews.done.recommendationStatus');
  });

  const outcomePage = formPage('outcome', 'caseReviews.outcome.title');
  app.get(paths.caseReviews.outcome.pattern, manage, async (request, reply) => {
    const details = await caseReviews.application(idOf(request), request.actor, 'outcome');
    return outcomePage(request, reply, { outcomeSummary: details.application.outcome_summary ?? '' });
  });
  app.post(paths.caseReviews.outcome.pattern, manage, async (request, reply) => {
    const parsed = parseForm(outcomeSchema, request.body);
    if (!parsed.ok) return outcomePage(request, reply.status(400), parsed.values, parsed.fieldErrors);
    return step(request, reply, () => caseReviews.recordOutcome(me(request), idOf(request), parsed.data.outcomeSummary, request.actor), 'caseReviews.done.outcome');
  });

  app.get(paths.caseReviews.letter.pattern, manage, async (request, reply) => {
    const letter = await caseReviews.letter(idOf(request), request.actor);
    return reply.render('caseReviews/views/letter.njk', {
      pageTitle: request.t('caseReviews.letter.title', { reference: letter.application.reference }),
      application: letter.application,
      can: letter.can,
      sent: letter.sent,
      paragraphs: letterParagraphs(letter.letter),
    });
  });

  app.post(paths.caseReviews.sendLetter.pattern, manage, async (request, reply) =>
    step(request, reply, () => caseReviews.sendLetter(me(request), idOf(request), request.actor), 'caseReviews.done.letterSent'),
  );

  const appealPage = formPage('appeal', 'caseReviews.appeal.title');
  app.get(paths.caseReviews.appeal.pattern, manage, async (request, reply) => appealPage(request, reply));
  app.post(paths.caseReviews.appeal.pattern, manage, async (request, reply) => {
    const parsed = parseForm(appealDecisionSchema, request.body);
    if (!parsed.ok) return appealPage(request, reply.status(400), parsed.values, parsed.fieldErrors);
    return step(request, reply, () => caseReviews.decideAppeal(me(request), idOf(request), parsed.data, request.actor), 'caseReviews.done.appeal');
  });
}

