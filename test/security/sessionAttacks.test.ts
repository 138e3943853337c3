import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../../server/middleware/requestContext.ts';
import { hasPermission, type Permission, type Role, roles } from '../../server/shared/permissions.ts';
import { createUser, signedInAgent, signInThroughPages, totpCode } from '../factories/index.ts';
import { encodeForm, TestAgent } from '../support/agent.ts';
import { createTestApp, TEST_BASE_URL, type TestApp } from '../support/testApp.ts';
import { writeReport } from './report.ts';

/**
 * Session and authentication attacks, tried the way an attacker would: fixation, cross-site
 * request forgery on every state-changing page route (from the route table), guessing from many
 * addresses, racing the owner with their authenticator code, reusing a password-reset link,
 * redirecting off the site through any returnTo-like parameter, and framing any page.
 * (Replaying a used code in a later session is in signIn.test.ts.)
 */
let testApp: TestApp;
const counts: Record<string, number> = {};
const count = (what: string) => (counts[what] = (counts[what] ?? 0) + 1);

beforeAll(async () => {
  testApp = await createTestApp();
});
afterAll(async () => {
  writeReport('authorization.json', counts, 'sessionAttacks');
  await testApp.close();
});

function pageRoutes(): DeclaredRoute[] {
  return testApp.app.declaredRoutes.filter((route) => !route.api && !route.url.includes('*'));
}

/** Any value for each path parameter: the checks under test come before the record is looked up. */
const fill = (url: string) => url.replace(/:([A-Za-z]+)/g, () => randomUUID());

/** A signed-in agent for each role, made once. */
const agents = new Map<Role, TestAgent>();
async function agentFor(role: Role): Promise<TestAgent> {
  let agent = agents.get(role);
  if (!agent) {
    agent = await signedInAgent(testApp, (await createUser(testApp, { role })).user);
    agents.set(role, agent);
  }
  return agent;
}

/** Someone who may use the route: a visitor with a session for public routes, else a role holding its permission. */
async function allowedAgent(route: DeclaredRoute): Promise<TestAgent> {
  if (route.access === 'public') {
    const visitor = new TestAgent(testApp.app);
    await visitor.get('/sign-in');
    return visitor;
  }
  const role = route.access === 'signed-in' ? 'read_only_partner' : roles.find((candidate) => hasPermission(candidate, route.access as Permission));
  if (!role) throw new Error(`No role holds ${route.access}`);
  return agentFor(role);
}

function postRaw(agent: TestAgent, url: string, form: Record<string, string>, extra: Partial<InjectOptions> = {}): Promise<Response> {
  return agent.request({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: encodeForm(form), ...extra });
}

const isCsrfRefusal = (response: Response) => response.statusCode === 403 && response.body.includes('Your form could not be sent');

describe('session fixation', () => {
  it('does not honour a session the attacker planted before sign-in', async () => {
    const victim = await createUser(testApp, { role: 'case_worker' });
    const attacker = new TestAgent(testApp.app);
    await attacker.get('/sign-in');
    const planted = attacker.cookies.get('oneroof')!;
    expect(planted).toBeTruthy();

    // The victim's browser carries the attacker's cookie and signs in with it.
    const browser = new TestAgent(testApp.app);
    browser.cookies.set('oneroof', planted);
    const signedIn = await signInThroughPages(browser, victim);
    expect(signedIn.headers.location).toBe('/');
    expect(browser.cookies.get('oneroof')).not.toBe(planted);
    expect((await browser.get('/')).statusCode).toBe(200);

    // The attacker's copy of the planted cookie is not signed in.
    const attempt = await attacker.get('/');
    expect(attempt.statusCode).toBe(302);
    expect(attempt.headers.location).toMatch(/^\/sign-in/);
    expect((await attacker.get('/profile')).headers.location).toMatch(/^\/sign-in/);
  });

  it('ignores a session id the server never issued', async () => {
    const victim = await createUser(testApp, { role: 'read_only_partner' });
    const browser = new TestAgent(testApp.app);
    browser.cookies.set('oneroof', 'attacker-chosen-session-id.forged-signature');
    await signInThroughPages(browser, victim);
    expect(browser.cookies.get('oneroof')).not.toContain('attacker-chosen');
    const sessions = await testApp.database.db.selectFrom('sessions').select('sid_hash').where('user_id', '=', victim.user.id).execute();
    expect(sessions).toHaveLength(1);
  });
});

