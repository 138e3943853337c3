import type { FastifyRequest } from 'fastify';

const NUL = /\u0000/g;

/**
 * PostgreSQL text cannot hold U+0000 and no one types it into a form: a page's form fields and
 * query string lose it before validation, instead of the insert failing with a 500 (found by
 * test/security/fuzz.test.ts). The JSON API is left alone: there a NUL is refused as bad input
 * (server/middleware/errors.ts), because silently changing a partner system's data is worse.
 */
export async function removeNulFromPageInput(request: FastifyRequest): Promise<void> {
  if (request.routeOptions.config?.api) return;
  stripInPlace(request.query);
  stripInPlace(request.body);
}

function stripInPlace(value: unknown): void {
  if (!value || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    if (typeof item === 'string') {
      if (item.includes('\u0000')) record[key] = item.replace(NUL, '');
    } else if (Array.isArray(item)) {
      record[key] = item.map((element) => (typeof element === 'string' ? element.replace(NUL, '') : element));
    }
  }
}
