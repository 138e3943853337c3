import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createSharingAgreement } from '../../../test/factories/sharingAgreements.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const TEXT = Buffer.from('Medication review notes – café, naïve, 日本語\n');

interface Upload {
  name: string;
  type: string;
  bytes: Buffer;
}

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp({ env: { ATTACHMENT_MAX_BYTES: String(64 * 1024) } });
});
afterAll(async () => testApp.close());

async function openCase(agent: TestAgent) {
  const response = await agent.post('/cases/new', { caseType: 'anti_social_behaviour', priority: 'medium', summary: 'Threats in the stairwell at Elm Court', area: 'Byker' });
  expect(response.statusCode).toBe(302);
  return String(response.headers.location).split('/').pop()!;
}

function noteForm(fields: Record<string, string>, upload?: Upload): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (upload) form.append('attachment', new Blob([new Uint8Array(upload.bytes)], { type: upload.type }), upload.name);
  return form;
}

async function addNote(agent: TestAgent, caseId: string, body: string, sensitivity: string, upload?: Upload) {
  const response = await agent.postMultipart(`/cases/${caseId}/notes/new`, noteForm({ body, sensitivity }, upload));
  expect(response.statusCode, response.body.slice(0, 2000)).toBe(302);
  const note = await testApp.database.db.selectFrom('case_notes').select('id').where('case_id', '=', caseId).where('body', '=', body).executeTakeFirstOrThrow();
  const attachment = await testApp.database.db.selectFrom('case_attachments').select('id').where('note_id', '=', note.id).executeTakeFirst();
  return { noteId: note.id, attachmentId: attachment?.id };
}

function storedFiles(): string[] {
  const directory = path.join(testApp.config.dataDir, 'attachments');
  return existsSync(directory) ? readdirSync(directory) : [];
}

async function storedRows(caseId: string) {
  const db = testApp.database.db;
  const notes = await db.selectFrom('case_notes').select('id').where('case_id', '=', caseId).execute();
  const attachments = await db.selectFrom('case_attachments').select('id').where('case_id', '=', caseId).execute();
  return { notes: notes.length, attachments: attachments.length };
}

/** A case led by a council, with a health trust and a housing provider taking part. */
let partnership = 0;
async function caseWithPartners() {
  partnership += 1;
  const council = await createOrganisation(testApp, { name: `Byker Council ${partnership}` });
  const health = await createOrganisation(testApp, { name: `Tyne Health Trust ${partnership}`, type: 'nhs_trust' });
  const housing = await createOrganisation(testApp, { name: `Elm Housing ${partnership}`, type: 'housing_provider' });
  const outsiderOrganisation = await createOrganisation(testApp, { name: `Unrelated Police Area ${partnership}` });
  await createSharingAgreement(testApp, [council.id, health.id, housing.id]);
  const person = async (role: 'case_worker' | 'case_manager', organisationId: string, name: string) => {
    const fixture = await createUser(testApp, { role, organisationId, name });
    return { user: fixture.user, agent: await signedInAgent(testApp, fixture.user) };
  };
  const leadManager = await person('case_manager', council.id, 'Lena Manager');
  const leadWorker = await person('case_worker', council.id, 'Liam Worker');
  const healthWorker = await person('case_worker', health.id, 'Hana Nurse');
  const healthColleague = await person('case_worker', health.id, 'Hugo Nurse');
  const housingWorker = await person('case_worker', housing.id, 'Priya Housing');
  const outsider = await person('case_manager', outsiderOrganisation.id, 'Otto Outsider');
  const caseId = await openCase(leadManager.agent);
  for (const organisation of [health, housing]) {
    expect((await leadManager.agent.post(`/cases/${caseId}/agencies`, { organisationId: organisation.id })).statusCode).toBe(302);
  }
  return { caseId, leadManager, leadWorker, healthWorker, healthColleague, housingWorker, outsider };
}