describe('cross-site request forgery', () => {
  it('refuses every state-changing page route without a token, and with another session’s token', async () => {
    const unsafe = pageRoutes().filter((route) => route.method !== 'GET');
    expect(unsafe.length).toBeGreaterThan(50);
    const accepted: string[] = [];
    const other = new TestAgent(testApp.app);
    await other.get('/sign-in');
    const othersToken = await other.csrfToken();
    for (const route of unsafe) {
      const agent = await allowedAgent(route);
      const url = fill(route.url);
      const withoutToken = await postRaw(agent, url, { reason: 'forged' }, { method: route.method as 'POST' });
      count('csrfAttempts');
      if (!isCsrfRefusal(withoutToken)) accepted.push(`${route.method} ${route.url} without a token: ${withoutToken.statusCode}`);
      const withOthers = await postRaw(agent, url, { _csrf: othersToken, reason: 'forged' }, { method: route.method as 'POST' });
      count('csrfAttempts');
      if (!isCsrfRefusal(withOthers)) accepted.push(`${route.method} ${route.url} with another session's token: ${withOthers.statusCode}`);
      // A token in a header from the wrong session is no better.
      const inHeader = await postRaw(agent, url, {}, { method: route.method as 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': othersToken } });
      count('csrfAttempts');
      if (!isCsrfRefusal(inHeader)) accepted.push(`${route.method} ${route.url} with another session's token in a header: ${inHeader.statusCode}`);
    }
    expect(accepted).toEqual([]);
  }, 240_000);

  it('still accepts the genuine token (the refusals above are about the token, not the route)', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = await signedInAgent(testApp, fixture.user);
    const response = await agent.post('/sign-out');
    expect(isCsrfRefusal(response)).toBe(false);
    expect(response.headers.location).toBe('/signed-out');
  });
});

describe('guessing passwords', () => {
  function fromAddress(agent: TestAgent, form: Record<string, string>, ip: string): Promise<Response> {
    return agent.csrfToken().then((token) => postRaw(agent, '/sign-in', { _csrf: token, ...form }, { remoteAddress: ip }));
  }

  it('keeps an account locked when the guesses come from many addresses', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    for (let attempt = 0; attempt < testApp.config.signInMaxFailures; attempt += 1) {
      const response = await fromAddress(new TestAgent(testApp.app), { email: fixture.user.email, password: `guess-${attempt}-wrong` }, `198.51.100.${attempt + 1}`);
      expect(response.statusCode).toBe(400);
    }
    // The right password, from an address never seen before, and with the address in another case.
    const fresh = await fromAddress(new TestAgent(testApp.app), { email: ` ${fixture.user.email.toUpperCase()} `, password: fixture.password }, '203.0.113.200');
    expect(fresh.statusCode).toBe(429);
    const stillLocked = await fromAddress(new TestAgent(testApp.app), { email: fixture.user.email, password: fixture.password }, '203.0.113.201');
    expect(stillLocked.statusCode).toBe(429);
  });

  it('locks an address that sprays guesses across many accounts, without locking those accounts elsewhere', async () => {
    const ip = '192.0.2.77';
    for (let attempt = 0; attempt < testApp.config.signInMaxFailuresPerIp; attempt += 1) {
      await fromAddress(new TestAgent(testApp.app), { email: `sprayed-${attempt}@example.org`, password: 'Winter2026!Winter' }, ip);
    }
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const fromSprayer = await fromAddress(new TestAgent(testApp.app), { email: fixture.user.email, password: fixture.password }, ip);
    expect(fromSprayer.statusCode).toBe(429);
    const fromElsewhere = await fromAddress(new TestAgent(testApp.app), { email: fixture.user.email, password: fixture.password }, '192.0.2.78');
    expect(fromElsewhere.statusCode).toBe(302);
  });
});

describe('replaying an authenticator code', () => {
  // signIn.test.ts replays a used code in a later session; an attacker who sees the code races the owner instead.
  it('accepts a code once when two sessions send it at the same moment', async () => {
    const fixture = await createUser(testApp, { role: 'case_manager' });
    const owner = new TestAgent(testApp.app);
    const attacker = new TestAgent(testApp.app);
    for (const agent of [owner, attacker]) expect((await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password })).headers.location).toBe('/sign-in/verify');
    const code = await totpCode(fixture.totpSecret!);
    const [first, second] = await Promise.all([owner.post('/sign-in/verify', { code }), attacker.post('/sign-in/verify', { code })]);
    const outcomes = [first, second].map((response) => (response.statusCode === 302 && response.headers.location === '/' ? 'in' : response.statusCode));
    expect([...outcomes].sort()).toEqual([400, 'in']);
    // Whoever lost the race is not signed in.
    const loser = outcomes[0] === 'in' ? attacker : owner;
    const winner = loser === owner ? attacker : owner;
    expect((await loser.get('/')).headers.location).toMatch(/^\/sign-in/);
    expect((await winner.get('/')).statusCode).toBe(200);
  });
});

