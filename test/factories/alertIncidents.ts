import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, IncidentPersonRole } from '../../server/db/schema.ts';

/**
 * Incidents and the people they name, inserted directly (as the CSV import and the record
 * linkage would leave them), for the alert rules' tests and demo data.
 */
const unique = () => randomBytes(4).toString('hex');
const DAY_MS = 86_400_000;

export async function createPerson(db: Kysely<Database>, options: { given?: string; family?: string; markers?: string[] } = {}): Promise<string> {
  const person = await db
    .insertInto('people')
    .values({ given_name: options.given ?? 'Alex', family_name: options.family ?? `Person${unique()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const marker of options.markers ?? []) await db.insertInto('person_markers').values({ person_id: person.id, marker }).execute();
  return person.id;
}

export async function createLocation(db: Kysely<Database>, address: string, postcode: string | null = null): Promise<string> {
  return (await db.insertInto('locations').values({ address_line_1: address, postcode, location_type: 'dwelling' }).returning('id').executeTakeFirstOrThrow()).id;
}

export async function livesAt(db: Kysely<Database>, personId: string, locationId: string): Promise<void> {
  await db.insertInto('person_addresses').values({ person_id: personId, location_id: locationId, valid_from: '2020-01-01' }).execute();
}

export interface IncidentOptions {
  organisationId: string;
  /** Days before `asOf` (fractions allowed). */
  daysAgo: number;
  asOf: Date;
  category?: string;
  people?: { personId: string; role?: IncidentPersonRole; linkStatus?: 'auto_linked' | 'confirmed' | 'new_person' | 'pending' }[];
  summary?: string;
  address?: string;
  postcode?: string;
  latitude?: number;
  longitude?: number;
  locationId?: string;
}

export async function createIncident(db: Kysely<Database>, options: IncidentOptions): Promise<string> {
  const incident = await db
    .insertInto('incidents')
    .values({
      source_organisation_id: options.organisationId,
      source_reference: `ALERT-TEST-${unique()}`,
      occurred_at: new Date(options.asOf.getTime() - options.daysAgo * DAY_MS),
      category_code: options.category ?? 'asb_personal',
      summary: options.summary ?? 'Test incident',
      address: options.address ?? null,
      postcode: options.postcode ?? null,
      latitude: options.latitude ?? null,
      longitude: options.longitude ?? null,
      location_id: options.locationId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const person of options.people ?? []) {
    await db
      .insertInto('incident_people')
      .values({ incident_id: incident.id, role: person.role ?? 'victim', person_id: person.personId, link_status: person.linkStatus ?? 'confirmed', given_name: 'Source', family_name: 'Record' })
      .execute();
  }
  return incident.id;
}
