import { z } from 'zod';
import { optionalId, optionalText } from '../../shared/forms.ts';
import { casePriorities, caseStatuses, outcomeCodes } from './caseWorkflow.ts';

export const caseSchema = z.object({
  caseType: z.string({ error: 'cases.errors.typeMissing' }).min(1, 'cases.errors.typeMissing'),
  priority: z.enum(casePriorities, { error: 'cases.errors.priorityMissing' }),
  summary: z.string({ error: 'cases.errors.summaryMissing' }).trim().min(1, 'cases.errors.summaryMissing').max(2000, 'cases.errors.summaryTooLong'),
  area: optionalText(100, 'cases.errors.areaTooLong'),
  leadOfficerId: optionalId,
  version: z.coerce.number().int().optional(),
});

export type CaseInput = z.output<typeof caseSchema>;

export const transitionSchema = z
  .object({
    transition: z.string({ error: 'cases.errors.transitionMissing' }).min(1, 'cases.errors.transitionMissing'),
    outcome: z.enum(outcomeCodes).optional().or(z.literal('').transform(() => undefined)),
    closureReason: optionalText(2000, 'cases.errors.reasonTooLong'),
    reason: optionalText(2000, 'cases.errors.reasonTooLong'),
    version: z.coerce.number().int(),
  })
  .superRefine((value, context) => {
    if (value.transition === 'close') {
      if (!value.outcome) context.addIssue({ code: 'custom', path: ['outcome'], message: 'cases.errors.outcomeMissing' });
      if (!value.closureReason) context.addIssue({ code: 'custom', path: ['closureReason'], message: 'cases.errors.closureReasonMissing' });
    }
    if (value.transition === 'reopen' && !value.reason) context.addIssue({ code: 'custom', path: ['reason'], message: 'cases.errors.reopenReasonMissing' });
  });

export type TransitionInput = z.output<typeof transitionSchema>;

export const agencySchema = z.object({
  organisationId: z.string({ error: 'cases.errors.agencyMissing' }).min(1, 'cases.errors.agencyMissing'),
});

export const casePersonRoles = ['victim', 'alleged_perpetrator', 'witness', 'person_at_risk', 'household_member', 'complainant'] as const;

export const personRoleSchema = z.object({
  role: z.enum(casePersonRoles, { error: 'cases.errors.personRoleMissing' }),
});

export const linkPersonSchema = personRoleSchema.extend({
  personId: z.string({ error: 'cases.errors.personMissing' }).min(1, 'cases.errors.personMissing'),
});

export const linkCaseSchema = z.object({
  reference: z.string({ error: 'cases.errors.referenceMissing' }).trim().min(1, 'cases.errors.referenceMissing').max(30, 'cases.errors.referenceUnknown'),
});

export const caseListQuerySchema = z.object({
  view: z.enum(['mine', 'organisation']).catch('organisation'),
  status: z.string().optional().catch(undefined),
  caseType: z.string().optional().catch(undefined),
  priority: z.enum(casePriorities).optional().catch(undefined),
  includeClosed: z.enum(['yes']).optional().catch(undefined),
  sort: z.enum(['reference', 'opened', 'priority', 'review']).catch('opened'),
  direction: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});

export type CaseListQuery = z.output<typeof caseListQuerySchema>;

/** The list's filters and order as the repository takes them (an unknown status is no filter), for the page and its download. */
export function caseListFilters(query: CaseListQuery) {
  return {
    view: query.view,
    status: (caseStatuses as readonly string[]).includes(query.status ?? '') ? query.status : undefined,
    caseType: query.caseType || undefined,
    priority: query.priority,
    includeClosed: query.includeClosed === 'yes',
    sort: query.sort,
    direction: query.direction,
  };
}
