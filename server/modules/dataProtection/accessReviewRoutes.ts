import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { fieldErrorsFrom, formErrors, type FormErrors } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { personSearchFields, personSearchSchema } from '../search/searchSchemas.ts';
import { ANOMALY_DEFAULTS, accessReviewQuerySchema, anomalyQuerySchema } from './dataProtectionSchemas.ts';

const SEARCH_KEYS = ['name', 'dateOfBirth-day', 'dateOfBirth-month', 'dateOfBirth-year', 'postcode'];

/** The access review of one person and the anomaly report, for the data-protection officer. */
export async function accessReviewRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { accessReview, subjectAccess } = services.dataProtection;
  const access = { config: { access: 'access_review:view' as const } };
  const queryOf = (request: FastifyRequest) => (request.query ?? {}) as Record<string, unknown>;

  app.get(paths.dataProtection.accessReview.pattern, access, async (request, reply) => {
    const query = queryOf(request);
    const { personId } = accessReviewQuerySchema.parse(query);
    if (personId) {
      const review = await accessReview.forPerson(personId, request.actor);
      return reply.render('dataProtection/views/accessReview.njk', { pageTitle: request.t('dataProtection.accessReview.title'), review });
    }
    const context: { pageTitle: string; searchValues?: Record<string, unknown>; results?: unknown[]; errors?: FormErrors } = { pageTitle: request.t('dataProtection.accessReview.title') };
    if (SEARCH_KEYS.some((key) => key in query)) {
      context.searchValues = Object.fromEntries(SEARCH_KEYS.map((key) => [key, typeof query[key] === 'string' ? query[key] : '']));
      const parsed = personSearchSchema.safeParse(query);
      if (parsed.success) context.results = await subjectAccess.findPeople(parsed.data, request.actor);
      else {
        reply.status(400);
        context.errors = formErrors(fieldErrorsFrom(parsed.error), request.t, personSearchFields);
      }
    }
    return reply.render('dataProtection/views/accessReview.njk', context);
  });

  app.get(paths.dataProtection.anomalies.pattern, access, async (request, reply) => {
    const query = anomalyQuerySchema.parse(queryOf(request));
    const report = await accessReview.anomalies(query, request.actor);
    return reply.render('dataProtection/views/anomalies.njk', { pageTitle: request.t('dataProtection.anomalies.title'), query, defaults: ANOMALY_DEFAULTS, ...report });
  });
}
