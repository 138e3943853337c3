import { type RawBuilder, sql } from 'kysely';
import type { AlertRuleRow } from '../../db/schema.ts';
import { isRestricted } from '../dataProtection/personFlagsRepository.ts';

export const alertRuleCodes = ['repeat_victim', 'multi_agency', 'vulnerability_harm', 'escalation', 'repeat_location', 'cuckooing', 'missed_contacts'] as const;
export type AlertRuleCode = (typeof alertRuleCodes)[number];

export function isAlertRuleCode(value: unknown): value is AlertRuleCode {
  return typeof value === 'string' && (alertRuleCodes as readonly string[]).includes(value);
}

/**
 * What each rule's query returns, one row per subject that fires it: the same columns for every
 * rule, so one statement can turn any rule's firings into alerts and evidence (alertsRepository).
 */
export interface Firing {
  subject_kind: 'person' | 'location';
  subject_key: string;
  person_id: string | null;
  location_id: string | null;
  location_label: string | null;
  incident_ids: string[];
  associated_ids: string[];
  facts: Record<string, unknown>;
}

/** Which rule settings each rule reads, so the admin form shows only those. */
export const ruleSettings: Record<AlertRuleCode, readonly ('threshold' | 'harmGroups' | 'markers' | 'factor' | 'gridMetres')[]> = {
  repeat_victim: ['threshold', 'harmGroups'],
  multi_agency: ['threshold', 'harmGroups'],
  vulnerability_harm: ['threshold', 'harmGroups', 'markers'],
  escalation: ['threshold', 'harmGroups', 'factor'],
  repeat_location: ['threshold', 'harmGroups', 'gridMetres'],
  cuckooing: ['threshold', 'harmGroups', 'markers'],
  missed_contacts: ['threshold', 'harmGroups', 'markers'],
};

// A record counts once the linkage has tied it to a person (automatically, by a reviewer, or as new),
// unless the data-protection officer has restricted processing of that person (ADR 0027).
const LINKED = sql`ip.person_id is not null and ip.link_status in ('auto_linked', 'confirmed', 'new_person') and not ${isRestricted(sql`ip.person_id`)}`;
// Metres per degree of latitude, and of longitude at Britain's middle latitude (about 54°N):
// grid cells are then roughly square anywhere in the UK without a projection library.
const METRES_PER_DEGREE_LATITUDE = 111_320;
const METRES_PER_DEGREE_LONGITUDE_UK = 65_400;

interface RuleWindow {
  asOf: Date;
  days: number;
}

/** Incidents in (asOf − days, asOf]: a window of exactly `days` days ending at the scan. */
function inWindow(column: RawBuilder<unknown>, { asOf, days }: RuleWindow) {
  return sql`${column} > ${asOf}::timestamptz - make_interval(days => ${days}::int) and ${column} <= ${asOf}::timestamptz`;
}

/** The rule's harm groups, or every group when it names none. */
function inHarmGroups(groups: string[]) {
  return sql`(cardinality(${groups}::text[]) = 0 or c.harm_group = any(${groups}::text[]))`;
}

function hasMarker(personColumn: RawBuilder<unknown>, markers: string[]) {
  return sql`exists (select 1 from person_markers pm where pm.person_id = ${personColumn} and pm.marker = any(${markers}::text[]))`;
}

function markersOf(personColumn: RawBuilder<unknown>, markers: string[]) {
  return sql`(select coalesce(jsonb_agg(distinct pm.marker), '[]'::jsonb) from person_markers pm where pm.person_id = ${personColumn} and pm.marker = any(${markers}::text[]))`;
}

const occurred = sql`i.occurred_at`;
const personColumn = sql`ip.person_id`;

/** The rule as one set-based query over every incident (never a loop over people). */
export function firingsQuery(rule: AlertRuleRow, asOf: Date): RawBuilder<Firing> {
  const window = { asOf, days: rule.window_days };
  const code = rule.code as AlertRuleCode;
  switch (code) {
    case 'repeat_victim':
      return personFirings(rule, window, sql`ip.role in ('victim', 'complainant')`, sql`count(distinct i.id) >= ${rule.threshold}::int`);
    case 'multi_agency':
      return personFirings(rule, window, sql`true`, sql`count(distinct i.source_organisation_id) >= ${rule.threshold}::int`);
    case 'vulnerability_harm':
      return personFirings(rule, window, hasMarker(personColumn, rule.markers), sql`count(distinct i.id) >= ${rule.threshold}::int`, markersOf(personColumn, rule.markers));
    case 'escalation':
      return escalation(rule, asOf);
    case 'repeat_location':
      return repeatLocation(rule, window);
    case 'cuckooing':
      return cuckooing(rule, window);
    case 'missed_contacts':
      return missedContacts(rule, window);
  }
}

