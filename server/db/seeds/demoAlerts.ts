import type { Transaction } from 'kysely';
import type { Services } from '../../services.ts';
import { systemActor } from '../../shared/actor.ts';
import type { Database, IncidentPersonRole } from '../schema.ts';

/**
 * A handful of demo incidents, already linked to people, that make the alert rules fire: a repeat
 * victim known to three agencies, possible cuckooing at a vulnerable man's flat, a vulnerable woman
 * missing appointments with police contact, and a person known to health only (so only health
 * sees that alert). References start `DEMO-ALERT-` so they never collide with demo imports.
 */
interface DemoPerson {
  key: string;
  given: string;
  family: string;
  dateOfBirth: string;
  markers?: string[];
}

interface DemoIncident {
  agency: string;
  daysAgo: number;
  category: string;
  summary: string;
  people: { key: string; role: IncidentPersonRole }[];
  atHomeOf?: string;
}

const demoPeople: DemoPerson[] = [
  { key: 'margaret', given: 'Margaret', family: 'Ellison', dateOfBirth: '1951-04-12' },
  { key: 'dennis', given: 'Dennis', family: 'Fairley', dateOfBirth: '1979-09-30', markers: ['learning_disability'] },
  { key: 'visitor1', given: 'Kyle', family: 'Brannigan', dateOfBirth: '1999-02-17' },
  { key: 'visitor2', given: 'Jordan', family: 'Teasdale', dateOfBirth: '2001-11-05' },
  { key: 'visitor3', given: 'Liam', family: 'Craggs', dateOfBirth: '1997-06-21' },
  { key: 'lorna', given: 'Lorna', family: 'Pike', dateOfBirth: '1968-01-08', markers: ['mental_health'] },
  { key: 'peter', given: 'Peter', family: 'Gowland', dateOfBirth: '1985-03-14' },
];

const demoIncidents: DemoIncident[] = [
  { agency: 'police', daysAgo: 2, category: 'asb_personal', summary: 'Youths banging on windows and shouting abuse at Mrs Ellison after dark.', people: [{ key: 'margaret', role: 'victim' }] },
  { agency: 'city', daysAgo: 6, category: 'noise', summary: 'Mrs Ellison reports loud music from the flat above until 3am, fourth night running.', people: [{ key: 'margaret', role: 'complainant' }] },
  { agency: 'housing', daysAgo: 11, category: 'criminal_damage', summary: 'Door frame kicked in at Mrs Ellison’s flat; repair booked.', people: [{ key: 'margaret', role: 'victim' }] },
  { agency: 'police', daysAgo: 19, category: 'asb_nuisance', summary: 'Eggs thrown at Mrs Ellison’s door; she is frightened to go out.', people: [{ key: 'margaret', role: 'victim' }] },
  { agency: 'police', daysAgo: 3, category: 'drug_activity', summary: 'Visitors seen coming and going from Mr Fairley’s flat through the night; smell of cannabis.', people: [{ key: 'visitor1', role: 'subject' }, { key: 'visitor2', role: 'subject' }], atHomeOf: 'dennis' },
  { agency: 'housing', daysAgo: 8, category: 'housing_visit_concern', summary: 'Repair visit: three young men in Mr Fairley’s flat, he seemed anxious and did not speak.', people: [{ key: 'dennis', role: 'person_at_risk' }, { key: 'visitor3', role: 'other' }], atHomeOf: 'dennis' },
  { agency: 'city', daysAgo: 12, category: 'asb_nuisance', summary: 'Neighbours complain of people gathering on the landing outside Mr Fairley’s door.', people: [{ key: 'visitor1', role: 'alleged_perpetrator' }], atHomeOf: 'dennis' },
  { agency: 'nhs', daysAgo: 5, category: 'missed_appointment', summary: 'Did not attend community mental health team appointment.', people: [{ key: 'lorna', role: 'subject' }] },
  { agency: 'nhs', daysAgo: 20, category: 'missed_appointment', summary: 'Did not attend depot injection clinic.', people: [{ key: 'lorna', role: 'subject' }] },
  { agency: 'police', daysAgo: 9, category: 'concern_for_welfare', summary: 'Neighbour called: Ms Pike not seen for several days; found safe but distressed.', people: [{ key: 'lorna', role: 'person_at_risk' }] },
  { agency: 'nhs', daysAgo: 1, category: 'concern_for_welfare', summary: 'Mr Gowland rang the crisis line twice overnight.', people: [{ key: 'peter', role: 'complainant' }] },
  { agency: 'nhs', daysAgo: 4, category: 'concern_for_welfare', summary: 'Mr Gowland says neighbours are threatening him.', people: [{ key: 'peter', role: 'victim' }] },
  { agency: 'nhs', daysAgo: 9, category: 'concern_for_welfare', summary: 'Mr Gowland reports his door was damaged.', people: [{ key: 'peter', role: 'victim' }] },
];

export async function seedDemoAlerts(services: Services, agencyIds: Map<string, string>): Promise<void> {
  const now = new Date();
  await services.audit.run(systemActor('seed'), async (trx) => {
    const personIds = await insertPeople(trx, agencyIds);
    const flat = await trx.insertInto('locations').values({ address_line_1: 'Flat 4, Cruddas Park House', town: 'Newcastle upon Tyne', postcode: 'NE4 7AN', location_type: 'dwelling', area: 'Elswick' }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('person_addresses').values({ person_id: personIds.get('dennis')!, location_id: flat.id, valid_from: '2019-05-01' }).execute();
    for (const [index, incident] of demoIncidents.entries()) {
      const row = await trx
        .insertInto('incidents')
        .values({
          source_organisation_id: agencyIds.get(incident.agency)!,
          source_reference: `DEMO-ALERT-${String(index + 1).padStart(3, '0')}`,
          occurred_at: new Date(now.getTime() - incident.daysAgo * 86_400_000),
          category_code: incident.category,
          summary: incident.summary,
          location_id: incident.atHomeOf ? flat.id : null,
          address: incident.atHomeOf ? 'Flat 4, Cruddas Park House' : null,
          postcode: incident.atHomeOf ? 'NE4 7AN' : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const person of incident.people) {
        const demo = demoPeople.find((candidate) => candidate.key === person.key)!;
        await trx
          .insertInto('incident_people')
          .values({ incident_id: row.id, role: person.role, given_name: demo.given, family_name: demo.family, date_of_birth: demo.dateOfBirth, person_id: personIds.get(person.key)!, link_status: 'confirmed', linked_at: now })
          .execute();
      }
    }
  });
  await services.alerts.runRules(now, systemActor('seed'));
}

async function insertPeople(trx: Transaction<Database>, agencyIds: Map<string, string>): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const person of demoPeople) {
    const row = await trx
      .insertInto('people')
      .values({ given_name: person.given, family_name: person.family, date_of_birth: person.dateOfBirth, created_by_organisation_id: agencyIds.get('police')! })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(person.key, row.id);
    for (const marker of person.markers ?? []) {
      await trx.insertInto('person_markers').values({ person_id: row.id, marker, source_organisation_id: agencyIds.get('nhs')! }).execute();
    }
  }
  return ids;
}
