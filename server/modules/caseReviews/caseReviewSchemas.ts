import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { withCalendarDates } from '../../shared/forms.ts';
import { reportedToOptions } from './caseReviewThreshold.ts';

/** Longest answers the public form and staff forms accept. */
export const SHORT_TEXT_MAX = 200;
export const LONG_TEXT_MAX = 2000;
/** The most incidents one application lists; the threshold needs far fewer. */
export const MAX_INCIDENTS = 20;

export const applicationStatuses = ['received', 'acknowledged', 'threshold_met', 'threshold_not_met', 'review_scheduled', 'outcome_sent', 'closed'] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];
export const recommendationStatuses = ['agreed', 'in_progress', 'completed', 'not_completed'] as const;
export const hateAnswers = ['yes', 'no', 'not_sure'] as const;

const required = (field: string, max: number) =>
  z
    .string({ error: `caseReviews.errors.${field}.missing` })
    .trim()
    .min(1, `caseReviews.errors.${field}.missing`)
    .max(max, `caseReviews.errors.${field}.tooLong`);

const optional = (field: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `caseReviews.errors.${field}.tooLong`)
    .optional()
    .transform((value) => (value ? value : null));

const choice = <const T extends readonly [string, ...string[]]>(field: string, options: T) => z.enum(options, { error: `caseReviews.errors.${field}.missing` });

/** A required date as ISO; `rule` names what else is wrong with a possible date (e.g. `future`), or null. */
const dateField = (field: string, rule: (iso: string) => string | null) =>
  z.custom<CalendarDate>().transform((date, context) => {
    const problem = date.kind === 'blank' ? 'missing' : date.kind === 'problem' ? date.problem : rule(date.iso);
    if (problem) context.addIssue({ code: 'custom', message: `caseReviews.errors.${field}.${problem}` });
    return date.kind === 'date' ? date.iso : '';
  });

/** The answers of each page of the public form, validated one page at a time. */
export const questionSchemas = {
  applyingFor: z.object({ applyingFor: choice('applyingFor', ['self', 'someone_else']) }),
  applicantName: z.object({ applicantName: required('applicantName', SHORT_TEXT_MAX) }),
  personAffected: z.object({ victimName: required('victimName', SHORT_TEXT_MAX), relationship: required('relationship', SHORT_TEXT_MAX) }),
  contact: z.object({
    email: z
      .string({ error: 'caseReviews.errors.email.missing' })
      .trim()
      .min(1, 'caseReviews.errors.email.missing')
      .max(254, 'caseReviews.errors.email.tooLong')
      .pipe(z.email('caseReviews.errors.email.invalid')),
    phone: z
      .string()
      .trim()
      .max(30, 'caseReviews.errors.phone.tooLong')
      .regex(/^[0-9+() -]*$/, 'caseReviews.errors.phone.invalid')
      .optional()
      .transform((value) => (value ? value : null)),
  }),
  problem: z.object({ problemDescription: required('problemDescription', LONG_TEXT_MAX) }),
  location: z.object({ problemLocation: required('problemLocation', SHORT_TEXT_MAX) }),
  impact: z.object({ impact: required('impact', LONG_TEXT_MAX) }),
  vulnerability: z.object({ vulnerable: choice('vulnerable', ['yes', 'no']), vulnerabilityDetails: optional('vulnerabilityDetails', LONG_TEXT_MAX) }),
  hate: z.object({ hateMotivated: choice('hateMotivated', hateAnswers) }),
} as const;

export type QuestionId = keyof typeof questionSchemas;

/** One incident: when (not in the future), who it was reported to ("not reported" only on its own), their references. */
export function incidentSchema(today: () => string) {
  return z.preprocess(
    withCalendarDates(['occurredOn']),
    z
      .object({
        occurredOn: dateField('occurredOn', (iso) => (iso > today() ? 'future' : iso < '1990-01-01' ? 'tooOld' : null)),
        reportedTo: z.preprocess(
          (value) => (value === undefined || value === '' ? [] : [value].flat()),
          z.array(z.enum(reportedToOptions, { error: 'caseReviews.errors.reportedTo.missing' })).min(1, 'caseReviews.errors.reportedTo.missing'),
        ),
        agencyReferences: optional('agencyReferences', SHORT_TEXT_MAX),
        description: required('description', LONG_TEXT_MAX),
      })
      .superRefine((value, context) => {
        if (value.reportedTo.includes('not_reported') && value.reportedTo.length > 1) {
          context.addIssue({ code: 'custom', path: ['reportedTo'], message: 'caseReviews.errors.reportedTo.both' });
        }
      }),
  );
}

