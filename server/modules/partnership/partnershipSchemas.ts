import { z } from 'zod';

export const partnershipSchema = z.object({
  name: z.string({ error: 'partnership.errors.nameMissing' }).trim().min(1, 'partnership.errors.nameMissing').max(120, 'partnership.errors.nameTooLong'),
  area: z.string({ error: 'partnership.errors.areaMissing' }).trim().min(1, 'partnership.errors.areaMissing').max(200, 'partnership.errors.areaTooLong'),
  logoText: z
    .string({ error: 'partnership.errors.logoTextMissing' })
    .trim()
    .min(1, 'partnership.errors.logoTextMissing')
    .max(40, 'partnership.errors.logoTextTooLong'),
});
