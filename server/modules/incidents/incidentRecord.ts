import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import type { IncidentPersonRole } from '../../db/schema.ts';
import { translatorFor } from '../../shared/i18n/index.ts';

/**
 * One incident as a source sends it, and the checks that turn it into what is stored. This is
 * the only place incident rules live: the CSV import, the API and the demo data all use it.
 * Messages are catalogue keys (`incidents.validation.*`) so the report speaks every language.
 */
const en = translatorFor('en');

export const personRoles = ['victim', 'complainant', 'alleged_perpetrator', 'witness', 'person_at_risk', 'subject', 'other'] as const satisfies readonly IncidentPersonRole[];
export const identifierKinds = ['nhs_number', 'police_id', 'council_id', 'other'] as const;
export type IdentifierKind = (typeof identifierKinds)[number];
export type OccurredPrecision = 'minute' | 'day' | 'month';

// Words sources use for a role, compared without case or punctuation.
const ROLE_WORDS: Record<string, IncidentPersonRole> = {
  suspect: 'alleged_perpetrator', perpetrator: 'alleged_perpetrator', offender: 'alleged_perpetrator', allegedperpetrator: 'alleged_perpetrator',
  personatrisk: 'person_at_risk', atrisk: 'person_at_risk', reporter: 'complainant', caller: 'complainant', informant: 'complainant',
};

const text = (max: number) => z.string().trim().max(max, `incidents.validation.tooLong${max}`).optional();
const numberOrText = z.union([z.number(), z.string().trim()]).optional();

export const incidentPersonInputSchema = z
  .object({
    role: z.string().trim().max(40, 'incidents.validation.tooLong40').describe(en('incidents.api.schema.role')),
    givenName: text(200),
    familyName: text(200),
    dateOfBirth: z.string().trim().optional().describe(en('incidents.api.schema.dateOfBirth')),
    gender: text(40),
    address: text(500),
    postcode: text(20),
    phone: text(40),
    identifierKind: z.string().trim().optional().describe(en('incidents.api.schema.identifierKind')),
    identifier: text(100),
  })
  .strict();

export const incidentInputSchema = z
  .object({
    reference: z.string({ error: 'incidents.validation.referenceMissing' }).trim().min(1, 'incidents.validation.referenceMissing').max(200, 'incidents.validation.tooLong200').describe(en('incidents.api.schema.reference')),
    occurredAt: z.string({ error: 'incidents.validation.dateMissing' }).trim().min(1, 'incidents.validation.dateMissing').describe(en('incidents.api.schema.occurredAt')),
    category: z.string({ error: 'incidents.validation.categoryMissing' }).trim().min(1, 'incidents.validation.categoryMissing').max(200, 'incidents.validation.tooLong200').describe(en('incidents.api.schema.category')),
    summary: text(4000),
    address: text(500),
    postcode: text(20),
    latitude: numberOrText.describe(en('incidents.api.schema.latitude')),
    longitude: numberOrText.describe(en('incidents.api.schema.longitude')),
    area: text(200),
    lsoaCode: text(20),
    people: z.array(incidentPersonInputSchema).max(20, 'incidents.validation.tooManyPeople').optional(),
  })
  .strict();

export type IncidentInput = z.input<typeof incidentInputSchema>;

export interface ValidPerson {
  role: IncidentPersonRole;
  givenName: string | null;
  familyName: string | null;
  dateOfBirth: string | null;
  gender: string | null;
  address: string | null;
  postcode: string | null;
  phone: string | null;
  identifierKind: IdentifierKind | null;
  identifier: string | null;
}

export interface ValidIncident {
  reference: string;
  occurredAt: Date;
  precision: OccurredPrecision;
  categoryCode: string;
  sourceCategory: string;
  summary: string | null;
  address: string | null;
  postcode: string | null;
  latitude: number | null;
  longitude: number | null;
  area: string | null;
  lsoaCode: string | null;
  people: ValidPerson[];
}

export interface FieldProblem {
  field: string;
  message: string;
  value?: string;
}

/** Finds the partnership category a source's own code means, or undefined. */
export type CategoryLookup = (sourceCode: string) => string | undefined;

export type IncidentCheck = { ok: true; incident: ValidIncident } | { ok: false; problems: FieldProblem[] };

