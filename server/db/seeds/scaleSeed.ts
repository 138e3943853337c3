import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { vulnerabilityMarkers } from '../../modules/people/peopleSchemas.ts';
import { nicknamePairs } from '../../modules/search/nicknames.ts';
import { commonFamilyNames, commonGivenNames, weightedNames } from './scaleNames.ts';
import type { OrganisationType } from '../../modules/organisations/organisationTypes.ts';
import type { Role } from '../../shared/permissions.ts';
import type { Database } from '../schema.ts';

const projectDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const defaultSharedDataDirectory = path.resolve(projectDirectory, '..', 'shared', 'data');

export interface ScaleSeedOptions {
  people: number;
  cases: number;
  /** Folder holding febrl/ and police-uk-asb/ (default ../shared/data). */
  dataDirectory?: string;
  log?: (line: string) => void;
}

export interface ScaleSeedResult {
  /** Marks every row of this run: e-mail addresses, organisation names, generated ids. */
  tag: string;
  seconds: number;
  riskAssessments: 'added' | 'skipped: no safelives_dash version 1 in risk_instruments';
  counts: Record<string, number>;
  /** Signed-in users for benchmarks: case workers and managers, per organisation. */
  officers: { id: string; organisationId: string; role: Role }[];
}

/** Partner organisations of a typical Community Safety Partnership, with how often they lead. */
const scaleOrganisations: { name: string; type: OrganisationType; leadWeight: number }[] = [
  { name: 'Northumbria Police', type: 'police', leadWeight: 4 },
  { name: 'Newcastle City Council', type: 'district_borough_council', leadWeight: 3 },
  { name: 'Gateshead Council', type: 'district_borough_council', leadWeight: 2 },
  { name: 'North Tyneside Council', type: 'district_borough_council', leadWeight: 2 },
  { name: 'Northumberland County Council', type: 'county_council', leadWeight: 2 },
  { name: 'Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust', type: 'nhs_trust', leadWeight: 1 },
  { name: 'North East and North Cumbria Integrated Care Board', type: 'integrated_care_board', leadWeight: 1 },
  { name: 'Tyne and Wear Fire and Rescue Service', type: 'fire_rescue', leadWeight: 1 },
  { name: 'Your Homes Newcastle', type: 'housing_provider', leadWeight: 2 },
  { name: 'Victim Support Northumbria', type: 'victim_support', leadWeight: 1 },
  { name: 'Changing Lives', type: 'voluntary_sector', leadWeight: 1 },
  { name: 'Probation Service North East', type: 'probation', leadWeight: 1 },
];

/**
 * Officers (case managers, then case workers) lead cases: an organisation has this many per
 * unit of lead weight, so that each officer has a caseload of a few dozen open cases at the
 * default size. One in six officers is a manager.
 */
const OFFICERS_PER_LEAD_WEIGHT = 30;
const MANAGER_EVERY = 6;
/** Accounts besides the officers, in each organisation. */
const otherUsersPerOrganisation: { role: Role; count: number }[] = [
  { role: 'organisation_admin', count: 1 },
  { role: 'analyst', count: 1 },
  { role: 'read_only_partner', count: 1 },
];

/** Postcode districts of the force area and south Wales: outward code, post town, area. */
const districts: [string, string, string][] = [
  ['NE1', 'Newcastle upon Tyne', 'City Centre'], ['NE2', 'Newcastle upon Tyne', 'Jesmond'], ['NE3', 'Newcastle upon Tyne', 'Gosforth'],
  ['NE4', 'Newcastle upon Tyne', 'Elswick'], ['NE5', 'Newcastle upon Tyne', 'Westerhope'], ['NE6', 'Newcastle upon Tyne', 'Byker'],
  ['NE7', 'Newcastle upon Tyne', 'High Heaton'], ['NE12', 'Newcastle upon Tyne', 'Longbenton'], ['NE13', 'Newcastle upon Tyne', 'Brunswick'],
  ['NE15', 'Newcastle upon Tyne', 'Lemington'], ['NE8', 'Gateshead', 'Bensham'], ['NE9', 'Gateshead', 'Low Fell'],
  ['NE10', 'Gateshead', 'Felling'], ['NE11', 'Gateshead', 'Dunston'], ['NE28', 'Wallsend', 'Howdon'],
  ['NE29', 'North Shields', 'Chirton'], ['NE30', 'North Shields', 'Tynemouth'], ['NE25', 'Whitley Bay', 'Monkseaton'],
  ['NE33', 'South Shields', 'Westoe'], ['NE34', 'South Shields', 'Biddick Hall'], ['SR1', 'Sunderland', 'Millfield'],
  ['SR2', 'Sunderland', 'Hendon'], ['SR4', 'Sunderland', 'Pallion'], ['SR5', 'Sunderland', 'Southwick'],
  ['NE23', 'Cramlington', 'Cramlington East'], ['NE24', 'Blyth', 'Cowpen'], ['NE63', 'Ashington', 'Hirst'],
  ['NE61', 'Morpeth', 'Stobhill'], ['NE46', 'Hexham', 'Hexham East'], ['CF10', 'Cardiff', 'Butetown'],
  ['CF11', 'Cardiff', 'Grangetown'], ['CF24', 'Cardiff', 'Adamsdown'], ['SA1', 'Swansea', 'Castle'],
];

