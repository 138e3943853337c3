import { randomUUID } from 'node:crypto';
import type { Response } from 'light-my-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../../server/middleware/requestContext.ts';
import { generateApiKey } from '../../server/modules/apiKeys/apiKeyFormat.ts';
import { type Access, apiScopes, hasPermission, type Permission, type Role, roles } from '../../server/shared/permissions.ts';
import { createOrganisation, createUser, signedInAgent } from '../factories/index.ts';
import { TestAgent } from '../support/agent.ts';
import { createTestApp, type TestApp } from '../support/testApp.ts';
import { writeReport } from './report.ts';

/**
 * The authorization report's second half (the page routes are test/accessMatrix.test.ts):
 * every JSON API route × every API key scope (and no key, a malformed, a revoked and an
 * inactive organisation's key) × the organisation owning the record, and every export
 * (CSV/JSON download) × every role × whose data it is. Counts go to reports/authorization.json.
 */
type Outcome = 'allowed' | 'unauthenticated' | 'denied' | 'not-found' | 'sign-in';
type Credential = { label: string; key?: string; scopes: Permission[] | 'invalid' };
type Owner = 'own' | 'other' | 'none';

let testApp: TestApp;
const tally = { api: { combinations: 0, unexpectedAllows: [] as string[], mismatches: [] as string[] }, exports: { combinations: 0, unexpectedAllows: [] as string[], mismatches: [] as string[] } };
let ownOrganisation: string;
let otherOrganisation: string;
const incidents: Record<'own' | 'other', string> = { own: '', other: '' };
const imports: Record<'own' | 'other', string> = { own: '', other: '' };
const credentials: Credential[] = [];

async function key(organisationId: string, permissions: Permission[], options: { revoked?: boolean } = {}) {
  const generated = generateApiKey();
  await testApp.database.db
    .insertInto('api_keys')
    .values({ organisation_id: organisationId, name: `Report key ${permissions.join(' ')}`, key_prefix: generated.prefix, secret_hash: generated.secretHash, permissions, revoked_at: options.revoked ? new Date() : null })
    .execute();
  return generated.fullKey;
}

