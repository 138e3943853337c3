import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocation, livesAt } from '../../../test/factories/alertIncidents.ts';
import { createOrganisation } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import type { NewIncidentPersonRow } from '../../db/schema.ts';
import { systemActor } from '../../shared/actor.ts';
import { IncidentImportService } from '../incidents/incidentImportService.ts';
import { ImportFileStore } from '../incidents/importFiles.ts';
import { defaultLinkageModel } from './defaultLinkageModel.ts';
import type { PersonRecord } from './engine/fields.ts';
import { syntheticLinkageData } from './synthetic.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () =>
  Math.random()
    .toString(36)
    .replace(/[^a-z]/g, '')
    .slice(0, 6);

/** A surname no other test uses (letters only, so it normalises to itself). */
const surname = (stem: string) => `${stem}${unique()}`;

type PersonFields = Omit<NewIncidentPersonRow, 'incident_id'>;

/** One incident from `organisationId` naming `people`, stored as an import leaves them (pending). */
async function incidentNaming(organisationId: string, people: PersonFields[], daysAgo = 1): Promise<string[]> {
  const incident = await db()
    .insertInto('incidents')
    .values({ source_organisation_id: organisationId, source_reference: `LINK-${unique()}-${Math.random()}`, occurred_at: new Date(Date.now() - daysAgo * 86_400_000), category_code: 'asb_personal' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rows = await db()
    .insertInto('incident_people')
    .values(people.map((person) => ({ ...person, incident_id: incident.id })))
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

async function record(id: string) {
  return db().selectFrom('incident_people').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function person(organisationId: string, values: { given: string; family: string; dob?: string; phone?: string }) {
  return (
    await db()
      .insertInto('people')
      .values({ given_name: values.given, family_name: values.family, date_of_birth: values.dob ?? null, phone: values.phone ?? null, created_by_organisation_id: organisationId })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

async function auditOf(recordId: string) {
  return db().selectFrom('audit_events').select(['action', 'details']).where('record_id', '=', recordId).orderBy('seq').execute();
}

/** A synthetic record as an agency would send it (dates back to ISO; impossible ones dropped). */
function asSourceRow(record: PersonRecord, withIdentifier = true) {
  const dob = /^(\d{4})(\d{2})(\d{2})$/.exec(record.dateOfBirth);
  const iso = dob ? `${dob[1]}-${dob[2]}-${dob[3]}` : null;
  const valid = iso !== null && !Number.isNaN(Date.parse(iso)) && new Date(iso).toISOString().startsWith(iso);
  const address = [[record.streetNumber, record.addressLine].filter(Boolean).join(' '), record.locality].filter(Boolean).join(', ');
  return {
    given_name: record.givenName || null,
    family_name: record.surname || null,
    date_of_birth: valid ? iso : null,
    address: address || null,
    postcode: record.postcode || null,
    phone: record.phone || null,
    ...(record.identifier && withIdentifier ? { identifier_kind: 'other' as const, identifier: record.identifier } : {}),
  };
}

async function insertInBatches<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>) {
  for (let start = 0; start < rows.length; start += 500) await insert(rows.slice(start, start + 500));
}

describe.each(availableBackends())('linking incident people on %s', (kind) => {
  let police: string;
  let council: string;

  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    police = (await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' })).id;
    council = (await createOrganisation(testApp, { name: `Council ${unique()}` })).id;
  });
  afterAll(async () => testApp.close());

  const link = () => testApp.services.linkage.linkPending({ workers: 1, actor: systemActor('test') });

  it('links a record straight to the person who already holds its NHS number, whatever the name says', async () => {
    const family = surname('Idris');
    const personId = await person(council, { given: 'Amal', family });
    const [held] = await incidentNaming(council, [{ role: 'victim', given_name: 'Amal', family_name: family, identifier_kind: 'nhs_number', identifier: '9434765919' }]);
    await db().updateTable('incident_people').set({ person_id: personId, link_status: 'confirmed' }).where('id', '=', held!).execute();
    const [incoming] = await incidentNaming(police, [{ role: 'victim', given_name: 'A', family_name: surname('Unrelated'), identifier_kind: 'nhs_number', identifier: '9434765919' }]);
    const result = await link();
    expect(result.linkedByIdentifier).toBeGreaterThanOrEqual(1);
    expect(await record(incoming!)).toMatchObject({ person_id: personId, link_status: 'auto_linked', match_weight: null });
    expect((await record(incoming!)).linked_at).not.toBeNull();
    expect(await auditOf(incoming!)).toEqual([{ action: 'PERSON_RECORD_LINKED', details: { personId, method: 'identifier', matchWeight: null } }]);
  });

  it('auto-links a record with typos in both names to the person at the same address and birthday', async () => {
    const family = surname('Quillfeather');
    const personId = await person(council, { given: 'Jonathan', family, dob: '1980-03-14' });
    await livesAt(db(), personId, await createLocation(db(), '12 Acacia Avenue', 'NE8 1AA'));
    const [incoming] = await incidentNaming(police, [{ role: 'victim', given_name: 'Jonathon', family_name: family.slice(0, 4) + family.slice(5), date_of_birth: '1980-03-14', address: '12 Acacia Avenue, Gateshead', postcode: 'NE8 1AA' }]);
    await link();
    const linked = await record(incoming!);
    expect(linked).toMatchObject({ person_id: personId, link_status: 'auto_linked' });
    expect(linked.match_weight).toBeGreaterThan(20);
    expect((await auditOf(incoming!))[0]).toMatchObject({ action: 'PERSON_RECORD_LINKED', details: { personId, method: 'auto' } });
  });

  it('queues a record in the review band with its candidate, the candidate record and each field\'s weight', async () => {
    const family = surname('Brightwater');
    const personId = await person(council, { given: 'Maria', family, dob: '1975-06-02' });
    const [incoming] = await incidentNaming(police, [{ role: 'complainant', given_name: 'Maria', family_name: family, date_of_birth: '1975-09-21' }]);
    const result = await link();
    expect(result.queuedForReview).toBeGreaterThanOrEqual(1);
    expect(await record(incoming!)).toMatchObject({ person_id: null, link_status: 'in_review' });
    const candidates = await db().selectFrom('link_candidates').selectAll().where('incident_person_id', '=', incoming!).execute();
    expect(candidates).toHaveLength(1);
    const candidate = candidates[0]!;
    expect(candidate).toMatchObject({ candidate_person_id: personId, candidate_organisation_id: council, status: 'open' });
    expect(candidate.match_probability).toBeGreaterThanOrEqual(0.5);
    expect(candidate.match_probability).toBeLessThan(0.95);
    expect(candidate.candidate_record).toMatchObject({ personId, givenName: 'Maria', familyName: family, dateOfBirth: '1975-06-02', source: 'person' });
    const explanation = candidate.explanation as { priorWeight: number; fields: { comparison: string; level: string; weight: number }[] };
    expect(explanation.fields.map((field) => [field.comparison, field.level])).toEqual([
      ['givenName', 'exact'],
      ['surname', 'exact'],
      ['dateOfBirth', 'year only'],
      ['address', 'missing'],
      ['phone', 'missing'],
      ['identifier', 'missing'],
    ]);
    const total = explanation.fields.reduce((sum, field) => sum + field.weight, explanation.priorWeight);
    expect(total).toBeCloseTo(candidate.match_weight, 6);
    expect((await auditOf(incoming!)).map((event) => event.action)).toEqual(['PERSON_RECORD_QUEUED_FOR_REVIEW']);
  });

  it('makes one new person of three pending records of the same person, from the most complete record', async () => {
    const family = surname('Ravensworth');
    const ids = [
      ...(await incidentNaming(police, [{ role: 'victim', given_name: 'Priya', family_name: family, date_of_birth: '1985-11-03' }], 3)),
      ...(await incidentNaming(council, [{ role: 'victim', given_name: 'Priya', family_name: family, date_of_birth: '1985-11-03', postcode: 'NE4 5XY', phone: '07700 900456' }], 2)),
      ...(await incidentNaming(police, [{ role: 'complainant', given_name: 'Priya', family_name: family.slice(0, -1), date_of_birth: '1985-11-03', postcode: 'NE4 5XY' }], 1)),
    ];
    const result = await link();
    expect(result.newPeople).toBeGreaterThanOrEqual(1);
    const rows = await Promise.all(ids.map(record));
    expect(rows.map((row) => row.link_status)).toEqual(['new_person', 'new_person', 'new_person']);
    const personIds = new Set(rows.map((row) => row.person_id));
    expect(personIds.size).toBe(1);
    const created = await db().selectFrom('people').selectAll().where('id', '=', rows[0]!.person_id!).executeTakeFirstOrThrow();
    expect(created).toMatchObject({ given_name: 'Priya', family_name: family, date_of_birth: '1985-11-03', phone: '07700 900456', created_by_organisation_id: council });
    const creation = await db().selectFrom('audit_events').select(['action', 'details', 'organisation_id']).where('record_id', '=', created.id).executeTakeFirstOrThrow();
    expect(creation).toMatchObject({ action: 'PERSON_CREATED_FROM_RECORDS', organisation_id: council });
    expect((creation.details as { records: string[] }).records.sort()).toEqual([...ids].sort());
  });

  it('leaves a record with too little to link on unlinked, with the reason, and a later run does not touch it again', async () => {
    const [bare] = await incidentNaming(police, [{ role: 'witness', given_name: 'Kim' }]);
    const [surnameOnly] = await incidentNaming(police, [{ role: 'witness', family_name: surname('Lonely') }]);
    await link();
    for (const id of [bare!, surnameOnly!]) {
      expect(await record(id)).toMatchObject({ person_id: null, link_status: 'unlinked', unlinked_reason: 'too_little_to_link' });
      expect((await auditOf(id)).map((event) => event.action)).toEqual(['PERSON_RECORD_NOT_LINKABLE']);
    }
    const again = await link();
    expect(again.pending).toBe(0);
  });

  it('scores a batch of one with the latest stored model instead of training on it', async () => {
    const family = surname('Stonebridge');
    const personId = await person(council, { given: 'Oliver', family, dob: '1990-01-20' });
    // A stored model in which no agreement is evidence of anything: nothing can reach review.
    const indifferent = { ...defaultLinkageModel, parameters: defaultLinkageModel.parameters.map((parameters) => ({ ...parameters, m: [...parameters.u] })) };
    const stored = await db().insertInto('linkage_models').values({ parameters: JSON.stringify(indifferent), pending_records: 5000, existing_records: 5000, compared_pairs: 50_000 }).returning('id').executeTakeFirstOrThrow();
    try {
      const [incoming] = await incidentNaming(police, [{ role: 'victim', given_name: 'Oliver', family_name: family, date_of_birth: '1990-01-20', postcode: 'NE6 2BB' }]);
      const result = await link();
      expect(result).toMatchObject({ pending: 1, autoLinked: 0, queuedForReview: 0, newPeople: 1, modelsStored: 0 });
      const row = await record(incoming!);
      expect(row.link_status).toBe('new_person');
      expect(row.person_id).not.toBe(personId);
    } finally {
      await db().deleteFrom('linkage_models').where('id', '=', stored.id).execute();
    }
    // With the built-in model again, the same record matches both Olivers above the auto-link
    // threshold: two people are too many to pick from, so a reviewer decides between them.
    const [second] = await incidentNaming(police, [{ role: 'victim', given_name: 'Oliver', family_name: family, date_of_birth: '1990-01-20' }]);
    await link();
    expect((await record(second!)).link_status).toBe('in_review');
    const candidates = await db().selectFrom('link_candidates').select(['candidate_person_id', 'match_probability']).where('incident_person_id', '=', second!).execute();
    expect(candidates).toHaveLength(2);
    expect(candidates.map((candidate) => candidate.candidate_person_id)).toContain(personId);
    for (const candidate of candidates) expect(candidate.match_probability).toBeGreaterThanOrEqual(0.95);
  });

  it('trains and keeps its own model on a large batch, and its automatic links are right', async () => {
    const data = syntheticLinkageData(2500, 11);
    const suffix = unique();
    const personIds = data.people.map(() => crypto.randomUUID());
    await insertInBatches(data.people.map((person, index) => ({ person, id: personIds[index]! })), (batch) =>
      db()
        .insertInto('people')
        .values(batch.map(({ person, id }) => ({ id, given_name: person.givenName, family_name: `${person.surname}`, date_of_birth: asSourceRow(person).date_of_birth, created_by_organisation_id: council })))
        .execute(),
    );
    // What the council already knew of each person (address, phone) is an agency record linked to them.
    const known = await db().insertInto('incidents').values({ source_organisation_id: council, source_reference: `KNOWN-${suffix}`, occurred_at: new Date(), category_code: 'other' }).returning('id').executeTakeFirstOrThrow();
    await insertInBatches(data.people.map((person, index) => ({ person, index })), (batch) =>
      db()
        .insertInto('incident_people')
        .values(batch.map(({ person, index }) => ({ ...asSourceRow(person), incident_id: known.id, role: 'subject' as const, person_id: personIds[index]!, link_status: 'confirmed' as const })))
        .execute(),
    );
    const incoming = await db().insertInto('incidents').values({ source_organisation_id: police, source_reference: `INCOMING-${suffix}`, occurred_at: new Date(), category_code: 'other' }).returning('id').executeTakeFirstOrThrow();
    const incomingIds: string[] = [];
    await insertInBatches(data.incoming, async (batch) => {
      const rows = await db()
        .insertInto('incident_people')
        .values(batch.map((record) => ({ ...asSourceRow(record, false), incident_id: incoming.id, role: 'victim' as const })))
        .returning('id')
        .execute();
      incomingIds.push(...rows.map((row) => row.id));
    });
    const before = await db().selectFrom('linkage_models').select('id').execute();
    // Without identifiers (those would link directly), every incoming record goes through the engine.

    const result = await link();
    expect(result, JSON.stringify(result)).toMatchObject({ pending: 2500, linkedByIdentifier: 0 });
    expect(result.modelsStored).toBeGreaterThanOrEqual(1);
    const models = await db().selectFrom('linkage_models').selectAll().where('id', 'not in', before.length > 0 ? before.map((row) => row.id) : ['00000000-0000-0000-0000-000000000000']).execute();
    expect(models.length).toBe(result.modelsStored);
    expect(models[0]!.compared_pairs).toBeGreaterThanOrEqual(10_000);

    const rows = await db().selectFrom('incident_people').select(['id', 'person_id', 'link_status']).where('incident_id', '=', incoming.id).execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    let autoLinked = 0;
    let right = 0;
    incomingIds.forEach((id, index) => {
      const row = byId.get(id)!;
      if (row.link_status !== 'auto_linked') return;
      autoLinked += 1;
      if (data.truth[index]! >= 0 && row.person_id === personIds[data.truth[index]!]) right += 1;
    });
    const knownCount = data.truth.filter((truth) => truth >= 0).length;
    expect(right / autoLinked).toBeGreaterThanOrEqual(0.98);
    expect(autoLinked / knownCount).toBeGreaterThanOrEqual(0.8);
    await db().deleteFrom('linkage_models').where('id', 'in', models.map((model) => model.id)).execute();
  }, 180_000);

  it('fires a repeat-victim alert for imported rows only once their people are linked', async () => {
    const family = surname('Marchbank');
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const rows = [
      'Reference,Date,Type,Summary,Person 1 Role,Person 1 Forename,Person 1 Surname,Person 1 DOB',
      `RV-${family}-1,${day(2)},asb_personal,Stones at the window,victim,Dorothy,${family},1951-04-12`,
      `RV-${family}-2,${day(4)},asb_personal,Abuse in the stairwell,victim,Dorothy,${family},1951-04-12`,
      `RV-${family}-3,${day(6)},noise,Banging all night,complainant,Dorothy,${family},1951-04-12`,
    ];
    const alertsFor = () =>
      db()
        .selectFrom('alerts')
        .innerJoin('people', 'people.id', 'alerts.person_id')
        .select(['alerts.rule_code', 'alerts.person_id'])
        .where('people.family_name', '=', family)
        .where('alerts.rule_code', '=', 'repeat_victim')
        .execute();
    // Imported without the hook, the rows stay pending and no rule counts them.
    const unhooked = new IncidentImportService(db(), testApp.services.audit, new ImportFileStore(testApp.config.dataDir));
    const imported = await unhooked.importFile({ organisationId: police, userId: null }, Readable.from([rows.join('\n')]), 'unlinked.csv', { channel: 'command' }, systemActor('test'));
    expect(imported).toMatchObject({ status: 'imported', rows_imported: 3 });
    await testApp.services.alerts.runRules();
    expect(await alertsFor()).toEqual([]);

    // The wired service links after the commit and runs the rules: the three become one person with an alert.
    const laterRows = rows.map((row, index) => (index === 0 ? row : row.replace(`RV-${family}`, `RV2-${family}`)));
    const wired = await testApp.services.incidentImports.importFile({ organisationId: council, userId: null }, Readable.from([laterRows.join('\n')]), 'linked.csv', { channel: 'command' }, systemActor('test'));
    expect(wired).toMatchObject({ status: 'imported', rows_imported: 3 });
    const people = await db()
      .selectFrom('incident_people')
      .select(['link_status', 'person_id'])
      .where('family_name', '=', family)
      .execute();
    expect(people).toHaveLength(6);
    expect(new Set(people.map((row) => row.link_status))).toEqual(new Set(['new_person']));
    expect(new Set(people.map((row) => row.person_id)).size).toBe(1);
    const alerts = await alertsFor();
    expect(alerts).toEqual([{ rule_code: 'repeat_victim', person_id: people[0]!.person_id }]);
  });
});