describe('password reset links', () => {
  async function resetLink(email: string): Promise<string> {
    const visitor = new TestAgent(testApp.app);
    await visitor.get('/forgot-password');
    expect((await visitor.post('/forgot-password', { email })).statusCode).toBe(200);
    const message = await testApp.database.db.selectFrom('email_outbox').select('body_text').where('to_address', '=', email).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const link = /https?:\/\/\S+\/reset-password\/\S+/.exec(message.body_text)?.[0];
    expect(link).toBeTruthy();
    return new URL(link!).pathname;
  }

  it('works once: the same link cannot set a password again', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const path = await resetLink(fixture.user.email);
    const owner = new TestAgent(testApp.app);
    expect((await owner.get(path)).statusCode).toBe(200);
    const first = await owner.post(path, { password: 'first new password 2026', confirmPassword: 'first new password 2026' });
    expect(first.statusCode).toBe(302);

    // Someone who later finds the link (mail archive, shared inbox) cannot use it.
    const finder = new TestAgent(testApp.app);
    expect((await finder.get(path)).statusCode).toBe(404);
    const reuse = await finder.post(path, { password: 'attacker chosen password', confirmPassword: 'attacker chosen password' });
    expect(reuse.statusCode).toBe(404);

    const signIn = new TestAgent(testApp.app);
    expect((await signIn.post('/sign-in', { email: fixture.user.email, password: 'attacker chosen password' })).statusCode).toBe(400);
    expect((await signIn.post('/sign-in', { email: fixture.user.email, password: 'first new password 2026' })).statusCode).toBe(302);
  });

  it('refuses a made-up or altered token', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const path = await resetLink(fixture.user.email);
    const altered = `${path.slice(0, -2)}${path.endsWith('aa') ? 'bb' : 'aa'}`;
    const agent = new TestAgent(testApp.app);
    expect((await agent.get(altered)).statusCode).toBe(404);
    expect((await agent.post(altered, { password: 'attacker chosen password', confirmPassword: 'attacker chosen password' })).statusCode).toBe(404);
  });
});

describe('open redirects', () => {
  const HOSTILE_TARGETS = ['//evil.example/', 'https://evil.example/', '/\\evil.example/', '\\\\evil.example', '/%2F%2Fevil.example', '/\t/evil.example', 'javascript:alert(1)', 'http:evil.example', '///evil.example'];
  const PARAMETERS = ['returnTo', 'return_to', 'next', 'redirect', 'redirectTo', 'continue', 'url', 'back'];

  const offSite = (response: Response): boolean => {
    const location = response.headers.location;
    if (typeof location !== 'string') return false;
    const target = new URL(location, TEST_BASE_URL);
    return target.origin !== TEST_BASE_URL || /^\s*javascript:/i.test(location);
  };

  it('never sends anyone off the site from any page, whatever returnTo-like parameter is given', async () => {
    const leaks: string[] = [];
    const visitor = new TestAgent(testApp.app);
    const signedIn = await agentFor('partnership_admin');
    const getRoutes = pageRoutes().filter((route) => route.method === 'GET');
    for (const route of getRoutes) {
      for (const target of HOSTILE_TARGETS) {
        const query = PARAMETERS.map((name) => `${name}=${encodeURIComponent(target)}`).join('&');
        for (const agent of [visitor, signedIn]) {
          const response = await agent.get(`${fill(route.url)}?${query}`);
          count('redirectAttempts');
          if (offSite(response)) leaks.push(`GET ${route.url} → ${String(response.headers.location)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    // Thousands of requests one after another: the limit grows with the route table, not a speed check.
  }, 480_000);

  it('keeps a hostile returnTo out of the redirect after signing in with a password and a code', async () => {
    for (const target of HOSTILE_TARGETS) {
      const fixture = await createUser(testApp, { role: 'case_worker' });
      const agent = new TestAgent(testApp.app);
      await agent.get(`/sign-in?returnTo=${encodeURIComponent(target)}`);
      const password = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password, returnTo: target });
      expect(password.headers.location).toBe('/sign-in/verify');
      const verified = await agent.post('/sign-in/verify', { code: await totpCode(fixture.totpSecret!) });
      count('redirectAttempts');
      expect(verified.statusCode).toBe(302);
      // An encoded slash stays a path on this site ('/%2F%2Fevil.example' is not '//evil.example').
      expect(offSite(verified)).toBe(false);
    }
  });

  it('still returns to a page on the site after sign-in', async () => {
    const fixture = await createUser(testApp, { role: 'read_only_partner' });
    const agent = new TestAgent(testApp.app);
    const bounced = await agent.get('/profile');
    expect(bounced.headers.location).toBe('/sign-in?returnTo=%2Fprofile');
    await agent.get(String(bounced.headers.location));
    const response = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password, returnTo: '/profile' });
    expect(response.headers.location).toBe('/profile');
  });
});

describe('clickjacking', () => {
  it('forbids framing on every page, for visitors and signed-in users, including error pages', async () => {
    const frameable: string[] = [];
    const visitor = new TestAgent(testApp.app);
    const signedIn = await agentFor('partnership_admin');
    for (const route of pageRoutes().filter((candidate) => candidate.method === 'GET')) {
      for (const agent of [visitor, signedIn]) {
        const response = await agent.get(fill(route.url));
        count('framingChecks');
        const csp = String(response.headers['content-security-policy'] ?? '');
        if (!csp.includes("frame-ancestors 'none'") || !['SAMEORIGIN', 'DENY'].includes(String(response.headers['x-frame-options']))) {
          frameable.push(`GET ${route.url} (${response.statusCode})`);
        }
      }
    }
    expect(frameable).toEqual([]);
  }, 240_000);
});
