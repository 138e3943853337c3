import { describe, expect, it } from 'vitest';
import { guessMapping, looksLikePoliceUk } from './incidentFields.ts';
import { checkIncident, isValidNhsNumber, normalisePostcode, parseDateOfBirth, parseIncidentDate } from './incidentRecord.ts';
import { RowChecker } from './importRows.ts';

const NOW = new Date('2026-06-15T12:00:00Z');
const lookup = (code: string) => ({ 'noise-dom': 'noise', 'anti-social behaviour': 'asb_nuisance', noise: 'noise' })[code];

describe('incident dates', () => {
  it('reads the UK formats, in London time, keeping how precisely each is known', () => {
    // 14 March is GMT; 14 July is BST, so 21:40 London time is 20:40 UTC.
    expect(parseIncidentDate('14/03/2026', NOW)).toEqual({ at: new Date('2026-03-14T00:00:00Z'), precision: 'day' });
    expect(parseIncidentDate('14/07/2025 21:40', NOW)).toEqual({ at: new Date('2025-07-14T20:40:00Z'), precision: 'minute' });
    expect(parseIncidentDate('2025-07-14', NOW)).toEqual({ at: new Date('2025-07-13T23:00:00Z'), precision: 'day' });
    expect(parseIncidentDate('2025-07-14T21:40:00', NOW)).toEqual({ at: new Date('2025-07-14T20:40:00Z'), precision: 'minute' });
    expect(parseIncidentDate('2025-07-14T21:40:00Z', NOW)).toEqual({ at: new Date('2025-07-14T21:40:00Z'), precision: 'minute' });
    expect(parseIncidentDate('2025-07-14T21:40+02:00', NOW)).toEqual({ at: new Date('2025-07-14T19:40:00Z'), precision: 'minute' });
    expect(parseIncidentDate('2022-01', NOW)).toEqual({ at: new Date('2022-01-01T00:00:00Z'), precision: 'month' });
  });

  it('says why a date cannot be read', () => {
    expect(parseIncidentDate('31/02/2026', NOW)).toEqual({ problem: 'incidents.validation.dateInvalid' });
    expect(parseIncidentDate('14/03/2026 25:00', NOW)).toEqual({ problem: 'incidents.validation.dateInvalid' });
    expect(parseIncidentDate('March 14th', NOW)).toEqual({ problem: 'incidents.validation.dateFormat' });
    expect(parseIncidentDate('03/14/2026', NOW)).toEqual({ problem: 'incidents.validation.dateInvalid' });
    expect(parseIncidentDate('01/01/2027', NOW)).toEqual({ problem: 'incidents.validation.dateInFuture' });
    expect(parseIncidentDate('01/01/1850', NOW)).toEqual({ problem: 'incidents.validation.dateTooEarly' });
  });

  it('reads dates of birth in both forms and refuses impossible ones', () => {
    expect(parseDateOfBirth('03/02/1948', NOW)).toBe('1948-02-03');
    expect(parseDateOfBirth('1948-02-03', NOW)).toBe('1948-02-03');
    expect(parseDateOfBirth('30/02/1948', NOW)).toBeUndefined();
    expect(parseDateOfBirth('01/01/2030', NOW)).toBeUndefined();
  });
});

describe('postcodes and identifiers', () => {
  it('normalises UK postcodes and refuses anything else', () => {
    expect(normalisePostcode('ne1 4st')).toBe('NE1 4ST');
    expect(normalisePostcode('SW1A1AA')).toBe('SW1A 1AA');
    expect(normalisePostcode(' m1  1ae ')).toBe('M1 1AE');
    expect(normalisePostcode('90210')).toBeUndefined();
    expect(normalisePostcode('NE1')).toBeUndefined();
  });

  it('checks NHS numbers by their check digit', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
  });
});

