import { z } from 'zod';
import type { PathwayQuestion } from '../../db/schema.ts';

export const referralUrgencies = ['immediate', 'hours_24', 'working_days_5', 'routine'] as const;
export type ReferralUrgency = (typeof referralUrgencies)[number];

export const referralStatuses = ['received', 'acknowledged', 'more_info_requested', 'accepted', 'declined', 'withdrawn'] as const;
export type ReferralStatus = (typeof referralStatuses)[number];

/** Statuses in which the receiver still owes an answer: the inbox, the clocks and the dashboard's "open". */
export const openReferralStatuses = ['received', 'acknowledged', 'more_info_requested'] as const satisfies readonly ReferralStatus[];

/**
 * UK GDPR Article 6 bases, plus section 115 of the Crime and Disorder Act 1998 (the power most
 * community-safety sharing relies on). Until information-sharing agreements exist, the basis is
 * recorded and required; afterwards it will be checked against the agreement.
 */
export const lawfulBases = ['public_task', 'legal_obligation', 'vital_interests', 'consent', 'legitimate_interests', 'crime_and_disorder_act'] as const;
export const consentOptions = ['given', 'refused', 'not_sought'] as const;
export const declineCodes = ['not_eligible', 'insufficient_information', 'already_known', 'no_capacity', 'wrong_service', 'other'] as const;

const requiredText = (field: string, max: number) =>
  z
    .string({ error: `referrals.errors.${field}Missing` })
    .trim()
    .min(1, `referrals.errors.${field}Missing`)
    .max(max, `referrals.errors.${field}TooLong`);

const optionalText = (field: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `referrals.errors.${field}TooLong`)
    .optional()
    .transform((value) => (value ? value : null));

/** A form without its version cannot prove it saw the latest state: it is treated as stale. */
const version = z.coerce.number().int().catch(0);

export const newReferralSchema = z
  .object({
    pathway: z
      .string()
      .optional()
      .transform((value) => (value ? value : null)),
    toOrganisationId: requiredText('toOrganisationId', 100),
    toTeam: optionalText('toTeam', 200),
    urgency: z.enum(referralUrgencies, { error: 'referrals.errors.urgencyMissing' }),
    reason: requiredText('reason', 4000),
    requested: requiredText('requested', 4000),
    informationShared: requiredText('informationShared', 8000),
    lawfulBasis: z.enum(lawfulBases, { error: 'referrals.errors.lawfulBasisMissing' }),
    lawfulBasisDetail: optionalText('lawfulBasisDetail', 1000),
    consent: z.enum(consentOptions, { error: 'referrals.errors.consentMissing' }),
    consentReason: optionalText('consentReason', 2000),
  })
  .passthrough()
  .superRefine((value, context) => {
    if (value.consent !== 'given' && !value.consentReason) {
      context.addIssue({ code: 'custom', path: ['consentReason'], message: 'referrals.errors.consentReasonMissing' });
    }
  });

export type NewReferralInput = z.output<typeof newReferralSchema>;

export const versionSchema = z.object({ version });

export const acceptSchema = z.object({
  version,
  // Only for a referral about a person without a case: the type of the case the receiver opens.
  caseType: z
    .string()
    .optional()
    .transform((value) => (value ? value : null)),
});
export type AcceptInput = z.output<typeof acceptSchema>;

export const declineSchema = z.object({
  version,
  declineCode: z.enum(declineCodes, { error: 'referrals.errors.declineCodeMissing' }),
  declineReason: requiredText('declineReason', 2000),
});
export type DeclineInput = z.output<typeof declineSchema>;

export const moreInfoSchema = z.object({ version, moreInfoRequest: requiredText('moreInfoRequest', 2000) });
export type MoreInfoInput = z.output<typeof moreInfoSchema>;

export const provideInfoSchema = z.object({ version, information: requiredText('information', 8000) });
export type ProvideInfoInput = z.output<typeof provideInfoSchema>;

export const withdrawSchema = z.object({ version, withdrawalReason: requiredText('withdrawalReason', 2000) });
export type WithdrawInput = z.output<typeof withdrawSchema>;

export const inboxQuerySchema = z.object({
  status: z.enum(['open', 'all', ...referralStatuses]).catch('open'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type InboxQuery = z.output<typeof inboxQuerySchema>;

/** At most this many extra questions on one pathway: a referral form, not a questionnaire. */
export const MAX_PATHWAY_QUESTIONS = 10;
/** Deadlines a pathway may set for itself: up to 30 days. */
const MAX_DEADLINE_MINUTES = 30 * 24 * 60;

const minutesField = (max: number, message: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, context) => {
      if (!value) return null;
      const minutes = Number(value);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > max) context.addIssue({ code: 'custom', message });
      return minutes;
    });

const checkboxes = z.preprocess((value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]), z.array(z.string()));

