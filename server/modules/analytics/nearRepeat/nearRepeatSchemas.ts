import { z } from 'zod';

const MAX_BANDS = 20;

function bandList(flag: string, unit: string, wholeNumbers: boolean) {
  return z.string().transform((text, context) => {
    const parts = text.split(',').map((part) => part.trim());
    const values = parts.map(Number);
    const fail = (message: string) => {
      context.addIssue({ code: 'custom', message: `${flag} ${message} (got "${text}")` });
      return z.NEVER;
    };
    if (parts.some((part) => part === '') || values.some((value) => !Number.isFinite(value))) {
      return fail(`must be numbers of ${unit} separated by commas, e.g. ${wholeNumbers ? '7,14,21' : '100,200,300'}`);
    }
    if (values.some((value) => value <= 0)) return fail(`must all be greater than 0: the first band starts at 0 and ends at the first number`);
    if (wholeNumbers && values.some((value) => !Number.isInteger(value))) return fail(`must be whole numbers of ${unit}`);
    if (values.some((value, index) => index > 0 && value <= values[index - 1]!)) return fail('must increase from one band to the next');
    if (values.length > MAX_BANDS) return fail(`can have at most ${MAX_BANDS} bands`);
    return values;
  });
}

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

/** The near-repeat command's options as typed (strings), checked and turned into parameters. */
export const nearRepeatOptionsSchema = z.object({
  crimeType: z.string().trim().min(1, '--crime-type must not be empty').optional(),
  distanceBands: bandList('--distance-bands', 'metres', false),
  timeBands: bandList('--time-bands', 'days', true),
  iterations: wholeNumber('--iterations', 1, 9999),
  seed: wholeNumber('--seed', 0, 4_294_967_295),
  workers: wholeNumber('--workers', 1, 64).optional(),
});

export type NearRepeatOptions = z.output<typeof nearRepeatOptionsSchema>;

/** Every problem, one per line, each naming its option. */
export function describeOptionProblems(error: z.ZodError): string {
  return error.issues.map((issue) => issue.message).join('\n');
}
