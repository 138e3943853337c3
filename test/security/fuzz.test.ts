import fc from 'fast-check';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../server/modules/apiKeys/apiKeyFormat.ts';
import { seedDemoData } from '../../server/db/seeds/demoSeed.ts';
import type { DeclaredRoute } from '../../server/middleware/requestContext.ts';
import { hasPermission, type Permission, type Role } from '../../server/shared/permissions.ts';
import { signedInAgent } from '../factories/index.ts';
import { TestAgent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/testApp.ts';
import { HOSTILE_STRINGS, injectedMarkup, leakedInternals, MARKER, type PostForm, postForms } from './htmlInspection.ts';
import { ARRANGEMENTS, NOT_REACHED_BECAUSE } from './fuzzStates.ts';
import { writeReport } from './report.ts';

/**
 * Property-based fuzzing of every form and API body. The forms come from the pages themselves:
 * each demo user walks the pages they can reach, and every POST form found is matched to the
 * route table, so a new form is fuzzed the moment a page shows it. Each form is then submitted
 * with hostile values by a signed-in user who holds the route's permission, with a valid
 * session and CSRF token. Nothing may answer 5xx, leak database or code details, or render
 * markup that came from input, at once or on any page that shows the stored value later.
 *
 * The forms behind a sign-in step, a link from an e-mail, a journey or a state the demo data
 * lacks are reached by arranging that state first (fuzzStates.ts) and reading the pages that then
 * show them, some with a session made for the purpose rather than a demo user's.
 *
 * FUZZ_RUNS (default 20) sets the inputs per route; FUZZ_PAGES (default 250) the pages walked per user.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
// The same inputs every run unless FUZZ_SEED says otherwise, so a failure can be replayed and a
// green run is not luck; each route gets its own seed from this one and its name.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const seedFor = (key: string) => [...key].reduce((hash, character) => Math.imul(hash ^ character.charCodeAt(0), 16_777_619) >>> 0, SEED >>> 0);
const PAGES_PER_USER = Number(process.env.FUZZ_PAGES ?? 250);
const ANONYMOUS = 'anonymous';
const USERS = [
  'admin@oneroof.example',
  'manager@oneroof.example',
  'caseworker@oneroof.example',
  'orgadmin@oneroof.example',
  'analyst@oneroof.example',
  'partner@oneroof.example',
  'dpo@oneroof.example',
  ANONYMOUS,
];
// Ending the session or throwing away the walker's own access would stop the walk, not find a bug.
const NOT_SUBMITTED = [/^\/sign-out$/, /^\/profile\/(?:verification|password)/];
const NOT_FOLLOWED = [/^\/sign-out/, /^\/api\//, /[?&]lang=/, /^\/(public|assets|govuk|moj)\//, /\.(csv|json)(\?|$)/];

let testApp: TestApp;
const agents = new Map<string, TestAgent>();
interface FoundForm {
  form: PostForm;
  /** The demo user who submits it, or the label of the arranged session. */
  email: string;
  page: string;
  session?: () => Promise<TestAgent>;
}
const found = new Map<string, FoundForm>();
const sessionAgents = new Map<() => Promise<TestAgent>, TestAgent>();
const arrangedMisses: string[] = [];
const pagesSeen = new Map<string, Set<string>>();
const problems: string[] = [];
let inputsTried = 0;
let apiInputsTried = 0;
// Answers to the fuzzed forms by status: most must get past the CSRF check and sign-in, or nothing was tested.
const formStatuses: Record<string, number> = {};
// The same for each form reached through an arranged state: proof the state let the inputs reach the handler.
const arrangedStatuses: Record<string, Record<string, number>> = {};

// Each demo user's role as seeded, put back when a fuzzed administration form has changed it.
const demoRoles = new Map<string, Role>();

beforeAll(async () => {
  testApp = await createTestApp();
  await seedDemoData(testApp.services);
  for (const user of await testApp.database.db.selectFrom('users').select(['email', 'role']).execute()) demoRoles.set(user.email, user.role as Role);
}, 120_000);

