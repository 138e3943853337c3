import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { breakGlassSchema, grantListQuerySchema, reviewOutcomes, reviewSchema } from './breakGlassSchemas.ts';
import { GRANTS_PAGE_SIZE } from './breakGlassService.ts';

/** Using emergency access to a case, and the partnership's review of every use. */
export async function breakGlassRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { breakGlass, config } = services;
  const use = { config: { access: 'case:break_glass' as const } };
  const review = { config: { access: 'break_glass:review' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const grantIdOf = (request: FastifyRequest) => (request.params as { grantId: string }).grantId;

  const renderUse = (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) =>
    reply.render('breakGlass/views/use.njk', {
      pageTitle: request.t('breakGlass.use.title'),
      values,
      minutes: config.breakGlassMinutes,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['reference', 'reason']) : undefined,
    });

  app.get(paths.cases.breakGlass.pattern, use, async (request, reply) => renderUse(request, reply, {}));

  app.post(paths.cases.breakGlass.pattern, use, async (request, reply) => {
    const form = parseForm(breakGlassSchema, request.body);
    if (!form.ok) return renderUse(request, reply.status(400), form.values, form.fieldErrors);
    try {
      const { caseId, alreadyVisible } = await breakGlass.use(me(request), form.data, request.actor);
      const text = alreadyVisible ? request.t('breakGlass.use.notNeeded') : request.t('breakGlass.use.granted', { minutes: config.breakGlassMinutes });
      request.session.flash = { kind: 'important', text };
      return reply.redirect(paths.cases.show({ caseId }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderUse(request, reply.status(400), request.body as FormValues, error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.admin.breakGlass.index.pattern, review, async (request, reply) => {
    const { page } = grantListQuerySchema.parse(request.query ?? {});
    const { grants, total } = await breakGlass.list(page);
    return reply.render('breakGlass/views/index.njk', {
      pageTitle: request.t('breakGlass.review.title'),
      grants,
      page,
      pages: Math.max(1, Math.ceil(total / GRANTS_PAGE_SIZE)),
    });
  });

  const renderReview = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const grant = await breakGlass.grant(grantIdOf(request));
    return reply.render('breakGlass/views/review.njk', {
      pageTitle: request.t('breakGlass.review.reviewTitle'),
      grant,
      values,
      outcomeItems: reviewOutcomes.map((outcome) => ({ value: outcome, text: request.t(`breakGlass.outcomes.${outcome}`), checked: values.outcome === outcome })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['outcome', 'comment']) : undefined,
    });
  };

  app.get(paths.admin.breakGlass.review.pattern, review, async (request, reply) => renderReview(request, reply, {}));

  app.post(paths.admin.breakGlass.review.pattern, review, async (request, reply) => {
    const form = parseForm(reviewSchema, request.body);
    if (!form.ok) return renderReview(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await breakGlass.review(me(request), grantIdOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderReview(request, reply.status(400), request.body as FormValues, error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('breakGlass.review.done') };
    return reply.redirect(paths.admin.breakGlass.index());
  });
}