describe('checking one incident', () => {
  const base = { reference: 'N-1', occurredAt: '14/03/2026 21:40', category: 'NOISE-DOM' };

  it('maps the source code to the category and keeps what the source said', () => {
    const checked = checkIncident({ ...base, postcode: 'ne6 1aa', latitude: '54.97', longitude: '-1.58', people: [{ role: 'Suspect', givenName: 'Joan', familyName: 'Partridge', dateOfBirth: '03/02/1948', identifierKind: 'NHS number', identifier: '943 476 5919' }] }, lookup, NOW);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.incident).toMatchObject({ categoryCode: 'noise', sourceCategory: 'NOISE-DOM', postcode: 'NE6 1AA', latitude: 54.97, longitude: -1.58, precision: 'minute' });
    expect(checked.incident.people).toEqual([
      expect.objectContaining({ role: 'alleged_perpetrator', dateOfBirth: '1948-02-03', identifierKind: 'nhs_number', identifier: '9434765919' }),
    ]);
  });

  it('names each field that is wrong and why', () => {
    const checked = checkIncident({ ...base, occurredAt: '2026-13-01', category: 'parking', postcode: 'nowhere', latitude: '48.85', longitude: '2.35', people: [{ role: 'bystander', dateOfBirth: 'yesterday' }] }, lookup, NOW);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toEqual([
      { field: 'occurredAt', message: 'incidents.validation.dateInvalid', value: '2026-13-01' },
      { field: 'category', message: 'incidents.validation.categoryUnknown', value: 'parking' },
      { field: 'postcode', message: 'incidents.validation.postcodeInvalid', value: 'nowhere' },
      { field: 'latitude', message: 'incidents.validation.coordinatesOutsideUk', value: '48.85, 2.35' },
      { field: 'people.0.role', message: 'incidents.validation.roleUnknown', value: 'bystander' },
      { field: 'people.0.dateOfBirth', message: 'incidents.validation.dateOfBirthInvalid', value: 'yesterday' },
    ]);
  });

  it('refuses missing essentials, unknown fields, half coordinates and identifiers without a kind', () => {
    const missing = checkIncident({ occurredAt: '', category: 'noise' }, lookup, NOW);
    expect(!missing.ok && missing.problems.map((problem) => problem.message)).toEqual(['incidents.validation.referenceMissing', 'incidents.validation.dateMissing']);
    const unknown = checkIncident({ ...base, colour: 'red' }, lookup, NOW);
    expect(!unknown.ok && unknown.problems).toEqual([{ field: 'incident', message: 'incidents.validation.unknownField' }]);
    const half = checkIncident({ ...base, latitude: '54.9' }, lookup, NOW);
    expect(!half.ok && half.problems).toEqual([{ field: 'longitude', message: 'incidents.validation.coordinatesIncomplete' }]);
    const identifier = checkIncident({ ...base, people: [{ role: 'victim', identifier: 'P123' }] }, lookup, NOW);
    expect(!identifier.ok && identifier.problems).toEqual([{ field: 'people.0.identifierKind', message: 'incidents.validation.identifierKindMissing' }]);
  });
});

describe('CSV rows', () => {
  it('guesses columns from the header row and recognises police.uk files', () => {
    expect(guessMapping(['Incident Ref', 'Date/Time', 'Type', 'Postcode', 'Person 1 Role', 'Person 1 Surname', 'P2 DOB']).columns).toEqual({
      category: 'Type', postcode: 'Postcode', 'person1.role': 'Person 1 Role', 'person1.familyName': 'Person 1 Surname', 'person2.dateOfBirth': 'P2 DOB',
      occurredAt: 'Date/Time',
    });
    const police = ['Crime ID', 'Month', 'Reported by', 'Falls within', 'Longitude', 'Latitude', 'Location', 'LSOA code', 'LSOA name', 'Crime type', 'Last outcome category', 'Context'];
    expect(looksLikePoliceUk(police)).toBe(true);
    expect(guessMapping(police)).toMatchObject({ policeUk: true, columns: { occurredAt: 'Month', category: 'Crime type' } });
  });

  it('reports ragged rows and rows repeating an earlier reference', () => {
    const headers = ['ref', 'date', 'type'];
    const checker = new RowChecker(headers, { columns: { reference: 'ref', occurredAt: 'date', category: 'type' }, policeUk: false }, lookup, NOW);
    expect(checker.check({ row: 2, values: ['A', '01/03/2026', 'noise'] }).ok).toBe(true);
    expect(checker.check({ row: 3, values: ['B', '01/03/2026'] })).toMatchObject({ ok: false, problems: [{ field: 'row', message: 'incidents.validation.tooFewValues', value: '2/3' }] });
    expect(checker.check({ row: 4, values: ['C', '01/03/2026', 'noise', 'extra'] })).toMatchObject({ ok: false, problems: [{ message: 'incidents.validation.tooManyValues' }] });
    expect(checker.check({ row: 5, values: ['D', '01/03/2026', 'noise', ''] }).ok).toBe(true);
    expect(checker.check({ row: 6, values: ['A', '02/03/2026', 'noise'] })).toMatchObject({ ok: false, duplicate: true, problems: [{ field: 'reference', message: 'incidents.validation.duplicateInFile', value: '2' }] });
  });

  it('gives police.uk rows without a Crime ID a reference that is the same every time the file is read', () => {
    const headers = ['Crime ID', 'Month', 'Longitude', 'Latitude', 'Location', 'Crime type'];
    const mapping = { columns: { reference: 'Crime ID', occurredAt: 'Month', longitude: 'Longitude', latitude: 'Latitude', address: 'Location', category: 'Crime type' }, policeUk: true };
    const row = ['', '2022-01', '-2.002', '55.7663', 'On or near Palace Green', 'Anti-social behaviour'];
    const references = () => {
      const checker = new RowChecker(headers, mapping, lookup, NOW);
      return [checker.check({ row: 2, values: row }), checker.check({ row: 3, values: row })].map((outcome) => (outcome.ok ? outcome.incident.reference : 'refused'));
    };
    const first = references();
    expect(first[0]).toMatch(/^police-uk:[0-9a-f]{20}:1$/);
    expect(first[1]).toMatch(/:2$/);
    expect(references()).toEqual(first);
  });
});
