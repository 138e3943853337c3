import { z } from 'zod';
import { ageOn, calendarDate, londonToday } from '../../shared/dates.ts';
import { isUuid } from '../../shared/ids.ts';
import { caseStatuses } from '../cases/caseWorkflow.ts';
import { normalisePostcode } from '../places/postcodes.ts';
import type { LocationFilter } from './caseSearchRepository.ts';
import { type NameQuery, parseNameQuery } from './nameQuery.ts';
import type { DateOfBirthFilter, PostcodeFilter } from './personSearchRepository.ts';

const MAX_AGE = 120;

const text = (max: number) =>
  z
    .string()
    .optional()
    .catch(undefined)
    .transform((value) => value?.trim().slice(0, max) ?? '');

/** A full postcode ("ne61aa" → "NE6 1AA") or a district ("ne6" → "NE6"); undefined when neither. */
export function parsePostcode(typed: string): PostcodeFilter | undefined {
  const full = normalisePostcode(typed);
  if (full) return { kind: 'full', postcode: full };
  const outward = typed.toUpperCase().replace(/\s+/g, '');
  return /^[A-Z]{1,2}[0-9][A-Z0-9]?$/.test(outward) ? { kind: 'district', outward } : undefined;
}

export function postcodeLabel(filter: PostcodeFilter): string {
  return filter.kind === 'full' ? filter.postcode : filter.outward;
}

/**
 * The "Find a person" form (GET): a name, and optionally a date of birth (all of it, or the
 * year alone) and a postcode (full, or the district). Messages are i18n keys.
 */
export const personSearchSchema = z
  .object({
    name: text(200),
    'dateOfBirth-day': text(2),
    'dateOfBirth-month': text(2),
    'dateOfBirth-year': text(4),
    postcode: text(10),
  })
  .transform((value, context) => {
    const name = parseNameQuery(value.name);
    if (!name) context.addIssue({ code: 'custom', path: ['name'], message: value.name ? 'search.errors.nameTooShort' : 'search.errors.nameMissing' });
    const dateOfBirth = dateOfBirthFilter(value['dateOfBirth-day'], value['dateOfBirth-month'], value['dateOfBirth-year']);
    if (typeof dateOfBirth === 'string') context.addIssue({ code: 'custom', path: ['dateOfBirth'], message: dateOfBirth });
    const postcode = value.postcode ? parsePostcode(value.postcode) : undefined;
    if (value.postcode && !postcode) context.addIssue({ code: 'custom', path: ['postcode'], message: 'search.errors.postcode' });
    // Only reached without issues, so `name` is there.
    return { typedName: value.name, name: name as NameQuery, dateOfBirth: typeof dateOfBirth === 'string' ? undefined : dateOfBirth, postcode };
  });

export type PersonSearchInput = z.output<typeof personSearchSchema>;

/** Fields of the "Find a person" form, in page order (for the error summary). */
export const personSearchFields = ['name', 'dateOfBirth', 'postcode'];

/** The whole date, the year alone, nothing, or the key of what is wrong. */
function dateOfBirthFilter(day: string, month: string, year: string): DateOfBirthFilter | undefined | string {
  if (!day && !month && !year) return undefined;
  const today = londonToday();
  if (!day && !month) {
    const born = Number(year);
    const thisYear = Number(today.slice(0, 4));
    if (!/^\d{4}$/.test(year) || born < thisYear - MAX_AGE || born > thisYear) return 'search.errors.birthYear';
    return { kind: 'year', year: born };
  }
  const date = calendarDate(day, month, year);
  if (date.kind === 'problem') return date.problem === 'incomplete' ? 'search.errors.dateOfBirthIncomplete' : 'people.errors.dateOfBirth.invalid';
  if (date.kind === 'blank') return undefined;
  if (date.iso > today) return 'people.errors.dateOfBirth.future';
  if (ageOn(date.iso, today) > MAX_AGE) return 'people.errors.dateOfBirth.tooOld';
  return { kind: 'exact', date: date.iso };
}

/** Case references are upper case without spaces: "asb 2026 12" is looked for as "ASB202612". */
function referenceOf(typed: string): string | undefined {
  const reference = typed.toUpperCase().replace(/\s+/g, '');
  return reference || undefined;
}

/** A postcode or district, else at least three letters of an address; undefined when neither. */
function locationOf(typed: string): LocationFilter | undefined {
  const postcode = parsePostcode(typed);
  if (postcode) return { kind: 'postcode', postcode };
  return typed.replace(/[^\p{L}]/gu, '').length >= 3 ? { kind: 'address', text: typed.replace(/\s+/g, ' ') } : undefined;
}

/**
 * The case search form (GET). Name and place must be long enough to search on; choices that
 * are not on the form (a made-up status or officer id) are treated as not given.
 */
export const caseSearchSchema = z
  .object({
    reference: text(30),
    person: text(200),
    location: text(120),
    caseType: text(60),
    status: text(30),
    leadOfficerId: text(36),
    page: z.coerce.number().int().min(1).max(1_000).catch(1),
  })
  .transform((value, context) => {
    const person = value.person ? parseNameQuery(value.person) : undefined;
    if (value.person && !person) context.addIssue({ code: 'custom', path: ['person'], message: 'search.errors.person' });
    const location = value.location ? locationOf(value.location) : undefined;
    if (value.location && !location) context.addIssue({ code: 'custom', path: ['location'], message: 'search.errors.location' });
    return {
      reference: referenceOf(value.reference),
      person,
      location,
      caseType: value.caseType || undefined,
      status: (caseStatuses as readonly string[]).includes(value.status) ? value.status : undefined,
      leadOfficerId: isUuid(value.leadOfficerId) ? value.leadOfficerId.toLowerCase() : undefined,
      page: value.page,
    };
  });

export type CaseSearchQuery = z.output<typeof caseSearchSchema>;

/** Fields of the case search form, in page order (for the error summary). */
export const caseSearchFields = ['reference', 'person', 'location', 'caseType', 'status', 'leadOfficerId'];

/** Whether any search box has something in it (an empty form shows no results and is not audited). */
export function hasCriteria(query: CaseSearchQuery): boolean {
  return Boolean(query.reference || query.person || query.location || query.caseType || query.status || query.leadOfficerId);
}
