import { z } from 'zod';
import { asArray, optionalText } from '../../shared/forms.ts';
import { alertRuleCodes } from './alertRules.ts';

export const alertStatuses = ['open', 'case_opened', 'added_to_case', 'dismissed'] as const;
export const dismissReasons = ['already_known', 'not_a_concern', 'insufficient_information', 'linkage_wrong', 'handled_elsewhere', 'other'] as const;
export const harmGroups = ['asb', 'welfare', 'mental_health', 'exploitation', 'drugs', 'violence', 'domestic_abuse', 'hate', 'missed_contact', 'housing', 'environmental', 'crime', 'other'] as const;
export const vulnerabilityMarkers = [
  'mental_health', 'learning_disability', 'physical_disability', 'substance_use', 'child', 'older_person', 'care_leaver',
  'homeless', 'hoarding', 'cuckooing_risk', 'exploitation_risk', 'domestic_abuse', 'self_neglect', 'other',
] as const;

export const alertListQuerySchema = z.object({
  rule: z.enum(alertRuleCodes).optional().catch(undefined),
  status: z.enum([...alertStatuses, 'all']).catch('open').default('open'),
  mine: z.literal('yes').optional().catch(undefined).transform((value) => value === 'yes'),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});

export const assignSchema = z.object({
  assigneeId: z.string({ error: 'alerts.errors.assigneeMissing' }).uuid('alerts.errors.assigneeMissing'),
});

export const dismissSchema = z
  .object({
    reason: z.enum(dismissReasons, { error: 'alerts.errors.reasonMissing' }),
    detail: optionalText(2000, 'alerts.errors.detailTooLong'),
  })
  .superRefine((value, context) => {
    if (value.reason === 'other' && !value.detail) context.addIssue({ code: 'custom', path: ['detail'], message: 'alerts.errors.detailMissing' });
  });
export type DismissInput = z.output<typeof dismissSchema>;

export const addToCaseSchema = z.object({
  reference: z.string({ error: 'alerts.errors.referenceMissing' }).trim().min(1, 'alerts.errors.referenceMissing').max(40, 'alerts.errors.referenceMissing').transform((value) => value.toUpperCase()),
});

const wholeNumber = (min: number, max: number, message: string) => z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);

export const ruleSchema = z.object({
  enabled: z.literal('yes').optional().transform((value) => value === 'yes'),
  windowDays: wholeNumber(1, 3650, 'alerts.errors.windowDays'),
  threshold: wholeNumber(1, 1000, 'alerts.errors.threshold'),
  harmGroups: z.preprocess(asArray, z.array(z.enum(harmGroups, { error: 'alerts.errors.harmGroups' }))),
  markers: z.preprocess(asArray, z.array(z.enum(vulnerabilityMarkers, { error: 'alerts.errors.markers' }))),
  factor: z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number({ error: 'alerts.errors.factor' }).min(1, 'alerts.errors.factor').max(100, 'alerts.errors.factor').optional()),
  gridMetres: z.preprocess((value) => (value === '' ? undefined : value), wholeNumber(10, 5000, 'alerts.errors.gridMetres').optional()),
});
export type RuleInput = z.output<typeof ruleSchema>;