/** Rules about one linked person's incidents in the window: which incidents count, and when it fires. */
function personFirings(rule: AlertRuleRow, window: RuleWindow, counts: RawBuilder<unknown>, fires: RawBuilder<unknown>, markers: RawBuilder<unknown> = sql`'[]'::jsonb`): RawBuilder<Firing> {
  return sql<Firing>`
    select 'person' as subject_kind, 'person:' || ip.person_id as subject_key, ip.person_id, null::uuid as location_id,
      null::text as location_label, array_agg(distinct i.id) as incident_ids, '{}'::uuid[] as associated_ids,
      jsonb_build_object('incidents', count(distinct i.id), 'agencies', count(distinct i.source_organisation_id),
        'days', ${rule.window_days}::int, 'markers', ${markers}) as facts
    from incidents i
    join incident_categories c on c.code = i.category_code
    join incident_people ip on ip.incident_id = i.id
    where ${inWindow(occurred, window)} and ${inHarmGroups(rule.harm_groups)} and ${LINKED} and ${counts}
    group by ip.person_id
    having ${fires}`;
}

/**
 * Escalation: in the last W days the person has at least `threshold` incidents, was already known
 * in the W days before, and either the count rose to at least `factor` × the earlier count or the
 * most severe incident is more severe than any before. A first burst from nothing is left to the
 * repeat-victim and multi-agency rules.
 */
function escalation(rule: AlertRuleRow, asOf: Date): RawBuilder<Firing> {
  const days = rule.window_days;
  const recent = sql`i.occurred_at > ${asOf}::timestamptz - make_interval(days => ${days}::int)`;
  const recentCount = sql`count(distinct i.id) filter (where ${recent})`;
  const previousCount = sql`count(distinct i.id) filter (where not (${recent}))`;
  return sql<Firing>`
    select 'person' as subject_kind, 'person:' || ip.person_id as subject_key, ip.person_id, null::uuid as location_id,
      null::text as location_label, array_agg(distinct i.id) as incident_ids, '{}'::uuid[] as associated_ids,
      jsonb_build_object('recent', ${recentCount}, 'previous', ${previousCount}, 'days', ${days}::int,
        'recentSeverity', max(c.severity) filter (where ${recent}), 'previousSeverity', max(c.severity) filter (where not (${recent}))) as facts
    from incidents i
    join incident_categories c on c.code = i.category_code
    join incident_people ip on ip.incident_id = i.id
    where ${inWindow(occurred, { asOf, days: days * 2 })} and ${inHarmGroups(rule.harm_groups)} and ${LINKED}
    group by ip.person_id
    having ${recentCount} >= ${rule.threshold}::int and ${previousCount} >= 1
      and (${recentCount} >= ${rule.factor ?? 2}::numeric * ${previousCount}
        or max(c.severity) filter (where ${recent}) > max(c.severity) filter (where not (${recent})))`;
}

/**
 * Repeat location: incidents at one place, where "one place" is the location record when the
 * source's address was matched to one, else the same address text and postcode, else the same
 * grid cell of about `grid_metres` square for incidents known only by coordinates.
 */
function repeatLocation(rule: AlertRuleRow, window: RuleWindow): RawBuilder<Firing> {
  const grid = rule.grid_metres ?? 100;
  return sql<Firing>`
    with keyed as (
      select i.id, i.source_organisation_id, i.location_id,
        case
          when i.location_id is not null then 'location:' || i.location_id
          when i.address is not null then 'address:' || lower(regexp_replace(btrim(i.address), '\\s+', ' ', 'g')) || '|' || coalesce(i.postcode, '')
          when i.latitude is not null then 'grid:' || ${grid}::int || ':' || floor(i.latitude * ${METRES_PER_DEGREE_LATITUDE}::int / ${grid}::int)::bigint
            || ':' || floor(i.longitude * ${METRES_PER_DEGREE_LONGITUDE_UK}::int / ${grid}::int)::bigint
        end as key,
        coalesce(i.address || coalesce(', ' || i.postcode, ''), round(i.latitude::numeric, 4) || ', ' || round(i.longitude::numeric, 4)) as label
      from incidents i
      join incident_categories c on c.code = i.category_code
      where ${inWindow(occurred, window)} and ${inHarmGroups(rule.harm_groups)}
    ),
    places as (
      select k.key, (array_agg(k.location_id))[1] as location_id, min(k.label) as label, array_agg(k.id) as incident_ids,
        count(*) as incidents, count(distinct k.source_organisation_id) as agencies
      from keyed k
      where k.key is not null
      group by k.key
      having count(*) >= ${rule.threshold}::int
    )
    select 'location' as subject_kind, p.key as subject_key, null::uuid as person_id, p.location_id,
      coalesce((select l.address_line_1 || coalesce(', ' || l.postcode, '') from locations l where l.id = p.location_id), p.label) as location_label,
      p.incident_ids,
      coalesce((select array_agg(distinct ip.person_id) from incident_people ip where ip.incident_id = any(p.incident_ids) and ${LINKED}), '{}'::uuid[]) as associated_ids,
      jsonb_build_object('incidents', p.incidents, 'agencies', p.agencies, 'days', ${rule.window_days}::int) as facts
    from places p`;
}

