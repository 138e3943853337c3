import { z } from 'zod';
import type { CalendarDate } from '../../shared/dates.ts';
import { asArray, optionalText, withCalendarDates } from '../../shared/forms.ts';
import { dataCategories, lawfulBases, sharingPurposes } from './sharingPurposes.ts';

const requiredDate = (field: string) =>
  z.custom<CalendarDate>().transform((date, context) => {
    if (date.kind === 'date') return date.iso;
    context.addIssue({ code: 'custom', message: `sharingAgreements.errors.${field}.${date.kind === 'blank' ? 'missing' : date.problem}` });
    return '';
  });

const codes = <T extends readonly [string, ...string[]]>(list: T, missing: string) =>
  z.preprocess(asArray, z.array(z.enum(list, { error: missing })).min(1, missing));

export const DATE_FIELDS = ['startsOn', 'reviewOn', 'endsOn'] as const;

export const agreementSchema = z
  .preprocess(
    withCalendarDates(DATE_FIELDS),
    z.object({
      title: z.string({ error: 'sharingAgreements.errors.titleMissing' }).trim().min(1, 'sharingAgreements.errors.titleMissing').max(200, 'sharingAgreements.errors.titleTooLong'),
      parties: z.preprocess(asArray, z.array(z.string().uuid('sharingAgreements.errors.partiesTooFew')).min(2, 'sharingAgreements.errors.partiesTooFew').max(60)),
      purposes: codes(sharingPurposes, 'sharingAgreements.errors.purposesMissing'),
      dataCategories: codes(dataCategories, 'sharingAgreements.errors.dataCategoriesMissing'),
      lawfulBases: codes(lawfulBases, 'sharingAgreements.errors.lawfulBasesMissing'),
      schedule1Condition: optionalText(500, 'sharingAgreements.errors.schedule1TooLong'),
      retention: z.string({ error: 'sharingAgreements.errors.retentionMissing' }).trim().min(1, 'sharingAgreements.errors.retentionMissing').max(2000, 'sharingAgreements.errors.textTooLong'),
      securityRequirements: z.string({ error: 'sharingAgreements.errors.securityMissing' }).trim().min(1, 'sharingAgreements.errors.securityMissing').max(2000, 'sharingAgreements.errors.textTooLong'),
      dpiaReference: optionalText(100, 'sharingAgreements.errors.dpiaTooLong'),
      startsOn: requiredDate('startsOn'),
      reviewOn: requiredDate('reviewOn'),
      endsOn: requiredDate('endsOn'),
    }),
  )
  .superRefine((input, context) => {
    if (new Set(input.parties).size !== input.parties.length) context.addIssue({ code: 'custom', path: ['parties'], message: 'sharingAgreements.errors.partiesTooFew' });
    // Special category data under Article 9(2)(g) needs the DPA 2018 Schedule 1 condition named.
    if (input.lawfulBases.includes('substantial_public_interest') && !input.schedule1Condition) {
      context.addIssue({ code: 'custom', path: ['schedule1Condition'], message: 'sharingAgreements.errors.schedule1Missing' });
    }
    if (input.dataCategories.includes('special_category') && !input.lawfulBases.includes('substantial_public_interest') && !input.lawfulBases.includes('consent')) {
      context.addIssue({ code: 'custom', path: ['lawfulBases'], message: 'sharingAgreements.errors.specialCategoryBasis' });
    }
    if (input.startsOn && input.endsOn && input.endsOn < input.startsOn) context.addIssue({ code: 'custom', path: ['endsOn'], message: 'sharingAgreements.errors.endsOn.beforeStart' });
    if (input.startsOn && input.reviewOn && (input.reviewOn < input.startsOn || (input.endsOn && input.reviewOn > input.endsOn))) {
      context.addIssue({ code: 'custom', path: ['reviewOn'], message: 'sharingAgreements.errors.reviewOn.outside' });
    }
  });

export type AgreementInput = z.output<typeof agreementSchema>;

export const signSchema = z.object({
  organisationId: z.string().uuid('sharingAgreements.errors.signOrganisationMissing'),
  confirm: z.literal('yes', { error: 'sharingAgreements.errors.signConfirmMissing' }),
});

export const withdrawSchema = z.object({
  reason: z.string({ error: 'sharingAgreements.errors.withdrawReasonMissing' }).trim().min(1, 'sharingAgreements.errors.withdrawReasonMissing').max(1000, 'sharingAgreements.errors.textTooLong'),
});

export const settingsSchema = z.object({
  enforcementEnabled: z.enum(['yes', 'no'], { error: 'sharingAgreements.errors.enforcementMissing' }).transform((value) => value === 'yes'),
  reviewReminderDays: z.coerce.number({ error: 'sharingAgreements.errors.reminderDays' }).int('sharingAgreements.errors.reminderDays').min(1, 'sharingAgreements.errors.reminderDays').max(365, 'sharingAgreements.errors.reminderDays'),
});

export const AGREEMENT_FIELDS = ['title', 'parties', 'purposes', 'dataCategories', 'lawfulBases', 'schedule1Condition', 'retention', 'securityRequirements', 'dpiaReference', 'startsOn', 'reviewOn', 'endsOn'];
