import { z } from 'zod';
import { MAX_H3_RESOLUTION, MIN_H3_RESOLUTION } from './hexagonCounts.ts';
import { MAX_NEIGHBOUR_RINGS } from './getisOrd.ts';

function wholeNumber(flag: string, min: number, max: number) {
  return z.string().transform((text, context) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      context.addIssue({ code: 'custom', message: `${flag} must be a whole number from ${min.toLocaleString('en-GB')} to ${max.toLocaleString('en-GB')} (got "${text}")` });
      return z.NEVER;
    }
    return value;
  });
}

/** The hotspots command's options as typed (strings), checked and turned into parameters. */
export const hotspotOptionsSchema = z.object({
  crimeType: z.string().trim().min(1, '--crime-type must not be empty').optional(),
  h3Resolution: wholeNumber('--h3-resolution', MIN_H3_RESOLUTION, MAX_H3_RESOLUTION),
  rings: wholeNumber('--rings', 1, MAX_NEIGHBOUR_RINGS),
  top: wholeNumber('--top', 1, 100_000),
});

export type HotspotOptions = z.output<typeof hotspotOptionsSchema>;
