import { randomBytes } from 'node:crypto';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../server/middleware/requestContext.ts';
import { systemActor } from '../server/shared/actor.ts';
import { type Access, hasPermission, type Role, roles } from '../server/shared/permissions.ts';
import { createOrganisation, createUser, signedInAgent } from './factories/index.ts';
import { TestAgent } from './support/agent.ts';
import { createTestApp, type TestApp } from './support/testApp.ts';

/**
 * Every page route × every role (and no sign-in at all), generated from the routes the app
 * actually registers, so a new route is covered the moment it exists. Record-level rules
 * (an organisation administrator and another organisation's records) are checked on top.
 */
type Outcome = 'allowed' | 'sign-in' | 'denied' | 'not-found';
type Who = Role | 'anonymous';

let testApp: TestApp;
let fixtures: Record<string, { own: string; other: string }>;
const tried: string[] = [];

// Routes whose permission is decided in the handler rather than by a single declared permission.
const OVERRIDES: Record<string, Partial<Record<Who, Outcome>>> = {
  'GET /admin': { case_manager: 'denied', case_worker: 'denied', analyst: 'denied', read_only_partner: 'denied' },
};

// Parameters that stand for records an organisation administrator may only see in their own organisation.
const ORGANISATION_SCOPED_PARAMS = new Set(['userId', 'apiKeyId', 'messageId']);

beforeAll(async () => {
  testApp = await createTestApp();
  const own = await createOrganisation(testApp, { name: 'Own organisation' });
  const other = await createOrganisation(testApp, { name: 'Other organisation' });
  const ownUser = await createUser(testApp, { role: 'case_worker', organisationId: own.id });
  const otherUser = await createUser(testApp, { role: 'case_worker', organisationId: other.id });
  const apiKey = async (organisationId: string) =>
    (
      await testApp.database.db
        .insertInto('api_keys')
        .values({ organisation_id: organisationId, name: 'Matrix key', key_prefix: randomBytes(6).toString('hex'), secret_hash: 'x', permissions: [] })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const message = async (organisationId: string) =>
    (
      await testApp.database.db
        .insertInto('email_outbox')
        .values({ organisation_id: organisationId, to_address: 'someone@example.org', subject: 'Subject', body_text: 'Body' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  await testApp.services.audit.record(systemActor('matrix'), { action: 'DEMO_DATA_SEEDED' });
  fixtures = {
    userId: { own: ownUser.user.id, other: otherUser.user.id },
    organisationId: { own: own.id, other: other.id },
    apiKeyId: { own: await apiKey(own.id), other: await apiKey(other.id) },
    messageId: { own: await message(own.id), other: await message(other.id) },
    seq: { own: '1', other: '1' },
    token: { own: 'no-such-token', other: 'no-such-token' },
  };
  agentOrganisation = own.id;
});
afterAll(async () => {
  console.log(`access matrix: ${tried.length} route × role combinations checked`);
  await testApp.close();
});

let agentOrganisation: string;

function pageRoutes(): DeclaredRoute[] {
  return testApp.app.declaredRoutes.filter((route) => !route.api && !route.url.includes('*'));
}

function fillParams(url: string, which: 'own' | 'other'): string {
  return url.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const fixture = fixtures[name];
    if (!fixture) throw new Error(`The access matrix has no fixture for :${name} in ${url}; add one`);
    return encodeURIComponent(fixture[which]);
  });
}

function expectedOutcome(route: DeclaredRoute, who: Who): Outcome {
  const override = OVERRIDES[`${route.method} ${route.url}`]?.[who];
  if (override) return override;
  if (route.access === 'public') return 'allowed';
  if (who === 'anonymous') return 'sign-in';
  if (route.access === 'signed-in') return 'allowed';
  return hasPermission(who, route.access as Exclude<Access, 'public' | 'signed-in'>) ? 'allowed' : 'denied';
}

function observedOutcome(response: Response): Outcome | `error ${number}` {
  if (response.statusCode >= 500) return `error ${response.statusCode}`;
  if (response.statusCode === 403 && !response.body.includes('Your form could not be sent')) return 'denied';
  if (response.statusCode === 404) return 'not-found';
  if (response.statusCode === 302 && String(response.headers.location).startsWith('/sign-in')) return 'sign-in';
  return 'allowed';
}

async function agentFor(who: Who): Promise<TestAgent> {
  if (who === 'anonymous') return new TestAgent(testApp.app);
  const fixture = await createUser(testApp, { role: who, organisationId: agentOrganisation });
  return signedInAgent(testApp, fixture.user);
}

async function attempt(route: DeclaredRoute, who: Who, which: 'own' | 'other'): Promise<Response> {
  const agent = await agentFor(who);
  const url = fillParams(route.url, which);
  tried.push(`${route.method} ${url} as ${who}`);
  return route.method === 'GET' ? agent.get(url) : agent.post(url, {});
}

describe('access matrix', () => {
  const everyone: Who[] = ['anonymous', ...roles];

  it('every page route answers each role as its declared access says', async () => {
    const mismatches: string[] = [];
    for (const route of pageRoutes()) {
      for (const who of everyone) {
        // A route a visitor reaches only as the public gets 'sign-in' for the flows it guards.
        const expected = expectedOutcome(route, who);
        const observed = observedOutcome(await attempt(route, who, 'own'));
        const acceptable = expected === 'allowed' && route.access === 'public' ? observed !== 'denied' && !observed.startsWith('error') : observed === expected;
        if (!acceptable) mismatches.push(`${route.method} ${route.url} as ${who}: expected ${expected}, got ${observed}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("answers 'not found' when an organisation administrator asks for another organisation's records", async () => {
    const mismatches: string[] = [];
    const scoped = pageRoutes().filter((route) => [...route.url.matchAll(/:([A-Za-z]+)/g)].some((match) => ORGANISATION_SCOPED_PARAMS.has(match[1]!)));
    expect(scoped.length).toBeGreaterThan(0);
    for (const route of scoped) {
      if (!hasPermission('organisation_admin', route.access as Exclude<Access, 'public' | 'signed-in'>)) continue;
      const observed = observedOutcome(await attempt(route, 'organisation_admin', 'other'));
      if (observed !== 'not-found') mismatches.push(`${route.method} ${route.url}: expected not-found, got ${observed}`);
      const partnershipAdmin = observedOutcome(await attempt(route, 'partnership_admin', 'other'));
      if (partnershipAdmin !== 'allowed') mismatches.push(`${route.method} ${route.url} as partnership_admin: expected allowed, got ${partnershipAdmin}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('declares access on every route, including the JSON API', () => {
    const undeclared = testApp.app.declaredRoutes.filter((route) => !route.access);
    expect(undeclared).toEqual([]);
    expect(pageRoutes().length).toBeGreaterThan(30);
  });
});
