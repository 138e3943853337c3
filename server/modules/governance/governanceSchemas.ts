import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { withCalendarDates } from '../../shared/forms.ts';
import { measureDirections, measureSources, measureUnits } from './measureRules.ts';
import { isQuarter } from './quarters.ts';

const SHORT = 200;
const LONG = 4000;

const required = (field: string, max: number) =>
  z
    .string({ error: `governance.errors.${field}.missing` })
    .trim()
    .min(1, `governance.errors.${field}.missing`)
    .max(max, `governance.errors.${field}.tooLong`);

const optional = (field: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `governance.errors.${field}.tooLong`)
    .optional()
    .transform((value) => (value ? value : null));

const choice = <const T extends readonly [string, ...string[]]>(field: string, options: T) => z.enum(options, { error: `governance.errors.${field}.missing` });

const dateField = (field: string) =>
  z.custom<CalendarDate>().transform((date, context) => {
    const problem = date.kind === 'blank' ? 'missing' : date.kind === 'problem' ? date.problem : null;
    if (problem) context.addIssue({ code: 'custom', message: `governance.errors.${field}.${problem}` });
    return date.kind === 'date' ? date.iso : '';
  });

export const signSchema = z.object({
  jobTitle: required('jobTitle', SHORT),
  confirm: z.literal('yes', { error: 'governance.errors.confirm.missing' }),
});

export const draftDetailsSchema = z.preprocess(
  withCalendarDates(['startsOn', 'endsOn']),
  z
    .object({
      title: required('title', SHORT),
      vision: required('vision', LONG),
      startsOn: dateField('startsOn'),
      endsOn: dateField('endsOn'),
    })
    .superRefine((value, context) => {
      if (value.startsOn && value.endsOn && value.endsOn <= value.startsOn) context.addIssue({ code: 'custom', path: ['endsOn'], message: 'governance.errors.endsOn.beforeStart' });
    }),
);

export const prioritySchema = z.object({
  title: required('priorityTitle', SHORT),
  description: optional('priorityDescription', LONG).transform((value) => value ?? ''),
});

export const commitmentSchema = z.object({
  organisationId: z.string({ error: 'governance.errors.organisationId.missing' }).min(1, 'governance.errors.organisationId.missing'),
  commitment: required('commitment', LONG),
});

/** The measure form before its figures are read: baseline and target stay text until the unit is known. */
export const measureSchema = z.preprocess(
  withCalendarDates(['dueOn']),
  z.object({
    title: required('measureTitle', SHORT),
    source: choice('source', measureSources),
    unit: choice('unit', measureUnits),
    direction: choice('direction', measureDirections),
    baseline: z.string({ error: 'governance.errors.baseline.missing' }).trim().max(30, 'governance.errors.baseline.invalid'),
    target: z.string({ error: 'governance.errors.target.missing' }).trim().max(30, 'governance.errors.target.invalid'),
    dueOn: dateField('dueOn'),
  }),
);
export type MeasureForm = z.output<typeof measureSchema>;

export const publishSchema = z.object({ draftId: z.string({ error: 'governance.errors.publish.stale' }).min(1, 'governance.errors.publish.stale') });

export const figureSchema = z.object({
  quarter: z.string({ error: 'governance.errors.quarter.missing' }).refine(isQuarter, 'governance.errors.quarter.missing'),
  value: z.string({ error: 'governance.errors.value.missing' }).trim().max(30, 'governance.errors.value.invalid'),
  note: optional('note', SHORT),
});

export const settingsSchema = z.object({
  population: z
    .string({ error: 'governance.errors.population.missing' })
    .trim()
    .transform((value) => value.replace(/,/g, ''))
    .pipe(z.string().regex(/^[1-9]\d{0,8}$/, 'governance.errors.population.invalid'))
    .transform(Number),
});

const time = (field: string) =>
  z
    .string({ error: `governance.errors.${field}.missing` })
    .trim()
    .min(1, `governance.errors.${field}.missing`)
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, `governance.errors.${field}.invalid`);

export const eventKinds = ['assembly', 'workshop', 'meeting', 'other'] as const;

/** Agenda lines are "10:00 Welcome" or just "Welcome"; workshop lines are titles. */
export function agendaLines(text: string): { time: string | null; title: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^([01]?\d|2[0-3])[:.]([0-5]\d)\s+(.+)$/.exec(line);
      return match ? { time: `${match[1]!.padStart(2, '0')}:${match[2]}`, title: match[3]!.slice(0, SHORT) } : { time: null, title: line.slice(0, SHORT) };
    });
}

export const eventSchema = z.preprocess(
  withCalendarDates(['eventDate']),
  z
    .object({
      title: required('eventTitle', SHORT),
      kind: choice('kind', eventKinds),
      description: optional('eventDescription', LONG).transform((value) => value ?? ''),
      venue: required('venue', SHORT),
      eventDate: dateField('eventDate'),
      startTime: time('startTime'),
      endTime: time('endTime'),
      capacity: z
        .string({ error: 'governance.errors.capacity.missing' })
        .trim()
        .regex(/^[1-9]\d{0,4}$/, 'governance.errors.capacity.invalid')
        .transform(Number),
      agenda: optional('agenda', LONG).transform((value) => agendaLines(value ?? '')),
      workshops: optional('workshops', LONG).transform((value) => agendaLines(value ?? '').map((line) => (line.time ? `${line.time} ${line.title}` : line.title))),
    })
    .superRefine((value, context) => {
      const minutes = (text: string) => Number(text.split(':')[0]) * 60 + Number(text.split(':')[1]);
      if (/:/.test(value.startTime) && /:/.test(value.endTime) && minutes(value.endTime) <= minutes(value.startTime)) {
        context.addIssue({ code: 'custom', path: ['endTime'], message: 'governance.errors.endTime.beforeStart' });
      }
    }),
);
export type EventForm = z.output<typeof eventSchema>;

export const guestSchema = z.object({
  name: required('guestName', SHORT),
  email: z
    .string({ error: 'governance.errors.email.missing' })
    .trim()
    .toLowerCase()
    .min(1, 'governance.errors.email.missing')
    .max(254, 'governance.errors.email.invalid')
    .pipe(z.email('governance.errors.email.invalid')),
  organisationName: required('organisationName', SHORT),
});

const rating = (field: string) => z.enum(['1', '2', '3', '4', '5'], { error: `governance.errors.${field}.missing` }).transform(Number);

export const feedbackSchema = z.object({
  overallRating: rating('overallRating'),
  usefulnessRating: rating('usefulnessRating'),
  wentWell: optional('wentWell', LONG),
  improve: optional('improve', LONG),
});

export const followUpSchema = z.object({
  youSaid: required('youSaid', LONG),
  weWill: required('weWill', LONG),
  ownerOrganisationId: z.string({ error: 'governance.errors.ownerOrganisationId.missing' }).min(1, 'governance.errors.ownerOrganisationId.missing'),
});

export const followUpStatuses = ['planned', 'in_progress', 'done'] as const;
export const followUpStatusSchema = z
  .object({
    status: choice('followUpStatus', followUpStatuses),
    weDid: optional('weDid', LONG),
  })
  .superRefine((value, context) => {
    if (value.status === 'done' && !value.weDid) context.addIssue({ code: 'custom', path: ['weDid'], message: 'governance.errors.weDid.missing' });
  });

export const transparencyQuerySchema = z.object({
  quarter: z.string().refine(isQuarter).optional().catch(undefined),
  year: z.coerce.number().int().min(2000).max(2100).optional().catch(undefined),
});
