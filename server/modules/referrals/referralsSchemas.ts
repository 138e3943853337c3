import { z } from 'zod';

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

export const pathwayUpdateSchema = z.object({
  active: z.enum(['yes', 'no'], { error: 'referrals.errors.activeMissing' }).transform((value) => value === 'yes'),
  toOrganisationId: z
    .string()
    .optional()
    .transform((value) => (value ? value : null)),
  defaultUrgency: z.enum(referralUrgencies, { error: 'referrals.errors.urgencyMissing' }),
  handoverTargetMinutes: z
    .string()
    .trim()
    .optional()
    .transform((value, context) => {
      if (!value) return null;
      const minutes = Number(value);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) context.addIssue({ code: 'custom', message: 'referrals.errors.handoverTargetInvalid' });
      return minutes;
    }),
});
export type PathwayUpdateInput = z.output<typeof pathwayUpdateSchema>;
