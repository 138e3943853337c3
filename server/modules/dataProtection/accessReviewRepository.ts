import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { auditActions } from '../audit/auditActions.ts';

/**
 * The audit actions that are someone reading or taking away personal data: every `*_VIEWED`,
 * `*_DOWNLOADED` and `*_EXPORTED`, and break-glass use. Lists and searches are left out of the
 * anomaly counts: they have no single record.
 */
export const ACCESS_ACTIONS: readonly string[] = auditActions.filter(
  (action) => /_(VIEWED|DOWNLOADED|EXPORTED)$/.test(action) && !/_LIST_VIEWED$/.test(action),
).concat('BREAK_GLASS_USED');

export const ACCESS_REVIEW_LIMIT = 1_000;

export interface AccessReviewRow {
  seq: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_label: string;
  actor_name: string | null;
  organisation: string | null;
  action: string;
  record_type: string;
  record_id: string;
  case_reference: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  break_glass: boolean;
  /** How the viewer's organisation stood to the record at the time: lead, participant, recorded, through_case, break_glass, none. */
  relationship: string;
  break_glass_reason: string | null;
  break_glass_review: string | null;
}

export interface HeavyViewerRow { user_id: string; name: string; email: string; organisation: string | null; role: string; outside_records: number; outside_views: number }
export interface OutOfHoursRow { user_id: string; name: string; email: string; organisation: string | null; role: string; out_of_hours_views: number; all_views: number; last_out_of_hours_at: Date }
export interface BreakGlassRow {
  grant_id: string; user_id: string; name: string; email: string; organisation: string | null; case_reference: string; reason: string;
  granted_at: Date; reviewed_at: Date | null; review_outcome: string | null; views: number;
}

// Out of hours: before 07:00 or from 19:00 London time, or at a weekend.
const outOfHours = (column: RawBuilder<unknown>) => sql<boolean>`(
  extract(isodow from ${column} at time zone 'Europe/London') in (6, 7)
  or (${column} at time zone 'Europe/London')::time < time '07:00'
  or (${column} at time zone 'Europe/London')::time >= time '19:00')`;

