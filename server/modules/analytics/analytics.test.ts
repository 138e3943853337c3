import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation, createUser, signedInAgent } from '../../../test/factories/index.ts';
import { createTestApp, type TestApp } from '../../../test/support/testApp.ts';
import { availableBackends } from '../../../test/support/testDatabase.ts';
import type { Role } from '../../shared/permissions.ts';

let testApp: TestApp;
const db = () => testApp.database.db;
const unique = () => Math.random().toString(36).slice(2, 8);
let sourceOrganisationId: string;

interface IncidentSeed {
  at: string;
  precision?: 'minute' | 'day' | 'month';
  category: string;
  area: string;
  lsoa?: string;
  latitude?: number;
  longitude?: number;
  address?: string;
}

async function addIncidents(seeds: IncidentSeed[]): Promise<string[]> {
  const rows = await db()
    .insertInto('incidents')
    .values(
      seeds.map((seed) => ({
        source_organisation_id: sourceOrganisationId,
        source_reference: `T-${unique()}-${unique()}`,
        occurred_at: new Date(seed.at),
        occurred_precision: seed.precision ?? 'minute',
        category_code: seed.category,
        area: seed.area,
        lsoa_code: seed.lsoa ?? null,
        latitude: seed.latitude ?? null,
        longitude: seed.longitude ?? null,
        address: seed.address ?? null,
      })),
    )
    .returning('id')
    .execute();
  testApp.services.analytics.forget();
  return rows.map((row) => row.id);
}

async function agentFor(role: Role, organisationId?: string) {
  const fixture = await createUser(testApp, { role, organisationId });
  return { fixture, agent: await signedInAgent(testApp, fixture.user) };
}

const period = (from: string, to: string) => {
  const [fy, fm, fd] = from.split('-');
  const [ty, tm, td] = to.split('-');
  return { 'from-day': fd!, 'from-month': fm!, 'from-year': fy!, 'to-day': td!, 'to-month': tm!, 'to-year': ty! };
};
const query = (values: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) for (const one of [value].flat()) search.append(key, one);
  return search.toString();
};

/** A district with a known mix: three burglaries on a Saturday morning, a theft by day only, month-only ASB, and last year's figures. */
async function craftedArea() {
  const area = `Testshire ${unique()}`;
  await addIncidents([
    { at: '2026-01-10T10:30:00Z', category: 'burglary', area, lsoa: 'E01000001' },
    { at: '2026-01-10T10:45:00Z', category: 'burglary', area, lsoa: 'E01000001' },
    { at: '2026-01-10T10:50:00Z', category: 'burglary', area, lsoa: 'E01000002' },
    { at: '2026-02-05T00:00:00Z', precision: 'day', category: 'theft', area },
    { at: '2026-02-20T23:15:00Z', category: 'theft', area },
    { at: '2026-03-01T00:00:00Z', precision: 'month', category: 'asb_nuisance', area },
    { at: '2026-03-01T00:00:00Z', precision: 'month', category: 'asb_nuisance', area },
    // 00:30 on 1 July in London (BST) is 23:30 on 30 June in UTC: July, Wednesday, hour 0.
    { at: '2026-06-30T23:30:00Z', category: 'theft', area },
    { at: '2025-01-15T12:00:00Z', category: 'burglary', area },
    { at: '2025-02-10T12:00:00Z', category: 'theft', area },
    { at: '2025-02-11T12:00:00Z', category: 'theft', area },
  ]);
  return area;
}