/** Checks one incident; every problem names its field (e.g. the first person's date of birth is people.0.dateOfBirth) and why. */
export function checkIncident(input: unknown, lookupCategory: CategoryLookup, now: Date = new Date()): IncidentCheck {
  const parsed = incidentInputSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || 'incident', message: issueMessage(issue) })) };
  }
  const problems: FieldProblem[] = [];
  const raw = parsed.data;
  const occurred = parseIncidentDate(raw.occurredAt, now);
  if ('problem' in occurred) problems.push({ field: 'occurredAt', message: occurred.problem, value: raw.occurredAt });
  const categoryCode = lookupCategory(normaliseSourceCode(raw.category));
  if (!categoryCode) problems.push({ field: 'category', message: 'incidents.validation.categoryUnknown', value: raw.category });
  const postcode = optionalPostcode(raw.postcode, 'postcode', problems);
  const coordinates = parseCoordinates(raw.latitude, raw.longitude, problems);
  const people = (raw.people ?? []).map((person, index) => checkPerson(person, `people.${index}`, problems, now));
  if (problems.length > 0 || 'problem' in occurred) return { ok: false, problems };
  return {
    ok: true,
    incident: {
      reference: raw.reference,
      occurredAt: occurred.at,
      precision: occurred.precision,
      categoryCode: categoryCode!,
      sourceCategory: raw.category,
      summary: blankToNull(raw.summary),
      address: blankToNull(raw.address),
      postcode,
      latitude: coordinates?.latitude ?? null,
      longitude: coordinates?.longitude ?? null,
      area: blankToNull(raw.area),
      lsoaCode: blankToNull(raw.lsoaCode)?.toUpperCase() ?? null,
      people: people.filter((person): person is ValidPerson => person !== undefined),
    },
  };
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'incidents.validation.unknownField';
  if (/^incidents\.validation\.[A-Za-z0-9]+$/.test(issue.message)) return issue.message;
  return 'incidents.validation.invalid';
}

function checkPerson(person: z.output<typeof incidentPersonInputSchema>, path: string, problems: FieldProblem[], now: Date): ValidPerson | undefined {
  const before = problems.length;
  const role = parseRole(person.role);
  if (!role) problems.push({ field: `${path}.role`, message: person.role ? 'incidents.validation.roleUnknown' : 'incidents.validation.roleMissing', value: person.role });
  let dateOfBirth: string | null = null;
  if (person.dateOfBirth) {
    const parsed = parseDateOfBirth(person.dateOfBirth, now);
    if (parsed) dateOfBirth = parsed;
    else problems.push({ field: `${path}.dateOfBirth`, message: 'incidents.validation.dateOfBirthInvalid', value: person.dateOfBirth });
  }
  const postcode = optionalPostcode(person.postcode, `${path}.postcode`, problems);
  const identifier = blankToNull(person.identifier);
  const kindText = blankToNull(person.identifierKind)?.toLowerCase().replace(/[\s-]+/g, '_') ?? null;
  let identifierKind: IdentifierKind | null = null;
  if (identifier && !kindText) problems.push({ field: `${path}.identifierKind`, message: 'incidents.validation.identifierKindMissing' });
  else if (kindText && !(identifierKinds as readonly string[]).includes(kindText)) problems.push({ field: `${path}.identifierKind`, message: 'incidents.validation.identifierKindUnknown', value: person.identifierKind });
  else if (kindText && !identifier) problems.push({ field: `${path}.identifier`, message: 'incidents.validation.identifierMissing' });
  else identifierKind = kindText as IdentifierKind | null;
  const cleanIdentifier = identifierKind === 'nhs_number' ? identifier!.replace(/[\s-]/g, '') : identifier;
  if (identifierKind === 'nhs_number' && !isValidNhsNumber(cleanIdentifier!)) problems.push({ field: `${path}.identifier`, message: 'incidents.validation.nhsNumberInvalid', value: identifier! });
  if (problems.length > before) return undefined;
  return {
    role: role!,
    givenName: blankToNull(person.givenName),
    familyName: blankToNull(person.familyName),
    dateOfBirth,
    gender: blankToNull(person.gender),
    address: blankToNull(person.address),
    postcode,
    phone: blankToNull(person.phone),
    identifierKind,
    identifier: cleanIdentifier,
  };
}

function parseRole(value: string): IncidentPersonRole | undefined {
  const squashed = value.toLowerCase().replace(/[^a-z]/g, '');
  const direct = personRoles.find((role) => role.replace(/_/g, '') === squashed);
  return direct ?? ROLE_WORDS[squashed];
}

/** Source codes are matched as the mappings store them: trimmed, lower case. */
export function normaliseSourceCode(value: string): string {
  return value.trim().toLowerCase().replace(/\s+/g, ' ');
}

const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/;

/** A UK postcode in its standard form (`NE1 4ST`), or undefined when it is not one. */
export function normalisePostcode(value: string): string | undefined {
  const match = POSTCODE.exec(value.toUpperCase().replace(/\s+/g, ''));
  return match ? `${match[1]} ${match[2]}` : undefined;
}

function optionalPostcode(value: string | undefined, field: string, problems: FieldProblem[]): string | null {
  if (!value) return null;
  const normalised = normalisePostcode(value);
  if (!normalised) problems.push({ field, message: 'incidents.validation.postcodeInvalid', value });
  return normalised ?? null;
}

// The incidents table's checks: a box around the United Kingdom.
export const UK_BOUNDS = { minLatitude: 49.8, maxLatitude: 60.9, minLongitude: -8.7, maxLongitude: 1.8 };

