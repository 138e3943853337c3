import { type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type { AlertRow, AlertRuleRow, AlertRulesTable, AlertStatus, Database } from '../../db/schema.ts';
import { type AlertViewer, alertVisibleTo } from './alertAccess.ts';
import { firingsQuery } from './alertRules.ts';

type Executor = Kysely<Database> | Transaction<Database>;

// Any constant: only one rule run at a time across processes (see tryRunLock).
const RUN_LOCK_KEY = 6_120_012;
export const ALERTS_PAGE_SIZE = 25;

export interface RuleRunCounts {
  raised: number;
  updated: number;
  evidenceAdded: number;
}

export interface AlertListFilters {
  rule?: string | undefined;
  status: AlertStatus | 'all';
  mine: boolean;
  page: number;
}

export interface AlertSummary {
  id: string;
  rule_code: string;
  subject_kind: 'person' | 'location';
  status: AlertStatus;
  facts: Record<string, unknown>;
  last_fired_at: Date;
  person_given_name: string | null;
  person_family_name: string | null;
  location_text: string | null;
  assigned_name: string | null;
  evidence_count: number;
}

export interface AlertDetail extends AlertRow {
  person_given_name: string | null;
  person_family_name: string | null;
  person_date_of_birth: string | null;
  location_text: string | null;
  assigned_name: string | null;
  case_reference: string | null;
}

export interface EvidenceIncident {
  id: string;
  occurred_at: Date;
  category_code: string;
  category_name: string;
  category_name_translated: boolean;
  harm_group: string;
  severity: number;
  source_organisation_id: string;
  organisation_name: string;
  source_reference: string;
  summary: string | null;
  address: string | null;
  postcode: string | null;
  added_at: Date;
}

/** The only code with SQL for alerts. */
export class AlertsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async rules(executor: Executor = this.#db): Promise<AlertRuleRow[]> {
    return executor.selectFrom('alert_rules').selectAll().orderBy('sort_order').execute();
  }

  async rule(code: string, executor: Executor = this.#db): Promise<AlertRuleRow | undefined> {
    return executor.selectFrom('alert_rules').selectAll().where('code', '=', code).executeTakeFirst();
  }

  async updateRule(trx: Transaction<Database>, code: string, changes: Omit<Updateable<AlertRulesTable>, 'code' | 'updated_by' | 'updated_at'>, userId: string): Promise<void> {
    await trx.updateTable('alert_rules').set({ ...changes, updated_by: userId, updated_at: new Date() }).where('code', '=', code).execute();
  }

  /** The rules group and de-duplicate tens of thousands of rows: let them sort and hash in memory. */
  async allowLargeSorts(trx: Transaction<Database>): Promise<void> {
    await sql`set local work_mem = '64MB'`.execute(trx);
  }

  /** Only one scan at a time: a transaction-scoped advisory lock, released at commit. */
  async tryRunLock(trx: Transaction<Database>): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RUN_LOCK_KEY}) as locked`.execute(trx);
    return rows[0]?.locked === true;
  }

  /**
   * Runs one rule and records what it found, in one statement: a subject with at least one
   * incident not yet evidence of an alert of this rule about it raises an alert, or adds the new
   * evidence to its open alert (one open alert per rule and subject). A subject whose incidents
   * are all evidence already (of the open alert, or of one that was dismissed or acted on)
   * changes nothing: a re-run is idempotent, and a dismissed alert returns only with new incidents.
   */
  async recordFirings(trx: Transaction<Database>, rule: AlertRuleRow, asOf: Date): Promise<RuleRunCounts> {
    const { rows } = await sql<RuleRunCounts>`
      with firing as (${firingsQuery(rule, asOf)}),
      -- How many of each subject's incidents are already evidence of an alert of this rule about it:
      -- found from the subject's few alerts, never by probing every incident.
      known as (
        select f.subject_key, count(distinct e.incident_id) as known
        from firing f
        join alerts a on a.rule_code = ${rule.code} and a.subject_key = f.subject_key
        join alert_evidence e on e.alert_id = a.id and e.incident_id = any(f.incident_ids)
        group by f.subject_key
      ),
      fresh as (
        select f.* from firing f left join known k on k.subject_key = f.subject_key
        where coalesce(k.known, 0) < cardinality(f.incident_ids)
      ),
      upserted as (
        insert into alerts (rule_code, subject_kind, subject_key, person_id, location_id, location_label, facts)
        select ${rule.code}, f.subject_kind, f.subject_key, f.person_id, f.location_id, f.location_label, f.facts from fresh f
        on conflict (rule_code, subject_key) where status = 'open'
        do update set facts = excluded.facts, last_fired_at = now(), location_label = coalesce(excluded.location_label, alerts.location_label)
        returning alerts.id, alerts.subject_key, (xmax = 0) as inserted
      ),
      evidence as (
        insert into alert_evidence (alert_id, incident_id, organisation_id)
        select u.id, i.id, i.source_organisation_id
        from upserted u
        join fresh f on f.subject_key = u.subject_key
        cross join lateral unnest(f.incident_ids) as x(id)
        join incidents i on i.id = x.id
        on conflict do nothing
        returning 1
      ),
      involved as (
        insert into alert_people (alert_id, person_id, involvement)
        select u.id, f.person_id, 'subject' from upserted u join fresh f on f.subject_key = u.subject_key where f.person_id is not null
        union all
        select u.id, p.id, 'associated'
        from upserted u
        join fresh f on f.subject_key = u.subject_key
        cross join lateral unnest(f.associated_ids) as p(id)
        where p.id is distinct from f.person_id
        on conflict do nothing
        returning 1
      )
      select (count(*) filter (where u.inserted))::int as "raised", (count(*) filter (where not u.inserted))::int as "updated",
        (select count(*) from evidence)::int as "evidenceAdded", (select count(*) from involved)::int as "peopleAdded"
      from upserted u`.execute(trx);
    const counts = rows[0];
    return { raised: counts?.raised ?? 0, updated: counts?.updated ?? 0, evidenceAdded: counts?.evidenceAdded ?? 0 };
  }

  async list(viewer: AlertViewer, filters: AlertListFilters): Promise<{ rows: AlertSummary[]; total: number }> {
    let query = this.#db.selectFrom('alerts').where(alertVisibleTo(viewer));
    if (filters.rule) query = query.where('alerts.rule_code', '=', filters.rule);
    if (filters.status !== 'all') query = query.where('alerts.status', '=', filters.status);
    if (filters.mine) query = query.where('alerts.assigned_to', '=', viewer.userId);
    const [rows, total] = await Promise.all([
      query
        .leftJoin('people', 'people.id', 'alerts.person_id')
        .leftJoin('users as assignee', 'assignee.id', 'alerts.assigned_to')
        .select((eb) => [
          'alerts.id',
          'alerts.rule_code',
          'alerts.subject_kind',
          'alerts.status',
          'alerts.facts',
          'alerts.last_fired_at',
          'people.given_name as person_given_name',
          'people.family_name as person_family_name',
          locationText(),
          'assignee.name as assigned_name',
          eb.selectFrom('alert_evidence').select(eb.fn.countAll<number>().as('n')).whereRef('alert_evidence.alert_id', '=', 'alerts.id').as('evidence_count'),
        ])
        .orderBy('alerts.last_fired_at', 'desc')
        .orderBy('alerts.id')
        .limit(ALERTS_PAGE_SIZE)
        .offset((filters.page - 1) * ALERTS_PAGE_SIZE)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map((row) => ({ ...row, evidence_count: Number(row.evidence_count) })) as AlertSummary[], total: Number(total.total) };
  }

  async findVisible(executor: Executor, alertId: string, viewer: AlertViewer): Promise<AlertDetail | undefined> {
    return executor
      .selectFrom('alerts')
      .leftJoin('people', 'people.id', 'alerts.person_id')
      .leftJoin('users as assignee', 'assignee.id', 'alerts.assigned_to')
      .leftJoin('cases', 'cases.id', 'alerts.case_id')
      .selectAll('alerts')
      .select((eb) => [
        'people.given_name as person_given_name',
        'people.family_name as person_family_name',
        'people.date_of_birth as person_date_of_birth',
        locationText(),
        'assignee.name as assigned_name',
        'cases.reference as case_reference',
      ])
      .where('alerts.id', '=', alertId)
      .where(alertVisibleTo(viewer))
      .executeTakeFirst() as Promise<AlertDetail | undefined>;
  }

  async evidence(executor: Executor, alertId: string): Promise<EvidenceIncident[]> {
    return executor
      .selectFrom('alert_evidence')
      .innerJoin('incidents', 'incidents.id', 'alert_evidence.incident_id')
      .innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code')
      .innerJoin('organisations', 'organisations.id', 'incidents.source_organisation_id')
      .select([
        'incidents.id',
        'incidents.occurred_at',
        'incidents.category_code',
        'incident_categories.name as category_name',
        'incident_categories.name_translated as category_name_translated',
        'incident_categories.harm_group',
        'incident_categories.severity',
        'incidents.source_organisation_id',
        'organisations.name as organisation_name',
        'incidents.source_reference',
        'incidents.summary',
        'incidents.address',
        'incidents.postcode',
        'alert_evidence.added_at',
      ])
      .where('alert_evidence.alert_id', '=', alertId)
      .orderBy('incidents.occurred_at', 'desc')
      .execute();
  }

  /** The linked people each incident names, with their role. */
  async incidentPeople(executor: Executor, incidentIds: string[]) {
    if (incidentIds.length === 0) return [];
    return executor
      .selectFrom('incident_people')
      .innerJoin('people', 'people.id', 'incident_people.person_id')
      .select(['incident_people.incident_id', 'incident_people.role', 'people.id as person_id', 'people.given_name', 'people.family_name'])
      .where('incident_people.incident_id', 'in', incidentIds)
      .orderBy('people.family_name')
      .execute();
  }

  async people(executor: Executor, alertId: string) {
    return executor
      .selectFrom('alert_people')
      .innerJoin('people', 'people.id', 'alert_people.person_id')
      .select(['people.id', 'people.given_name', 'people.family_name', 'people.date_of_birth', 'alert_people.involvement'])
      .where('alert_people.alert_id', '=', alertId)
      .orderBy('alert_people.involvement', 'desc')
      .orderBy('people.family_name')
      .execute();
  }

  /** Colleagues in the organisation who may triage alerts. */
  async assignableUsers(organisationId: string, roles: readonly string[], executor: Executor = this.#db) {
    return executor
      .selectFrom('users')
      .select(['id', 'name'])
      .where('organisation_id', '=', organisationId)
      .where('disabled', '=', false)
      .where('role', 'in', [...roles])
      .orderBy('name')
      .execute();
  }

  async assign(trx: Transaction<Database>, alertId: string, userId: string): Promise<boolean> {
    const result = await trx
      .updateTable('alerts')
      .set((eb) => ({ assigned_to: userId, assigned_at: new Date(), version: eb('version', '+', 1) }))
      .where('id', '=', alertId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Closes an open alert with the decision; false when it was no longer open. */
  async decide(trx: Transaction<Database>, alertId: string, decision: { status: Exclude<AlertStatus, 'open'>; caseId?: string; dismissReason?: string; dismissDetail?: string | null; decidedBy: string }): Promise<boolean> {
    const result = await trx
      .updateTable('alerts')
      .set((eb) => ({
        status: decision.status,
        case_id: decision.caseId ?? null,
        dismiss_reason: decision.dismissReason ?? null,
        dismiss_detail: decision.dismissDetail ?? null,
        decided_by: decision.decidedBy,
        decided_at: new Date(),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', alertId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Per rule: how many alerts it raised and what became of them, for tuning. Counts only. */
  async statistics(executor: Executor = this.#db) {
    const byStatus = await executor
      .selectFrom('alert_rules')
      .leftJoin('alerts', 'alerts.rule_code', 'alert_rules.code')
      .select((eb) => [
        'alert_rules.code',
        'alert_rules.enabled',
        eb.fn.count<number>('alerts.id').as('fired'),
        eb.fn.count<number>('alerts.id').filterWhere('alerts.status', '=', 'open').as('open'),
        eb.fn.count<number>('alerts.id').filterWhere('alerts.status', '=', 'case_opened').as('case_opened'),
        eb.fn.count<number>('alerts.id').filterWhere('alerts.status', '=', 'added_to_case').as('added_to_case'),
        eb.fn.count<number>('alerts.id').filterWhere('alerts.status', '=', 'dismissed').as('dismissed'),
      ])
      .groupBy(['alert_rules.code', 'alert_rules.enabled', 'alert_rules.sort_order'])
      .orderBy('alert_rules.sort_order')
      .execute();
    const reasons = await executor
      .selectFrom('alerts')
      .select((eb) => ['rule_code', 'dismiss_reason', eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'dismissed')
      .groupBy(['rule_code', 'dismiss_reason'])
      .execute();
    return { byStatus: byStatus.map((row) => ({ ...row, fired: Number(row.fired), open: Number(row.open), case_opened: Number(row.case_opened), added_to_case: Number(row.added_to_case), dismissed: Number(row.dismissed) })), reasons: reasons.map((row) => ({ ...row, count: Number(row.count) })) };
  }
}

/** The alert's place: its location record's address, else the address or coordinates the incidents gave. */
function locationText() {
  return sql<string | null>`coalesce((select l.address_line_1 || coalesce(', ' || l.postcode, '') from locations l where l.id = alerts.location_id), alerts.location_label)`.as('location_text');
}