describe.each(availableBackends())('analytics on %s', (kind) => {
  beforeAll(async () => {
    testApp = await createTestApp({ kind });
    sourceOrganisationId = (await createOrganisation(testApp, { name: `Police ${unique()}`, type: 'police' })).id;
  });
  afterAll(async () => testApp.close());

  describe('counts and trends (repository)', () => {
    it('counts by month, category, area and LSOA in London time, with the heat table of timed records and what it left out', async () => {
      const area = await craftedArea();
      const filter = { from: '2026-01-01', to: '2026-07-31', categories: [], area, lsoa: null };
      const dashboard = await testApp.services.analytics.figures.dashboard(filter);
      expect(dashboard.total).toBe(8);
      expect(dashboard.byMonth).toEqual([
        { key: '2026-01', count: 3 },
        { key: '2026-02', count: 2 },
        { key: '2026-03', count: 2 },
        { key: '2026-07', count: 1 },
      ]);
      expect(dashboard.byCategory).toEqual([
        { key: 'burglary', count: 3 },
        { key: 'theft', count: 3 },
        { key: 'asb_nuisance', count: 2 },
      ]);
      expect(dashboard.byArea).toEqual([{ key: area, count: 8 }]);
      expect(dashboard.byLsoa).toEqual([
        { key: '', count: 5 },
        { key: 'E01000001', count: 2 },
        { key: 'E01000002', count: 1 },
      ]);
      // 10 January 2026 was a Saturday (ISO 6); 20 February a Friday (5); 1 July a Wednesday (3).
      expect(dashboard.heat.sort((a, b) => a.dow - b.dow)).toEqual([
        { dow: 3, hour: 0, count: 1 },
        { dow: 5, hour: 23, count: 1 },
        { dow: 6, hour: 10, count: 3 },
      ]);
      expect(dashboard.withoutTime).toBe(3);
      // The same period a year earlier.
      expect(dashboard.previousFilter).toMatchObject({ from: '2025-01-01', to: '2025-07-31' });
      expect(dashboard.previousTotal).toBe(3);
      expect(dashboard.previousByCategory.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'burglary', count: 1 },
        { key: 'theft', count: 2 },
      ]);
      expect(dashboard.previousByMonth.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: '2025-01', count: 1 },
        { key: '2025-02', count: 2 },
      ]);
    });

    it('filters by category and takes the end date as a whole day', async () => {
      const area = await craftedArea();
      const dashboard = await testApp.services.analytics.figures.dashboard({ from: '2026-01-10', to: '2026-02-20', categories: ['theft'], area, lsoa: null });
      expect(dashboard.total).toBe(2);
      expect(dashboard.byCategory).toEqual([{ key: 'theft', count: 2 }]);
    });
  });

  describe('the dashboard page', () => {
    it('shows an analyst the figures as accessible charts with tables and CSV downloads', async () => {
      const area = await craftedArea();
      const { agent } = await agentFor('analyst');
      const page = await agent.get(`/analytics?${query({ ...period('2026-01-01', '2026-07-31'), area })}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('8 incidents from 1 January 2026 to 31 July 2026.');
      expect(page.body).toContain('Same period last year: 3 incidents (change: +167 %).');
      expect(page.body).toMatch(/<svg[^>]+role="img"[^>]+aria-label="Incidents by month"/);
      expect(page.body).toContain('<title id="chart-byMonth-title">Incidents by month</title>');
      expect(page.body).toContain('<desc id="chart-byMonth-desc">');
      expect(page.body).toContain('3 incidents are left out of this table because only their day or month is known.');
      expect(page.body).toContain('Contains public sector information licensed under the Open Government Licence v3.0');
      // The category table beside the bar chart holds the same figures.
      const table = /data-testid="chart-byCategory-table">([\s\S]*?)<\/table>/.exec(page.body)![1]!;
      expect(table).toMatch(/Burglary<\/th><td[^>]*>3<\/td>/);
      expect(table).toMatch(/Theft<\/th><td[^>]*>3<\/td>/);

      const csvLink = /href="(\/analytics\/csv\/byMonth\?[^"]+)"/.exec(page.body)![1]!.replace(/&amp;/g, '&');
      const csv = await agent.get(csvLink);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body.split('\n').slice(0, 3)).toEqual(['Month,This period,Same period last year', 'Jan 2026,3,1', 'Feb 2026,2,2']);
      const heat = await agent.get(csvLink.replace('/byMonth?', '/heat?'));
      expect(heat.body).toContain('Saturday,0,0,0,0,0,0,0,0,0,0,3,');
      expect((await agent.get(csvLink.replace('/byMonth?', '/nonsense?'))).statusCode).toBe(404);
    });

    it('shows a read-only partner small counts as "fewer than 5", on the page and in the CSV', async () => {
      const area = await craftedArea();
      const { agent } = await agentFor('read_only_partner');
      const page = await agent.get(`/analytics?${query({ ...period('2026-01-01', '2026-07-31'), area })}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('8 incidents from 1 January 2026');
      expect(page.body).toContain('Same period last year: fewer than 5 incidents (change: no comparison).');
      expect(page.body).toContain('data-testid="small-number-note"');
      const table = /data-testid="chart-byCategory-table">([\s\S]*?)<\/table>/.exec(page.body)![1]!;
      expect(table).toMatch(/Burglary<\/th><td[^>]*>fewer than 5<\/td>/);
      expect(table).not.toMatch(/>3<\/td>/);
      const csv = await agent.get(`/analytics/csv/byCategory?${query({ ...period('2026-01-01', '2026-07-31'), area })}`);
      expect(csv.body).toContain('Burglary,fewer than 5');
      // Zero is not hidden: it reveals no one.
      const heat = await agent.get(`/analytics/csv/heat?${query({ ...period('2026-01-01', '2026-07-31'), area })}`);
      expect(heat.body).toContain('Saturday,0,0,0,0,0,0,0,0,0,0,fewer than 5,');
    });

    it('says clearly when nothing matches, and refuses impossible filters with the error summary, keeping what was typed', async () => {
      const area = await craftedArea();
      const { agent } = await agentFor('analyst');
      const empty = await agent.get(`/analytics?${query({ ...period('2010-01-01', '2010-02-01'), area })}`);
      expect(empty.statusCode).toBe(200);
      expect(empty.body).toContain('No incidents match these filters between 1 January 2010 and 1 February 2010');

      const badDate = await agent.get(`/analytics?${query({ ...period('2026-02-31', '2026-03-01') })}`);
      expect(badDate.statusCode).toBe(400);
      expect(badDate.body).toContain('govuk-error-summary');
      expect(badDate.body).toContain('The start date must be a real date');
      expect(badDate.body).toContain('href="#from-day"');
      expect(badDate.body).toMatch(/name="from-day"[^>]*value="31"|value="31"[^>]*name="from-day"/);

      const backwards = await agent.get(`/analytics?${query(period('2026-03-01', '2026-01-01'))}`);
      expect(backwards.statusCode).toBe(400);
      expect(backwards.body).toContain('The end date must be the same as or after the start date');

      const unknown = await agent.get(`/analytics?${query({ category: 'not_a_category', area: 'Atlantis', lsoa: 'nope' })}`);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toContain('Choose categories from the list');
      expect(unknown.body).toContain('Enter an LSOA code like E01008155');

      const half = await agent.get(`/analytics?${query({ 'from-day': '1', 'from-month': '', 'from-year': '2026' })}`);
      expect(half.statusCode).toBe(400);
      expect(half.body).toContain('The start date must include a day, month and year');
    });
  });

  describe('access', () => {
    it.each(['case_worker', 'organisation_admin'] as const)('refuses %s every analytics page (403)', async (role) => {
      const { agent } = await agentFor(role);
      for (const url of ['/analytics', '/analytics/hotspots', '/analytics/repeats', '/analytics/near-repeat', '/analytics/saved', '/analytics/csv/byMonth']) {
        expect((await agent.get(url)).statusCode, url).toBe(403);
      }
    });

    it('shows repeat victims to analysts only, only people they may see, and audits the read', async () => {
      const analystOrganisation = await createOrganisation(testApp, { name: `Council ${unique()}` });
      const otherOrganisation = await createOrganisation(testApp, { name: `Other ${unique()}` });
      const area = `Repeatshire ${unique()}`;
      const [a, b, c, d, e] = await addIncidents([
        { at: '2026-04-01T10:00:00Z', category: 'asb_personal', area, address: '1 Elm Court', latitude: 54.97, longitude: -1.61 },
        { at: '2026-04-08T10:00:00Z', category: 'asb_personal', area, address: '1 Elm Court', latitude: 54.97, longitude: -1.61 },
        { at: '2026-04-09T10:00:00Z', category: 'asb_personal', area, address: '1 Elm Court', latitude: 54.97, longitude: -1.61 },
        { at: '2026-04-10T10:00:00Z', category: 'asb_personal', area, address: '9 Oak Road' },
        { at: '2026-04-11T10:00:00Z', category: 'asb_personal', area, address: '9 Oak Road' },
      ]);
      const [known, hidden] = await db()
        .insertInto('people')
        .values([
          { given_name: 'Nell', family_name: `Known${unique()}`, created_by_organisation_id: analystOrganisation.id },
          { given_name: 'Ida', family_name: `Hidden${unique()}`, created_by_organisation_id: otherOrganisation.id },
        ])
        .returning(['id', 'family_name'])
        .execute();
      await db()
        .insertInto('incident_people')
        .values([
          { incident_id: a!, role: 'victim', person_id: known!.id },
          { incident_id: b!, role: 'victim', person_id: known!.id },
          { incident_id: c!, role: 'complainant', person_id: known!.id },
          { incident_id: d!, role: 'victim', person_id: hidden!.id },
          { incident_id: e!, role: 'victim', person_id: hidden!.id },
        ])
        .execute();
      const url = `/analytics/repeats?${query({ ...period('2026-04-01', '2026-04-30'), area })}`;

      const { fixture, agent } = await agentFor('analyst', analystOrganisation.id);
      const page = await agent.get(url);
      expect(page.statusCode).toBe(200);
      const locations = /data-testid="repeat-locations">([\s\S]*?)<\/table>/.exec(page.body)![1]!;
      expect(locations).toMatch(/1 Elm Court[\s\S]*?>3</);
      expect(locations).toMatch(/9 Oak Road[\s\S]*?>2</);
      const victims = /data-testid="repeat-victims">([\s\S]*?)<\/table>/.exec(page.body)![1]!;
      expect(victims).toContain(known!.family_name);
      expect(victims).not.toContain(hidden!.family_name);
      const audit = await db().selectFrom('audit_events').select(['action', 'details']).where('actor_user_id', '=', fixture.user.id).execute();
      expect(audit.map((row) => row.action)).toContain('ANALYTICS_REPEAT_VICTIMS_VIEWED');

      for (const role of ['read_only_partner', 'case_manager', 'partnership_admin'] as const) {
        const other = await agentFor(role, analystOrganisation.id);
        const seen = await other.agent.get(url);
        expect(seen.statusCode, role).toBe(200);
        expect(seen.body, role).not.toContain('data-testid="repeat-victims"');
        expect(seen.body, role).not.toContain(known!.family_name);
      }
      const partner = await agentFor('read_only_partner', analystOrganisation.id);
      const partnerPage = await partner.agent.get(url);
      expect(/data-testid="repeat-locations">([\s\S]*?)<\/table>/.exec(partnerPage.body)![1]).toContain('fewer than 5');
    });
  });

  describe('hotspots', () => {
    it('maps a planted cluster, lists the hot hexagons, and counts points outside the partnership area without drawing them', async () => {
      const area = `Hotshire ${unique()}`;
      const seeds: IncidentSeed[] = [];
      // A cluster in central Newcastle and a thin scatter across the city.
      for (let index = 0; index < 40; index += 1) seeds.push({ at: '2026-05-02T12:00:00Z', category: 'drug_activity', area, latitude: 54.9738 + (index % 4) * 0.00002, longitude: -1.6132 + (index % 5) * 0.00002 });
      for (let index = 0; index < 30; index += 1) seeds.push({ at: '2026-05-03T12:00:00Z', category: 'drug_activity', area, latitude: 54.98 + (index % 6) * 0.008, longitude: -1.66 + Math.floor(index / 6) * 0.018 });
      seeds.push({ at: '2026-05-04T12:00:00Z', category: 'drug_activity', area, latitude: 51.5072, longitude: -0.1276 });
      seeds.push({ at: '2026-05-04T12:00:00Z', category: 'drug_activity', area });
      await addIncidents(seeds);
      const { agent } = await agentFor('analyst');
      const url = `/analytics/hotspots?${query({ ...period('2026-05-01', '2026-05-31'), area, resolution: '8', rings: '1' })}`;
      const page = await agent.get(url);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('70 incidents mapped');
      expect(page.body).toContain('1 incident has a position outside the partnership area');
      expect(page.body).toContain('1 incident has no position and cannot be mapped.');
      expect(page.body).toContain('data-testid="static-map"');
      expect(page.body).toContain('<title id="static-map-title">');
      const table = /data-testid="hotspot-table">([\s\S]*?)<\/table>/.exec(page.body)![1]!;
      expect(table).toContain('Hotspot, 99 % confidence');
      expect(table).toMatch(/<td[^>]*>40<\/td>/);
      // Leaflet is served by the app, with the page's nonce.
      expect(page.body).toMatch(/<script src="\/assets\/leaflet\/leaflet.js" nonce="[^"]+"><\/script>/);
      expect((await agent.get('/assets/leaflet/leaflet.js')).statusCode).toBe(200);

      const data = await agent.get(url.replace('/analytics/hotspots?', '/analytics/hotspots/data.json?'));
      expect(data.statusCode).toBe(200);
      const json = data.json() as { cells: { features: { properties: { band: string; count: number } }[] }; boundaries: { features: unknown[] }; points: unknown[] };
      expect(json.boundaries.features).toHaveLength(6);
      expect(json.points).toHaveLength(70);
      expect(json.cells.features.some((feature) => feature.properties.band === 'hot_99' && feature.properties.count === 40)).toBe(true);

      const csv = await agent.get(url.replace('/analytics/hotspots?', '/analytics/hotspots/cells.csv?'));
      expect(csv.body.split('\n')[0]).toBe('Hexagon (H3 index),Incidents,Gi* z-score,p-value,Band');
      expect(csv.body).toContain(',40,');
    });

    it('refuses out-of-range parameters with the error summary and says when there is nothing to map', async () => {
      const { agent } = await agentFor('analyst');
      const bad = await agent.get(`/analytics/hotspots?${query({ resolution: '12', rings: '0' })}`);
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('govuk-error-summary');
      expect(bad.body).toContain('Choose a hexagon size from the list (H3 resolution 7 to 10)');
      expect(bad.body).toContain('Choose a neighbourhood of 1 to 5 rings');
      const area = await craftedArea();
      const empty = await agent.get(`/analytics/hotspots?${query({ ...period('2026-01-01', '2026-03-31'), area })}`);
      expect(empty.statusCode).toBe(200);
      expect(empty.body).toContain('No incidents with a position match these filters');
      const data = await agent.get(`/analytics/hotspots/data.json?${query({ resolution: 'x' })}`);
      expect(data.statusCode).toBe(400);
    });
  });

  describe('near-repeat analysis and saved analyses', () => {
    async function burglaryStreet() {
      const area = `Knoxshire ${unique()}`;
      const seeds: IncidentSeed[] = [];
      // Pairs close in space and time: a near-repeat pattern.
      for (let index = 0; index < 12; index += 1) {
        seeds.push({ at: `2026-0${3 + (index % 3)}-${String(1 + index).padStart(2, '0')}T00:00:00Z`, precision: 'day', category: 'burglary', area, latitude: 54.97 + index * 0.01, longitude: -1.6 });
        seeds.push({ at: `2026-0${3 + (index % 3)}-${String(2 + index).padStart(2, '0')}T00:00:00Z`, precision: 'day', category: 'burglary', area, latitude: 54.97 + index * 0.01 + 0.0003, longitude: -1.6 });
      }
      seeds.push({ at: '2026-03-01T00:00:00Z', precision: 'month', category: 'burglary', area, latitude: 54.9, longitude: -1.5 });
      seeds.push({ at: '2026-03-01T00:00:00Z', precision: 'month', category: 'asb_environmental', area, latitude: 54.9, longitude: -1.5 });
      await addIncidents(seeds);
      return area;
    }

    const form = (area: string, overrides: Record<string, string> = {}) => ({
      nrCategory: 'burglary',
      ...period('2026-01-01', '2026-06-30'),
      area,
      distanceBands: '100,200,400',
      timeBands: '3,7,14',
      iterations: '99',
      seed: '7',
      ...overrides,
    });

    it('refuses bad parameters and month-only data with clear messages', async () => {
      const area = await burglaryStreet();
      const { agent } = await agentFor('analyst');
      const tooMany = await agent.post('/analytics/near-repeat', form(area, { iterations: '10000', distanceBands: '-100,200' }));
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.body).toContain('Enter a whole number of iterations from 1 to 9,999');
      expect(tooMany.body).toContain('Distance bands must all be more than 0');
      expect(tooMany.body).toContain('value="-100,200"');
      const backwards = await agent.post('/analytics/near-repeat', form(area, { timeBands: '14,7' }));
      expect(backwards.body).toContain('Each time band must be longer than the one before');
      const noCategory = await agent.post('/analytics/near-repeat', form(area, { nrCategory: '' }));
      expect(noCategory.body).toContain('Choose the category to analyse');
      const monthOnly = await agent.post('/analytics/near-repeat', form(area, { nrCategory: 'asb_environmental' }));
      expect(monthOnly.statusCode).toBe(400);
      expect(monthOnly.body).toContain('month-only data (such as police.uk data) cannot be used');
      const none = await agent.post('/analytics/near-repeat', form(area, { nrCategory: 'hate_incident' }));
      expect(none.body).toContain('Fewer than 2 incidents in this category and period have a day-level date');
    });

    it('runs in the background, shows the table with significant cells marked, saves it and re-runs it', async () => {
      const area = await burglaryStreet();
      const { fixture, agent } = await agentFor('analyst');
      const started = await agent.post('/analytics/near-repeat', form(area));
      expect(started.statusCode).toBe(303);
      const runUrl = String(started.headers.location);
      expect(runUrl).toMatch(/^\/analytics\/near-repeat\/runs\/[0-9a-f-]{36}$/);
      await testApp.services.analytics.nearRepeat.settled();

      const status = await agent.get(`${runUrl}/status.json`);
      expect(status.json()).toEqual({ status: 'finished' });
      const page = await agent.get(runUrl);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-testid="near-repeat-table"');
      expect(page.body).toContain('Pairs of burglary incidents within 100 m');
      // The summary is in the reader's language, not the English of the command line.
      const welsh = await agent.get(`${runUrl}?lang=cy`);
      expect(welsh.body).toContain('Mae parau o ddigwyddiadau bwrgleriaeth o fewn 100 m ac o fewn 3 diwrnod');
      expect(welsh.body).not.toContain('Pairs of burglary');
      await agent.get(`${runUrl}?lang=en`);
      expect(page.body).toContain('24 incidents were used.');
      expect(page.body).toContain('1 incident was left out because only its month is known.');
      expect(page.body).toContain('data-significant="true"');
      expect(page.body).toContain('(significantly more than chance)');

      // Someone else's run is not found.
      const stranger = await agentFor('analyst');
      expect((await stranger.agent.get(runUrl)).statusCode).toBe(404);

      const parameters = /name="parameters" value="([^"]+)"/.exec(page.body)![1]!.replace(/&amp;/g, '&');
      const runId = runUrl.split('/').pop()!;
      const unnamed = await agent.post('/analytics/saved', { kind: 'near_repeat', parameters, runId, name: ' ' });
      expect(unnamed.statusCode).toBe(400);
      expect(unnamed.body).toContain('Enter a name for the analysis');
      expect(unnamed.body).toContain(`value="${parameters.replace(/&/g, '&amp;')}"`);
      const saved = await agent.post('/analytics/saved', { kind: 'near_repeat', parameters, runId, name: 'Burglary near repeats, spring' });
      expect(saved.statusCode).toBe(303);
      const row = await db().selectFrom('saved_analyses').selectAll().where('owner_user_id', '=', fixture.user.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ kind: 'near_repeat', name: 'Burglary near repeats, spring' });
      expect(row.parameters).toMatchObject({ nrCategory: 'burglary', distanceBands: '100,200,400', iterations: '99', seed: '7', area });
      expect((row.last_run_summary as { incidents: number }).incidents).toBe(24);
      const list = await agent.get('/analytics/saved');
      expect(list.body).toContain('Burglary near repeats, spring');
      expect(list.body).toContain('24 incidents');

      const rerun = await agent.post(`/analytics/saved/${row.id}/run`);
      expect(rerun.statusCode).toBe(303);
      expect(String(rerun.headers.location)).toMatch(/^\/analytics\/near-repeat\/runs\//);
      await testApp.services.analytics.nearRepeat.settled();
      const rerunRow = await db().selectFrom('analysis_runs').select(['saved_analysis_id', 'status']).where('id', '=', String(rerun.headers.location).split('/').pop()!).executeTakeFirstOrThrow();
      expect(rerunRow).toEqual({ saved_analysis_id: row.id, status: 'finished' });
      // The same seed on the same data gives the same table.
      const first = await db().selectFrom('analysis_runs').select('result').where('id', '=', runId).executeTakeFirstOrThrow();
      const second = await db().selectFrom('analysis_runs').select('result').where('id', '=', String(rerun.headers.location).split('/').pop()!).executeTakeFirstOrThrow();
      expect((second.result as { p: number[][] }).p).toEqual((first.result as { p: number[][] }).p);
    });

    it('saves a dashboard, re-runs it on new data, and lets only its owner delete it', async () => {
      const area = await craftedArea();
      const owner = await agentFor('analyst');
      const parameters = query({ ...period('2026-01-01', '2026-07-31'), area });
      const saved = await owner.agent.post('/analytics/saved', { kind: 'dashboard', name: 'Testshire year', parameters });
      expect(saved.statusCode).toBe(303);
      const row = await db().selectFrom('saved_analyses').selectAll().where('owner_user_id', '=', owner.fixture.user.id).executeTakeFirstOrThrow();
      expect(row.last_run_summary).toEqual({ incidents: 8 });
      const opened = await owner.agent.get(`/analytics/saved/${row.id}`);
      expect(opened.statusCode).toBe(302);
      expect(String(opened.headers.location)).toMatch(/^\/analytics\?.*area=Testshire/);

      await addIncidents([{ at: '2026-05-05T10:00:00Z', category: 'theft', area }]);
      const rerun = await owner.agent.post(`/analytics/saved/${row.id}/run`);
      expect(rerun.statusCode).toBe(303);
      const after = await db().selectFrom('saved_analyses').select('last_run_summary').where('id', '=', row.id).executeTakeFirstOrThrow();
      expect(after.last_run_summary).toEqual({ incidents: 9 });

      // A colleague in the same organisation sees it but cannot delete it; another organisation does not see it.
      const colleague = await agentFor('analyst', owner.fixture.user.organisation_id);
      expect((await colleague.agent.get('/analytics/saved')).body).toContain('Testshire year');
      expect((await colleague.agent.post(`/analytics/saved/${row.id}/delete`)).statusCode).toBe(404);
      const outsider = await agentFor('analyst');
      expect((await outsider.agent.get('/analytics/saved')).body).not.toContain('Testshire year');
      expect((await outsider.agent.get(`/analytics/saved/${row.id}`)).statusCode).toBe(404);
      expect((await outsider.agent.post(`/analytics/saved/${row.id}/run`)).statusCode).toBe(404);
      // A read-only partner reads saved analyses but neither saves nor re-runs them.
      const partner = await agentFor('read_only_partner', owner.fixture.user.organisation_id);
      expect((await partner.agent.post('/analytics/saved', { kind: 'dashboard', name: 'x', parameters })).statusCode).toBe(403);
      expect((await partner.agent.post(`/analytics/saved/${row.id}/run`)).statusCode).toBe(403);
      expect((await partner.agent.get('/analytics/saved')).body).toContain('Testshire year');

      expect((await owner.agent.post(`/analytics/saved/${row.id}/delete`)).statusCode).toBe(303);
      expect(await db().selectFrom('saved_analyses').select('id').where('id', '=', row.id).execute()).toHaveLength(0);
    });
  });
});
