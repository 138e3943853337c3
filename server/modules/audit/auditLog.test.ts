import { randomUUID } from 'node:crypto';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrganisation, createUser, signedInAgent, type UserFixture } from '../../../test/factories/index.ts';
import { TestAgent } from '../../../test/support/agent.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import type { Actor } from '../../shared/actor.ts';
import type { AuditEntry } from './auditTrail.ts';

let testApp: TestApp;
let admin: UserFixture;
let agent: TestAgent;
const alice: Actor = { userId: randomUUID(), label: 'alice.smith@example.org', organisationId: null, role: 'case_worker', ip: '203.0.113.7', requestId: 'req-alice-1' };
const bob: Actor = { userId: randomUUID(), label: 'bob.jones@example.org', organisationId: null, role: 'case_worker', ip: '203.0.113.8', requestId: 'req-bob-1' };

/** Writes an event as if it happened at `when`, through the real audit trail (so the chain holds). */
async function recordAt(when: string, actor: Actor, entry: AuditEntry): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(when));
  try {
    await testApp.services.audit.record(actor, entry);
  } finally {
    vi.useRealTimers();
  }
}

function seqsOn(page: Response): string[] {
  return [...page.body.matchAll(/data-seq="(\d+)"/g)].map((match) => match[1]!);
}

function linkTo(page: Response, rel: 'prev' | 'next'): string | undefined {
  const href = new RegExp(`href="([^"]+)" rel="${rel}"`).exec(page.body)?.[1];
  return href?.replace(/&amp;/g, '&');
}

function searchUrl(query: Record<string, string>): string {
  return `/admin/audit?${new URLSearchParams(query).toString()}`;
}

async function eventsWhere(column: 'record_type' | 'action', value: string) {
  return testApp.database.db.selectFrom('audit_events').select(['seq', 'action']).where(column, '=', value).orderBy('seq', 'desc').execute();
}

beforeAll(async () => {
  testApp = await createTestApp();
  admin = await createUser(testApp, { role: 'partnership_admin' });
  agent = await signedInAgent(testApp, admin.user);

  const organisation = await createOrganisation(testApp, { name: 'Audited Borough Council' });
  alice.organisationId = organisation.id;
  // Clocks went forward at 01:00 UTC on 31 March 2019: from then on London is UTC+1.
  await recordAt('2019-03-31T22:30:00Z', alice, { action: 'USER_VIEWED', recordType: 'date_probe', recordId: 'on-31-march' });
  await recordAt('2019-03-31T23:30:00Z', alice, { action: 'USER_VIEWED', recordType: 'date_probe', recordId: 'early-1-april' });
  await recordAt('2019-04-02T22:59:00Z', bob, { action: 'USER_VIEWED', recordType: 'date_probe', recordId: 'late-2-april' });
  await recordAt('2019-04-02T23:00:00Z', bob, { action: 'USER_VIEWED', recordType: 'date_probe', recordId: 'on-3-april' });
  await testApp.services.audit.record(alice, {
    action: 'ORGANISATION_UPDATED',
    recordType: 'organisation',
    recordId: organisation.id,
    details: { changed: ['name', 'contactEmail'] },
    breakGlass: true,
  });
  await testApp.services.audit.record(bob, { action: 'USER_DISABLED', recordType: 'user', recordId: alice.userId! });
});
afterAll(async () => testApp.close());

