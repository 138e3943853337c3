import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { optionalText, withCalendarDates } from '../../shared/forms.ts';
import { legalHoldSubjects, retentionActions, retentionLawfulBases, retentionRecordTypes } from './retentionRules.ts';

export const recordTypeParams = z.object({ recordType: z.enum(retentionRecordTypes) });
export const holdParams = z.object({ legalHoldId: z.string().uuid() });
export const runParams = z.object({ retentionRunId: z.string().uuid() });

export const SCHEDULE_FIELDS = ['periodNumber', 'periodUnit', 'action', 'lawfulBasis', 'legalReason', 'enabled'];

/** A schedule as typed: a number of months or years, the action, and the legal reason. */
export const scheduleSchema = z
  .object({
    periodNumber: z
      .string({ error: 'retention.errors.periodMissing' })
      .trim()
      .min(1, 'retention.errors.periodMissing')
      .regex(/^\d{1,4}$/, 'retention.errors.periodNotWhole')
      .transform(Number),
    periodUnit: z.enum(['months', 'years'], { error: 'retention.errors.periodUnitMissing' }),
    action: z.enum(retentionActions, { error: 'retention.errors.actionMissing' }),
    lawfulBasis: z.enum(retentionLawfulBases, { error: 'retention.errors.lawfulBasisMissing' }),
    legalReason: z
      .string({ error: 'retention.errors.legalReasonMissing' })
      .trim()
      .min(1, 'retention.errors.legalReasonMissing')
      .max(2000, 'retention.errors.legalReasonTooLong'),
    enabled: z.enum(['yes', 'no'], { error: 'retention.errors.enabledMissing' }).transform((value) => value === 'yes'),
  })
  .transform((input, context) => {
    const periodMonths = input.periodUnit === 'years' ? input.periodNumber * 12 : input.periodNumber;
    if (periodMonths < 1 || periodMonths > 1200) {
      context.addIssue({ code: 'custom', path: ['periodNumber'], message: 'retention.errors.periodOutOfRange' });
      return z.NEVER;
    }
    return { periodMonths, action: input.action, lawfulBasis: input.lawfulBasis, legalReason: input.legalReason, enabled: input.enabled };
  });

export type ScheduleInput = z.output<typeof scheduleSchema>;

export const HOLD_FIELDS = ['subjectKind', 'subject', 'reason', 'until'];
export const HOLD_DATE_FIELDS = ['until'] as const;

export const holdSchema = z.preprocess(
  withCalendarDates(HOLD_DATE_FIELDS),
  z.object({
    subjectKind: z.enum(legalHoldSubjects, { error: 'retention.errors.subjectKindMissing' }),
    subject: z.string({ error: 'retention.errors.subjectMissing' }).trim().min(1, 'retention.errors.subjectMissing').max(100, 'retention.errors.subjectNotFound'),
    reason: z.string({ error: 'retention.errors.holdReasonMissing' }).trim().min(1, 'retention.errors.holdReasonMissing').max(2000, 'retention.errors.textTooLong'),
    until: z.custom<CalendarDate>().transform((date, context) => {
      if (date.kind === 'blank') return null;
      if (date.kind === 'date') return date.iso;
      context.addIssue({ code: 'custom', message: `retention.errors.until.${date.problem}` });
      return null;
    }),
  }),
);

export type HoldInput = z.output<typeof holdSchema>;

export const releaseSchema = z.object({
  releaseReason: z.string({ error: 'retention.errors.releaseReasonMissing' }).trim().min(1, 'retention.errors.releaseReasonMissing').max(1000, 'retention.errors.textTooLong'),
});

export const approveSchema = z.object({
  confirm: z.literal('yes', { error: 'retention.errors.confirmMissing' }),
  note: optionalText(1000, 'retention.errors.textTooLong'),
});

export const rejectSchema = z.object({
  note: z.string({ error: 'retention.errors.rejectNoteMissing' }).trim().min(1, 'retention.errors.rejectNoteMissing').max(1000, 'retention.errors.textTooLong'),
});
