import { z } from 'zod';
import { asArray } from '../../shared/forms.ts';
import { apiScopes } from '../../shared/permissions.ts';

export const apiKeySchema = z.object({
  name: z.string({ error: 'apiKeys.errors.nameMissing' }).trim().min(1, 'apiKeys.errors.nameMissing').max(100, 'apiKeys.errors.nameTooLong'),
  organisationId: z
    .string()
    .optional()
    .transform((value) => value || undefined),
  scopes: z.preprocess(
    asArray,
    z.array(z.enum(apiScopes, { error: 'apiKeys.errors.scopeUnknown' })).min(1, 'apiKeys.errors.scopesMissing'),
  ),
});

export type ApiKeyInput = z.output<typeof apiKeySchema>;

/** The catalogue key naming a scope (i18next reads `:` as a namespace separator, so it is swapped). */
export function scopeLabelKey(scope: string): string {
  return `apiKeys.scopes.${scope.replace(':', '_')}`;
}