/**
 * Possible cuckooing: a person with a vulnerability marker living at an address (their current
 * address history entry) where, in the window, incidents name at least `threshold` other linked
 * people who neither share a household with them nor live there, and at least one of those
 * incidents is in the rule's harm groups (drugs, ASB, exploitation).
 */
function cuckooing(rule: AlertRuleRow, window: RuleWindow): RawBuilder<Firing> {
  const today = sql`(${window.asOf}::timestamptz at time zone 'Europe/London')::date`;
  return sql<Firing>`
    with vulnerable as (
      select distinct pa.person_id, pa.location_id, l.postcode, lower(l.address_line_1) as address
      from person_addresses pa
      join locations l on l.id = pa.location_id
      where (pa.valid_to is null or pa.valid_to >= ${today}) and (pa.valid_from is null or pa.valid_from <= ${today})
        and ${hasMarker(sql`pa.person_id`, rule.markers)} and not ${isRestricted(sql`pa.person_id`)}
    ),
    -- Two equi-joins rather than one join on "a or b", which the planner can only run as a nested loop.
    at_home as (
      select v.person_id as vulnerable_id, v.location_id, i.id as incident_id, c.harm_group
      from vulnerable v
      join incidents i on i.location_id = v.location_id
      join incident_categories c on c.code = i.category_code
      where ${inWindow(occurred, window)}
      union all
      select v.person_id as vulnerable_id, v.location_id, i.id as incident_id, c.harm_group
      from vulnerable v
      join incidents i on i.location_id is null and i.postcode = v.postcode and lower(btrim(i.address)) = v.address
      join incident_categories c on c.code = i.category_code
      where ${inWindow(occurred, window)}
    ),
    visitors as (
      select distinct h.vulnerable_id, h.location_id, ip.person_id
      from at_home h
      join incident_people ip on ip.incident_id = h.incident_id
      where ${LINKED} and ip.person_id <> h.vulnerable_id
        and not exists (
          select 1 from household_members mine join household_members theirs on theirs.household_id = mine.household_id
          where mine.person_id = h.vulnerable_id and theirs.person_id = ip.person_id)
        and not exists (
          select 1 from person_addresses lives
          where lives.person_id = ip.person_id and lives.location_id = h.location_id and (lives.valid_to is null or lives.valid_to >= ${today}))
    ),
    homes as (
      select h.vulnerable_id, h.location_id, array_agg(distinct h.incident_id) as incident_ids, count(distinct h.incident_id) as incidents,
        count(distinct h.incident_id) filter (where h.harm_group = any(${rule.harm_groups}::text[])) as harmful
      from at_home h
      group by h.vulnerable_id, h.location_id
    ),
    counted as (
      select h.*, coalesce((select array_agg(v.person_id) from visitors v where v.vulnerable_id = h.vulnerable_id and v.location_id = h.location_id), '{}'::uuid[]) as visitor_ids
      from homes h
      where h.harmful >= 1
    )
    select 'person' as subject_kind, 'person:' || c.vulnerable_id || ':location:' || c.location_id as subject_key, c.vulnerable_id as person_id,
      c.location_id, null::text as location_label, c.incident_ids, c.visitor_ids as associated_ids,
      jsonb_build_object('people', cardinality(c.visitor_ids), 'incidents', c.incidents, 'days', ${rule.window_days}::int, 'markers', ${markersOf(sql`c.vulnerable_id`, rule.markers)}) as facts
    from counted c
    where cardinality(c.visitor_ids) >= ${rule.threshold}::int`;
}

/**
 * Missed contacts: a person with a vulnerability marker who, in the window, has at least
 * `threshold` incidents in the rule's harm groups (missed appointments, no access at visits)
 * and at least one incident reported by a police organisation.
 */
function missedContacts(rule: AlertRuleRow, window: RuleWindow): RawBuilder<Firing> {
  const missed = sql`c.harm_group = any(${rule.harm_groups}::text[])`;
  const police = sql`o.type = 'police'`;
  return sql<Firing>`
    select 'person' as subject_kind, 'person:' || ip.person_id as subject_key, ip.person_id, null::uuid as location_id,
      null::text as location_label, array_agg(distinct i.id) as incident_ids, '{}'::uuid[] as associated_ids,
      jsonb_build_object('missed', count(distinct i.id) filter (where ${missed}), 'police', count(distinct i.id) filter (where ${police}),
        'days', ${rule.window_days}::int, 'markers', ${markersOf(personColumn, rule.markers)}) as facts
    from incidents i
    join incident_categories c on c.code = i.category_code
    join organisations o on o.id = i.source_organisation_id
    join incident_people ip on ip.incident_id = i.id
    where ${inWindow(occurred, window)} and ${LINKED} and (${missed} or ${police}) and ${hasMarker(personColumn, rule.markers)}
    group by ip.person_id
    having count(distinct i.id) filter (where ${missed}) >= ${rule.threshold}::int and count(distinct i.id) filter (where ${police}) >= 1`;
}
