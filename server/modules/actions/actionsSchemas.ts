import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { optionalId, optionalText, withCalendarDates } from '../../shared/forms.ts';

export const actionStatuses = ['open', 'in_progress', 'done', 'cancelled'] as const;
export type ActionStatus = (typeof actionStatuses)[number];

/** Statuses in which an action still needs doing: only these can be overdue or due. */
export const unfinishedActionStatuses = ['open', 'in_progress'] as const satisfies readonly ActionStatus[];

/** The legal and non-legal stages of the ASB escalation ladder, mildest first. */
export const interventionStages = [
  'warning_letter',
  'acceptable_behaviour_agreement',
  'community_protection_warning',
  'community_protection_notice',
  'civil_injunction',
  'closure_order',
  'criminal_behaviour_order',
  'public_spaces_protection_order',
  'mediation',
  'support_referral',
] as const;

export const interventionStatuses = ['planned', 'issued', 'breached', 'complied', 'expired', 'withdrawn'] as const;

/** A date input's calendar date as ISO, or null when left blank; an impossible date is an error on the field. */
const optionalDate = (field: string) =>
  z.custom<CalendarDate>().transform((date, context) => {
    if (date.kind === 'date') return date.iso;
    if (date.kind === 'problem') context.addIssue({ code: 'custom', message: `actions.errors.${field}.${date.problem}` });
    return null;
  });

const requiredDate = (field: string) =>
  optionalDate(field).transform((iso, context) => {
    if (iso === null) context.addIssue({ code: 'custom', message: `actions.errors.${field}.missing` });
    return iso ?? '';
  });

export const newActionSchema = z.preprocess(
  withCalendarDates(['dueDate']),
  z.object({
    title: z.string({ error: 'actions.errors.titleMissing' }).trim().min(1, 'actions.errors.titleMissing').max(200, 'actions.errors.titleTooLong'),
    description: optionalText(2000, 'actions.errors.descriptionTooLong'),
    ownerOrganisationId: z.string({ error: 'actions.errors.ownerOrganisationMissing' }).min(1, 'actions.errors.ownerOrganisationMissing'),
    ownerUserId: optionalId,
    dueDate: requiredDate('dueDate'),
  }),
);

export type NewActionInput = z.output<typeof newActionSchema>;

export const actionUpdateSchema = z.preprocess(
  withCalendarDates(['dueDate']),
  z.object({
    status: z.enum(actionStatuses, { error: 'actions.errors.statusMissing' }),
    description: optionalText(2000, 'actions.errors.descriptionTooLong'),
    ownerUserId: optionalId,
    dueDate: requiredDate('dueDate'),
    // A form without its version cannot prove it saw the latest save: it is treated as stale.
    version: z.coerce.number().int().catch(0),
  }),
);

export type ActionUpdateInput = z.output<typeof actionUpdateSchema>;

export const interventionSchema = z.preprocess(
  withCalendarDates(['issuedOn', 'reviewOn', 'expiresOn']),
  z
    .object({
      stage: z.enum(interventionStages, { error: 'actions.errors.stageMissing' }),
      personId: optionalId,
      status: z.enum(interventionStatuses, { error: 'actions.errors.interventionStatusMissing' }),
      issuedOn: optionalDate('issuedOn'),
      reviewOn: optionalDate('reviewOn'),
      expiresOn: optionalDate('expiresOn'),
      notes: optionalText(2000, 'actions.errors.notesTooLong'),
    })
    .superRefine((value, context) => {
      if (value.issuedOn && value.expiresOn && value.expiresOn < value.issuedOn) {
        context.addIssue({ code: 'custom', path: ['expiresOn'], message: 'actions.errors.expiresBeforeIssued' });
      }
    }),
);

export type InterventionInput = z.output<typeof interventionSchema>;

export const actionsDueQuerySchema = z.object({
  view: z.enum(['organisation', 'mine']).catch('organisation'),
  direction: z.enum(['asc', 'desc']).catch('asc'),
});

export type ActionsDueQuery = z.output<typeof actionsDueQuerySchema>;

/** A stored ISO date as the three boxes of a date input. */
export function dateInputValues(field: string, isoDate: string | null): Record<string, string> {
  const [year, month, day] = isoDate?.split('-') ?? [];
  return {
    [`${field}-day`]: day ? String(Number(day)) : '',
    [`${field}-month`]: month ? String(Number(month)) : '',
    [`${field}-year`]: year ?? '',
  };
}
