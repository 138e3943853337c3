import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors } from '../../shared/errors.ts';
import { formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { DEFAULT_SUPPRESSION_THRESHOLD } from '../../shared/suppression.ts';
import { figureHelpers } from './figures.ts';
import { feedbackSchema, transparencyQuerySchema } from './governanceSchemas.ts';
import type { Quarter } from './quarters.ts';
import { OPEN_GOVERNMENT_LICENCE, SUPPRESSED_MARK } from './transparencyService.ts';

const PUBLIC_BODY_LIMIT = 64 * 1024;

/**
 * What the public may read without signing in: the transparency page with its open data (counts
 * only, suppressed), and the feedback survey an event's guests reach by its link.
 */
export async function transparencyRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { transparency, events } = services.governance;
  const open = { config: { access: 'public' as const } };

  const chosenQuarter = (request: FastifyRequest): Quarter => {
    const { quarter } = transparencyQuerySchema.parse(request.query ?? {});
    const offered = transparency.quarters();
    return offered.includes(quarter as Quarter) ? (quarter as Quarter) : offered[0]!;
  };

  app.get(paths.transparency.index.pattern, open, async (request, reply) => {
    const quarter = chosenQuarter(request);
    const year = transparency.currentYear();
    const [partnershipName, progress, incidents, caseReviewsThisYear, caseReviewsLastYear, followUps] = await Promise.all([
      transparency.partnershipName(),
      transparency.progress(),
      transparency.incidentTable(quarter, request.t),
      transparency.caseReviewStatistics(year),
      transparency.caseReviewStatistics(year - 1),
      transparency.followUps(),
    ]);
    return reply.render('governance/views/transparency.njk', {
      pageTitle: request.t('transparency.title'),
      partnershipName,
      progress,
      quarter,
      quarters: transparency.quarters(),
      incidents,
      caseReviews: [caseReviewsLastYear, caseReviewsThisYear],
      followUps,
      suppressedMark: SUPPRESSED_MARK,
      threshold: DEFAULT_SUPPRESSION_THRESHOLD,
      licenceUrl: OPEN_GOVERNMENT_LICENCE,
      ...figureHelpers(request.locale, request.t),
      columnWidth: 'full',
    });
  });

  const csv = (reply: FastifyReply, name: string, body: string) =>
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(body);

  app.get(paths.transparency.incidentsCsv.pattern, open, async (request, reply) => {
    const quarter = chosenQuarter(request);
    return csv(reply, `incidents-${quarter}.csv`, transparency.incidentsCsv(await transparency.incidentTable(quarter, request.t), request.t));
  });

  app.get(paths.transparency.measuresCsv.pattern, open, async (request, reply) => csv(reply, 'priorities-progress.csv', await transparency.measuresCsv(request.t)));

  app.get(paths.transparency.caseReviewsCsv.pattern, open, async (request, reply) => {
    const year = transparency.currentYear();
    return csv(reply, 'asb-case-reviews.csv', await transparency.caseReviewsCsv([year - 1, year], request.t));
  });

  // The event feedback survey ------------------------------------------------------------------

  const tokenOf = (request: FastifyRequest) => (request.params as { token: string }).token;
  const renderSurvey = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: FieldErrors) => {
    const survey = await events.survey(tokenOf(request));
    return reply.render('governance/views/survey.njk', {
      pageTitle: request.t('governance.survey.title'),
      event: survey.event,
      open: survey.open,
      token: tokenOf(request),
      values,
      errors: errors ? formErrors(errors, request.t, ['overallRating', 'usefulnessRating', 'wentWell', 'improve']) : undefined,
    });
  };
  app.get(paths.eventFeedback.survey.pattern, open, async (request, reply) => renderSurvey(request, reply));
  app.post(paths.eventFeedback.survey.pattern, { ...open, bodyLimit: PUBLIC_BODY_LIMIT }, async (request, reply) => {
    const parsed = parseForm(feedbackSchema, request.body);
    if (!parsed.ok) return renderSurvey(request, reply.status(400), parsed.values, parsed.fieldErrors);
    try {
      await events.submitFeedback(tokenOf(request), parsed.data, { ip: request.ip, requestId: request.id });
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      return renderSurvey(request, reply.status(409), request.body as FormValues);
    }
    return reply.redirect(paths.eventFeedback.thanks({ token: tokenOf(request) }));
  });
  app.get(paths.eventFeedback.thanks.pattern, open, async (request, reply) => {
    const survey = await events.survey(tokenOf(request));
    return reply.render('governance/views/surveyThanks.njk', { pageTitle: request.t('governance.survey.thanksTitle'), event: survey.event });
  });
}
