import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import type { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';

let testApp: TestApp;
let admin: TestAgent;
let manager: TestAgent;
beforeAll(async () => {
  testApp = await createTestApp();
  admin = await signedInAgent(testApp, (await createUser(testApp, { role: 'partnership_admin' })).user);
  const council = await createOrganisation(testApp, { name: 'Case Types Council' });
  manager = await signedInAgent(testApp, (await createUser(testApp, { role: 'case_manager', organisationId: council.id })).user);
});
afterAll(async () => testApp.close());

const year = new Date().getFullYear();

async function addType(name: string, referencePrefix: string) {
  const response = await admin.post('/admin/case-types/new', { name, referencePrefix });
  expect(response.statusCode, response.body.match(/govuk-error-message[^<]*<[^<]*<\/span>([^<]*)/)?.[1]).toBe(302);
  return (await testApp.database.db.selectFrom('case_types').selectAll().where('name', '=', name).executeTakeFirstOrThrow()).code;
}

async function openCase(caseType: string) {
  const response = await manager.post('/cases/new', { caseType, priority: 'medium', summary: 'Case of a configured type' });
  expect(response.statusCode).toBe(302);
  const caseId = String(response.headers.location).split('/').pop()!;
  const { reference } = await testApp.database.db.selectFrom('cases').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow();
  return { caseId, reference };
}

describe('case types', () => {
  it('adds a type that is offered for new cases, whose cases get its prefix and show its name everywhere', async () => {
    const code = await addType('Youth diversion', 'yd');
    expect(code).toBe('youth_diversion');
    const list = await admin.get('/admin/case-types');
    expect(list.body).toContain('Youth diversion');
    expect(list.body).toMatch(/<td class="govuk-table__cell">YD<\/td>/);
    expect((await admin.get('/admin')).body).toContain('Case types');

    expect((await manager.get('/cases/new')).body).toMatch(/value="youth_diversion"[^>]*>\s*<label[^>]*>\s*Youth diversion/);
    const { caseId, reference } = await openCase(code);
    expect(reference).toMatch(new RegExp(`^YD-${year}-000001$`));

    // A name the partnership gave is shown as given, whatever the reader's language.
    for (const lang of ['en', 'cy', 'ms']) {
      const page = await manager.get(`/cases/${caseId}?lang=${lang}`);
      expect(page.body, lang).toContain('Youth diversion');
      expect(page.body, lang).not.toContain('cases.types.');
    }
    await manager.get('/cases?lang=en');
    const caseList = await manager.get('/cases?view=organisation');
    expect(caseList.body).toMatch(/<td class="govuk-table__cell">Youth diversion<\/td>/);
    expect(caseList.body).toMatch(/<option value="youth_diversion"[^>]*>Youth diversion<\/option>/);
    expect((await manager.get('/cases/search?reference=YD-')).body).toMatch(/<option value="youth_diversion"[^>]*>Youth diversion<\/option>/);
    expect((await manager.get('/cases/export.csv?view=organisation')).body).toContain(`${reference},Youth diversion,`);
    expect((await manager.get(`/cases/${caseId}/timeline`)).body).toContain('Youth diversion');
    // Built-in types are still translated.
    expect((await manager.get('/cases/new?lang=cy')).body).not.toContain('>Anti-social behaviour<');
    await manager.get('/cases?lang=en');

    const audit = await testApp.database.db.selectFrom('audit_events').select(['record_id', 'details']).where('action', '=', 'CASE_TYPE_CREATED').execute();
    expect(audit).toEqual([{ record_id: 'youth_diversion', details: { name: 'Youth diversion', referencePrefix: 'YD' } }]);
  });

  it('explains each problem and keeps what was typed', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ name: '', referencePrefix: '' }, 'Enter a name for the case type', 'Enter a reference prefix'],
      [{ name: 'Anti-Social Behaviour', referencePrefix: 'ASB' }, 'There is already a case type with this name', 'Another case type already uses this reference prefix'],
      [{ name: 'X'.repeat(81), referencePrefix: 'A1' }, 'The name must be 80 characters or fewer', 'The reference prefix must be 2 to 5 capital letters, like YD'],
      [{ name: 'Street drinking', referencePrefix: 'STREET' }, 'value="Street drinking"', 'The reference prefix must be 2 to 5 capital letters, like YD'],
      [{ name: 'Street drinking', referencePrefix: 'REF' }, 'value="REF"', 'The reference prefix CR or REF is used by other references; choose another'],
    ];
    for (const [form, ...messages] of cases) {
      const response = await admin.post('/admin/case-types/new', form);
      expect([400, 409], JSON.stringify(form)).toContain(response.statusCode);
      expect(response.body).toContain('There is a problem');
      for (const message of messages) expect(response.body, JSON.stringify(form)).toContain(message);
      expect(response.body).toContain(`value="${form.referencePrefix}"`);
      if (form.name) expect(response.body).toContain(`value="${form.name}"`);
    }
    expect(await testApp.database.db.selectFrom('case_types').select('code').where('name', 'in', ['Street drinking', 'Anti-Social Behaviour']).execute()).toEqual([]);
    expect(await testApp.database.db.selectFrom('audit_events').select('seq').where('action', '=', 'CASE_TYPE_CREATED').where('record_id', '<>', 'youth_diversion').execute()).toEqual([]);
  });

  it('gives the clear message, not an error page, when the same type is added twice at once', async () => {
    await admin.csrfToken(); // one session token before the simultaneous posts
    const responses = await Promise.all([1, 2, 3].map((n) => admin.post('/admin/case-types/new', { name: 'Fly-tipping', referencePrefix: ['FT', 'FTA', 'FTB'][n - 1]! })));
    expect(responses.map((response) => response.statusCode).sort()).toEqual([302, 409, 409]);
    for (const refused of responses.filter((response) => response.statusCode === 409)) expect(refused.body).toContain('There is already a case type with this name');
    const samePrefix = await Promise.all(['Graffiti', 'Graffiti removal'].map((name) => admin.post('/admin/case-types/new', { name, referencePrefix: 'GR' })));
    expect(samePrefix.map((response) => response.statusCode).sort()).toEqual([302, 409]);
    expect(samePrefix.find((response) => response.statusCode === 409)!.body).toContain('Another case type already uses this reference prefix');
    const rows = await testApp.database.db.selectFrom('case_types').select(['code', 'reference_prefix']).where('name', 'like', 'Fly-tipping').execute();
    expect(rows).toHaveLength(1);
    // A different name that gives the same code takes the next free code.
    expect(await addType('Fly tipping (commercial)', 'FTC')).toBe('fly_tipping_commercial');
    expect(await addType('Fly tipping!', 'FTX')).toBe('fly_tipping_2');
  });

  it('stops offering a deactivated type while its cases keep it, and offers it again when reactivated', async () => {
    const code = await addType('Cuckooing', 'CUCK');
    const { caseId, reference } = await openCase(code);
    expect(reference).toMatch(/^CUCK-/);
    const saved = await admin.post(`/admin/case-types/${code}`, { name: 'Cuckooing', referencePrefix: 'CUCK', active: 'no' });
    expect(saved.statusCode).toBe(302);
    expect((await admin.get('/admin/case-types')).body).toMatch(/Cuckooing[\s\S]*?Not offered/);

    expect((await manager.get('/cases/new')).body).not.toContain('Cuckooing');
    const refused = await manager.post('/cases/new', { caseType: code, priority: 'medium', summary: 'Should not open' });
    expect(refused.statusCode).toBe(400);
    const page = await manager.get(`/cases/${caseId}`);
    expect(page.body).toContain('Cuckooing');
    // Its case can still be edited without changing type, and the list can still be filtered by it.
    const edit = await manager.get(`/cases/${caseId}/edit`);
    expect(edit.body).toMatch(/<option value="cuckooing" selected>Cuckooing<\/option>/);
    const version = edit.body.match(/name="version" value="(\d+)"/)![1]!;
    expect((await manager.post(`/cases/${caseId}/edit`, { caseType: code, priority: 'high', summary: 'Still cuckooing', version })).statusCode).toBe(302);
    expect((await manager.get(`/cases?view=organisation&caseType=${code}`)).body).toContain(reference);

    expect((await admin.post(`/admin/case-types/${code}`, { name: 'Cuckooing', referencePrefix: 'CUCK', active: 'yes' })).statusCode).toBe(302);
    expect((await manager.get('/cases/new')).body).toContain('Cuckooing');
    const audit = await testApp.database.db.selectFrom('audit_events').select('details').where('action', '=', 'CASE_TYPE_UPDATED').where('record_id', '=', code).orderBy('seq').execute();
    expect(audit.map((row) => row.details)).toEqual([
      { before: { name: 'Cuckooing', referencePrefix: 'CUCK', active: true }, after: { name: 'Cuckooing', referencePrefix: 'CUCK', active: false } },
      { before: { name: 'Cuckooing', referencePrefix: 'CUCK', active: false }, after: { name: 'Cuckooing', referencePrefix: 'CUCK', active: true } },
    ]);
  });

  it('refuses to change the prefix of a type that has cases, but renames it and changes an unused one', async () => {
    const code = await addType('Street drinking', 'SD');
    expect((await admin.get(`/admin/case-types/${code}`)).body).toContain('References of new cases of this type start with it');
    expect((await admin.post(`/admin/case-types/${code}`, { name: 'Street drinking', referencePrefix: 'SDR', active: 'yes' })).statusCode).toBe(302);
    await openCase(code);

    const refused = await admin.post(`/admin/case-types/${code}`, { name: 'Street drinking and begging', referencePrefix: 'STD', active: 'yes' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('The reference prefix cannot be changed because cases already have references that use it');
    expect(refused.body).toContain('value="STD"');
    expect(refused.body).toContain('value="Street drinking and begging"');
    expect(refused.body).toContain('1 case already has a reference with this prefix');
    const renamedUsed = await admin.post(`/admin/case-types/${code}`, { name: 'Street drinking and begging', referencePrefix: 'SDR', active: 'yes' });
    expect(renamedUsed.statusCode).toBe(302);
    const row = await testApp.database.db.selectFrom('case_types').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'Street drinking and begging', reference_prefix: 'SDR', active: true });

    // Renaming to a name another type has is refused; renaming a built-in type shows the new name in every language.
    const clash = await admin.post(`/admin/case-types/${code}`, { name: 'youth DIVERSION', referencePrefix: 'SDR', active: 'yes' });
    expect(clash.statusCode).toBe(409);
    expect(clash.body).toContain('There is already a case type with this name');
    expect((await admin.post('/admin/case-types/hate_incident', { name: 'Hate crime and incidents', referencePrefix: 'HATE', active: 'yes' })).statusCode).toBe(302);
    expect((await manager.get('/cases/new?lang=cy')).body).toContain('Hate crime and incidents');
    await manager.get('/cases/new?lang=en');
    expect((await admin.get('/admin/case-types/no_such_type')).statusCode).toBe(404);
  });

  it('changes the order in which types are offered', async () => {
    const order = async () => [...(await manager.get('/cases/new')).body.matchAll(/name="caseType" type="radio" value="([a-z_0-9]+)"/g)].map((match) => match[1]);
    const before = await order();
    expect(before[0]).toBe('anti_social_behaviour');
    expect((await admin.post('/admin/case-types/vulnerability/move', { direction: 'up' })).statusCode).toBe(302);
    expect((await order()).slice(0, 2)).toEqual(['vulnerability', 'anti_social_behaviour']);
    await admin.post('/admin/case-types/vulnerability/move', { direction: 'up' });
    expect((await order()).slice(0, 2)).toEqual(['vulnerability', 'anti_social_behaviour']);
    await admin.post('/admin/case-types/vulnerability/move', { direction: 'down' });
    expect(await order()).toEqual(before);
  });

  it('is for partnership administrators only', async () => {
    for (const role of ['case_manager', 'organisation_admin', 'case_worker', 'analyst', 'read_only_partner'] as const) {
      const other = await signedInAgent(testApp, (await createUser(testApp, { role })).user);
      expect((await other.get('/admin/case-types')).statusCode, role).toBe(403);
      expect((await other.post('/admin/case-types/new', { name: 'Sneaky', referencePrefix: 'SNK' })).statusCode, role).toBe(403);
      expect((await other.post('/admin/case-types/anti_social_behaviour', { name: 'Sneaky', referencePrefix: 'ASB', active: 'no' })).statusCode, role).toBe(403);
      expect((await other.post('/admin/case-types/anti_social_behaviour/move', { direction: 'down' })).statusCode, role).toBe(403);
    }
    expect(await testApp.database.db.selectFrom('case_types').select('code').where('name', '=', 'Sneaky').execute()).toEqual([]);
  });
});
