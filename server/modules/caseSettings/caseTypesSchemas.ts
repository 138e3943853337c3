import { z } from 'zod';

export const CASE_TYPE_NAME_MAX = 80;

/**
 * Prefixes other references already use from the shared counter (`case_reference_counters`):
 * a case type with one of them would issue references that look like a referral's or a review's.
 */
export const reservedReferencePrefixes = ['CR', 'REF'] as const;

const name = z
  .string({ error: 'caseSettings.types.errors.nameMissing' })
  .trim()
  .min(1, 'caseSettings.types.errors.nameMissing')
  .max(CASE_TYPE_NAME_MAX, 'caseSettings.types.errors.nameTooLong');

// People type "asb" as often as "ASB"; the rule is about letters, not the shift key.
const referencePrefix = z
  .string({ error: 'caseSettings.types.errors.prefixMissing' })
  .trim()
  .min(1, 'caseSettings.types.errors.prefixMissing')
  .transform((value) => value.toUpperCase())
  .pipe(
    z
      .string()
      .regex(/^[A-Z]{2,5}$/, 'caseSettings.types.errors.prefixFormat')
      .refine((value) => !(reservedReferencePrefixes as readonly string[]).includes(value), 'caseSettings.types.errors.prefixReserved'),
  );

export const newCaseTypeSchema = z.object({ name, referencePrefix });

export const caseTypeUpdateSchema = z.object({
  name,
  referencePrefix,
  active: z.enum(['yes', 'no'], { error: 'caseSettings.types.errors.activeMissing' }).transform((value) => value === 'yes'),
});

export const moveSchema = z.object({ direction: z.enum(['up', 'down'], { error: 'caseSettings.types.errors.directionMissing' }) });

export type NewCaseTypeInput = z.output<typeof newCaseTypeSchema>;
export type CaseTypeUpdateInput = z.output<typeof caseTypeUpdateSchema>;

/** The code a new type is stored under: its name in snake_case (letters without accents), e.g. youth_diversion. */
export function codeFromName(typed: string): string {
  const base = typed
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)
    .replace(/^_+|_+$/g, '');
  if (base === '') return 'case_type';
  return /^[0-9]/.test(base) ? `type_${base}` : base;
}