describe('audit log search', () => {
  it('finds events by who did them, by email text or by user id', async () => {
    const byText = await agent.get(searchUrl({ actor: 'ALICE.smith' }));
    expect(byText.statusCode).toBe(200);
    expect(byText.body).toContain('alice.smith@example.org');
    expect(byText.body).not.toContain('bob.jones@example.org');
    expect(seqsOn(byText)).toHaveLength(3);

    const byId = await agent.get(searchUrl({ actor: bob.userId! }));
    expect(seqsOn(byId)).toHaveLength(3);
    expect(byId.body).toContain('bob.jones@example.org');
    expect(byId.body).not.toContain('alice.smith@example.org');
    expect(byId.body).toContain('value="' + bob.userId + '"');
  });

  it('finds events by action, shown with their label, and by record', async () => {
    const byAction = await agent.get(searchUrl({ action: 'ORGANISATION_UPDATED' }));
    const expected = await eventsWhere('action', 'ORGANISATION_UPDATED');
    expect(seqsOn(byAction)).toEqual(expected.map((row) => row.seq));
    expect(byAction.body).toContain('Organisation changed');
    expect(byAction.body).toContain('<option value="ORGANISATION_UPDATED" selected>Organisation changed</option>');
    expect(byAction.body).toContain('Audited Borough Council');
    expect(byAction.body).toContain('Break glass');
    expect(byAction.body).toContain('203.0.113.7');
    expect(byAction.body).toContain('req-alice-1');

    const byRecord = await agent.get(searchUrl({ recordType: 'user', recordId: alice.userId! }));
    expect(seqsOn(byRecord)).toHaveLength(1);
    expect(byRecord.body).toContain('User disabled');
  });

  it('takes dates as whole days in UK time, the "to" day included', async () => {
    const page = await agent.get(
      searchUrl({ recordType: 'date_probe', 'from-day': '1', 'from-month': '4', 'from-year': '2019', 'to-day': '2', 'to-month': '4', 'to-year': '2019' }),
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('late-2-april');
    expect(page.body).toContain('early-1-april');
    expect(page.body).not.toContain('on-31-march');
    expect(page.body).not.toContain('on-3-april');
    expect(page.body).toContain('1 April 2019 at 00:30');
    expect(page.body).toContain('2 April 2019 at 23:59');
    expect(page.body).toContain('name="from-year" type="text" value="2019"');

    const fromOnly = await agent.get(searchUrl({ recordType: 'date_probe', 'from-day': '3', 'from-month': '4', 'from-year': '2019' }));
    expect(seqsOn(fromOnly)).toHaveLength(1);
    expect(fromOnly.body).toContain('on-3-april');
  });

  it('explains impossible dates and keeps what was typed', async () => {
    const impossible = await agent.get(searchUrl({ actor: 'alice', 'from-day': '31', 'from-month': '02', 'from-year': '2026' }));
    expect(impossible.statusCode).toBe(400);
    expect(impossible.body).toContain('There is a problem');
    expect(impossible.body).toContain('The &#39;from&#39; date must be a real date');
    expect(impossible.body).toContain('href="#from-day"');
    expect(impossible.body).toContain('value="31"');
    expect(impossible.body).toContain('value="alice"');
    expect(impossible.body).toContain('govuk-input--error');
    expect(seqsOn(impossible)).toEqual([]);

    const backwards = await agent.get(
      searchUrl({ 'from-day': '5', 'from-month': '4', 'from-year': '2019', 'to-day': '1', 'to-month': '4', 'to-year': '2019' }),
    );
    expect(backwards.statusCode).toBe(400);
    expect(backwards.body).toContain('The &#39;to&#39; date must be the same as or after the &#39;from&#39; date');
    expect(backwards.body).toContain('href="#to-day"');

    const incomplete = await agent.get(searchUrl({ 'to-day': '5', 'to-year': '2019' }));
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.body).toContain('The &#39;to&#39; date must include a day, month and year');
    expect(incomplete.body).toContain('<title>Error:');

    const tooLong = await agent.get(searchUrl({ recordId: 'x'.repeat(201) }));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('Search text is too long');
    expect(tooLong.body).toContain('href="#recordId"');
  });

  it('pages newest first, 50 at a time, keeping the search', async () => {
    for (let batch = 0; batch < 6; batch += 1) {
      await testApp.services.audit.record(bob, ...Array.from({ length: 20 }, (_, index) => ({ action: 'USER_VIEWED' as const, recordType: 'bulk', recordId: `bulk-${batch * 20 + index}` })));
    }
    const all = (await eventsWhere('record_type', 'bulk')).map((row) => row.seq);
    expect(all).toHaveLength(120);

    const first = await agent.get(searchUrl({ recordType: 'bulk' }));
    expect(seqsOn(first)).toEqual(all.slice(0, 50));
    expect(linkTo(first, 'prev')).toBeUndefined();
    const olderLink = linkTo(first, 'next')!;
    expect(olderLink).toContain('recordType=bulk');

    const second = await agent.get(olderLink);
    expect(seqsOn(second)).toEqual(all.slice(50, 100));
    const third = await agent.get(linkTo(second, 'next')!);
    expect(seqsOn(third)).toEqual(all.slice(100));
    expect(linkTo(third, 'next')).toBeUndefined();

    const backToSecond = await agent.get(linkTo(third, 'prev')!);
    expect(seqsOn(backToSecond)).toEqual(all.slice(50, 100));
    const backToFirst = await agent.get(linkTo(backToSecond, 'prev')!);
    expect(seqsOn(backToFirst)).toEqual(all.slice(0, 50));
    expect(linkTo(backToFirst, 'prev')).toBeUndefined();
  });

  it('records each search in the audit log', async () => {
    await agent.get(searchUrl({ recordId: 'searched-for-this' }));
    const searches = await testApp.database.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'details'])
      .where('action', '=', 'AUDIT_LOG_SEARCHED')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(searches.actor_user_id).toBe(admin.user.id);
    expect(searches.details).toMatchObject({ criteria: { recordId: 'searched-for-this' }, count: 0 });
  });
});

