import type { FastifyRequest } from 'fastify';
import { paths } from '../shared/paths.ts';

/**
 * Links that carry a secret in their path (invitations, password resets, an applicant's
 * tracking link) would otherwise put it in every request log line; query strings carry what
 * people searched for (names, dates of birth), which is personal data and stays out of logs too.
 */
const SECRET_SEGMENTS = [paths.auth.resetPassword.pattern, paths.auth.acceptInvite.pattern, paths.caseReviewApplication.track.pattern].map(
  (pattern) => new RegExp(`^(${escapeForRegExp(pattern.slice(0, pattern.indexOf(':token')))})[^/?#]+`),
);

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The URL as it may be logged: secret path segments replaced, the query string dropped. */
export function loggableUrl(url: string): string {
  const withoutQuery = url.split('?')[0] ?? url;
  for (const pattern of SECRET_SEGMENTS) {
    if (pattern.test(withoutQuery)) return withoutQuery.replace(pattern, '$1[redacted]');
  }
  return withoutQuery;
}

/** What a request log line says about the request. */
export function requestForLog(request: FastifyRequest) {
  return { method: request.method, url: loggableUrl(request.url), remoteAddress: request.ip };
}
