import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIncident, createLocation, createPerson, type IncidentOptions, livesAt } from '../../../test/factories/alertIncidents.ts';
import { createOrganisation } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const AS_OF = new Date('2026-06-30T12:00:00Z');
let police: string;
let council: string;
let health: string;
let housing: string;

type Incident = Omit<IncidentOptions, 'asOf' | 'organisationId'> & { organisationId?: string };
const incident = (options: Incident) => createIncident(db(), { organisationId: council, asOf: AS_OF, ...options });
const asVictim = (personId: string) => [{ personId, role: 'victim' as const }];
const run = () => testApp.services.alerts.runRules(AS_OF);

/** The alerts a rule raised about a person (open or not). */
async function alertsAbout(rule: string, personId: string) {
  return db().selectFrom('alerts').selectAll().where('rule_code', '=', rule).where('person_id', '=', personId).execute();
}

async function evidenceOf(alertId: string) {
  return db().selectFrom('alert_evidence').select(['incident_id', 'organisation_id']).where('alert_id', '=', alertId).execute();
}

describe.each(availableBackends())('alert rules on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    police = (await createOrganisation(testApp, { name: 'Northumbria Police', type: 'police' })).id;
    council = (await createOrganisation(testApp, { name: 'City Council', type: 'district_borough_council' })).id;
    health = (await createOrganisation(testApp, { name: 'Mental Health Trust', type: 'nhs_trust' })).id;
    housing = (await createOrganisation(testApp, { name: 'Housing Association', type: 'housing_provider' })).id;
  });
  afterAll(async () => testApp.close());

  describe('repeat victim (3 incidents as victim or complainant in 28 days)', () => {
    it('fires on exactly 3 across agencies, with those incidents, agencies and the person as evidence', async () => {
      const person = await createPerson(db());
      const ids = [
        await incident({ daysAgo: 1, people: asVictim(person), organisationId: police }),
        await incident({ daysAgo: 10, people: [{ personId: person, role: 'complainant' }] }),
        await incident({ daysAgo: 27.9, people: asVictim(person), organisationId: housing }),
      ];
      await run();
      const [alert] = await alertsAbout('repeat_victim', person);
      expect(alert).toMatchObject({ status: 'open', subject_kind: 'person', subject_key: `person:${person}` });
      expect(alert!.facts).toMatchObject({ incidents: 3, agencies: 3, days: 28 });
      const evidence = await evidenceOf(alert!.id);
      expect(evidence.map((row) => row.incident_id).sort()).toEqual([...ids].sort());
      expect(new Set(evidence.map((row) => row.organisation_id))).toEqual(new Set([police, council, housing]));
      const people = await db().selectFrom('alert_people').select(['person_id', 'involvement']).where('alert_id', '=', alert!.id).execute();
      expect(people).toEqual([{ person_id: person, involvement: 'subject' }]);
    });

    it('does not fire on 2, on a third just outside the window, as a witness, or before the record is linked', async () => {
      const two = await createPerson(db());
      await incident({ daysAgo: 1, people: asVictim(two) });
      await incident({ daysAgo: 2, people: asVictim(two) });
      const outside = await createPerson(db());
      await incident({ daysAgo: 1, people: asVictim(outside) });
      await incident({ daysAgo: 2, people: asVictim(outside) });
      await incident({ daysAgo: 28, people: asVictim(outside) });
      const witness = await createPerson(db());
      await incident({ daysAgo: 1, people: asVictim(witness) });
      await incident({ daysAgo: 2, people: asVictim(witness) });
      await incident({ daysAgo: 3, people: [{ personId: witness, role: 'witness' }] });
      const pending = await createPerson(db());
      await incident({ daysAgo: 1, people: asVictim(pending) });
      await incident({ daysAgo: 2, people: asVictim(pending) });
      await incident({ daysAgo: 3, people: [{ personId: pending, linkStatus: 'pending' }] });
      const future = await createPerson(db());
      await incident({ daysAgo: 1, people: asVictim(future) });
      await incident({ daysAgo: 2, people: asVictim(future) });
      await incident({ daysAgo: -1, people: asVictim(future) });
      await run();
      for (const person of [two, outside, witness, pending, future]) expect(await alertsAbout('repeat_victim', person)).toEqual([]);
    });
  });

  describe('multi-agency concern (known to 3 agencies in 90 days)', () => {
    it('fires on 3 agencies in any role and not on 2 agencies however many incidents', async () => {
      const three = await createPerson(db());
      await incident({ daysAgo: 5, organisationId: police, people: [{ personId: three, role: 'alleged_perpetrator' }] });
      await incident({ daysAgo: 50, organisationId: health, people: [{ personId: three, role: 'subject' }] });
      await incident({ daysAgo: 89, organisationId: housing, people: [{ personId: three, role: 'other' }] });
      const two = await createPerson(db());
      for (const daysAgo of [1, 2, 3, 4]) await incident({ daysAgo, organisationId: police, people: [{ personId: two, role: 'subject' }] });
      await incident({ daysAgo: 5, organisationId: health, people: [{ personId: two, role: 'subject' }] });
      await incident({ daysAgo: 91, organisationId: housing, people: [{ personId: two, role: 'subject' }] });
      await run();
      const [alert] = await alertsAbout('multi_agency', three);
      expect(alert?.facts).toMatchObject({ agencies: 3, incidents: 3, days: 90 });
      expect(await alertsAbout('multi_agency', two)).toEqual([]);
    });
  });

  describe('vulnerability and harm', () => {
    it('fires for a person with a vulnerability marker in an ASB, exploitation or welfare incident, naming the marker', async () => {
      const vulnerable = await createPerson(db(), { markers: ['learning_disability'] });
      await incident({ daysAgo: 3, category: 'concern_for_welfare', people: [{ personId: vulnerable, role: 'person_at_risk' }] });
      const otherHarm = await createPerson(db(), { markers: ['learning_disability'] });
      await incident({ daysAgo: 3, category: 'burglary', people: asVictim(otherHarm) });
      const notVulnerable = await createPerson(db(), { markers: ['domestic_abuse'] });
      await incident({ daysAgo: 3, category: 'asb_personal', people: asVictim(notVulnerable) });
      await run();
      const [alert] = await alertsAbout('vulnerability_harm', vulnerable);
      expect(alert?.facts).toMatchObject({ incidents: 1, markers: ['learning_disability'] });
      expect(await alertsAbout('vulnerability_harm', otherHarm)).toEqual([]);
      expect(await alertsAbout('vulnerability_harm', notVulnerable)).toEqual([]);
    });
  });

  describe('escalation (14-day windows, at least 3 recent, at least twice the previous or more severe)', () => {
    it('fires when the count doubles, and when the severity rises', async () => {
      const doubling = await createPerson(db());
      await incident({ daysAgo: 20, category: 'noise', people: [{ personId: doubling, role: 'subject' }] });
      for (const daysAgo of [1, 5, 13]) await incident({ daysAgo, category: 'noise', people: [{ personId: doubling, role: 'subject' }] });
      const severer = await createPerson(db());
      for (const daysAgo of [15, 20]) await incident({ daysAgo, category: 'noise', people: [{ personId: severer, role: 'subject' }] });
      for (const daysAgo of [1, 2]) await incident({ daysAgo, category: 'noise', people: [{ personId: severer, role: 'subject' }] });
      await incident({ daysAgo: 3, category: 'violence', people: [{ personId: severer, role: 'subject' }] });
      await run();
      const [doubled] = await alertsAbout('escalation', doubling);
      expect(doubled?.facts).toMatchObject({ recent: 3, previous: 1, days: 14 });
      expect(await evidenceOf(doubled!.id)).toHaveLength(4);
      const [rose] = await alertsAbout('escalation', severer);
      expect(rose?.facts).toMatchObject({ recent: 3, previous: 2, recentSeverity: 4, previousSeverity: 1 });
    });

    it('does not fire below twice the count at the same severity, from nothing, or on 2 recent', async () => {
      const steady = await createPerson(db());
      for (const daysAgo of [15, 20]) await incident({ daysAgo, category: 'noise', people: [{ personId: steady, role: 'subject' }] });
      for (const daysAgo of [1, 2, 3]) await incident({ daysAgo, category: 'noise', people: [{ personId: steady, role: 'subject' }] });
      const fromNothing = await createPerson(db());
      for (const daysAgo of [1, 2, 3, 4]) await incident({ daysAgo, category: 'noise', people: [{ personId: fromNothing, role: 'subject' }] });
      const tooFew = await createPerson(db());
      await incident({ daysAgo: 20, category: 'noise', people: [{ personId: tooFew, role: 'subject' }] });
      for (const daysAgo of [1, 2]) await incident({ daysAgo, category: 'violence', people: [{ personId: tooFew, role: 'subject' }] });
      await run();
      for (const person of [steady, fromNothing, tooFew]) expect(await alertsAbout('escalation', person)).toEqual([]);
    });
  });

  describe('repeat location (5 incidents at one place in 28 days)', () => {
    const locationAlert = (key: string) => db().selectFrom('alerts').selectAll().where('rule_code', '=', 'repeat_location').where('subject_key', '=', key).executeTakeFirst();

    it('fires on 5 at the same address however it is typed, and on 5 in one grid cell, but not on 4', async () => {
      const addresses = ['12 Tern Street', '12  tern street', '12 TERN STREET ', '12 Tern Street', '12 tern Street'];
      for (const [index, address] of addresses.entries()) await incident({ daysAgo: index + 1, address, postcode: 'NE6 1AA', organisationId: index % 2 ? police : council });
      for (const daysAgo of [1, 2, 3, 4]) await incident({ daysAgo, address: '14 Tern Street', postcode: 'NE6 1AA' });
      // About 10 m apart, all inside one 100 m cell.
      for (const step of [0, 1, 2, 3, 4]) await incident({ daysAgo: step + 1, latitude: 54.97005 + step * 0.00002, longitude: -1.60005 });
      await run();
      const byAddress = await locationAlert('address:12 tern street|NE6 1AA');
      expect(byAddress?.facts).toMatchObject({ incidents: 5, agencies: 2 });
      expect(byAddress?.location_label).toMatch(/tern street, NE6 1AA/i);
      expect(await locationAlert('address:14 tern street|NE6 1AA')).toBeUndefined();
      const grid = await db().selectFrom('alerts').select(['subject_key', 'facts']).where('rule_code', '=', 'repeat_location').where('subject_key', 'like', 'grid:100:%').execute();
      expect(grid).toHaveLength(1);
      expect(grid[0]!.facts).toMatchObject({ incidents: 5 });
    });

    it('fires on 5 at one location record, naming its address and the linked people', async () => {
      const location = await createLocation(db(), '3 Heron Court', 'NE6 2BB');
      const people = [await createPerson(db()), await createPerson(db())];
      for (const daysAgo of [1, 2, 3, 4, 5]) await incident({ daysAgo, locationId: location, people: [{ personId: people[daysAgo % 2]!, role: 'subject' }] });
      await run();
      const alert = await locationAlert(`location:${location}`);
      expect(alert).toMatchObject({ location_id: location, subject_kind: 'location', person_id: null });
      const involved = await db().selectFrom('alert_people').select('person_id').where('alert_id', '=', alert!.id).execute();
      expect(involved.map((row) => row.person_id).sort()).toEqual([...people].sort());
    });
  });

  describe('possible cuckooing (3 unrelated people at a vulnerable person’s home, with drugs or ASB there)', () => {
    async function home(visitors: number, category = 'drug_activity') {
      const resident = await createPerson(db(), { markers: ['learning_disability'] });
      const location = await createLocation(db(), `${Math.floor(Math.random() * 900) + 100} Kestrel Road`, 'NE4 5CC');
      await livesAt(db(), resident, location);
      const others = [];
      for (let index = 0; index < visitors; index += 1) others.push(await createPerson(db()));
      await incident({ daysAgo: 2, category, locationId: location, organisationId: police, people: others.map((personId) => ({ personId, role: 'subject' as const })) });
      await incident({ daysAgo: 4, category: 'housing_visit_concern', locationId: location, organisationId: housing, people: [{ personId: resident, role: 'person_at_risk' }] });
      return { resident, location, others };
    }

    it('fires with the resident as subject, the visitors as associated people and the home linked', async () => {
      const { resident, location, others } = await home(3);
      await run();
      const [alert] = await alertsAbout('cuckooing', resident);
      expect(alert).toMatchObject({ location_id: location, subject_key: `person:${resident}:location:${location}` });
      expect(alert!.facts).toMatchObject({ people: 3, incidents: 2 });
      const associated = await db().selectFrom('alert_people').select('person_id').where('alert_id', '=', alert!.id).where('involvement', '=', 'associated').execute();
      expect(associated.map((row) => row.person_id).sort()).toEqual([...others].sort());
    });

    it('matches incidents to the home by postcode and address when the source gave no location record', async () => {
      const resident = await createPerson(db(), { markers: ['cuckooing_risk'] });
      const location = await createLocation(db(), 'Flat 9, Plover House', 'NE4 7AN');
      await livesAt(db(), resident, location);
      const visitors = [await createPerson(db()), await createPerson(db()), await createPerson(db())];
      await incident({ daysAgo: 1, category: 'asb_nuisance', address: ' flat 9, plover house', postcode: 'NE4 7AN', organisationId: police, people: visitors.map((personId) => ({ personId, role: 'subject' as const })) });
      await incident({ daysAgo: 2, category: 'drug_activity', address: 'Flat 9, Plover House', postcode: 'NE4 7AA', people: visitors.map((personId) => ({ personId, role: 'subject' as const })) });
      await run();
      const [alert] = await alertsAbout('cuckooing', resident);
      // The incident at another postcode is not at the home.
      expect(alert?.facts).toMatchObject({ people: 3, incidents: 1 });
    });

    it('does not fire on 2 visitors, when one of 3 shares their household, or without drugs or ASB', async () => {
      const two = await home(2);
      const family = await home(3);
      const household = await db().insertInto('households').values({ name: 'Family' }).returning('id').executeTakeFirstOrThrow();
      await db().insertInto('household_members').values([{ household_id: household.id, person_id: family.resident }, { household_id: household.id, person_id: family.others[0]! }]).execute();
      const noHarm = await home(3, 'housing_visit_concern');
      await run();
      for (const { resident } of [two, family, noHarm]) expect(await alertsAbout('cuckooing', resident)).toEqual([]);
    });
  });

  describe('missed contacts (2 missed contacts and police contact in 56 days, for a vulnerable person)', () => {
    it('fires with both kinds of evidence, and not without police contact or on one missed contact', async () => {
      const fires = await createPerson(db(), { markers: ['mental_health'] });
      await incident({ daysAgo: 3, category: 'missed_appointment', organisationId: health, people: [{ personId: fires, role: 'subject' }] });
      await incident({ daysAgo: 30, category: 'no_access_visit', organisationId: housing, people: [{ personId: fires, role: 'subject' }] });
      await incident({ daysAgo: 10, category: 'concern_for_welfare', organisationId: police, people: [{ personId: fires, role: 'person_at_risk' }] });
      const noPolice = await createPerson(db(), { markers: ['mental_health'] });
      await incident({ daysAgo: 3, category: 'missed_appointment', organisationId: health, people: [{ personId: noPolice, role: 'subject' }] });
      await incident({ daysAgo: 4, category: 'missed_appointment', organisationId: health, people: [{ personId: noPolice, role: 'subject' }] });
      const oneMissed = await createPerson(db(), { markers: ['mental_health'] });
      await incident({ daysAgo: 3, category: 'missed_appointment', organisationId: health, people: [{ personId: oneMissed, role: 'subject' }] });
      await incident({ daysAgo: 5, category: 'concern_for_welfare', organisationId: police, people: [{ personId: oneMissed, role: 'subject' }] });
      await run();
      const [alert] = await alertsAbout('missed_contacts', fires);
      expect(alert?.facts).toMatchObject({ missed: 2, police: 1, days: 56 });
      expect(await evidenceOf(alert!.id)).toHaveLength(3);
      expect(await alertsAbout('missed_contacts', noPolice)).toEqual([]);
      expect(await alertsAbout('missed_contacts', oneMissed)).toEqual([]);
    });
  });

  describe('re-running the rules', () => {
    it('adds nothing on a re-run, adds new evidence to the open alert, and after a dismissal fires again only on new incidents', async () => {
      const person = await createPerson(db());
      for (const daysAgo of [1, 2, 3]) await incident({ daysAgo, people: asVictim(person) });
      await run();
      const again = await run();
      expect(again.rules.find((rule) => rule.rule === 'repeat_victim')).toMatchObject({ raised: 0, updated: 0, evidenceAdded: 0 });
      const [first] = await alertsAbout('repeat_victim', person);
      expect(await evidenceOf(first!.id)).toHaveLength(3);

      await incident({ daysAgo: 0.5, organisationId: police, people: asVictim(person) });
      await run();
      const afterNew = await alertsAbout('repeat_victim', person);
      expect(afterNew).toHaveLength(1);
      expect(await evidenceOf(first!.id)).toHaveLength(4);
      expect(afterNew[0]!.facts).toMatchObject({ incidents: 4, agencies: 2 });

      await db().updateTable('alerts').set({ status: 'dismissed', dismiss_reason: 'not_a_concern' }).where('id', '=', first!.id).execute();
      await run();
      expect(await alertsAbout('repeat_victim', person)).toHaveLength(1);
      await incident({ daysAgo: 0.25, people: asVictim(person) });
      await run();
      const afterDismissal = await alertsAbout('repeat_victim', person);
      expect(afterDismissal).toHaveLength(2);
      const reopened = afterDismissal.find((alert) => alert.status === 'open')!;
      expect(await evidenceOf(reopened.id)).toHaveLength(5);
    });

    it('skips a disabled rule and records the scan in the audit log', async () => {
      await db().updateTable('alert_rules').set({ enabled: false }).where('code', '=', 'repeat_location').execute();
      try {
        const result = await run();
        expect(result.rules.map((rule) => rule.rule)).not.toContain('repeat_location');
        expect(result.rules.map((rule) => rule.rule)).toContain('repeat_victim');
      } finally {
        await db().updateTable('alert_rules').set({ enabled: true }).where('code', '=', 'repeat_location').execute();
      }
      const audit = await db().selectFrom('audit_events').select('action').where('action', '=', 'ALERTS_SCANNED').execute();
      expect(audit.length).toBeGreaterThan(0);
    });
  });
});