/** Who looked at whom, from `audit_events`, set-based: the access review and the anomaly report. */
export class AccessReviewRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async person(personId: string) {
    return this.#db.selectFrom('people').select(['id', 'given_name', 'family_name', 'date_of_birth']).where('id', '=', personId).executeTakeFirst();
  }

  /**
   * Every read of the person's record and of their cases, newest first, with why: the viewer's
   * organisation's relationship to the record when they read it (participants by the date they
   * joined), and for break-glass reads the grant's reason and its review.
   */
  async accessTo(personId: string): Promise<{ rows: AccessReviewRow[]; total: number }> {
    const events = sql`(
      select * from audit_events where record_type = 'person' and record_id = ${personId} and action = any(${ACCESS_ACTIONS}::text[])
      union all
      select * from audit_events where record_type = 'case' and action = any(${ACCESS_ACTIONS}::text[])
        and record_id = any(array(select case_id::text from case_people where person_id = ${personId})))`;
    const rows = await sql<AccessReviewRow & { total: string }>`
      select e.seq, e.occurred_at, e.actor_user_id, e.actor_label, u.name as actor_name, o.name as organisation, e.action, e.record_type, e.record_id,
        c.reference as case_reference, e.reason, e.details, e.break_glass,
        case
          when e.break_glass then 'break_glass'
          when e.record_type = 'case' and c.lead_organisation_id = e.organisation_id then 'lead'
          when e.record_type = 'case' and exists (select 1 from case_participants cp where cp.case_id = c.id and cp.organisation_id = e.organisation_id and cp.added_at <= e.occurred_at) then 'participant'
          when e.record_type = 'person' and p.created_by_organisation_id = e.organisation_id then 'recorded'
          when e.record_type = 'person' and exists (
            select 1 from case_people on_case join cases oc on oc.id = on_case.case_id
            where on_case.person_id = p.id and (oc.lead_organisation_id = e.organisation_id
              or exists (select 1 from case_participants cp where cp.case_id = oc.id and cp.organisation_id = e.organisation_id and cp.added_at <= e.occurred_at))) then 'through_case'
          else 'none'
        end as relationship,
        g.reason as break_glass_reason, g.review_outcome as break_glass_review,
        count(*) over () as total
      from ${events} e
      left join users u on u.id = e.actor_user_id
      left join organisations o on o.id = e.organisation_id
      left join cases c on e.record_type = 'case' and c.id::text = e.record_id
      left join people p on e.record_type = 'person' and p.id::text = e.record_id
      left join lateral (
        select g.reason, g.review_outcome from break_glass_grants g
        where e.break_glass and g.user_id = e.actor_user_id and g.case_id::text = e.record_id and g.granted_at <= e.occurred_at
        order by g.granted_at desc limit 1) g on true
      order by e.seq desc
      limit ${ACCESS_REVIEW_LIMIT}`.execute(this.#db);
    return { rows: rows.rows, total: Number(rows.rows[0]?.total ?? 0) };
  }

  /**
   * Users who read many distinct records outside their own organisation's work in the window:
   * cases their organisation neither leads nor takes part in, and people it neither recorded
   * nor has on such a case.
   */
  async heavyViewers(days: number, threshold: number): Promise<HeavyViewerRow[]> {
    const result = await sql<HeavyViewerRow>`
      with reads as (
        select e.actor_user_id, e.organisation_id, e.record_type, e.record_id
        from audit_events e
        where e.action = any(${ACCESS_ACTIONS}::text[]) and e.occurred_at > now() - make_interval(days => ${days})
          and e.actor_user_id is not null and e.record_type in ('case', 'person')
      ),
      outside as (
        select r.* from reads r join cases c on r.record_type = 'case' and c.id::text = r.record_id
        where c.lead_organisation_id is distinct from r.organisation_id
          and not exists (select 1 from case_participants cp where cp.case_id = c.id and cp.organisation_id = r.organisation_id)
        union all
        select r.* from reads r join people p on r.record_type = 'person' and p.id::text = r.record_id
        where p.created_by_organisation_id is distinct from r.organisation_id
          and not exists (select 1 from case_people on_case join cases oc on oc.id = on_case.case_id
            where on_case.person_id = p.id and (oc.lead_organisation_id = r.organisation_id
              or exists (select 1 from case_participants cp where cp.case_id = oc.id and cp.organisation_id = r.organisation_id)))
      )
      select u.id as user_id, u.name, u.email, o.name as organisation, u.role,
        count(distinct (outside.record_type, outside.record_id))::int as outside_records, count(*)::int as outside_views
      from outside join users u on u.id = outside.actor_user_id left join organisations o on o.id = u.organisation_id
      group by u.id, u.name, u.email, o.name, u.role
      having count(distinct (outside.record_type, outside.record_id)) >= ${threshold}
      order by outside_records desc, u.name`.execute(this.#db);
    return result.rows;
  }

  /** Users with at least `threshold` reads outside 07:00–19:00 London time or at weekends in the window. */
  async outOfHours(days: number, threshold: number): Promise<OutOfHoursRow[]> {
    const result = await sql<OutOfHoursRow>`
      select u.id as user_id, u.name, u.email, o.name as organisation, u.role,
        (count(*) filter (where ${outOfHours(sql`e.occurred_at`)}))::int as out_of_hours_views, count(*)::int as all_views,
        max(e.occurred_at) filter (where ${outOfHours(sql`e.occurred_at`)}) as last_out_of_hours_at
      from audit_events e join users u on u.id = e.actor_user_id left join organisations o on o.id = u.organisation_id
      where e.action = any(${ACCESS_ACTIONS}::text[]) and e.occurred_at > now() - make_interval(days => ${days})
      group by u.id, u.name, u.email, o.name, u.role
      having count(*) filter (where ${outOfHours(sql`e.occurred_at`)}) >= ${threshold}
      order by out_of_hours_views desc, u.name`.execute(this.#db);
    return result.rows;
  }

  /** Break-glass grants in the window, unreviewed first, with how many reads each grant was used for. */
  async breakGlass(days: number): Promise<BreakGlassRow[]> {
    const result = await sql<BreakGlassRow>`
      select g.id as grant_id, u.id as user_id, u.name, u.email, o.name as organisation, c.reference as case_reference, g.reason,
        g.granted_at, g.reviewed_at, g.review_outcome,
        (select count(*)::int from audit_events e where e.record_type = 'case' and e.record_id = g.case_id::text
           and e.occurred_at between g.granted_at and g.expires_at and e.actor_user_id = g.user_id and e.break_glass) as views
      from break_glass_grants g join users u on u.id = g.user_id join cases c on c.id = g.case_id left join organisations o on o.id = u.organisation_id
      where g.granted_at > now() - make_interval(days => ${days})
      order by g.reviewed_at is not null, g.granted_at desc
      limit 500`.execute(this.#db);
    return result.rows;
  }
}