export type IncidentInput = z.output<ReturnType<typeof incidentSchema>>;

export const addAnotherSchema = z.object({ addAnother: choice('addAnother', ['yes', 'no']) });

/** The submit form: the honeypot is any text at all in a field people never see. */
export const submitSchema = z.looseObject({ website: z.string().optional() });

export const appealSchema = z.object({ reason: required('appealReason', LONG_TEXT_MAX) });

// Staff forms ---------------------------------------------------------------------------------

export const thresholdDecisionSchema = z
  .object({
    decision: choice('decision', ['met', 'not_met']),
    reason: optional('decisionReason', LONG_TEXT_MAX),
  })
  .superRefine((value, context) => {
    if (value.decision === 'not_met' && !value.reason) context.addIssue({ code: 'custom', path: ['reason'], message: 'caseReviews.errors.decisionReason.missing' });
  });

export function meetingSchema(today: () => string) {
  return z.preprocess(
    (body: unknown) => {
      const form = withCalendarDates(['meetingDate'])(body);
      return { ...form, organisationIds: form.organisationIds === undefined || form.organisationIds === '' ? [] : [form.organisationIds].flat() };
    },
    z.object({
      meetingDate: dateField('meetingDate', (iso) => (iso < today() ? 'past' : null)),
      meetingTime: z
        .string({ error: 'caseReviews.errors.meetingTime.missing' })
        .trim()
        .min(1, 'caseReviews.errors.meetingTime.missing')
        .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'caseReviews.errors.meetingTime.invalid'),
      location: required('meetingLocation', SHORT_TEXT_MAX),
      organisationIds: z.array(z.string()).min(1, 'caseReviews.errors.organisationIds.missing').max(50, 'caseReviews.errors.organisationIds.missing'),
      otherParticipants: optional('otherParticipants', LONG_TEXT_MAX),
    }),
  );
}

export function recommendationSchema(today: () => string) {
  return z.preprocess(
    withCalendarDates(['dueOn']),
    z.object({
      recommendation: required('recommendation', LONG_TEXT_MAX),
      ownerOrganisationId: z.string({ error: 'caseReviews.errors.ownerOrganisationId.missing' }).min(1, 'caseReviews.errors.ownerOrganisationId.missing'),
      dueOn: dateField('dueOn', (iso) => (iso < today() ? 'past' : null)),
    }),
  );
}

export const recommendationStatusSchema = z.object({ status: choice('recommendationStatus', recommendationStatuses) });

export const outcomeSchema = z.object({ outcomeSummary: required('outcomeSummary', LONG_TEXT_MAX * 2) });

export const appealDecisionSchema = z
  .object({
    appealDecision: choice('appealDecision', ['upheld', 'not_upheld']),
    response: required('appealResponse', LONG_TEXT_MAX),
  });

const count = (field: string, min: number, max: number) =>
  z.coerce
    .number({ error: `caseReviews.errors.${field}.invalid` })
    .int(`caseReviews.errors.${field}.invalid`)
    .min(min, `caseReviews.errors.${field}.invalid`)
    .max(max, `caseReviews.errors.${field}.invalid`);

export const settingsSchema = z.object({
  thresholdComplaints: count('thresholdComplaints', 1, 20),
  thresholdPeriodMonths: count('thresholdPeriodMonths', 1, 24),
  vulnerableThresholdComplaints: z.preprocess(
    (value) => (value === undefined || (typeof value === 'string' && value.trim() === '') ? null : value),
    count('vulnerableThresholdComplaints', 1, 20).nullable(),
  ),
  singleHateIncident: z.preprocess((value) => value === 'yes', z.boolean()),
  acknowledgeWorkingDays: count('acknowledgeWorkingDays', 0, 30),
  decisionWorkingDays: count('decisionWorkingDays', 1, 60),
  outcomeLetterTemplate: required('outcomeLetterTemplate', 20_000),
});

export type SettingsInput = z.output<typeof settingsSchema>;

export const statisticsQuerySchema = z.object({ year: z.coerce.number().int().min(2000).max(2100).optional().catch(undefined) });