function parseCoordinates(latitude: number | string | undefined, longitude: number | string | undefined, problems: FieldProblem[]) {
  const lat = toNumber(latitude);
  const lon = toNumber(longitude);
  if (lat === undefined && lon === undefined) return undefined;
  if (lat === undefined || lon === undefined) {
    problems.push({ field: lat === undefined ? 'latitude' : 'longitude', message: 'incidents.validation.coordinatesIncomplete' });
    return undefined;
  }
  if (Number.isNaN(lat) || Number.isNaN(lon)) {
    problems.push({ field: Number.isNaN(lat) ? 'latitude' : 'longitude', message: 'incidents.validation.coordinatesNotNumbers', value: String(Number.isNaN(lat) ? latitude : longitude) });
    return undefined;
  }
  const inside = lat >= UK_BOUNDS.minLatitude && lat <= UK_BOUNDS.maxLatitude && lon >= UK_BOUNDS.minLongitude && lon <= UK_BOUNDS.maxLongitude;
  if (!inside) {
    problems.push({ field: 'latitude', message: 'incidents.validation.coordinatesOutsideUk', value: `${lat}, ${lon}` });
    return undefined;
  }
  return { latitude: lat, longitude: lon };
}

function toNumber(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return value;
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
}

type ParsedDate = { at: Date; precision: OccurredPrecision } | { problem: string };

const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const EARLIEST_YEAR = 1900;

/**
 * When an incident happened, from the UK formats sources use: DD/MM/YYYY, DD/MM/YYYY HH:mm,
 * YYYY-MM-DD, ISO date-time (London time unless it carries an offset) and police.uk's YYYY-MM.
 * Dates without a time keep that they are only known to the day or the month.
 */
export function parseIncidentDate(value: string, now: Date = new Date()): ParsedDate {
  const trimmed = value.trim();
  let parts: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number; offset?: string };
  let precision: OccurredPrecision;
  const dmy = DMY.exec(trimmed);
  const iso = dmy ? null : ISO_DAY.exec(trimmed);
  const month = dmy || iso ? null : ISO_MONTH.exec(trimmed);
  if (dmy) {
    parts = { day: Number(dmy[1]), month: Number(dmy[2]), year: Number(dmy[3]), hour: optionalNumber(dmy[4]), minute: optionalNumber(dmy[5]), second: optionalNumber(dmy[6]) };
    precision = dmy[4] === undefined ? 'day' : 'minute';
  } else if (iso) {
    parts = { year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]), hour: optionalNumber(iso[4]), minute: optionalNumber(iso[5]), second: optionalNumber(iso[6]), offset: iso[7] };
    precision = iso[4] === undefined ? 'day' : 'minute';
  } else if (month) {
    parts = { year: Number(month[1]), month: Number(month[2]), day: 1 };
    precision = 'month';
  } else {
    return { problem: 'incidents.validation.dateFormat' };
  }
  if (!isRealDate(parts.year, parts.month, parts.day) || (parts.hour ?? 0) > 23 || (parts.minute ?? 0) > 59 || (parts.second ?? 0) > 59) {
    return { problem: 'incidents.validation.dateInvalid' };
  }
  if (parts.year < EARLIEST_YEAR) return { problem: 'incidents.validation.dateTooEarly' };
  const at = parts.offset
    ? new Date(Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0) - offsetMinutes(parts.offset) * 60_000)
    : londonInstant(parts.year, parts.month, parts.day, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  // A day or month that has begun is not in the future, even when its start is a moment away.
  if (at.getTime() > now.getTime() + 60_000) return { problem: 'incidents.validation.dateInFuture' };
  return { at, precision };
}

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

// London's offset changes only at the clock changes: cached per hour, a million rows cost little.
const londonOffsets = new Map<number, number>();

function londonInstant(year: number, month: number, day: number, hour: number, minute: number, second: number): Date {
  const key = ((year * 13 + month) * 32 + day) * 24 + hour;
  let offset = londonOffsets.get(key);
  if (offset === undefined) {
    offset = new TZDate(year, month - 1, day, hour, 0, 0, 'Europe/London').getTime() - Date.UTC(year, month - 1, day, hour);
    if (londonOffsets.size < 500_000) londonOffsets.set(key, offset);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) + offset);
}

/** A date of birth (DD/MM/YYYY or YYYY-MM-DD) as an ISO date, or undefined when it is not a real past date. */
export function parseDateOfBirth(value: string, now: Date = new Date()): string | undefined {
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value.trim());
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const [year, month, day] = dmy ? [Number(dmy[3]), Number(dmy[2]), Number(dmy[1])] : iso ? [Number(iso[1]), Number(iso[2]), Number(iso[3])] : [0, 0, 0];
  if (!isRealDate(year, month, day) || year < EARLIEST_YEAR) return undefined;
  const isoDate = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isoDate <= now.toISOString().slice(0, 10) ? isoDate : undefined;
}

/** NHS numbers are ten digits whose last is a modulus-11 check digit. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  const sum = [...value.slice(0, 9)].reduce((total, digit, index) => total + Number(digit) * (10 - index), 0);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  return expected !== 10 && expected === Number(value[9]);
}

function blankToNull(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
