import { z } from 'zod';
import { asArray } from '../../shared/forms.ts';
import { hasPermission, type Role, roles } from '../../shared/permissions.ts';

/** Roles that work on cases: the only ones whose note clearances mean anything. */
export const caseWorkingRoles = roles.filter((role) => hasPermission(role, 'case:view'));
export const clearableSensitivities = ['sensitive', 'health_restricted'] as const;
export const riskLevels = ['high', 'medium', 'standard'] as const;

const isCaseWorkingRole = (value: string): value is Role => (caseWorkingRoles as readonly string[]).includes(value);

const clearedRoles = z.preprocess(
  asArray,
  z
    .array(z.string())
    .refine((values) => values.every(isCaseWorkingRole), 'caseSettings.errors.roleUnknown')
    .transform((values) => values.filter(isCaseWorkingRole)),
);

const reviewDays = (level: (typeof riskLevels)[number]) =>
  z
    .string({ error: `caseSettings.errors.${level}.missing` })
    .trim()
    .min(1, `caseSettings.errors.${level}.missing`)
    .regex(/^\d+$/, `caseSettings.errors.${level}.wholeNumber`)
    .transform(Number)
    .pipe(z.number().min(1, `caseSettings.errors.${level}.range`).max(365, `caseSettings.errors.${level}.range`));

export const caseSettingsSchema = z.object({
  sensitive: clearedRoles,
  health_restricted: clearedRoles,
  highDays: reviewDays('high'),
  mediumDays: reviewDays('medium'),
  standardDays: reviewDays('standard'),
});

export type CaseSettingsInput = z.output<typeof caseSettingsSchema>;