async function incident(organisationId: string, reference: string) {
  return (
    await testApp.database.db
      .insertInto('incidents')
      .values({ source_organisation_id: organisationId, source_reference: reference, occurred_at: new Date('2026-03-01T12:00:00Z'), category_code: 'asb_personal', summary: `Summary ${reference}` })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

async function importOf(organisationId: string, fileName: string) {
  return (
    await testApp.database.db
      .insertInto('incident_imports')
      .values({ organisation_id: organisationId, channel: 'upload', file_name: fileName, status: 'validated', row_errors: JSON.stringify([{ row: 2, field: 'summary', message: `Problem in ${fileName}` }]) } as never)
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

beforeAll(async () => {
  testApp = await createTestApp();
  ownOrganisation = (await createOrganisation(testApp, { name: 'Report own organisation' })).id;
  otherOrganisation = (await createOrganisation(testApp, { name: 'Report other organisation' })).id;
  const inactive = (await createOrganisation(testApp, { name: 'Report inactive organisation', active: false })).id;
  incidents.own = await incident(ownOrganisation, 'REPORT-OWN-1');
  incidents.other = await incident(otherOrganisation, 'REPORT-OTHER-1');
  imports.own = await importOf(ownOrganisation, 'own-import.csv');
  imports.other = await importOf(otherOrganisation, 'other-import.csv');
  credentials.push({ label: 'no key', scopes: 'invalid' });
  credentials.push({ label: 'malformed key', key: 'not-a-oneroof-key', scopes: 'invalid' });
  credentials.push({ label: 'revoked key with every scope', key: await key(ownOrganisation, [...apiScopes], { revoked: true }), scopes: 'invalid' });
  credentials.push({ label: "inactive organisation's key with every scope", key: await key(inactive, [...apiScopes]), scopes: 'invalid' });
  credentials.push({ label: 'key with no scope', key: await key(ownOrganisation, []), scopes: [] });
  for (const scope of apiScopes) credentials.push({ label: `key with ${scope}`, key: await key(ownOrganisation, [scope]), scopes: [scope] });
  credentials.push({ label: 'key with every scope', key: await key(ownOrganisation, [...apiScopes]), scopes: [...apiScopes] });
});

afterAll(async () => {
  writeReport(
    'authorization.json',
    {
      combinations: tally.api.combinations,
      unexpectedAllows: tally.api.unexpectedAllows.length,
      routes: apiRoutes().map((route) => `${route.method} ${route.url}`),
      credentials: credentials.map((credential) => credential.label),
    },
    'api',
  );
  writeReport('authorization.json', { combinations: tally.exports.combinations, unexpectedAllows: tally.exports.unexpectedAllows.length, routes: exportRoutes().map((route) => `${route.method} ${route.url}`) }, 'exports');
  await testApp.close();
});

function apiRoutes(): DeclaredRoute[] {
  return testApp.app.declaredRoutes.filter((route) => route.api && route.access !== 'public');
}

/** Downloads: anything answered as a file rather than a page. */
function exportRoutes(): DeclaredRoute[] {
  return testApp.app.declaredRoutes.filter((route) => !route.api && route.method === 'GET' && /\.(csv|json|html)$|\/csv\/|\/export|\/download|\/letter$/.test(route.url));
}

function expectedApi(route: DeclaredRoute, credential: Credential, owner: Owner): Outcome {
  if (credential.scopes === 'invalid') return 'unauthenticated';
  if (route.access !== 'signed-in' && !credential.scopes.includes(route.access as Permission)) return 'denied';
  if (owner === 'other') return 'not-found';
  return 'allowed';
}

function observedApi(response: Response): Outcome | `error ${number}` {
  if (response.statusCode >= 500) return `error ${response.statusCode}`;
  if (response.statusCode === 401) return 'unauthenticated';
  if (response.statusCode === 403) return 'denied';
  if (response.statusCode === 404) return 'not-found';
  // 2xx, or 400/422 from body validation: the request got past authorization.
  return 'allowed';
}

const VALID_BATCH = () => ({
  incidents: [{ reference: `REPORT-${randomUUID()}`, occurredAt: '2026-03-14T21:40:00Z', category: 'asb_personal', summary: 'Loud music reported by a neighbour' }],
});

function record(section: 'api' | 'exports', label: string, expected: Outcome, observed: string) {
  tally[section].combinations += 1;
  if (observed === expected) return;
  tally[section].mismatches.push(`${label}: expected ${expected}, got ${observed}`);
  if (observed === 'allowed') tally[section].unexpectedAllows.push(label);
}

describe('authorization report: JSON API and exports', () => {
  it('answers every API route × key scope × owning organisation as the key allows', async () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(4);
    for (const route of routes) {
      const owners: Owner[] = route.url.includes(':incidentId') ? ['own', 'other'] : ['none'];
      for (const credential of credentials) {
        for (const owner of owners) {
          const url = route.url.replace(':incidentId', owner === 'none' ? '' : incidents[owner]);
          const response = await testApp.app.inject({
            method: route.method as 'GET' | 'POST',
            url,
            headers: {
              ...(credential.key ? { authorization: `Bearer ${credential.key}` } : {}),
              ...(route.method === 'POST' ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
            },
            ...(route.method === 'POST' ? { payload: JSON.stringify(VALID_BATCH()) } : {}),
          });
          record('api', `${route.method} ${route.url} with ${credential.label} (${owner})`, expectedApi(route, credential, owner), observedApi(response));
          // A key never sees another organisation's incident, whatever it holds.
          if (owner === 'other') expect(response.body).not.toContain('REPORT-OTHER-1');
        }
      }
    }
    expect(tally.api.mismatches).toEqual([]);
    expect(tally.api.unexpectedAllows).toEqual([]);
    // Writes with a permitted key really were accepted, so the 'allowed' outcomes are real.
    const written = await testApp.database.db.selectFrom('incidents').select('id').where('source_organisation_id', '=', ownOrganisation).where('source_reference', 'like', 'REPORT-%-%-%').execute();
    expect(written.length).toBeGreaterThan(0);
  }, 120_000);

  it('answers every export × role × whose data it is as the declared access and need-to-know say, and never includes another organisation’s rows', async () => {
    const routes = exportRoutes();
    expect(routes.map((route) => route.url)).toEqual(expect.arrayContaining(['/cases/export.csv', '/incidents/imports/:importId/errors.csv']));
    const agents = new Map<Role | 'anonymous', TestAgent>();
    agents.set('anonymous', new TestAgent(testApp.app));
    for (const role of roles) agents.set(role, await signedInAgent(testApp, (await createUser(testApp, { role, organisationId: ownOrganisation })).user));
    const fill = (url: string, owner: 'own' | 'other') =>
      url.replace(/:([A-Za-z]+)/g, (_match, name: string) => (name === 'importId' ? imports[owner] : name === 'figure' ? 'byMonth' : randomUUID()));
    for (const route of routes) {
      const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
      const owners: ('own' | 'other')[] = params.includes('importId') ? ['own', 'other'] : ['own'];
      for (const [who, agent] of agents) {
        for (const owner of owners) {
          const response = await agent.get(fill(route.url, owner));
          const expected: Outcome =
            route.access === 'public'
              ? 'allowed'
              : who === 'anonymous'
                ? 'sign-in'
                : route.access !== 'signed-in' && !hasPermission(who, route.access as Exclude<Access, 'public' | 'signed-in'>)
                  ? 'denied'
                  : owner === 'other' || params.some((name) => !['importId', 'figure'].includes(name))
                    ? 'not-found'
                    : 'allowed';
          const observed =
            response.statusCode >= 500
              ? `error ${response.statusCode}`
              : response.statusCode === 302 && String(response.headers.location).startsWith('/sign-in')
                ? 'sign-in'
                : response.statusCode === 403
                  ? 'denied'
                  : response.statusCode === 404
                    ? 'not-found'
                    : 'allowed';
          record('exports', `GET ${route.url} as ${who} (${owner})`, expected, observed);
          if (observed === 'allowed') {
            expect(response.body).not.toContain('other-import.csv');
            expect(response.body).not.toContain('REPORT-OTHER-1');
          }
        }
      }
    }
    expect(tally.exports.mismatches).toEqual([]);
    expect(tally.exports.unexpectedAllows).toEqual([]);
  }, 120_000);
});
