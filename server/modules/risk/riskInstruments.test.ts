import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { ensureInstruments, type RiskInstrument, safelivesDash } from './riskInstruments.ts';

let testApp: TestApp;
beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => testApp.close());

const yesToAll = (instrument: RiskInstrument) => Object.fromEntries(instrument.questions.filter((question) => question.scored).map((question) => [question.id, 'yes']));

describe('storing instrument versions', () => {
  it('stores every instrument once, however often the app starts', async () => {
    await ensureInstruments(testApp.database.db);
    const rows = await testApp.database.db.selectFrom('risk_instruments').select(['code', 'version', 'name', 'active']).orderBy('code').execute();
    expect(rows).toEqual([
      { code: 'asb_risk_matrix', version: 1, name: 'ASB victim and witness risk assessment', active: true },
      { code: 'police_dash', version: 1, name: 'Police DASH risk assessment', active: true },
      { code: 'safelives_dash', version: 1, name: 'SafeLives Dash risk checklist', active: true },
      { code: 'vulnerability_screening', version: 1, name: 'Vulnerability screening', active: true },
    ]);
  });

  it('refuses to start when a stored version was changed in place', async () => {
    const changed: RiskInstrument = { ...safelivesDash, scoring: { ...safelivesDash.scoring, bands: [{ band: 'standard', from: 0 }, { band: 'high', from: 12 }] } };
    await expect(ensureInstruments(testApp.database.db, [changed])).rejects.toThrow(/safelives_dash version 1 differs/);
  });

  it('offers a new version for new assessments and still reads old ones with the version they used', async () => {
    const worker = await createUser(testApp, { role: 'case_worker' });
    const agent = await signedInAgent(testApp, worker.user);
    const opened = await agent.post('/cases/new', { caseType: 'domestic_abuse', priority: 'medium', summary: 'Versioning' });
    const caseId = String(opened.headers.location).split('/').pop()!;
    const first = await agent.post(`/cases/${caseId}/risk/safelives_dash/new`, yesToAll(safelivesDash));
    expect(first.statusCode).toBe(302);

    const fewerQuestions: RiskInstrument = { ...safelivesDash, version: 2, questions: safelivesDash.questions.slice(0, 20) };
    await ensureInstruments(testApp.database.db, [safelivesDash, fewerQuestions]);
    const versions = await testApp.database.db.selectFrom('risk_instruments').select(['version', 'active']).where('code', '=', 'safelives_dash').orderBy('version').execute();
    expect(versions).toEqual([{ version: 1, active: false }, { version: 2, active: true }]);

    const second = await agent.post(`/cases/${caseId}/risk/safelives_dash/new`, yesToAll(fewerQuestions));
    expect(second.statusCode).toBe(302);
    const stored = await testApp.database.db.selectFrom('risk_assessments').select(['instrument_version', 'score']).where('case_id', '=', caseId).orderBy('completed_at').execute();
    expect(stored).toEqual([{ instrument_version: 1, score: 24 }, { instrument_version: 2, score: 20 }]);
    const old = await agent.get(String(first.headers.location));
    expect(old.body).toContain('24 out of 24');
    expect(old.body).toContain('(version 1)');
    expect(old.body).toContain('Has the abuser ever broken bail');
  });
});
