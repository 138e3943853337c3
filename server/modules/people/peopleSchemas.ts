import { z } from 'zod';
import { ageOn, calendarDate, londonToday } from '../../shared/dates.ts';

export const genders = ['female', 'male', 'non_binary', 'other', 'not_known'] as const;
export const vulnerabilityMarkers = [
  'mental_health', 'learning_disability', 'physical_disability', 'substance_use', 'child', 'older_person',
  'care_leaver', 'homeless', 'hoarding', 'cuckooing_risk', 'exploitation_risk', 'domestic_abuse', 'self_neglect', 'other',
] as const;
export const personNameKinds = ['alias', 'previous', 'nickname'] as const;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'people.errors.tooLong')
    .optional()
    .transform((value) => (value ? value : null));

const name = (missing: string) => z.string({ error: missing }).trim().min(1, missing).max(100, 'people.errors.nameTooLong');

/**
 * A person as typed into the form. Either a date of birth (not in the future, age at most 120)
 * or an approximate age; special category fields are optional. `version` guards against two
 * people saving over each other.
 */
export const personSchema = z
  .object({
    givenName: name('people.errors.givenNameMissing'),
    familyName: name('people.errors.familyNameMissing'),
    'dateOfBirth-day': z.string().trim().optional(),
    'dateOfBirth-month': z.string().trim().optional(),
    'dateOfBirth-year': z.string().trim().optional(),
    approximateAge: z.string().trim().optional(),
    gender: z.enum(genders).optional().or(z.literal('').transform(() => undefined)),
    ethnicity: optionalText(100),
    disability: optionalText(200),
    religion: optionalText(100),
    sexuality: optionalText(100),
    phone: z
      .string()
      .trim()
      .optional()
      .transform((value) => (value ? value : null))
      .pipe(z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'people.errors.phoneFormat').nullable()),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .optional()
      .transform((value) => (value ? value : null))
      .pipe(z.email({ error: 'validation.email.format' }).max(320).nullable()),
    preferredLanguage: optionalText(60),
    interpreterNeeded: z.string().optional().transform((value) => value === 'yes'),
    aliases: optionalText(500),
    version: z.coerce.number().int().optional(),
  })
  .transform((value, context) => {
    const date = calendarDate(value['dateOfBirth-day'], value['dateOfBirth-month'], value['dateOfBirth-year']);
    const today = londonToday();
    let dateOfBirth: string | null = null;
    if (date.kind === 'problem') {
      context.addIssue({ code: 'custom', path: ['dateOfBirth'], message: `people.errors.dateOfBirth.${date.problem}` });
    } else if (date.kind === 'date') {
      if (date.iso > today) context.addIssue({ code: 'custom', path: ['dateOfBirth'], message: 'people.errors.dateOfBirth.future' });
      else if (ageOn(date.iso, today) > 120) context.addIssue({ code: 'custom', path: ['dateOfBirth'], message: 'people.errors.dateOfBirth.tooOld' });
      else dateOfBirth = date.iso;
    }
    let approximateAge: number | null = null;
    if (value.approximateAge) {
      const age = Number(value.approximateAge);
      if (!/^\d{1,3}$/.test(value.approximateAge) || age > 120) {
        context.addIssue({ code: 'custom', path: ['approximateAge'], message: 'people.errors.approximateAge' });
      } else if (date.kind !== 'date') approximateAge = age;
    }
    return {
      givenName: value.givenName,
      familyName: value.familyName,
      dateOfBirth,
      approximateAge,
      gender: value.gender ?? null,
      ethnicity: value.ethnicity,
      disability: value.disability,
      religion: value.religion,
      sexuality: value.sexuality,
      phone: value.phone,
      email: value.email,
      preferredLanguage: value.preferredLanguage,
      interpreterNeeded: value.interpreterNeeded,
      aliases: parseAliases(value.aliases),
      version: value.version,
    };
  });

export type PersonInput = z.output<typeof personSchema>;

/** "Johnny Smith, J Smith" → one alias per comma or line. */
function parseAliases(text: string | null): { givenName: string; familyName: string }[] {
  if (!text) return [];
  return text
    .split(/[,\n]/)
    .map((alias) => alias.trim())
    .filter(Boolean)
    .map((alias) => {
      const parts = alias.split(/\s+/);
      const familyName = parts.length > 1 ? parts.pop()! : '';
      return { givenName: parts.join(' '), familyName };
    });
}

export const markerSchema = z.object({
  marker: z.enum(vulnerabilityMarkers, { error: 'people.errors.markerMissing' }),
  notes: optionalText(500),
});

/** The form's field values for an existing person (to fill the edit form). */
export function personFormValues(person: {
  given_name: string;
  family_name: string;
  date_of_birth: string | null;
  approximate_age: number | null;
  gender: string | null;
  ethnicity: string | null;
  disability: string | null;
  religion: string | null;
  sexuality: string | null;
  phone: string | null;
  email: string | null;
  preferred_language: string | null;
  interpreter_needed: boolean;
  version: number;
}, aliases: string): Record<string, unknown> {
  const [year, month, day] = person.date_of_birth?.split('-') ?? [];
  return {
    givenName: person.given_name,
    familyName: person.family_name,
    'dateOfBirth-day': day ? String(Number(day)) : '',
    'dateOfBirth-month': month ? String(Number(month)) : '',
    'dateOfBirth-year': year ?? '',
    approximateAge: person.approximate_age ?? '',
    gender: person.gender ?? '',
    ethnicity: person.ethnicity ?? '',
    disability: person.disability ?? '',
    religion: person.religion ?? '',
    sexuality: person.sexuality ?? '',
    phone: person.phone ?? '',
    email: person.email ?? '',
    preferredLanguage: person.preferred_language ?? '',
    interpreterNeeded: person.interpreter_needed ? 'yes' : '',
    aliases,
    version: person.version,
  };
}
