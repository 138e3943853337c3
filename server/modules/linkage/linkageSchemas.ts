import { z } from 'zod';
import { optionalText } from '../../shared/forms.ts';

export const reviewSorts = ['oldest', 'weight'] as const;

export const reviewQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  sort: z.enum(reviewSorts).catch('oldest'),
});

export const rejectSchema = z.object({
  reason: optionalText(1000, 'linkage.errors.reasonTooLong'),
});
export type RejectInput = z.output<typeof rejectSchema>;
