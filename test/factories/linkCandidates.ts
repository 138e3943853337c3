import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema.ts';

/**
 * A possible match waiting for clerical review: a person the organisation recorded, an incident of
 * the organisation naming someone of the same name (`in_review`), and the candidate pair between
 * them with a small explanation.
 */
export async function createLinkCandidate(db: Kysely<Database>, organisationId: string, names: { given: string; family: string; reference: string }) {
  const person = await db.insertInto('people').values({ given_name: names.given, family_name: names.family, created_by_organisation_id: organisationId }).returning('id').executeTakeFirstOrThrow();
  const incident = await db
    .insertInto('incidents')
    .values({ source_organisation_id: organisationId, source_reference: names.reference, occurred_at: new Date(), category_code: 'asb_personal' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const incoming = await db.insertInto('incident_people').values({ incident_id: incident.id, role: 'victim', given_name: names.given, family_name: names.family, link_status: 'in_review' }).returning('id').executeTakeFirstOrThrow();
  const candidate = await db
    .insertInto('link_candidates')
    .values({
      incident_person_id: incoming.id,
      candidate_person_id: person.id,
      candidate_record: JSON.stringify({ personId: person.id, organisationId, source: 'person', givenName: names.given, familyName: names.family, dateOfBirth: null, address: null, town: null, postcode: null, phone: null, identifierKind: null, identifier: null }),
      candidate_organisation_id: organisationId,
      match_weight: 2,
      match_probability: 0.8,
      explanation: JSON.stringify({ priorWeight: -13, fields: [{ comparison: 'givenName', level: 'exact', weight: 7 }, { comparison: 'surname', level: 'exact', weight: 8 }] }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { personId: person.id, incidentId: incident.id, candidateId: candidate.id };
}
