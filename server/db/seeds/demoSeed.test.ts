import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import { verifyAuditChain } from '../../modules/audit/auditVerifier.ts';
import { type Actor, systemActor } from '../../shared/actor.ts';
import { londonToday } from '../../shared/dates.ts';
import type { CurrentUser } from '../../types.ts';
import { seedDemoData } from './demoSeed.ts';

const actor: Actor = systemActor('demo-seed-test');

describe.each(availableBackends())('demo data on %s', (kind) => {
  let testApp: TestApp;
  let seconds: number;

  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    const started = performance.now();
    expect(await seedDemoData(testApp.services)).toEqual({ seeded: true });
    seconds = (performance.now() - started) / 1000;
  });
  afterAll(async () => testApp?.close());

  async function demoUser(email: string): Promise<CurrentUser> {
    const row = await testApp.database.db
      .selectFrom('users')
      .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
      .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.organisation_id', 'organisations.name as organisation_name'])
      .where('users.email', '=', email)
      .executeTakeFirstOrThrow();
    return { id: row.id, email: row.email, name: row.name, role: row.role as CurrentUser['role'], organisationId: row.organisation_id, organisationName: row.organisation_name, locale: null, mfaEnabled: true };
  }

  it('loads a handful of cases across the case types, worked by several agencies, quickly', async () => {
    const cases = await testApp.database.db.selectFrom('cases').select(['id', 'case_type', 'status', 'lead_organisation_id']).execute();
    expect(cases.length).toBeGreaterThanOrEqual(8);
    expect(cases.length).toBeLessThanOrEqual(12);
    expect(new Set(cases.map((row) => row.case_type))).toEqual(
      new Set(['anti_social_behaviour', 'domestic_abuse', 'criminal_exploitation', 'mental_health_crisis', 'hate_incident', 'neighbour_nuisance', 'vulnerability']),
    );
    expect(new Set(cases.map((row) => row.status))).toEqual(new Set(['open', 'assessed', 'in_progress', 'under_review', 'closed']));
    expect(new Set(cases.map((row) => row.lead_organisation_id)).size).toBeGreaterThanOrEqual(3);
    // The requirement is under 5 s; the margin is for a loaded test machine.
    expect(seconds).toBeLessThan(15);
  });

  it('has completed Dash and ASB matrix assessments, interventions, notes and some overdue actions', async () => {
    const db = testApp.database.db;
    const instruments = await db.selectFrom('risk_assessments').select(['instrument_code', 'band']).execute();
    expect(instruments.map((row) => row.instrument_code)).toEqual(expect.arrayContaining(['safelives_dash', 'asb_risk_matrix', 'vulnerability_screening']));
    expect(instruments.some((row) => row.instrument_code === 'safelives_dash' && row.band === 'high')).toBe(true);
    expect(Number((await db.selectFrom('case_interventions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThanOrEqual(4);
    expect(Number((await db.selectFrom('case_notes').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThanOrEqual(8);
    const overdue = await db.selectFrom('case_actions').select('title').where('status', 'in', ['open', 'in_progress']).where('due_date', '<', londonToday()).execute();
    expect(overdue.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps each timeline in order: the case opened first, nothing in the future', async () => {
    const db = testApp.database.db;
    const cases = await db.selectFrom('cases').select(['id', 'opened_at', 'closed_at', 'status']).execute();
    const now = Date.now();
    for (const row of cases) {
      const events = await db.selectFrom('case_events').select(['kind', 'occurred_at']).where('case_id', '=', row.id).orderBy('occurred_at').orderBy('id').execute();
      expect(events[0]?.kind).toBe('case_opened');
      expect(events[0]?.occurred_at.getTime()).toBe(row.opened_at.getTime());
      expect(events.every((event) => event.occurred_at.getTime() <= now)).toBe(true);
      if (row.status === 'closed') expect(events.at(-1)?.kind).toBe('status_changed');
    }
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('gives the demo case manager and case worker their own work to see', async () => {
    const { cases, actions, notifications } = testApp.services;
    const manager = await demoUser('manager@oneroof.example');
    const caseworker = await demoUser('caseworker@oneroof.example');
    const list = { status: undefined, caseType: undefined, priority: undefined, includeClosed: false, sort: 'opened' as const, direction: 'desc' as const, limit: 50, offset: 0 };

    expect((await cases.list(manager, { ...list, view: 'mine' }, actor)).total).toBeGreaterThanOrEqual(3);
    expect((await cases.list(manager, { ...list, view: 'organisation' }, actor)).total).toBeGreaterThan((await cases.list(manager, { ...list, view: 'mine' }, actor)).total);
    expect((await cases.reviewsDue(manager, actor)).cases.length).toBeGreaterThanOrEqual(1);
    expect((await actions.actionsDue(manager, { view: 'mine', direction: 'asc' }, actor)).rows.length).toBeGreaterThanOrEqual(1);

    expect((await cases.list(caseworker, { ...list, view: 'mine' }, actor)).total).toBeGreaterThanOrEqual(2);
    const due = await actions.actionsDue(caseworker, { view: 'mine', direction: 'asc' }, actor);
    expect(due.rows.some((row) => row.overdue)).toBe(true);
    expect((await notifications.list(caseworker, 1)).total).toBeGreaterThanOrEqual(1);
  });

  it('has referrals between the demo agencies in every state, in the demo users’ inboxes and sent lists and on the dashboard', async () => {
    const { referrals } = testApp.services;
    const db = testApp.database.db;
    const rows = await db.selectFrom('referrals').innerJoin('referral_pathways as p', 'p.id', 'referrals.pathway_id').select(['referrals.status', 'p.code']).execute();
    expect(rows.some((row) => row.code === 'concern_for_welfare_mental_health' && row.status === 'accepted')).toBe(true);
    const statuses = (await db.selectFrom('referrals').select(['status', 'decline_reason', 'acknowledge_due_at', 'decide_due_at', 'created_at', 'acknowledge_breached_at']).execute());
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    expect(statuses.length).toBeLessThanOrEqual(8);
    expect(new Set(statuses.map((row) => row.status))).toEqual(new Set(['received', 'acknowledged', 'accepted', 'declined', 'more_info_requested']));
    expect(statuses.some((row) => row.status === 'declined' && row.decline_reason)).toBe(true);
    const now = Date.now();
    expect(statuses.every((row) => row.created_at.getTime() <= now && row.created_at < row.decide_due_at)).toBe(true);
    // One is late, and the scan has already escalated it.
    expect(statuses.some((row) => row.status === 'received' && row.decide_due_at.getTime() < now && row.acknowledge_breached_at)).toBe(true);

    const open = { status: 'all' as const, page: 1 };
    for (const email of ['nhs@oneroof.example', 'housing@oneroof.example', 'caseworker@oneroof.example', 'idva@oneroof.example']) {
      expect((await referrals.inbox(await demoUser(email), open)).total, email).toBeGreaterThanOrEqual(1);
    }
    for (const email of ['manager@oneroof.example', 'police@oneroof.example', 'caseworker@oneroof.example']) {
      expect((await referrals.sent(await demoUser(email), open)).total, email).toBeGreaterThanOrEqual(1);
    }
    expect((await referrals.inbox(await demoUser('housing@oneroof.example'), open)).rows.some((row) => row.overdue)).toBe(true);
    const dashboard = await referrals.dashboard(actor);
    expect(dashboard.rows.reduce((sum, row) => sum + row.open + row.accepted + row.declined, 0)).toBeGreaterThanOrEqual(5);
    expect(dashboard.rows.some((row) => row.overdue > 0 || row.breached > 0)).toBe(true);
    expect(dashboard.declines.length).toBeGreaterThanOrEqual(1);
  });

  it('does nothing the second time', async () => {
    const count = async () => Number((await testApp.database.db.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    expect(await seedDemoData(testApp.services)).toEqual({ seeded: false });
    expect(await count()).toBe(before);
  });
});
