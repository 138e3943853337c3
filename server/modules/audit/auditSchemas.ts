import { z } from 'zod';
import { calendarDate } from '../../shared/dates.ts';
import { auditActions } from './auditActions.ts';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'audit.errors.tooLong')
    .optional()
    .transform((value) => value || undefined);

// A repeated query parameter arrives as an array: treat it like a blank box.
const datePart = z.string().trim().optional().catch(undefined);
const seqCursor = z.string().regex(/^\d{1,18}$/).optional().catch(undefined);

export const auditSearchQuerySchema = z
  .object({
    actor: optionalText(320),
    action: z.enum(auditActions).optional().catch(undefined),
    recordType: optionalText(100),
    recordId: optionalText(200),
    'from-day': datePart,
    'from-month': datePart,
    'from-year': datePart,
    'to-day': datePart,
    'to-month': datePart,
    'to-year': datePart,
    before: seqCursor,
    after: seqCursor,
  })
  .transform((query, context) => {
    const from = calendarDate(query['from-day'], query['from-month'], query['from-year']);
    const to = calendarDate(query['to-day'], query['to-month'], query['to-year']);
    const problems: { path: 'from' | 'to'; message: string }[] = [];
    if (from.kind === 'problem') problems.push({ path: 'from', message: `audit.errors.from.${from.problem}` });
    if (to.kind === 'problem') problems.push({ path: 'to', message: `audit.errors.to.${to.problem}` });
    if (from.kind === 'date' && to.kind === 'date' && to.iso < from.iso) problems.push({ path: 'to', message: 'audit.errors.to.beforeFrom' });
    for (const problem of problems) context.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
    if (problems.length > 0) return z.NEVER;
    return {
      criteria: {
        actor: query.actor,
        action: query.action,
        recordType: query.recordType,
        recordId: query.recordId,
        fromDate: from.kind === 'date' ? from.iso : undefined,
        toDate: to.kind === 'date' ? to.iso : undefined,
      },
      cursor: { before: query.before, after: query.before ? undefined : query.after },
    };
  });

export type AuditSearchQuery = z.output<typeof auditSearchQuerySchema>;
export type AuditSearchCriteria = AuditSearchQuery['criteria'];
export type AuditPageCursor = AuditSearchQuery['cursor'];

/** Sequence numbers are positive bigints; anything else cannot name an event. */
export function isAuditSeq(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value);
}