export const pathwaySchema = z
  .object({
    name: requiredText('pathwayName', 200),
    description: z.string().trim().max(2000, 'referrals.errors.pathwayDescriptionTooLong').optional().transform((value) => value ?? ''),
    active: z
      .enum(['yes', 'no'], { error: 'referrals.errors.activeMissing' })
      .optional()
      .transform((value) => value !== 'no'),
    fromOrganisationTypes: checkboxes,
    toOrganisationId: z
      .string()
      .optional()
      .transform((value) => (value ? value : null)),
    defaultUrgency: z.enum(referralUrgencies, { error: 'referrals.errors.urgencyMissing' }),
    acknowledgeWithinMinutes: minutesField(MAX_DEADLINE_MINUTES, 'referrals.errors.acknowledgeWithinInvalid'),
    decideWithinMinutes: minutesField(MAX_DEADLINE_MINUTES, 'referrals.errors.decideWithinInvalid'),
    deadlineClock: z
      .enum(['elapsed', 'working'], { error: 'referrals.errors.deadlineClockMissing' })
      .optional(),
    handoverTargetMinutes: minutesField(24 * 60, 'referrals.errors.handoverTargetInvalid'),
  })
  .passthrough()
  .superRefine((value, context) => {
    const { acknowledgeWithinMinutes: acknowledge, decideWithinMinutes: decide } = value;
    if ((acknowledge || decide) && !value.deadlineClock) context.addIssue({ code: 'custom', path: ['deadlineClock'], message: 'referrals.errors.deadlineClockMissing' });
    if (acknowledge && decide && decide < acknowledge) context.addIssue({ code: 'custom', path: ['decideWithinMinutes'], message: 'referrals.errors.decideBeforeAcknowledge' });
  });
export type PathwayInput = z.output<typeof pathwaySchema>;

/** One row of the pathway's question list as posted: `question-<n>-<part>`. */
export interface PostedQuestion {
  row: number;
  key: string;
  text: string;
  kind: string;
  required: boolean;
  immediateIfYes: boolean;
}

/** The question rows of a posted pathway form, in order, leaving out rows left completely empty or marked for removal. */
export function postedQuestions(body: Record<string, unknown>): PostedQuestion[] {
  const rows = new Set<number>();
  for (const field of Object.keys(body)) {
    const match = /^question-(\d{1,3})-/.exec(field);
    if (match) rows.add(Number(match[1]));
  }
  const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
  return [...rows]
    .sort((a, b) => a - b)
    .map((row) => {
      const part = (name: string) => body[`question-${row}-${name}`];
      return { row, key: text(part('key')), text: text(part('text')), kind: text(part('kind')), required: part('required') === 'yes', immediateIfYes: part('immediateIfYes') === 'yes', remove: part('remove') === 'yes' };
    })
    .filter((question) => !question.remove && (question.key || question.text || question.kind || question.required || question.immediateIfYes))
    .map(({ remove: _remove, ...question }) => question);
}

const QUESTION_KINDS = ['yes_no', 'text'] as const;
const QUESTION_KEY = /^[A-Za-z][A-Za-z0-9]{0,39}$/;

/**
 * Checks the posted question rows and turns them into the pathway's questions. A row keeps its
 * key (so that the starting pathways' questions keep their meaning and translations); a new
 * row gets a fresh one.
 */
export function validateQuestions(posted: PostedQuestion[], newKey: () => string): { questions: PathwayQuestion[]; fieldErrors: Record<string, string> } {
  const fieldErrors: Record<string, string> = {};
  if (posted.length > MAX_PATHWAY_QUESTIONS) fieldErrors.questions = 'referrals.errors.questionsTooMany';
  const seen = new Set<string>();
  const questions = posted.map((question): PathwayQuestion => {
    if (!question.text) fieldErrors[`question-${question.row}-text`] = 'referrals.errors.questionTextMissing';
    else if (question.text.length > 500) fieldErrors[`question-${question.row}-text`] = 'referrals.errors.questionTextTooLong';
    const kind = (QUESTION_KINDS as readonly string[]).includes(question.kind) ? (question.kind as PathwayQuestion['kind']) : undefined;
    if (!kind) fieldErrors[`question-${question.row}-kind`] = 'referrals.errors.questionKindMissing';
    const key = QUESTION_KEY.test(question.key) && !seen.has(question.key) ? question.key : newKey();
    seen.add(key);
    return {
      key,
      kind: kind ?? 'text',
      required: question.required,
      text: question.text,
      ...(kind === 'yes_no' && question.immediateIfYes ? { immediateIfYes: true } : {}),
    };
  });
  return { questions, fieldErrors };
}