const summaries: Record<string, string[]> = {
  anti_social_behaviour: ['Groups gathering and shouting late at night near {place}', 'Repeated vandalism to cars parked at {place}', 'Youths throwing stones at windows on {place}', 'Off-road bikes ridden dangerously around {place}'],
  vulnerability: ['Older resident on {place} not seen by neighbours for days', 'Self-neglect and hoarding reported by housing officer near {place}', 'Repeated calls about a vulnerable adult near {place}', 'Concerns about a young person staying at an address near {place}'],
  criminal_exploitation: ['Suspected cuckooing of a tenant near {place}', 'Young people seen carrying packages around {place}', 'Frequent short visits to a flat near {place}', 'Tenant reports being pressured to hold drugs near {place}'],
  domestic_abuse: ['Repeat domestic incidents reported at an address near {place}', 'Victim disclosed controlling behaviour; lives near {place}', 'Neighbour reports shouting and a child crying near {place}', 'Breach of a non-molestation order near {place}'],
  mental_health_crisis: ['Person in crisis seen repeatedly on {place}', 'Repeated calls to services from an address near {place}', 'Concern for welfare after threats of self-harm near {place}', 'Missed appointments and deterioration reported near {place}'],
  hate_incident: ['Racist graffiti on a family\'s home near {place}', 'Verbal abuse of a disabled resident near {place}', 'Homophobic abuse directed at a couple near {place}', 'Religious hate leaflets posted through doors near {place}'],
  neighbour_nuisance: ['Loud music every night from a flat near {place}', 'Rubbish dumped in a shared garden near {place}', 'Dog barking and fouling reported near {place}', 'Dispute over a shared driveway near {place}'],
};

const noteBodies = [
  'Spoke to the complainant by phone; incidents continuing most evenings.',
  'Home visit completed. Person engaged well and agreed to a follow-up.',
  'Partner agency update received: referral accepted.',
  'No answer at the address. Card left asking them to call.',
  'Discussed at the multi-agency meeting. Actions agreed.',
  'CCTV request sent to the housing provider.',
];
const actionTitles = ['Visit the address and speak to residents', 'Send a warning letter', 'Refer to victim support', 'Request CCTV footage', 'Check for previous reports', 'Arrange a mediation session'];

/**
 * Loads a realistic partnership at scale (people, places, cases with their agencies, people,
 * notes, actions and risk assessments) with set-based SQL in batches, then ANALYZEs. It adds
 * to whatever the database holds; every generated row carries this run's tag.
 */
export async function seedScale(db: Kysely<Database>, options: ScaleSeedOptions): Promise<ScaleSeedResult> {
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const tag = randomBytes(4).toString('hex');
  const source = readSourceData(options.dataDirectory ?? defaultSharedDataDirectory);
  return db.connection().execute(async (connection) => {
    // Compiling each big statement just in time costs seconds and saves nothing here; sorts of
    // a batch fit in memory; a crash mid-seed loses nothing worth waiting for a flush.
    await sql`set jit = off`.execute(connection);
    await sql`set work_mem = '256MB'`.execute(connection);
    await sql`set synchronous_commit = off`.execute(connection);
    try {
      return await seedWith(new SeedRun(connection, tag, options, log), source, tag, started, log);
    } finally {
      // The connection goes back to the pool: without this run's temporary tables and settings.
      await sql`discard all`.execute(connection);
    }
  });
}

/** The steps in order: people are recorded by the organisation leading their first case, so cases are planned first. */
async function seedWith(run: SeedRun, source: SourceData, tag: string, started: number, log: (line: string) => void): Promise<ScaleSeedResult> {
  await run.loadLookups(source);
  const officers = await run.organisationsAndUsers(source);
  await run.planCases();
  await run.households();
  await run.people();
  await run.casePlaces();
  await run.cases();
  const riskAssessments = await run.riskAssessments();
  await run.finish();
  const counts = await run.counts();
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  log(`Done in ${seconds} s: ${JSON.stringify(counts)}`);
  return { tag, seconds, riskAssessments, counts, officers };
}

interface SourceData {
  givenNames: string[];
  familyNames: string[];
  streets: string[];
  places: { name: string; longitude: number; latitude: number }[];
}

/**
 * Names as common as in England and Wales (see scaleNames.ts), with FEBRL's synthetic names
 * (originals only) as the long tail; FEBRL's streets; police.uk places.
 */