describe('an audit event', () => {
  it('shows every field, its details, and both hashes, and records the view', async () => {
    const row = await testApp.database.db.selectFrom('audit_events').selectAll().where('action', '=', 'ORGANISATION_UPDATED').executeTakeFirstOrThrow();
    const page = await agent.get(`/admin/audit/${row.seq}`);
    expect(page.statusCode).toBe(200);
    for (const text of [row.hash, row.prev_hash, alice.userId!, alice.label, 'Audited Borough Council', row.record_id!, '203.0.113.7', 'req-alice-1', 'Organisation changed', 'ORGANISATION_UPDATED', row.occurred_at.toISOString()]) {
      expect(page.body).toContain(text);
    }
    expect(page.body).toMatch(/<pre[^>]*data-testid="audit-details">\{\n {2}&quot;changed&quot;: \[/);
    expect(page.body).toContain('contactEmail');
    const viewed = await testApp.database.db
      .selectFrom('audit_events')
      .select('actor_user_id')
      .where('action', '=', 'AUDIT_EVENT_VIEWED')
      .where('record_id', '=', row.seq)
      .execute();
    expect(viewed).toEqual([{ actor_user_id: admin.user.id }]);
  });

  it('answers not found for a sequence number that does not exist', async () => {
    expect((await agent.get('/admin/audit/99999999')).statusCode).toBe(404);
    expect((await agent.get('/admin/audit/not-a-number')).statusCode).toBe(404);
    expect((await agent.get('/admin/audit/0')).statusCode).toBe(404);
  });
});

describe('who may read the audit log', () => {
  it('refuses roles without the audit permission and sends visitors to sign in', async () => {
    for (const role of ['case_worker', 'organisation_admin'] as const) {
      const fixture = await createUser(testApp, { role });
      const other = await signedInAgent(testApp, fixture.user);
      expect((await other.get('/admin/audit')).statusCode).toBe(403);
      expect((await other.get('/admin/audit/1')).statusCode).toBe(403);
    }
    const visitor = await new TestAgent(testApp.app).get('/admin/audit?actor=x');
    expect(visitor.statusCode).toBe(302);
    expect(visitor.headers.location).toBe(`/sign-in?returnTo=${encodeURIComponent('/admin/audit?actor=x')}`);
  });
});
