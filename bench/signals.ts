import { sql } from 'kysely';
import { AuditTrail } from '../server/modules/audit/auditTrail.ts';
import { AlertsService } from '../server/modules/alerts/alertsService.ts';
import { CasesService } from '../server/modules/cases/casesService.ts';
import { PeopleService } from '../server/modules/people/peopleService.ts';
import { systemActor } from '../server/shared/actor.ts';
import { createBenchDatabase } from './benchDatabase.ts';
import { round, valueOf } from './benchSupport.ts';

const AS_OF = new Date('2026-06-30T12:00:00Z');
const TARGET_MS = 30_000;

/**
 * Signals at scale: `--incidents` (default 1,000,000) incidents over two years from eight
 * agencies, naming `--people` (default 200,000) linked people (about 1.3 per incident; a few
 * people and places are named far more often than most, as in real data), 5% of people with a
 * vulnerability marker, 60,000 home addresses; then every alert rule runs, twice: the first run
 * raises the alerts, the second is the idempotent re-run a schedule makes. Prints the time per
 * rule; the target is the whole first run under 30 s. On its own PostgreSQL database, dropped after.
 */
export async function runSignalsBenchmark(args: string[]): Promise<Record<string, unknown>> {
  const incidents = Number(valueOf(args, '--incidents') ?? 1_000_000);
  const people = Number(valueOf(args, '--people') ?? 200_000);
  const database = await createBenchDatabase();
  const db = database.handle.db;
  try {
    const generateStarted = performance.now();
    await generate(db, incidents, people);
    const generateSeconds = round((performance.now() - generateStarted) / 1000);
    const audit = new AuditTrail(db);
    const alerts = new AlertsService(db, audit, new CasesService(db, audit, new PeopleService(db, audit)));
    const first = await alerts.runRules(AS_OF, systemActor('bench'));
    const rerun = await alerts.runRules(AS_OF, systemActor('bench'));
    const { rows } = await sql<{ alerts: number; evidence: number }>`select (select count(*) from alerts)::int as alerts, (select count(*) from alert_evidence)::int as evidence`.execute(db);
    return {
      benchmark: 'signals',
      incidents,
      people,
      incidentPeople: Math.round(incidents * 1.3),
      generateSeconds,
      firstRun: { totalMs: first.totalMs, rules: first.rules },
      rerun: { totalMs: rerun.totalMs, rules: rerun.rules.map(({ rule, ms, raised, updated, evidenceAdded }) => ({ rule, ms, raised, updated, evidenceAdded })) },
      alertsRaised: rows[0]?.alerts,
      evidenceRows: rows[0]?.evidence,
      targetMs: TARGET_MS,
      met: first.totalMs < TARGET_MS,
    };
  } finally {
    await database.drop();
  }
}

/** The synthetic partnership, made with generate_series in a few statements (no row-by-row inserts). */
export async function generate(db: Awaited<ReturnType<typeof createBenchDatabase>>['handle']['db'], incidents: number, people: number): Promise<void> {
  const locations = 20_000;
  await sql`
    insert into organisations (id, name, type)
    select md5('org' || g)::uuid, 'Agency ' || g, (array['police', 'police', 'district_borough_council', 'nhs_trust', 'housing_provider', 'victim_support', 'county_council', 'fire_rescue'])[g]
    from generate_series(1, 8) g`.execute(db);
  await sql`
    insert into people (id, given_name, family_name)
    select md5('person' || g)::uuid, 'Bench', 'Person ' || g from generate_series(1, ${people}::int) g`.execute(db);
  await sql`
    insert into person_markers (person_id, marker)
    select md5('person' || g)::uuid, (array['mental_health', 'learning_disability', 'substance_use', 'older_person', 'self_neglect'])[1 + g % 5]
    from generate_series(1, ${people}::int) g where g % 20 = 0`.execute(db);
  await sql`
    insert into locations (id, address_line_1, postcode, location_type)
    select md5('location' || g)::uuid, g || ' Bench Street', 'NE' || (1 + g % 9) || ' ' || (g % 10) || 'AB', 'dwelling'
    from generate_series(1, ${locations}::int) g`.execute(db);
  await sql`
    insert into person_addresses (person_id, location_id, valid_from)
    select md5('person' || g)::uuid, md5('location' || (1 + g % ${locations}::int))::uuid, date '2020-01-01'
    from generate_series(1, ${people}::int, 3) g`.execute(db);
  // Bulk loading is quicker with the secondary indexes built once afterwards (the rules then run on them all).
  const { rows: indexes } = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes
    where schemaname = 'public' and tablename in ('incidents', 'incident_people') and indexname not like '%_pkey'
      and not exists (select 1 from pg_constraint where conname = indexname)`.execute(db);
  for (const index of indexes) await sql.raw(`drop index ${index.indexname}`).execute(db);
  // Skewed choices (random()^3, random()^2): some people and places turn up far more than most.
  await sql`
    insert into incidents (id, source_organisation_id, source_reference, occurred_at, category_code, summary, location_id, address, postcode, latitude, longitude)
    select md5('incident' || g)::uuid,
      md5('org' || (1 + g % 8))::uuid,
      'BENCH-' || g,
      ${AS_OF}::timestamptz - random() * interval '730 days',
      (array['asb_personal', 'asb_nuisance', 'noise', 'neighbour_dispute', 'concern_for_welfare', 'mental_health_crisis', 'missed_appointment',
        'no_access_visit', 'drug_activity', 'exploitation_concern', 'domestic_incident', 'violence', 'hate_incident', 'housing_visit_concern',
        'criminal_damage', 'burglary', 'theft', 'other'])[1 + floor(random() * 18)::int],
      'Synthetic incident ' || g,
      case when g % 10 < 4 then md5('location' || (1 + floor(${locations}::int * random() ^ 2)::int))::uuid end,
      case when g % 10 between 4 and 6 then (1 + floor(5000 * random() ^ 2)::int) || ' High Street' end,
      case when g % 10 between 4 and 6 then 'NE1 ' || (g % 10) || 'AA' end,
      case when g % 10 >= 7 then 54.90 + random() * 0.15 end,
      case when g % 10 >= 7 then -1.70 + random() * 0.25 end
    from generate_series(1, ${incidents}::int) g`.execute(db);
  await sql`
    insert into incident_people (incident_id, role, person_id, link_status, given_name, family_name)
    select md5('incident' || g)::uuid,
      (array['victim', 'complainant', 'alleged_perpetrator', 'witness', 'person_at_risk', 'subject', 'other'])[1 + floor(random() * 7)::int],
      md5('person' || (1 + floor(${people}::int * random() ^ 3)::int))::uuid, 'auto_linked', 'Bench', 'Person'
    from generate_series(1, ${incidents}::int) g
    union all
    select md5('incident' || g)::uuid, 'alleged_perpetrator', md5('person' || (1 + floor(${people}::int * random())::int))::uuid, 'auto_linked', 'Bench', 'Other'
    from generate_series(1, ${incidents}::int) g where g % 10 < 3`.execute(db);
  for (const index of indexes) await sql.raw(index.indexdef).execute(db);
  await sql`analyze`.execute(db);
}