export function readSourceData(directory: string): SourceData {
  const givenNames: string[] = [];
  const familyNames: string[] = [];
  const streets = new Set<string>();
  // Every FEBRL set in the folder: the shared data has 1, 2, 4a and 4b; the repository's test copy fewer.
  const febrlSets = readdirSync(path.join(directory, 'febrl')).filter((file) => /^dataset[\w]+\.csv$/.test(file)).sort();
  if (febrlSets.length === 0) throw new Error(`No FEBRL data sets (dataset*.csv) in ${path.join(directory, 'febrl')}`);
  for (const file of febrlSets) {
    const lines = readFileSync(path.join(directory, 'febrl', file), 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const [recordId, given, family, , street] = line.split(',').map((field) => field.trim());
      if (!recordId?.endsWith('-org')) continue;
      if (given && /^[a-z' -]+$/.test(given)) givenNames.push(given);
      if (family && /^[a-z' -]+$/.test(family)) familyNames.push(family);
      if (street && /^[a-z' -]+$/.test(street)) streets.add(titleCase(street));
    }
  }
  const places = new Map<string, { name: string; longitude: number; latitude: number }>();
  const rows = readFileSync(path.join(directory, 'police-uk-asb', 'northumbria_asb_2022.tsv'), 'utf8').split('\n').slice(1);
  for (const row of rows) {
    const [, longitude, latitude, location] = row.split('\t');
    if (location && !places.has(location) && location.length <= 100) places.set(location, { name: location, longitude: Number(longitude), latitude: Number(latitude) });
  }
  return {
    givenNames: weightedNames(commonGivenNames, givenNames),
    familyNames: weightedNames(commonFamilyNames, familyNames),
    streets: [...streets],
    places: [...places.values()],
  };
}

/** How many officers organisation `i` (1-based, in `scaleOrganisations` order) has. */
function officersOf(i: number): number {
  return OFFICERS_PER_LEAD_WEIGHT * scaleOrganisations[i - 1]!.leadWeight;
}

function titleCase(text: string): string {
  return text.replace(/(^|[\s'-])([a-z])/g, (_match, before: string, letter: string) => before + letter.toUpperCase());
}

/** One seeding session: lookups live in temporary tables of its one connection. */
class SeedRun {
  readonly #connection: Kysely<Database>;
  readonly #tag: string;
  readonly #people: number;
  readonly #cases: number;
  readonly #log: (line: string) => void;
  /** How many people the cases' 2, 3 and 4 person slots use before wrapping round. */
  readonly #slots: number;

  constructor(connection: Kysely<Database>, tag: string, options: ScaleSeedOptions, log: (line: string) => void) {
    this.#connection = connection;
    this.#tag = tag;
    this.#people = options.people;
    this.#cases = options.cases;
    this.#log = log;
    this.#slots = 9 * Math.floor(options.cases / 3) + [0, 2, 5][options.cases % 3]!;
  }

  async #run(statement: ReturnType<typeof sql>): Promise<number> {
    if (process.env.SEED_EXPLAIN && /^\s*(with|insert)/.test(statement.compile(this.#connection).sql)) {
      const plan = await sql`explain (analyze, timing on) ${statement}`.execute(this.#connection);
      console.log((plan.rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n'));
      return 0;
    }
    const result = await statement.execute(this.#connection);
    return Number(result.numAffectedRows ?? 0);
  }

  /** Runs `batch(from, to)` over 1..total in steps, printing progress and speed. */
  async #inBatches(label: string, total: number, size: number, batch: (from: number, to: number) => Promise<void>): Promise<void> {
    const started = performance.now();
    for (let from = 1; from <= total; from += size) {
      const to = Math.min(total, from + size - 1);
      await batch(from, to);
      const seconds = (performance.now() - started) / 1000;
      this.#log(`${label}: ${to.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} (${Math.round(to / Math.max(seconds, 0.001)).toLocaleString('en-GB')}/s)`);
    }
  }

  async loadLookups(source: SourceData): Promise<void> {
    const list = (name: string, values: string[]) =>
      this.#run(sql`create temp table ${sql.raw(name)} as select i::int, name from unnest(${values}::text[]) with ordinality as t(name, i)`);
    await list('scale_given', source.givenNames);
    await list('scale_family', source.familyNames);
    await list('scale_street', source.streets);
    await this.#run(sql`create temp table scale_place as
      select i::int, name, longitude, latitude
      from unnest(${source.places.map((p) => p.name)}::text[], ${source.places.map((p) => p.longitude)}::float8[], ${source.places.map((p) => p.latitude)}::float8[])
        with ordinality as t(name, longitude, latitude, i)`);
    await this.#run(sql`create temp table scale_district as
      select i::int, outward, town, area
      from unnest(${districts.map((d) => d[0])}::text[], ${districts.map((d) => d[1])}::text[], ${districts.map((d) => d[2])}::text[]) with ordinality as t(outward, town, area, i)`);
    const pairs = nicknamePairs();
    await this.#run(sql`create temp table scale_nickname as select formal, nickname from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as t(formal, nickname)`);
    await this.#run(sql`create temp table scale_summary as
      select type_code, j::int, text from unnest(${Object.entries(summaries).flatMap(([type, texts]) => texts.map(() => type))}::text[],
        ${Object.values(summaries).flatMap((texts) => texts.map((_text, index) => index + 1))}::int[],
        ${Object.values(summaries).flat()}::text[]) as t(type_code, j, text)`);
    await this.#run(sql`create temp table scale_type as
      select row_number() over (order by sort_order, code)::int as i, code, reference_prefix from case_types where active`);
    for (const table of ['scale_given', 'scale_family', 'scale_street', 'scale_place', 'scale_district', 'scale_type']) {
      await this.#run(sql`create unique index on ${sql.table(table)} (i)`);
    }
    await this.#run(sql`create index on scale_nickname (formal)`);
    await this.#run(sql`analyze scale_given, scale_family, scale_street, scale_place, scale_district, scale_nickname, scale_summary, scale_type`);
    this.#log(`Lookups: ${source.givenNames.length} given names, ${source.familyNames.length} family names, ${source.streets.length} streets, ${source.places.length} places`);
  }

  async organisationsAndUsers(source: SourceData): Promise<ScaleSeedResult['officers']> {
    const db = this.#connection;
    const organisations: { id: string; i: number }[] = [];
    for (const [index, organisation] of scaleOrganisations.entries()) {
      const row = await sql<{ id: string }>`insert into organisations (name, type, contact_email)
        values (${`${organisation.name} (scale ${this.#tag})`}, ${organisation.type}, ${`partnerships.${index + 1}.${this.#tag}@scale.oneroof.example`}) returning id`.execute(db);
      organisations.push({ id: row.rows[0]!.id, i: index + 1 });
    }
    const pick = (values: string[], seed: number) => titleCase(values[(seed * 7919) % values.length]!);
    const users: { organisationId: string; i: number; k: number; role: Role; email: string; name: string }[] = [];
    const add = (organisation: { id: string; i: number }, k: number, role: Role, n: number) => {
      const seed = organisation.i * 10_000 + k;
      users.push({ organisationId: organisation.id, i: organisation.i, k, role, email: `${role.replace('_', '-')}.${n}.org${organisation.i}.${this.#tag}@scale.oneroof.example`, name: `${pick(source.givenNames, seed)} ${pick(source.familyNames, seed + 13)}` });
    };
    for (const organisation of organisations) {
      const officers = officersOf(organisation.i);
      for (let k = 1; k <= officers; k += 1) {
        const manager = k <= Math.ceil(officers / MANAGER_EVERY);
        add(organisation, k, manager ? 'case_manager' : 'case_worker', manager ? k : k - Math.ceil(officers / MANAGER_EVERY));
      }
      let k = officers;
      for (const { role, count } of otherUsersPerOrganisation) for (let n = 1; n <= count; n += 1) add(organisation, (k += 1), role, n);
    }
    users.push({ organisationId: organisations[1]!.id, i: 2, k: 99, role: 'partnership_admin', email: `partnership-admin.${this.#tag}@scale.oneroof.example`, name: 'Scale Administrator' });
    const inserted = await sql<{ id: string; email: string }>`insert into users (organisation_id, email, name, role)
      select organisation_id, email, name, role from unnest(${users.map((u) => u.organisationId)}::uuid[], ${users.map((u) => u.email)}::text[], ${users.map((u) => u.name)}::text[], ${users.map((u) => u.role)}::text[])
        as t(organisation_id, email, name, role)
      returning id, email`.execute(db);
    const idByEmail = new Map(inserted.rows.map((row) => [row.email, row.id]));
    await this.#run(sql`create temp table scale_org as
      select i::int, id, officers from unnest(${organisations.map((o) => o.id)}::uuid[], ${organisations.map((o) => officersOf(o.i))}::int[]) with ordinality as t(id, officers, i)`);
    const weights = scaleOrganisations.flatMap((organisation, index) => Array.from({ length: organisation.leadWeight }, () => index + 1));
    await this.#run(sql`create temp table scale_org_pick as select j::int, org_i from unnest(${weights}::int[]) with ordinality as t(org_i, j)`);
    const officers = users.filter((user) => user.role === 'case_manager' || user.role === 'case_worker');
    await this.#run(sql`create temp table scale_officer as
      select org_i, k, id from unnest(${officers.map((o) => o.i)}::int[], ${officers.map((o) => o.k)}::int[], ${officers.map((o) => idByEmail.get(o.email)!)}::uuid[]) as t(org_i, k, id)`);
    await this.#run(sql`create unique index on scale_officer (org_i, k)`);
    this.#log(`Organisations: ${organisations.length}; users: ${users.length} (${officers.length} officers)`);
    return officers.map((officer) => ({ id: idByEmail.get(officer.email)!, organisationId: officer.organisationId, role: officer.role }));
  }

  /** Decides every case up front, so that people can be recorded by the organisation leading their first case. */
  async planCases(): Promise<void> {
    const organisationPicks = scaleOrganisations.reduce((sum, organisation) => sum + organisation.leadWeight, 0);
    await this.#run(sql`create temp table scale_case as
      with base as (
        select n, s.org_i, 1 + floor(random() * o.officers)::int as officer_k, t.code as type_code, t.reference_prefix as prefix,
          now() - g.r_age * interval '5 years' as opened_at, random() as r_status, random() as r_priority, random() as r_risk, random() as r_closed,
          1 + floor(random() * (select count(*) from scale_place))::int as place_i, 1 + floor(random() * (select count(*) from scale_district))::int as district_i,
          floor(random() * 25)::int as dash_score,
          case when g.r_age * 5 * 365 < 90 then 0.85 when g.r_age * 5 < 1 then 0.4 when g.r_age * 5 < 2 then 0.12 else 0.03 end as open_share,
          case when random() < 0.5 then 0 when random() < 0.7 then 1 else 2 end as participant_count
        from (select n, 1 + floor(random() * ${organisationPicks})::int as pick, 1 + floor(random() * (select count(*) from scale_type))::int as type_i, random() as r_age
              from generate_series(1, ${this.#cases}::int) n) g
        join scale_org_pick s on s.j = g.pick
        join scale_org o on o.i = s.org_i
        join scale_type t on t.i = g.type_i
      ), shaped as (
        select base.*, extract(year from opened_at at time zone 'Europe/London')::int as year,
          -- Recent cases are mostly still open, old ones mostly closed.
          case when r_status >= open_share then 'closed'
               else (array['open', 'assessed', 'in_progress', 'in_progress', 'in_progress', 'under_review'])[1 + floor(6 * r_status / open_share)::int] end as status,
          case when r_priority < 0.2 then 'low' when r_priority < 0.65 then 'medium' when r_priority < 0.9 then 'high' else 'urgent' end as priority
        from base
      )
      select shaped.*,
        coalesce(counter.last_number, 0) + row_number() over (partition by shaped.prefix, shaped.year order by shaped.n) as number,
        case when status = 'closed' then opened_at + r_closed * least(now() - opened_at, interval '9 months') end as closed_at,
        case when type_code = 'domestic_abuse' then case when dash_score >= 14 then 'high' when dash_score >= 10 then 'medium' else 'standard' end
             when r_risk < 0.3 then null when r_risk < 0.65 then 'standard' when r_risk < 0.85 then 'medium' else 'high' end as risk_level
      from shaped left join case_reference_counters counter on counter.prefix = shaped.prefix and counter.year = shaped.year`);
    await this.#run(sql`create unique index on scale_case (n)`);
    await this.#run(sql`analyze scale_case`);
    this.#log(`Planned ${this.#cases.toLocaleString('en-GB')} cases`);
  }

  async households(): Promise<void> {
    const households = Math.ceil(this.#people / 2);
    await this.#inBatches('Homes', households, 100_000, async (from, to) => {
      await this.#run(sql`insert into locations (id, address_line_1, town, postcode, location_type, area)
        select md5(${this.#tag} || ':h:' || g.h)::uuid, g.house || ' ' || st.name, d.town,
          d.outward || ' ' || g.sector || substr('ABDEFGHJLNPQRSTUWXYZ', g.l1, 1) || substr('ABDEFGHJLNPQRSTUWXYZ', g.l2, 1), 'dwelling', d.area
        from (select h, 1 + floor(random() * 180)::int as house, floor(random() * 10)::int as sector, 1 + floor(random() * 20)::int as l1, 1 + floor(random() * 20)::int as l2,
                1 + floor(random() * (select count(*) from scale_street))::int as street_i, 1 + floor(random() * (select count(*) from scale_district))::int as district_i
              from generate_series(${from}::int, ${to}::int) h) g
        join scale_street st on st.i = g.street_i
        join scale_district d on d.i = g.district_i`);
    });
  }

  /**
   * People with their home, other names and markers. Person n fills case person slot n, so it is
   * recorded by the organisation leading that case; people past the slots are recorded by anyone.
   */
  async people(): Promise<void> {
    const markers = [...vulnerabilityMarkers];
    await this.#inBatches('People', this.#people, 50_000, async (from, to) => {
      await this.#run(sql`with generated as (
          select g, 1 + floor(random() * (select count(*) from scale_given))::int as given_i, 1 + floor(random() * (select count(*) from scale_family))::int as family_i,
            random() < 0.03 as typo, floor(random() * 26)::int as letter, random() as typo_at, random() < 0.9 as dob_known, random() as r_names, random() as r_marker,
            1 + floor(random() * (select count(*) from scale_org))::int as any_org, now() - random() * interval '5 years' as created_at,
            date '1935-01-01' + floor(random() * 29000)::int as dob, 14 + floor(random() * 66)::int as age, random() as r_gender
          from generate_series(${from}::int, ${to}::int) g
        ), shaped as (
          select g.*, gn.name as given, fm.name as family_name_source,
            coalesce(sc.org_i, g.any_org) as org_i
          from generated g
          join scale_given gn on gn.i = g.given_i
          join scale_family fm on fm.i = g.family_i
          left join scale_case sc on g.g <= ${this.#slots}::int and sc.n = 3 * ((g.g - 1) / 9) + case when (g.g - 1) % 9 < 2 then 1 when (g.g - 1) % 9 < 5 then 2 else 3 end
        ), inserted as (
          insert into people (id, given_name, family_name, date_of_birth, approximate_age, age_recorded_on, gender, phone, created_by, created_by_organisation_id, created_at, updated_at)
          select md5(${this.#tag} || ':p:' || s.g)::uuid, initcap(s.given),
            initcap(case when s.typo then overlay(s.family_name_source placing chr(97 + s.letter) from 1 + floor(s.typo_at * length(s.family_name_source))::int for 1) else s.family_name_source end),
            case when s.dob_known then s.dob end, case when not s.dob_known then s.age end, case when not s.dob_known then s.created_at::date end,
            case when s.r_gender < 0.48 then 'female' when s.r_gender < 0.96 then 'male' when s.r_gender < 0.98 then 'non_binary' else 'not_known' end,
            case when s.r_names < 0.5 then '07' || lpad(floor(random() * 1000000000)::text, 9, '0') end,
            officer.id, o.id, s.created_at, s.created_at
          from shaped s
          join scale_org o on o.i = s.org_i
          join scale_officer officer on officer.org_i = s.org_i and officer.k = 1 + s.g % o.officers
          order by s.g
          returning id, given_name, family_name, created_by_organisation_id, created_by, created_at
        ), keyed as (
          select inserted.*, g.r_names, g.r_marker, g.g from inserted join generated g on md5(${this.#tag} || ':p:' || g.g)::uuid = inserted.id
        ), homes as (
          insert into person_addresses (person_id, location_id, valid_from)
          select id, md5(${this.#tag} || ':h:' || ((g - 1) / 2 + 1))::uuid, created_at::date from keyed
        ), nicknames as (
          insert into person_names (person_id, kind, given_name, family_name)
          select k.id, 'nickname', initcap(n.nickname), k.family_name
          from keyed k join lateral (select nickname from scale_nickname where formal = lower(k.given_name) order by random() limit 1) n on true
          where k.r_names < 0.3
        ), aliases as (
          insert into person_names (person_id, kind, given_name, family_name)
          select k.id, case when k.r_names < 0.97 then 'alias' else 'previous' end,
            case when k.r_names < 0.97 then initcap((select name from scale_given where i = 1 + (abs(hashtext(k.id::text)) % (select count(*) from scale_given))::int)) else k.given_name end,
            case when k.r_names < 0.97 then k.family_name else initcap((select name from scale_family where i = 1 + (abs(hashtext(k.id::text)) % (select count(*) from scale_family))::int)) end
          from keyed k where k.r_names >= 0.94
        ), markers as (
          insert into person_markers (person_id, marker, source_organisation_id, recorded_on, recorded_by)
          select k.id, (${markers}::text[])[1 + floor(k.r_marker * 1000)::int % ${markers.length}::int], k.created_by_organisation_id, k.created_at::date, k.created_by
          from keyed k where k.r_marker < 0.06
        )
        select count(*) from keyed`);
    });
  }

  async casePlaces(): Promise<void> {
    const types = ['street', 'park', 'shop', 'licensed_premises', 'transport', 'open_space', 'dwelling'];
    await this.#inBatches('Case places', this.#cases, 100_000, async (from, to) => {
      await this.#run(sql`insert into locations (id, address_line_1, town, postcode, location_type, area, latitude, longitude)
        select md5(${this.#tag} || ':cl:' || c.n)::uuid, p.name, d.town,
          d.outward || ' ' || (c.n % 10) || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + c.n % 20, 1) || substr('ABDEFGHJLNPQRSTUWXYZ', 1 + (c.n / 20) % 20, 1),
          (${types}::text[])[1 + c.n % ${types.length}::int], d.area, p.latitude, p.longitude
        from scale_case c join scale_place p on p.i = c.place_i join scale_district d on d.i = c.district_i
        where c.n between ${from}::int and ${to}::int`);
    });
  }

  async cases(): Promise<void> {
    await this.#inBatches('Cases', this.#cases, 20_000, async (from, to) => {
      await this.#insertCases(from, to);
      await this.#insertCasePeople(from, to);
      await this.#insertCaseWork(from, to);
    });
  }

  async #insertCases(from: number, to: number): Promise<void> {
    const outcomes = ['resolved', 'partially_resolved', 'no_further_action', 'referred_elsewhere', 'enforcement_completed', 'victim_disengaged', 'other'];
    await this.#run(sql`with inserted as (
        insert into cases (id, reference, case_type, priority, summary, status, outcome_code, closure_reason, lead_organisation_id, lead_officer_id, area, risk_level, next_review_due, opened_at, closed_at, created_by, updated_at)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, c.prefix || '-' || c.year || '-' || lpad(c.number::text, 6, '0'), c.type_code, c.priority,
          replace(s.text, '{place}', p.name), c.status,
          case when c.status = 'closed' then (${outcomes}::text[])[1 + c.n % ${outcomes.length}::int] end,
          case when c.status = 'closed' then 'Agreed at case review that no further partnership action is needed.' end,
          o.id, officer.id, d.area, c.risk_level,
          case when c.status <> 'closed' then current_date + (c.n % 70 - 14) end,
          c.opened_at, c.closed_at, officer.id, coalesce(c.closed_at, c.opened_at)
        from scale_case c
        join scale_org o on o.i = c.org_i
        join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        join scale_summary s on s.type_code = c.type_code and s.j = 1 + c.n % 4
        join scale_place p on p.i = c.place_i
        join scale_district d on d.i = c.district_i
        where c.n between ${from}::int and ${to}::int
        order by c.n
        returning id
      ), agencies as (
        insert into case_participants (case_id, organisation_id, added_by, added_at)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, o.id, officer.id, c.opened_at + interval '2 days'
        from scale_case c cross join generate_series(1, 2) j
        join scale_org o on o.i = (c.org_i - 1 + j * 5) % (select count(*) from scale_org) + 1
        join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        where c.n between ${from}::int and ${to}::int and j <= c.participant_count
      ), places as (
        insert into case_locations (case_id, location_id, added_at)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, md5(${this.#tag} || ':cl:' || c.n)::uuid, c.opened_at from scale_case c where c.n between ${from}::int and ${to}::int
      )
      select count(*) from inserted`);
  }

  /** Case n has 2 + (n - 1) % 3 people from consecutive slots; every tenth case also involves someone from another case. */
  async #insertCasePeople(from: number, to: number): Promise<void> {
    const people = this.#people;
    const reach = Math.max(1, Math.min(people, this.#slots));
    await this.#run(sql`insert into case_people (case_id, person_id, role, added_at)
      select md5(${this.#tag} || ':c:' || c.n)::uuid, md5(${this.#tag} || ':p:' || ((slot - 1) % ${people}::int + 1))::uuid,
        case
          when j = 0 then case c.type_code when 'domestic_abuse' then 'victim' when 'hate_incident' then 'victim' when 'anti_social_behaviour' then 'complainant' when 'neighbour_nuisance' then 'complainant' else 'person_at_risk' end
          when j = 1 then case when c.type_code in ('domestic_abuse', 'hate_incident', 'anti_social_behaviour', 'neighbour_nuisance', 'criminal_exploitation') then 'alleged_perpetrator' else 'household_member' end
          when j = 2 then 'witness' else 'household_member' end,
        c.opened_at
      from scale_case c
      cross join lateral generate_series(0, 1 + (c.n - 1) % 3) j
      cross join lateral (select 9 * ((c.n - 1) / 3) + (array[0, 2, 5])[1 + (c.n - 1) % 3] + j + 1 as slot) s
      where c.n between ${from}::int and ${to}::int
      union all
      select md5(${this.#tag} || ':c:' || c.n)::uuid, md5(${this.#tag} || ':p:' || ((c.n::bigint * 7919) % ${reach}::int + 1))::uuid, 'witness', c.opened_at + interval '7 days'
      from scale_case c where c.n between ${from}::int and ${to}::int and c.n % 10 = 0
      on conflict do nothing`);
  }

  async #insertCaseWork(from: number, to: number): Promise<void> {
    await this.#run(sql`with opened as (
        insert into case_events (case_id, occurred_at, kind, actor_user_id, actor_organisation_id, details)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, c.opened_at, 'case_opened', officer.id, o.id,
          jsonb_build_object('reference', c.prefix || '-' || c.year || '-' || lpad(c.number::text, 6, '0'), 'caseType', c.type_code, 'priority', c.priority)
        from scale_case c join scale_org o on o.i = c.org_i join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        where c.n between ${from}::int and ${to}::int
      ), closed as (
        insert into case_events (case_id, occurred_at, kind, actor_user_id, actor_organisation_id, details)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, c.closed_at, 'status_changed', officer.id, o.id, jsonb_build_object('from', 'in_progress', 'to', 'closed')
        from scale_case c join scale_org o on o.i = c.org_i join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        where c.n between ${from}::int and ${to}::int and c.status = 'closed'
      ), notes as (
        insert into case_notes (id, case_id, body, sensitivity, author_id, author_organisation_id, created_at)
        select md5(${this.#tag} || ':n:' || c.n || ':' || j)::uuid, md5(${this.#tag} || ':c:' || c.n)::uuid, (${noteBodies}::text[])[1 + (c.n + j) % ${noteBodies.length}::int],
          case when (c.n + j) % 20 = 0 then 'health_restricted' when (c.n + j) % 10 = 0 then 'sensitive' else 'standard' end,
          officer.id, o.id, c.opened_at + j * interval '3 days'
        from scale_case c cross join generate_series(1, 2) j
        join scale_org o on o.i = c.org_i join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        where c.n between ${from}::int and ${to}::int
        returning id, case_id, created_at, author_id, author_organisation_id, sensitivity
      ), noted as (
        insert into case_events (case_id, occurred_at, kind, actor_user_id, actor_organisation_id, note_id, details)
        select case_id, created_at, 'note_added', author_id, author_organisation_id, id, jsonb_build_object('sensitivity', sensitivity, 'attachments', 0) from notes
      ), actions as (
        insert into case_actions (case_id, title, owner_organisation_id, owner_user_id, due_date, status, completed_at, created_by, created_at, updated_at)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, (${actionTitles}::text[])[1 + (c.n + j) % ${actionTitles.length}::int], o.id, officer.id,
          (c.opened_at + (14 + (c.n % 40)) * interval '1 day')::date,
          case when c.status = 'closed' then 'done' when (c.n + j) % 3 = 0 then 'in_progress' when (c.n + j) % 3 = 1 then 'open' else 'done' end,
          case when c.status = 'closed' or (c.n + j) % 3 = 2 then c.opened_at + interval '10 days' end,
          officer.id, c.opened_at, c.opened_at
        from scale_case c cross join generate_series(1, 2) j
        join scale_org o on o.i = c.org_i join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        where c.n between ${from}::int and ${to}::int and j <= 1 + c.n % 2
      )
      select 1`);
  }

  async riskAssessments(): Promise<ScaleSeedResult['riskAssessments']> {
    const instrument = await sql`select 1 from risk_instruments where code = 'safelives_dash' and version = 1`.execute(this.#connection);
    if (instrument.rows.length === 0) {
      this.#log('Risk assessments skipped: risk_instruments has no safelives_dash version 1 (start the app once to load the instruments)');
      return 'skipped: no safelives_dash version 1 in risk_instruments';
    }
    await this.#inBatches('Risk assessments', this.#cases, 100_000, async (from, to) => {
      await this.#run(sql`insert into risk_assessments (case_id, person_id, instrument_code, instrument_version, score, band, band_reason, completed_by, completed_by_organisation_id, completed_at)
        select md5(${this.#tag} || ':c:' || c.n)::uuid, md5(${this.#tag} || ':p:' || ((9 * ((c.n - 1) / 3) + (array[0, 2, 5])[1 + (c.n - 1) % 3]) % ${this.#people}::int + 1))::uuid,
          'safelives_dash', 1, c.dash_score, c.risk_level,
          'Score ' || c.dash_score || ' of 24: ' || case c.risk_level when 'high' then '14 or more is high risk (MARAC referral)' when 'medium' then '10 to 13 is medium risk' else 'below 10 is standard risk' end,
          officer.id, o.id, c.opened_at + interval '2 days'
        from scale_case c join scale_org o on o.i = c.org_i join scale_officer officer on officer.org_i = c.org_i and officer.k = c.officer_k
        where c.n between ${from}::int and ${to}::int and c.type_code = 'domestic_abuse'`);
    });
    return 'added';
  }

  async finish(): Promise<void> {
    await this.#run(sql`insert into case_reference_counters (prefix, year, last_number)
      select prefix, year, max(number) from scale_case group by prefix, year
      on conflict (prefix, year) do update set last_number = greatest(case_reference_counters.last_number, excluded.last_number)`);
    const started = performance.now();
    await this.#run(sql`analyze`);
    this.#log(`ANALYZE: ${Math.round(performance.now() - started)} ms`);
  }

  async counts(): Promise<Record<string, number>> {
    const tables = ['organisations', 'users', 'people', 'person_names', 'person_markers', 'person_addresses', 'locations', 'cases', 'case_participants', 'case_people', 'case_locations', 'case_events', 'case_notes', 'case_actions', 'risk_assessments'];
    const result = await sql<Record<string, string>>`select ${sql.join(tables.map((table) => sql`(select count(*) from ${sql.table(table)}) as ${sql.ref(table)}`))}`.execute(this.#connection);
    return Object.fromEntries(Object.entries(result.rows[0]!).map(([table, count]) => [table, Number(count)]));
  }
}
