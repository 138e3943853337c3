import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { asArray, optionalText, withCalendarDates } from '../../shared/forms.ts';
import { isUuid } from '../../shared/ids.ts';

export const requesterRelationships = ['self', 'representative'] as const;

const requiredText = (field: string, max: number) =>
  z
    .string({ error: `dataProtection.errors.${field}Missing` })
    .trim()
    .min(1, `dataProtection.errors.${field}Missing`)
    .max(max, `dataProtection.errors.${field}TooLong`);

/** The request form: who asked, about whom (chosen through the person search), when, and whether their identity is verified. */
export const newRequestSchema = z.preprocess(
  withCalendarDates(['receivedOn']),
  z.object({
    personId: z.string({ error: 'dataProtection.errors.personMissing' }).refine(isUuid, 'dataProtection.errors.personMissing'),
    requesterName: requiredText('requesterName', 200),
    requesterRelationship: z.enum(requesterRelationships, { error: 'dataProtection.errors.relationshipMissing' }),
    identityVerified: z.enum(['yes', 'no'], { error: 'dataProtection.errors.identityMissing' }).transform((value) => value === 'yes'),
    receivedOn: z.custom<CalendarDate>().transform((date, context) => {
      if (date.kind === 'date') return date.iso;
      context.addIssue({ code: 'custom', message: `dataProtection.errors.receivedOn.${date.kind === 'blank' ? 'missing' : date.problem}` });
      return '';
    }),
  }),
);
export type NewRequestInput = z.output<typeof newRequestSchema>;

export const extendSchema = z.object({
  extensionMonths: z.enum(['1', '2'], { error: 'dataProtection.errors.extensionMonthsMissing' }).transform(Number),
  extensionReason: requiredText('extensionReason', 2000),
  version: z.coerce.number().int().catch(0),
});
export type ExtendInput = z.output<typeof extendSchema>;

const itemKey = z.string().regex(/^(person|incident_person|note):[0-9a-f-]{36}$/);

/** Ticked boxes: the items to redact, and the unlinked incident records confirmed as this person. */
export const redactionsSchema = z.object({
  redact: z.preprocess(asArray, z.array(itemKey).max(5_000)),
  confirm: z.preprocess(asArray, z.array(itemKey).max(5_000)),
  version: z.coerce.number().int().catch(0),
});
export type RedactionsInput = z.output<typeof redactionsSchema>;

export const approveSchema = z.object({
  identityConfirmed: z.literal('yes').optional().catch(undefined),
  version: z.coerce.number().int().catch(0),
});
export type ApproveInput = z.output<typeof approveSchema>;

export const requestListQuerySchema = z.object({
  status: z.enum(['open', 'approved']).optional().catch(undefined),
});

/** A person picked from the search results (`?personId=`), or the name searched for. */
export const personPickQuerySchema = z.object({
  personId: z.string().refine(isUuid).optional().catch(undefined),
});

export const flagsSchema = z
  .object({
    rectificationRequested: optionalText(2000, 'dataProtection.errors.rectificationTooLong'),
    restricted: z.enum(['yes', 'no']).catch('no').transform((value) => value === 'yes'),
    restrictionReason: optionalText(2000, 'dataProtection.errors.restrictionReasonTooLong'),
  })
  .superRefine((value, context) => {
    if (value.restricted && !value.restrictionReason) context.addIssue({ code: 'custom', path: ['restrictionReason'], message: 'dataProtection.errors.restrictionReasonMissing' });
  });
export type FlagsInput = z.output<typeof flagsSchema>;

const bounded = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).catch(fallback);

export const ANOMALY_DEFAULTS = { days: 30, outsideThreshold: 20, outOfHoursThreshold: 10 } as const;

/** The anomaly report's window and thresholds, from the query string; anything odd falls back to the default. */
export const anomalyQuerySchema = z.object({
  days: bounded(1, 366, ANOMALY_DEFAULTS.days),
  outsideThreshold: bounded(1, 100_000, ANOMALY_DEFAULTS.outsideThreshold),
  outOfHoursThreshold: bounded(1, 100_000, ANOMALY_DEFAULTS.outOfHoursThreshold),
});
export type AnomalyQuery = z.output<typeof anomalyQuerySchema>;

export const accessReviewQuerySchema = z.object({
  personId: z.string().refine(isUuid).optional().catch(undefined),
});
