import type { IncidentImportMapping } from '../../db/schema.ts';

/** What a CSV column can feed. A row may carry up to two people, each with the same fields. */
export const incidentFields = ['reference', 'occurredAt', 'category', 'summary', 'address', 'postcode', 'latitude', 'longitude', 'area', 'lsoaCode'] as const;
export const personFields = ['role', 'givenName', 'familyName', 'dateOfBirth', 'gender', 'address', 'postcode', 'phone', 'identifierKind', 'identifier'] as const;
export const PEOPLE_PER_ROW = 2;

export type IncidentField = (typeof incidentFields)[number];
export type PersonField = (typeof personFields)[number];
export type PersonColumnField = `person${number}.${PersonField}`;
export type MappableField = IncidentField | PersonColumnField;

export const personColumnFields: PersonColumnField[] = Array.from({ length: PEOPLE_PER_ROW }, (_unused, index) =>
  personFields.map((field): PersonColumnField => `person${index + 1}.${field}`),
).flat();
export const mappableFields: MappableField[] = [...incidentFields, ...personColumnFields];

/** Fields every mapping must feed (a police.uk file may leave the reference empty). */
export const requiredFields: IncidentField[] = ['reference', 'occurredAt', 'category'];

/** police.uk street-level crime and ASB files: the built-in template. */
export const POLICE_UK_TEMPLATE_ID = 'police-uk';
export const policeUkMapping: IncidentImportMapping = {
  columns: { reference: 'Crime ID', occurredAt: 'Month', category: 'Crime type', address: 'Location', latitude: 'Latitude', longitude: 'Longitude', lsoaCode: 'LSOA code', area: 'LSOA name' },
  policeUk: true,
};
const POLICE_UK_SIGNATURE = ['Crime ID', 'Month', 'Reported by', 'Falls within', 'Longitude', 'Latitude', 'Location', 'LSOA code', 'Crime type'];

/** True when the header row is police.uk's street-level layout. */
export function looksLikePoliceUk(headers: readonly string[]): boolean {
  return POLICE_UK_SIGNATURE.every((column) => headers.includes(column));
}

// Header words each field answers to, compared without case, spaces or punctuation.
const HEADER_GUESSES: Record<IncidentField, string[]> = {
  reference: ['reference', 'ref', 'id', 'incidentid', 'incidentreference', 'crimeid', 'sourcereference', 'caseref', 'logno', 'lognumber'],
  occurredAt: ['date', 'datetime', 'occurred', 'occurredat', 'incidentdate', 'when', 'month', 'reporteddate', 'dateoccurred'],
  category: ['category', 'type', 'incidenttype', 'crimetype', 'code', 'categorycode', 'classification'],
  summary: ['summary', 'description', 'details', 'notes', 'narrative'],
  address: ['address', 'location', 'street', 'place'],
  postcode: ['postcode', 'postalcode', 'zip'],
  latitude: ['latitude', 'lat'],
  longitude: ['longitude', 'lon', 'lng', 'long'],
  area: ['area', 'ward', 'district', 'lsoaname', 'neighbourhood'],
  lsoaCode: ['lsoacode', 'lsoa'],
};
const PERSON_GUESSES: Record<PersonField, string[]> = {
  role: ['role', 'personrole', 'involvement'],
  givenName: ['givenname', 'firstname', 'forename', 'forenames'],
  familyName: ['familyname', 'surname', 'lastname'],
  dateOfBirth: ['dateofbirth', 'dob', 'birthdate'],
  gender: ['gender', 'sex'],
  address: ['address', 'homeaddress'],
  postcode: ['postcode', 'homepostcode'],
  phone: ['phone', 'telephone', 'mobile', 'phonenumber'],
  identifierKind: ['identifierkind', 'idkind', 'idtype', 'identifiertype'],
  identifier: ['identifier', 'personid', 'nhsnumber', 'personidentifier'],
};

const squash = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * A first guess at the mapping from the header row: exact police.uk layout, else each field to
 * the first header that names it. Person columns are recognised by a "person 1 …" / "p2 …" prefix.
 */
export function guessMapping(headers: readonly string[]): IncidentImportMapping {
  if (looksLikePoliceUk(headers)) return { columns: { ...policeUkMapping.columns }, policeUk: true };
  const columns: Record<string, string> = {};
  const taken = new Set<string>();
  const claim = (field: string, header: string) => {
    columns[field] = header;
    taken.add(header);
  };
  for (const header of headers) {
    const person = /^(?:person|p)([12])(.*)$/.exec(squash(header));
    if (!person) continue;
    const field = (Object.keys(PERSON_GUESSES) as PersonField[]).find((candidate) => PERSON_GUESSES[candidate].includes(person[2]!));
    if (field && !columns[`person${person[1]}.${field}`]) claim(`person${person[1]}.${field}`, header);
  }
  for (const field of incidentFields) {
    const header = headers.find((candidate) => !taken.has(candidate) && HEADER_GUESSES[field].includes(squash(candidate)));
    if (header) claim(field, header);
  }
  return { columns, policeUk: false };
}

/** Headers the mapping leaves unused: shown so that nobody wonders where a column went. */
export function unusedHeaders(headers: readonly string[], mapping: IncidentImportMapping): string[] {
  const used = new Set(Object.values(mapping.columns));
  return headers.filter((header) => header !== '' && !used.has(header));
}
