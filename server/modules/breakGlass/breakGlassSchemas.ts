import { z } from 'zod';

export const breakGlassSchema = z.object({
  reference: z.string({ error: 'breakGlass.errors.referenceMissing' }).trim().min(1, 'breakGlass.errors.referenceMissing').max(30, 'breakGlass.errors.noSuchCase'),
  reason: z
    .string({ error: 'breakGlass.errors.reasonMissing' })
    .trim()
    .min(1, 'breakGlass.errors.reasonMissing')
    .min(10, 'breakGlass.errors.reasonTooShort')
    .max(2000, 'breakGlass.errors.reasonTooLong'),
});

export type BreakGlassInput = z.output<typeof breakGlassSchema>;

export const reviewOutcomes = ['justified', 'not_justified'] as const;

export const reviewSchema = z.object({
  outcome: z.enum(reviewOutcomes, { error: 'breakGlass.errors.outcomeMissing' }),
  comment: z.string({ error: 'breakGlass.errors.commentMissing' }).trim().min(1, 'breakGlass.errors.commentMissing').max(2000, 'breakGlass.errors.commentTooLong'),
});

export type ReviewInput = z.output<typeof reviewSchema>;

export const grantListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