describe('case timeline and notes', () => {
  it('shows each note only to those its sensitivity allows, on the timeline and for its attachment', async () => {
    const people = await caseWithPartners();
    const { caseId } = people;
    const standard = await addNote(people.leadWorker.agent, caseId, 'Standard: the stairwell light is broken again', 'standard', { name: 'stairwell.png', type: 'image/png', bytes: PNG });
    const sensitive = await addNote(people.leadWorker.agent, caseId, 'Sensitive: the informant lives at number 4', 'sensitive', { name: 'statement.pdf', type: 'application/pdf', bytes: PDF });
    const health = await addNote(people.healthWorker.agent, caseId, 'Health restricted: medication was changed', 'health_restricted', { name: 'review.txt', type: 'text/plain', bytes: TEXT });

    const expectations: [keyof typeof people, [boolean, boolean, boolean]][] = [
      ['leadWorker', [true, true, false]], // wrote the sensitive note; case workers are not cleared for health
      ['leadManager', [true, true, false]], // case managers are cleared for sensitive notes by default
      ['housingWorker', [true, false, false]],
      ['healthWorker', [true, false, true]],
      ['healthColleague', [true, false, true]], // their organisation wrote the health note
    ];
    const notes = [
      { text: 'Standard: the stairwell light is broken again', attachmentId: standard.attachmentId },
      { text: 'Sensitive: the informant lives at number 4', attachmentId: sensitive.attachmentId },
      { text: 'Health restricted: medication was changed', attachmentId: health.attachmentId },
    ];
    const check = async (who: keyof typeof people, visible: [boolean, boolean, boolean]) => {
      const viewer = people[who] as { agent: TestAgent };
      const page = await viewer.agent.get(`/cases/${caseId}/timeline`);
      expect(page.statusCode).toBe(200);
      for (const [index, note] of notes.entries()) {
        expect(page.body.includes(note.text), `${who} sees note ${index}`).toBe(visible[index]);
        const download = await viewer.agent.get(`/cases/${caseId}/attachments/${note.attachmentId}`);
        expect(download.statusCode, `${who} downloads attachment ${index}`).toBe(visible[index] ? 200 : 404);
      }
      // A hidden note leaves no trace: not its event, not a count.
      expect(page.body.match(/Note added/g)?.length ?? 0).toBe(visible.filter(Boolean).length);
    };
    for (const [who, visible] of expectations) await check(who, visible);

    const audit = await testApp.database.db
      .selectFrom('audit_events')
      .select('details')
      .where('actor_user_id', '=', people.housingWorker.user.id)
      .where('action', '=', 'TIMELINE_VIEWED')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ notes: 1 });

    // The partnership clears case workers for health information: other organisations' case workers now see it.
    const admin = await createUser(testApp, { role: 'partnership_admin' });
    const adminAgent = await signedInAgent(testApp, admin.user);
    const saved = await adminAgent.post('/admin/case-settings', { sensitive: 'case_manager', health_restricted: 'case_worker', highDays: '14', mediumDays: '28', standardDays: '56' });
    expect(saved.statusCode).toBe(302);
    await check('housingWorker', [true, false, true]);
    await check('leadWorker', [true, true, true]);
    await check('leadManager', [true, true, false]);
    expect((await adminAgent.post('/admin/case-settings', { sensitive: 'case_manager', highDays: '14', mediumDays: '28', standardDays: '56' })).statusCode).toBe(302);
    await check('housingWorker', [true, false, false]);
  });

  it('is not found by an organisation that is not on the case: timeline, notes and attachments', async () => {
    const people = await caseWithPartners();
    const { attachmentId } = await addNote(people.leadWorker.agent, people.caseId, 'A plain note', 'standard', { name: 'photo.png', type: 'image/png', bytes: PNG });
    const before = storedFiles().length;
    expect((await people.outsider.agent.get(`/cases/${people.caseId}/timeline`)).statusCode).toBe(404);
    expect((await people.outsider.agent.get(`/cases/${people.caseId}/attachments/${attachmentId}`)).statusCode).toBe(404);
    const posted = await people.outsider.agent.postMultipart(`/cases/${people.caseId}/notes/new`, noteForm({ body: 'Should not land', sensitivity: 'standard' }, { name: 'x.png', type: 'image/png', bytes: PNG }));
    expect(posted.statusCode).toBe(404);
    expect(await storedRows(people.caseId)).toEqual({ notes: 1, attachments: 1 });
    expect(storedFiles().length).toBe(before);
    // An attachment of another case, or no attachment at all, is not found either.
    const otherCase = await openCase(people.outsider.agent);
    expect((await people.outsider.agent.get(`/cases/${otherCase}/attachments/${attachmentId}`)).statusCode).toBe(404);
    expect((await people.leadWorker.agent.get(`/cases/${people.caseId}/attachments/not-a-uuid`)).statusCode).toBe(404);
  });

  it('lists every event newest first in London time, who did it and for which organisation, and audits the note', async () => {
    const people = await caseWithPartners();
    const { noteId } = await addNote(people.leadWorker.agent, people.caseId, 'Visited the block with the caretaker', 'standard');
    const page = await people.housingWorker.agent.get(`/cases/${people.caseId}/timeline`);
    const order = ['Note added', 'Agency added', 'Agency added', 'Case opened'].map((text, index, all) => {
      const from = all.slice(0, index).filter((earlier) => earlier === text).length;
      let position = -1;
      for (let seen = 0; seen <= from; seen += 1) position = page.body.indexOf(text, position + 1);
      return position;
    });
    expect(order.every((position) => position > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(page.body).toContain('by Liam Worker, Byker Council');
    expect(page.body).toMatch(/Elm Housing \d+ now works on this case/);
    const event = await testApp.database.db.selectFrom('case_events').select(['occurred_at', 'kind', 'note_id']).where('note_id', '=', noteId).executeTakeFirstOrThrow();
    expect(event.kind).toBe('note_added');
    const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(event.occurred_at);
    expect(page.body).toContain(london);
    const audit = await testApp.database.db.selectFrom('audit_events').select(['action', 'record_id', 'break_glass']).where('actor_user_id', '=', people.leadWorker.user.id).where('action', '=', 'NOTE_ADDED').execute();
    expect(audit).toEqual([{ action: 'NOTE_ADDED', record_id: noteId, break_glass: false }]);
  });

  it('gives a generic description to an event kind it does not know', async () => {
    const people = await caseWithPartners();
    await testApp.database.db.insertInto('case_events').values({ case_id: people.caseId, kind: 'mediation_booked', actor_user_id: null, actor_organisation_id: null }).execute();
    const page = await people.leadWorker.agent.get(`/cases/${people.caseId}/timeline`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Other activity');
    expect(page.body).toContain('Recorded as: mediation booked');
    expect(page.body).toContain('by OneRoof');
  });

  it('returns a valid file with the same bytes, as an attachment that the browser must not sniff', async () => {
    const people = await caseWithPartners();
    for (const upload of [
      { name: 'Plan de l’immeuble.pdf', type: 'application/pdf', bytes: PDF },
      { name: 'door.PNG', type: 'image/png', bytes: PNG },
      { name: 'notes.txt', type: 'text/plain', bytes: TEXT },
    ]) {
      const { attachmentId } = await addNote(people.leadWorker.agent, people.caseId, `With ${upload.name}`, 'standard', upload);
      const download = await people.housingWorker.agent.get(`/cases/${people.caseId}/attachments/${attachmentId}`);
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(upload.bytes)).toBe(true);
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      expect(String(download.headers['content-type'])).toMatch(new RegExp(`^${upload.type}`));
      expect(String(download.headers['content-disposition'])).toMatch(/^attachment; filename="/);
      expect(String(download.headers['content-disposition'])).toContain(`filename*=UTF-8''${encodeURIComponent(upload.name).replace(/'/g, '%27')}`);
      const row = await testApp.database.db.selectFrom('case_attachments').selectAll().where('id', '=', attachmentId!).executeTakeFirstOrThrow();
      expect(row.sha256).toBe((await import('node:crypto')).createHash('sha256').update(upload.bytes).digest('hex'));
      expect(storedFiles()).toContain(row.storage_key);
    }
    const downloads = await testApp.database.db.selectFrom('audit_events').select('action').where('actor_user_id', '=', people.housingWorker.user.id).where('action', '=', 'ATTACHMENT_DOWNLOADED').execute();
    expect(downloads).toHaveLength(3);
  });

  it('refuses an oversized or mislabelled file, stores nothing, and keeps the note typed', async () => {
    const people = await caseWithPartners();
    const agent = people.leadWorker.agent;
    const attempts: [Upload, string][] = [
      [{ name: 'big.pdf', type: 'application/pdf', bytes: Buffer.concat([PDF, Buffer.alloc(65 * 1024, 0x20)]) }, 'The selected file must be smaller than 64 KB'],
      [{ name: 'report.pdf', type: 'application/pdf', bytes: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300, 0x90)]) }, 'The selected file must be a PDF, PNG'],
      [{ name: 'photo.png', type: 'image/png', bytes: Buffer.from('just some plain bytes pretending') }, 'The selected file must be a PDF, PNG'],
      [{ name: 'report.pdf', type: 'application/pdf', bytes: PNG }, 'name or type does not match'],
      [{ name: 'photo.png', type: 'application/pdf', bytes: PNG }, 'name or type does not match'],
      [{ name: 'notes.txt', type: 'text/plain', bytes: Buffer.from([0xff, 0xfe, 0x00, 0x41]) }, 'The selected file must be a PDF, PNG'],
      [{ name: 'empty.txt', type: 'text/plain', bytes: Buffer.alloc(0) }, 'The selected file is empty'],
    ];
    const filesBefore = storedFiles().length;
    for (const [upload, message] of attempts) {
      const response = await agent.postMultipart(`/cases/${people.caseId}/notes/new`, noteForm({ body: `Keep this text <${upload.name}>`, sensitivity: 'sensitive' }, upload));
      expect(response.statusCode, upload.name).toBe(400);
      expect(response.body).toContain('There is a problem');
      expect(response.body).toContain(message);
      expect(response.body).toContain(`Keep this text &lt;${upload.name}&gt;`);
      expect(response.body).toMatch(/value="sensitive" checked/);
      expect(await storedRows(people.caseId)).toEqual({ notes: 0, attachments: 0 });
      expect(storedFiles().length).toBe(filesBefore);
    }
  });

  it('checks the note itself and accepts a note without a file, as multipart or a plain form', async () => {
    const people = await caseWithPartners();
    const agent = people.leadWorker.agent;
    const missing = await agent.postMultipart(`/cases/${people.caseId}/notes/new`, noteForm({ body: '  ', sensitivity: 'secret' }));
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Enter the note');
    expect(missing.body).toContain('Select who can read this note');
    const tooLong = await agent.postMultipart(`/cases/${people.caseId}/notes/new`, noteForm({ body: 'x'.repeat(10_001), sensitivity: 'standard' }));
    expect(tooLong.body).toContain('The note must be 10,000 characters or fewer');
    const noFile = new FormData();
    noFile.append('body', 'A note with an empty file field');
    noFile.append('sensitivity', 'standard');
    noFile.append('attachment', new Blob([]), '');
    expect((await agent.postMultipart(`/cases/${people.caseId}/notes/new`, noFile)).statusCode).toBe(302);
    expect((await agent.post(`/cases/${people.caseId}/notes/new`, { body: 'Posted without JavaScript or a file', sensitivity: 'standard' })).statusCode).toBe(302);
    expect(await storedRows(people.caseId)).toEqual({ notes: 2, attachments: 0 });
  });

  it('refuses a note without the form token', async () => {
    const people = await caseWithPartners();
    const form = noteForm({ body: 'Forged', sensitivity: 'standard' });
    const encoded = new Response(form);
    const response = await people.leadWorker.agent.request({
      method: 'POST',
      url: `/cases/${people.caseId}/notes/new`,
      headers: { 'content-type': encoded.headers.get('content-type')! },
      payload: Buffer.from(await encoded.arrayBuffer()),
    });
    expect(response.statusCode).toBe(403);
    expect(await storedRows(people.caseId)).toEqual({ notes: 0, attachments: 0 });
  });
});
