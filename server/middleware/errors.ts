import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError, isDatabaseUnavailable, TooManyRequests, ValidationFailed } from '../shared/errors.ts';
import { formErrors } from '../shared/forms.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

interface ClassifiedError {
  status: number;
  problemType: string;
  titleKey: string;
  detail?: string;
  fieldErrors?: Record<string, string>;
  retryAfterSeconds?: number;
}

/** One place that turns any error into a GOV.UK error page or RFC 9457 problem JSON. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const classified = classify(error);
    if (classified.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status: classified.status, code: error.code }, error.message);
    if (classified.retryAfterSeconds) reply.header('retry-after', String(classified.retryAfterSeconds));
    if (isApiRequest(request)) return sendProblem(request, reply, classified);
    return renderErrorPage(request, reply, classified);
  });

  app.setNotFoundHandler({}, async (request, reply) => {
    const classified = { status: 404, problemType: 'not-found', titleKey: 'errors.notFound.title' };
    if (isApiRequest(request)) return sendProblem(request, reply, classified);
    return renderErrorPage(request, reply, classified);
  });
});

export function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

function classify(error: FastifyError): ClassifiedError {
  if (isDatabaseUnavailable(error)) return { status: 503, problemType: 'service-unavailable', titleKey: 'errors.unavailable.title' };
  if (error instanceof TooManyRequests) {
    return { status: 429, problemType: error.problemType, titleKey: 'errors.tooManyRequests.title', retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof ValidationFailed) {
    return { status: 400, problemType: error.problemType, titleKey: 'errors.validation.title', fieldErrors: error.fieldErrors };
  }
  if (error instanceof DomainError) {
    const titleKey = {
      401: 'errors.unauthenticated.title',
      403: 'errors.forbidden.title',
      404: 'errors.notFound.title',
      409: 'errors.conflict.title',
    }[error.status] ?? 'errors.validation.title';
    return { status: error.status, problemType: error.problemType, titleKey, detail: error.message };
  }
  if (error.code?.startsWith('FST_CSRF')) return { status: 403, problemType: 'csrf', titleKey: 'errors.csrf.title' };
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, problemType: 'payload-too-large', titleKey: 'errors.tooLarge.title' };
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, problemType: 'unsupported-media-type', titleKey: 'errors.mediaType.title' };
  }
  if (error.statusCode === 429) return { status: 429, problemType: 'too-many-requests', titleKey: 'errors.tooManyRequests.title' };
  // Text PostgreSQL cannot store (U+0000 in text or JSON) is bad input, not a fault (test/security/fuzz.test.ts).
  if (error.code === '22021' || error.code === '22P05') return { status: 400, problemType: 'bad-request', titleKey: 'errors.badRequest.title' };
  if (error.validation) {
    return {
      status: 400,
      problemType: 'validation-failed',
      titleKey: 'errors.validation.title',
      fieldErrors: Object.fromEntries(
        error.validation.map((issue) => [issue.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body', issue.message ?? 'invalid']),
      ),
    };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, problemType: 'bad-request', titleKey: 'errors.badRequest.title' };
  }
  return { status: 500, problemType: 'internal', titleKey: 'errors.internal.title' };
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, classified: ClassifiedError) {
  const problem: Problem = {
    type: `/api/v1/problems/${classified.problemType}`,
    title: request.t(classified.titleKey, { lng: 'en' }),
    status: classified.status,
    instance: request.url.split('?')[0] ?? request.url,
    requestId: request.id,
  };
  if (classified.status < 500 && classified.detail) problem.detail = classified.detail;
  if (classified.fieldErrors) {
    problem.errors = Object.entries(classified.fieldErrors).map(([field, message]) => ({
      field,
      message: message.includes(' ') ? message : request.t(message, { lng: 'en' }),
    }));
  }
  return reply.status(classified.status).type('application/problem+json; charset=utf-8').send(problem);
}

function renderErrorPage(request: FastifyRequest, reply: FastifyReply, classified: ClassifiedError) {
  reply.status(classified.status);
  const template = {
    400: 'errors/badRequest.njk',
    403: classified.problemType === 'csrf' ? 'errors/csrf.njk' : 'errors/forbidden.njk',
    404: 'errors/notFound.njk',
    413: 'errors/badRequest.njk',
    415: 'errors/badRequest.njk',
    429: 'errors/tooManyRequests.njk',
    503: 'errors/unavailable.njk',
  }[classified.status] ?? (classified.status >= 500 ? 'errors/internal.njk' : 'errors/badRequest.njk');
  const errors = classified.fieldErrors ? formErrors(classified.fieldErrors, request.t) : undefined;
  return reply.render(template, { pageTitle: request.t(classified.titleKey), errors, status: classified.status });
}
