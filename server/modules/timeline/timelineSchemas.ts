import { z } from 'zod';
import { noteSensitivities } from './noteAccess.ts';

export const NOTE_MAX_CHARACTERS = 10_000;

export const noteSchema = z.object({
  // Browsers send a textarea's line breaks as CRLF; the limit counts what the person typed.
  body: z
    .string({ error: 'timeline.errors.bodyMissing' })
    .transform((value) => value.replace(/\r\n/g, '\n').trim())
    .pipe(z.string().min(1, 'timeline.errors.bodyMissing').max(NOTE_MAX_CHARACTERS, 'timeline.errors.bodyTooLong')),
  sensitivity: z.enum(noteSensitivities, { error: 'timeline.errors.sensitivityMissing' }),
});

export type NoteInput = z.output<typeof noteSchema>;

export const timelineQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
