/**
 * Typed domain errors. Services throw them; one handler (server/middleware/errors.ts) turns them
 * into GOV.UK error pages or RFC 9457 problem JSON.
 */
export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  readonly status: number;
  readonly problemType: string;

  constructor(message: string, status: number, problemType: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.problemType = problemType;
  }
}

/** The record does not exist or the caller may not know that it does. */
export class NotFound extends DomainError {
  constructor(message = 'Not found') {
    super(message, 404, 'not-found');
  }
}

/** The caller's role lacks the permission a route needs. Never used for individual records. */
export class Forbidden extends DomainError {
  constructor(message = 'Forbidden') {
    super(message, 403, 'forbidden');
  }
}

export class Unauthenticated extends DomainError {
  constructor(message = 'Sign in required') {
    super(message, 401, 'unauthenticated');
  }
}

/** Input broke a rule; `fieldErrors` maps a field name to an i18n key explaining what is wrong. */
export class ValidationFailed extends DomainError {
  readonly fieldErrors: FieldErrors;

  constructor(fieldErrors: FieldErrors, message = 'Validation failed') {
    super(message, 400, 'validation-failed');
    this.fieldErrors = fieldErrors;
  }
}

/** The change clashes with the current state (duplicate, stale version, already used). */
export class Conflict extends DomainError {
  readonly fieldErrors: FieldErrors;

  constructor(message: string, fieldErrors: FieldErrors = {}) {
    super(message, 409, 'conflict');
    this.fieldErrors = fieldErrors;
  }
}

export class TooManyRequests extends DomainError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, message = 'Too many requests') {
    super(message, 429, 'too-many-requests');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
]);

/** True when the error means the database could not be reached, as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/**
 * Optimistic locking: the record was saved by someone else after the form was opened. Carries
 * the record's current values for the fields that now differ from what was submitted, so the
 * form can show them instead of overwriting silently.
 */
export class StaleUpdate extends Conflict {
  readonly currentValues: Record<string, string>;
  readonly currentVersion: number;

  constructor(currentValues: Record<string, string>, currentVersion: number) {
    super('The record changed since the form was opened');
    this.currentValues = currentValues;
    this.currentVersion = currentVersion;
  }
}

/** The constraint a unique violation (SQLSTATE 23505) broke, if that is what the error is. */
export function uniqueViolation(error: unknown): string | undefined {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== '23505') return undefined;
  return String((error as { constraint?: unknown }).constraint ?? '');
}