afterAll(async () => {
  const postRoutes = pageRoutes().filter((route) => route.method === 'POST');
  const fuzzed = new Set([...found.keys()]);
  const notReached = postRoutes.map((route) => `${route.method} ${route.url}`).filter((key) => !fuzzed.has(key));
  writeReport('fuzz.json', {
    generatedAt: new Date().toISOString(),
    runsPerRoute: RUNS,
    pageRoutesWithPost: postRoutes.length,
    formRoutesFuzzed: fuzzed.size,
    formRoutesReachedByArrangedState: arrangedStatuses,
    formRoutesNotReached: notReached,
    whyNotReached: Object.fromEntries(notReached.map((key) => [key, NOT_REACHED_BECAUSE[key] ?? 'unknown: no arranged page showed its form'])),
    arrangedPagesThatFailed: arrangedMisses,
    formInputsTried: inputsTried,
    formStatuses,
    apiInputsTried,
    inputsTried: inputsTried + apiInputsTried,
    problems,
  });
  await testApp?.close();
});

function pageRoutes(): DeclaredRoute[] {
  return testApp.app.declaredRoutes.filter((route) => !route.api && !route.url.includes('*'));
}

function routeFor(action: string): DeclaredRoute | undefined {
  const path = action.split('?')[0]!;
  return pageRoutes().find((route) => route.method === 'POST' && new RegExp(`^${route.url.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(path));
}

async function agentFor(email: string): Promise<TestAgent> {
  let agent = agents.get(email);
  if (!agent && email === ANONYMOUS) {
    agent = new TestAgent(testApp.app);
    agents.set(email, agent);
  }
  if (!agent) {
    const user = await testApp.database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    agent = await signedInAgent(testApp, user);
    agents.set(email, agent);
  }
  return agent;
}

/** The session a found form is submitted in: the demo user's, or the one arranged for it. */
async function agentOf(entry: FoundForm): Promise<TestAgent> {
  if (!entry.session) return agentFor(entry.email);
  const agent = sessionAgents.get(entry.session) ?? (await entry.session());
  sessionAgents.set(entry.session, agent);
  return agent;
}

/** The session again when fuzzing ended it (signed out, finished the step). */
async function renewedAgent(entry: FoundForm): Promise<TestAgent> {
  if (!entry.session) return freshAgent(entry.email);
  const agent = await entry.session();
  sessionAgents.set(entry.session, agent);
  return agent;
}

/**
 * A fresh session for the user, when fuzzing has signed them out, disabled them, changed their
 * role (the user administration form) or closed their organisation.
 */
async function freshAgent(email: string): Promise<TestAgent> {
  const role = demoRoles.get(email);
  const user = await testApp.database.db
    .updateTable('users')
    .set({ disabled: false, ...(role ? { role } : {}) })
    .where('email', '=', email)
    .returning('organisation_id')
    .executeTakeFirst();
  if (user) await testApp.database.db.updateTable('organisations').set({ active: true }).where('id', '=', user.organisation_id).execute();
  agents.delete(email);
  return agentFor(email);
}

function check(where: string, response: Response, sent: unknown) {
  if (response.statusCode >= 500) problems.push(`${where}: ${response.statusCode} for ${JSON.stringify(sent).slice(0, 300)}`);
  for (const leak of leakedInternals(response.body)) problems.push(`${where}: leaks ${leak}`);
  if (String(response.headers['content-type'] ?? '').startsWith('text/html')) {
    for (const finding of injectedMarkup(response.body)) problems.push(`${where}: renders injected ${finding.kind} ${finding.detail}`);
  }
}

const hostile = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.tuple(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 10 })).map(([payload, noise]) => `${noise}${payload}`),
  fc.integer({ min: 200, max: 6000 }).map((length) => `${'A'.repeat(length)}<script>${MARKER}()</script>`),
);

type FieldValue = string | string[] | undefined;
/** Per field: the value the page offers, a hostile string, nothing at all, or an array. */
function formArbitrary(form: PostForm): fc.Arbitrary<Record<string, FieldValue>> {
  const fields = form.fields.filter((field) => field.name !== '_csrf');
  const entries = fields.map((field) => [
    field.name,
    fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...field.options) },
      { weight: 4, arbitrary: hostile },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.array(hostile, { minLength: 2, maxLength: 3 }) },
    ),
  ]);
  return fc.tuple(fc.record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<FieldValue>>), fc.option(hostile)).map(([values, extra]) =>
    extra === null ? values : { ...values, [`extra${extra.length % 7}`]: extra },
  );
}

async function submit(entry: FoundForm, values: Record<string, FieldValue>): Promise<Response> {
  const { form } = entry;
  // An arranged session starts each input in the state the form needs (a code not yet tried, a journey not yet sent).
  let agent = entry.session ? await renewedAgent(entry) : await agentOf(entry);
  const action = form.action.replace(/[?&]_csrf=[^&]*/, '');
  if (!form.multipart) {
    let response = await agent.post(action, values);
    if (response.statusCode === 302 && String(response.headers.location).startsWith('/sign-in')) {
      agent = await renewedAgent(entry);
      response = await agent.post(action, values);
    }
    return response;
  }
  const data = new FormData();
  for (const [name, value] of Object.entries(values)) for (const item of [value ?? []].flat()) data.append(name, item);
  return agent.postMultipart(action, data);
}

function shapeOf(link: string): string {
  const [pathname = '', query = ''] = link.split('?');
  const keys = [...new URLSearchParams(query).keys()].sort().join('&');
  return `${pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id').replace(/\/\d+(?=\/|$)/g, '/:n').replace(/\/[A-Z]{2,4}-\d{4}-\d+/g, '/:ref')}?${keys}`;
}

/** The timelines (with the note form) of a few cases the user's organisation leads. */
async function caseTimelines(email: string): Promise<string[]> {
  const rows = await testApp.database.db
    .selectFrom('cases')
    .innerJoin('users', 'users.organisation_id', 'cases.lead_organisation_id')
    .select(['cases.id'])
    .where('users.email', '=', email)
    .orderBy('cases.reference')
    .limit(2)
    .execute();
  return rows.flatMap((row) => [`/cases/${row.id}`, `/cases/${row.id}/timeline`]);
}

async function walk(email: string): Promise<void> {
  const agent = await agentFor(email);
  const seen = new Set<string>(['/']);
  const shapes = new Map<string, number>();
  const queue =
    email === ANONYMOUS
      ? ['/sign-in', '/forgot-password', '/asb-case-review', '/transparency']
      : ['/', ...(await caseTimelines(email)), '/cases', '/people', '/referrals/inbox', '/case-reviews', '/incidents', '/alerts', '/admin', '/problems', '/meetings', '/profile'];
  let visited = 0;
  while (queue.length > 0 && visited < PAGES_PER_USER) {
    const url = queue.shift()!;
    visited += 1;
    const response = await agent.get(url);
    if (!String(response.headers['content-type'] ?? '').startsWith('text/html') || response.statusCode !== 200) continue;
    for (const form of postForms(response.body)) {
      const route = routeFor(form.action);
      if (!route || NOT_SUBMITTED.some((pattern) => pattern.test(form.action.split('?')[0]!))) continue;
      const key = `${route.method} ${route.url}`;
      if (!found.has(key)) found.set(key, { form, email, page: url });
    }
    for (const match of response.body.matchAll(/href="(\/[^"#]*)"/g)) {
      const link = match[1]!.replace(/&amp;/g, '&');
      if (seen.has(link) || NOT_FOLLOWED.some((pattern) => pattern.test(link))) continue;
      // Two pages of a kind are enough: the walk goes wide (every kind of page) rather than deep.
      const kind = shapeOf(link);
      const count = shapes.get(kind) ?? 0;
      if (count >= 2) continue;
      shapes.set(kind, count + 1);
      seen.add(link);
      queue.push(link);
    }
  }
  pagesSeen.set(email, new Set([...(pagesSeen.get(email) ?? []), ...seen]));
}

/** Path parameter values seen in the pages each user walked, by parameter name. */
function parameterBank(email: string): Map<string, string[]> {
  const bank = new Map<string, string[]>();
  const getRoutes = pageRoutes().filter((route) => route.method === 'GET' && route.url.includes(':'));
  for (const link of pagesSeen.get(email) ?? []) {
    const pathname = link.split('?')[0]!;
    for (const route of getRoutes) {
      const names = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
      const match = new RegExp(`^${route.url.replace(/:[A-Za-z]+/g, '([^/]+)')}$`).exec(pathname);
      if (!match) continue;
      names.forEach((name, index) => {
        const values = bank.get(name) ?? [];
        if (!values.includes(match[index + 1]!)) values.push(match[index + 1]!);
        bank.set(name, values);
      });
    }
  }
  return bank;
}

/**
 * Forms the walk did not meet on a linked page: many POST routes share their address with the
 * page showing the form (wizard steps, edit pages), reachable once their parameters are known.
 */
async function reachTheRest(): Promise<void> {
  const roleOf = new Map((await testApp.database.db.selectFrom('users').select(['email', 'role']).where('email', 'in', USERS).execute()).map((row) => [row.email, row.role as Role]));
  for (const route of pageRoutes().filter((candidate) => candidate.method === 'POST' && !found.has(`POST ${candidate.url}`))) {
    if (NOT_SUBMITTED.some((pattern) => pattern.test(route.url))) continue;
    const users = USERS.filter((email) =>
      route.access === 'public' ? true : email !== ANONYMOUS && (route.access === 'signed-in' || hasPermission(roleOf.get(email)!, route.access as Permission)),
    );
    for (const email of users) {
      const bank = parameterBank(email);
      const names = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
      if (names.some((name) => !bank.has(name))) continue;
      const url = route.url.replace(/:([A-Za-z]+)/g, (_match, name: string) => bank.get(name)![0]!);
      const candidates = [url, url.replace(/\/[^/]+$/, ''), `${url}/new`];
      let form: PostForm | undefined;
      for (const page of candidates) {
        const response = await (await agentFor(email)).get(page);
        if (response.statusCode !== 200 || !String(response.headers['content-type'] ?? '').startsWith('text/html')) continue;
        form = postForms(response.body).find((candidate) => routeFor(candidate.action)?.url === route.url);
        if (form) {
          found.set(`POST ${route.url}`, { form, email, page });
          break;
        }
      }
      if (form) break;
    }
  }
}

const arrangedKeys = new Set<FoundForm>();

/** The forms no walk meets: arrange the state each needs, then read the pages that show them. */
async function arrangeTheRest(): Promise<void> {
  const users = (await testApp.database.db.selectFrom('users').select(['id', 'email', 'role', 'organisation_id']).where('email', 'in', USERS).execute()).sort(
    (left, right) => USERS.indexOf(left.email) - USERS.indexOf(right.email),
  );
  const byEmail = new Map(users.map((row) => [row.email, row]));
  const context = {
    testApp,
    holder(routeUrl: string): string {
      const route = pageRoutes().find((candidate) => candidate.method === 'POST' && candidate.url === routeUrl);
      if (!route) throw new Error(`No POST route ${routeUrl}`);
      const email = users.find((row) => route.access === 'public' || route.access === 'signed-in' || hasPermission(row.role as Role, route.access as Permission))?.email;
      if (!email) throw new Error(`No demo user may post to ${routeUrl}`);
      return email;
    },
    organisationOf: async (email: string) => byEmail.get(email)!.organisation_id,
    userIdOf: async (email: string) => byEmail.get(email)!.id,
  };
  for (const arrangement of ARRANGEMENTS) {
    const state = await arrangement.arrange(context);
    const agent = state.session ? await agentOf({ form: { action: '', multipart: false, fields: [] }, email: state.as, page: '', session: state.session }) : await agentFor(state.as);
    for (const page of state.pages) {
      const response = await agent.get(page);
      if (response.statusCode !== 200 || !String(response.headers['content-type'] ?? '').startsWith('text/html')) {
        arrangedMisses.push(`${arrangement.name}: ${page} answered ${response.statusCode} ${String(response.headers.location ?? '')}`);
        continue;
      }
      check(`${page} (arranged: ${arrangement.name})`, response, 'arranged');
      for (const form of postForms(response.body)) {
        // A form without an action posts to its own page.
        if (form.action === '') form.action = page.split('?')[0]!;
        const route = routeFor(form.action);
        if (!route || (!state.session && NOT_SUBMITTED.some((pattern) => pattern.test(form.action.split('?')[0]!)))) continue;
        const key = `${route.method} ${route.url}`;
        if (found.has(key)) continue;
        const entry: FoundForm = { form, email: state.as, page, ...(state.session ? { session: state.session } : {}) };
        found.set(key, entry);
        arrangedKeys.add(entry);
      }
    }
    if (!state.session) pagesSeen.set(state.as, new Set([...(pagesSeen.get(state.as) ?? []), ...state.pages]));
  }
}

describe('fuzzing every form and API body', () => {
  it('finds the POST forms on the pages each demo user can reach', async () => {
    for (const email of USERS) await walk(email);
    await reachTheRest();
    const walked = found.size;
    await arrangeTheRest();
    // Arranged states show forms the walk could not reach (at least one of each kind).
    expect(found.size).toBeGreaterThan(walked);
    expect([...found.keys()]).toEqual(expect.arrayContaining(['POST /sign-in/verify', 'POST /reset-password/:token', 'POST /asb-case-review/check-answers', 'POST /case-reviews/:applicationId/acknowledge']));
    // The walk reaches the forms that matter most for stored content: case notes, cases, referrals.
    expect([...found.keys()]).toEqual(expect.arrayContaining(['POST /cases/:caseId/notes/new', 'POST /cases/new', 'POST /sign-in']));
    expect(found.size).toBeGreaterThan(30);
  }, 600_000);

  it('answers hostile form values without a 5xx, a leak or injected markup, now or where the value is shown later', async () => {
    const fuzzed = new Set<string>();
    const fuzzNew = async () => {
      for (const [key, entry] of found) {
        const { form, email, page } = entry;
        if (fuzzed.has(key)) continue;
        fuzzed.add(key);
        await fc.assert(
          fc.asyncProperty(formArbitrary(form), async (values) => {
            inputsTried += 1;
            const response = await submit(entry, values);
            formStatuses[response.statusCode] = (formStatuses[response.statusCode] ?? 0) + 1;
            if (arrangedKeys.has(entry)) {
              const statuses = (arrangedStatuses[key] ??= {});
              const answer = response.statusCode === 302 ? `302 ${shapeOf(String(response.headers.location ?? '')).replace(/\?$/, '')}` : String(response.statusCode);
              statuses[answer] = (statuses[answer] ?? 0) + 1;
            }
            check(`${key} as ${email}`, response, values);
            const location = response.headers.location;
            if (response.statusCode === 302 && typeof location === 'string' && location.startsWith('/') && !location.startsWith('/sign-in')) {
              check(`${location} after ${key}`, await (await agentOf(entry)).get(location), values);
            }
          }),
          { numRuns: RUNS, seed: seedFor(key) },
        );
        // The page the form was on shows what the form stored (notes, names, titles).
        check(`${page} after fuzzing ${key}`, await (await agentOf(entry)).get(page), 'revisit');
      }
    };
    await fuzzNew();
    // What the first round created (a draft agreement, a started import, a new case) shows new
    // forms: walk again and fuzz those too.
    for (const email of USERS) {
      await freshAgent(email);
      await walk(email);
    }
    await reachTheRest();
    await fuzzNew();
    // Every page a user saw is rendered again, now that it may hold stored hostile values.
    for (const [email, pages] of pagesSeen) {
      const agent = await freshAgent(email);
      for (const page of [...pages].slice(0, 80)) check(`${page} (revisited as ${email})`, await agent.get(page), 'revisit');
    }
    expect(problems).toEqual([]);
    // An arranged state that answers "not found" to every input was used up or never made: nothing reached the handler.
    const neverReached = Object.entries(arrangedStatuses).filter(([, statuses]) => Object.keys(statuses).every((answer) => answer === '404'));
    expect(neverReached).toEqual([]);
    expect(inputsTried).toBeGreaterThanOrEqual(found.size * Math.min(RUNS, 1));
    // The inputs reached the handlers: few were refused as forged or signed out, many were stored (redirect) or re-shown with errors.
    expect((formStatuses[403] ?? 0) + (formStatuses[401] ?? 0)).toBeLessThan(inputsTried / 4);
    expect((formStatuses[302] ?? 0) + (formStatuses[303] ?? 0)).toBeGreaterThan(inputsTried / 20);
    expect(formStatuses[400] ?? 0).toBeGreaterThan(inputsTried / 10);
  }, 900_000);

  it('answers hostile incident batches on the API without a 5xx or a leak, and shows the stored values escaped', async () => {
    const organisation = await testApp.database.db.selectFrom('users').select('organisation_id').where('email', '=', 'manager@oneroof.example').executeTakeFirstOrThrow();
    const generated = generateApiKey();
    await testApp.database.db
      .insertInto('api_keys')
      .values({ organisation_id: organisation.organisation_id, name: 'Fuzz key', key_prefix: generated.prefix, secret_hash: generated.secretHash, permissions: ['incident:write', 'incident:view'] })
      .execute();
    const person = fc.record(
      { role: fc.oneof(fc.constantFrom('complainant', 'victim', 'suspect', 'witness'), hostile), givenName: hostile, familyName: hostile, dateOfBirth: fc.oneof(hostile, fc.constant('1980-02-30')), postcode: hostile, identifier: hostile, identifierKind: hostile },
      { requiredKeys: [] },
    );
    const incident = fc.record(
      {
        reference: fc.oneof(hostile, fc.uuid()),
        occurredAt: fc.oneof(fc.constant('2026-03-14T21:40:00Z'), hostile, fc.integer()),
        category: fc.oneof(fc.constant('NOISE-DOM'), hostile),
        summary: fc.oneof(hostile, fc.array(hostile), fc.integer(), fc.constant(null)),
        address: hostile,
        postcode: hostile,
        people: fc.oneof(fc.array(person, { maxLength: 3 }), hostile, fc.constant({})),
      },
      { requiredKeys: ['reference'] },
    );
    const body = fc.oneof(
      { weight: 4, arbitrary: fc.record({ incidents: fc.array(incident, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ incidents: value })) },
      { weight: 1, arbitrary: fc.jsonValue() },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.uuid(), async (payload, idempotencyKey) => {
        apiInputsTried += 1;
        const response = await testApp.app.inject({
          method: 'POST',
          url: '/api/v1/incidents',
          headers: { authorization: `Bearer ${generated.fullKey}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
          payload: JSON.stringify(payload),
        });
        check('POST /api/v1/incidents', response, payload);
        for (const id of (response.statusCode < 300 ? response.json().incidents : []).map((row: { id: string | null }) => row.id).filter(Boolean)) {
          check(`GET /api/v1/incidents/${id}`, await testApp.app.inject({ url: `/api/v1/incidents/${id}`, headers: { authorization: `Bearer ${generated.fullKey}` } }), payload);
          check(`/incidents/${id}`, await (await agentFor('manager@oneroof.example')).get(`/incidents/${id}`), payload);
        }
      }),
      { numRuns: RUNS * 5, seed: seedFor('api') },
    );
    // A raw body that is not JSON at all.
    for (const raw of ['{"incidents": [', '\u0000', 'null', '[]', '<script>x</script>']) {
      apiInputsTried += 1;
      check('POST /api/v1/incidents (raw)', await testApp.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: { authorization: `Bearer ${generated.fullKey}`, 'content-type': 'application/json', 'idempotency-key': 'raw' }, payload: raw }), raw);
    }
    check('/incidents', await (await agentFor('manager@oneroof.example')).get('/incidents'), 'list');
    expect(problems).toEqual([]);
  }, 300_000);
});
