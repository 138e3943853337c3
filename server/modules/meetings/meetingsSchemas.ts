import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { asArray, optionalId, optionalText, withCalendarDates } from '../../shared/forms.ts';
import { sharingPurposes } from '../sharingAgreements/sharingPurposes.ts';

export const meetingKinds = ['charmm', 'jag', 'marac', 'other'] as const;

const date = (field: string, required: boolean) =>
  z.custom<CalendarDate>().transform((value, context) => {
    if (value.kind === 'date') return value.iso;
    if (value.kind === 'problem') context.addIssue({ code: 'custom', message: `meetings.errors.${field}.${value.problem}` });
    else if (required) context.addIssue({ code: 'custom', message: `meetings.errors.${field}.missing` });
    return null;
  });

export const seriesSchema = z.preprocess(
  withCalendarDates(['firstDate']),
  z.object({
    name: z.string({ error: 'meetings.errors.nameMissing' }).trim().min(1, 'meetings.errors.nameMissing').max(200, 'meetings.errors.nameTooLong'),
    kind: z.enum(meetingKinds, { error: 'meetings.errors.kindMissing' }),
    purpose: z.enum(sharingPurposes, { error: 'meetings.errors.purposeMissing' }),
    everyWeeks: z.coerce.number({ error: 'meetings.errors.everyWeeks' }).int('meetings.errors.everyWeeks').min(1, 'meetings.errors.everyWeeks').max(12, 'meetings.errors.everyWeeks'),
    firstDate: date('firstDate', true),
    startTime: z.string({ error: 'meetings.errors.startTime' }).trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'meetings.errors.startTime'),
    location: optionalText(200, 'meetings.errors.locationTooLong'),
    confidentialityStatement: z.string({ error: 'meetings.errors.statementMissing' }).trim().min(1, 'meetings.errors.statementMissing').max(4000, 'meetings.errors.statementTooLong'),
    members: z.preprocess(asArray, z.array(z.string().uuid('meetings.errors.membersMissing')).min(1, 'meetings.errors.membersMissing').max(60)),
  }),
);
export type SeriesInput = z.output<typeof seriesSchema>;
export const SERIES_FIELDS = ['name', 'kind', 'purpose', 'everyWeeks', 'firstDate', 'startTime', 'location', 'confidentialityStatement', 'members'];

export const flagSchema = z.object({
  seriesId: z.string({ error: 'meetings.errors.seriesMissing' }).uuid('meetings.errors.seriesMissing'),
  reason: z.string({ error: 'meetings.errors.reasonMissing' }).trim().min(1, 'meetings.errors.reasonMissing').max(1000, 'meetings.errors.reasonTooLong'),
});
export type FlagInput = z.output<typeof flagSchema>;

export const acceptSchema = z.object({
  accept: z.literal('yes', { error: 'meetings.errors.acceptMissing' }),
});

/** Minutes for one case, and optionally an action straight onto it. */
export const minutesSchema = z
  .preprocess(
    withCalendarDates(['actionDueDate']),
    z.object({
      minutes: z
        .string({ error: 'meetings.errors.minutesMissing' })
        .transform((value) => value.replace(/\r\n/g, '\n').trim())
        .pipe(z.string().min(1, 'meetings.errors.minutesMissing').max(10_000, 'meetings.errors.minutesTooLong')),
      actionTitle: optionalText(200, 'meetings.errors.actionTitleTooLong'),
      actionOwnerOrganisationId: optionalId,
      actionOwnerUserId: optionalId,
      actionDueDate: date('actionDueDate', false),
    }),
  )
  .superRefine((input, context) => {
    if (!input.actionTitle) return;
    if (!input.actionOwnerOrganisationId) context.addIssue({ code: 'custom', path: ['actionOwnerOrganisationId'], message: 'meetings.errors.actionOwnerMissing' });
    if (!input.actionDueDate) context.addIssue({ code: 'custom', path: ['actionDueDate'], message: 'meetings.errors.actionDueDate.missing' });
  });
export type MinutesInput = z.output<typeof minutesSchema>;
export const MINUTES_FIELDS = ['minutes', 'actionTitle', 'actionOwnerOrganisationId', 'actionOwnerUserId', 'actionDueDate'];
