import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database, RetentionAction, RetentionRecordType, RetentionSampleRow } from '../../db/schema.ts';
import type { LegalHoldSubject } from './retentionRules.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ScheduleValues {
  periodMonths: number;
  action: RetentionAction;
  lawfulBasis: string;
  legalReason: string;
  enabled: boolean;
}

interface CandidateRow {
  id: string;
  label: string;
  trigger_at: Date;
  held: boolean;
}

const SAMPLE_SIZE = 10;
// Keeps every `in (...)` list well under PostgreSQL's 65,535 parameters.
const CHUNK = 5_000;

const heldAs = (kind: LegalHoldSubject, column: RawBuilder<unknown>) =>
  sql<boolean>`exists (select 1 from retention_held_records h where h.kind = ${kind} and h.id = ${column})`;

/**
 * Records of one type whose trigger date is at or before `cutoff`, each with whether a legal
 * hold protects it. Only closed cases, resolved alerts and closed referrals have a trigger date;
 * attachments are only due once their case is closed. Already anonymised records are left out
 * of an anonymising schedule.
 */
function candidates(recordType: Exclude<RetentionRecordType, 'audit_log'>, action: RetentionAction, cutoff: Date): RawBuilder<CandidateRow> {
  const anonymise = action === 'anonymise';
  switch (recordType) {
    case 'closed_cases':
      return sql<CandidateRow>`select c.id::text as id, c.reference as label, c.closed_at as trigger_at, ${heldAs('case', sql`c.id`)} as held
        from cases c
        where c.status = 'closed' and c.closed_at <= ${cutoff} ${anonymise ? sql`and c.anonymised_at is null` : sql``}`;
    case 'incidents':
      return sql<CandidateRow>`select i.id::text as id, i.source_reference as label, i.occurred_at as trigger_at, ${heldAs('incident', sql`i.id`)} as held
        from incidents i
        where i.occurred_at <= ${cutoff} ${anonymise ? sql`and i.anonymised_at is null` : sql``}`;
    case 'alerts':
      return sql<CandidateRow>`select a.id::text as id, a.rule_code as label, a.decided_at as trigger_at,
          (${heldAs('case', sql`a.case_id`)} or ${heldAs('person', sql`a.person_id`)}
           or exists (select 1 from alert_people ap join retention_held_records h on h.kind = 'person' and h.id = ap.person_id where ap.alert_id = a.id)
           or exists (select 1 from alert_evidence ae join retention_held_records h on h.kind = 'incident' and h.id = ae.incident_id where ae.alert_id = a.id)) as held
        from alerts a
        where a.status <> 'open' and a.decided_at is not null and a.decided_at <= ${cutoff} ${anonymise ? sql`and a.anonymised_at is null` : sql``}`;
    case 'referrals':
      return sql<CandidateRow>`select r.id::text as id, r.reference as label, coalesce(r.decided_at, r.withdrawn_at) as trigger_at,
          (${heldAs('case', sql`r.case_id`)} or ${heldAs('case', sql`r.accepted_case_id`)} or ${heldAs('person', sql`r.person_id`)}) as held
        from referrals r
        where r.status in ('accepted', 'declined', 'withdrawn') and coalesce(r.decided_at, r.withdrawn_at) <= ${cutoff}
          ${anonymise ? sql`and r.anonymised_at is null` : sql``}`;
    case 'attachments':
      return sql<CandidateRow>`select a.id::text as id, c.reference as label, a.created_at as trigger_at, ${heldAs('case', sql`a.case_id`)} as held
        from case_attachments a join cases c on c.id = a.case_id
        where c.status = 'closed' and a.created_at <= ${cutoff}`;
  }
}

export interface AuditPrefix {
  /** The newest seq that may go: every event up to and including it is removed. */
  throughSeq: string | null;
  removable: number;
  /** Events older than the cut-off kept because a held record's event (or the chain head) comes first. */
  kept: number;
}

/** The only code with SQL for retention: schedules, holds, runs, and what a run does to records. */
export class RetentionRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  // Schedules

  async schedules(executor: Executor = this.#db) {
    return executor.selectFrom('retention_schedules').selectAll().execute();
  }

  async schedule(executor: Executor, recordType: RetentionRecordType) {
    return executor.selectFrom('retention_schedules').selectAll().where('record_type', '=', recordType).forUpdate().executeTakeFirst();
  }

  async saveSchedule(trx: Transaction<Database>, recordType: RetentionRecordType, values: ScheduleValues, userId: string | null, before: Record<string, unknown> | null): Promise<void> {
    const row = {
      period_months: values.periodMonths,
      action: values.action,
      lawful_basis: values.lawfulBasis,
      legal_reason: values.legalReason,
      enabled: values.enabled,
      updated_by: userId,
      updated_at: new Date(),
    };
    if (before) {
      await trx.updateTable('retention_schedules').set({ ...row, version: sql`version + 1` }).where('record_type', '=', recordType).execute();
    } else {
      await trx.insertInto('retention_schedules').values({ record_type: recordType, ...row }).execute();
    }
    await trx
      .insertInto('retention_schedule_changes')
      .values({ record_type: recordType, changed_by: userId, before: before ? JSON.stringify(before) : null, after: JSON.stringify(values) })
      .execute();
  }

  async scheduleHistory(limit = 50) {
    return this.#db
      .selectFrom('retention_schedule_changes as change')
      .leftJoin('users', 'users.id', 'change.changed_by')
      .select(['change.id', 'change.record_type', 'change.changed_at', 'change.before', 'change.after', 'users.name as changed_by_name'])
      .orderBy('change.changed_at', 'desc')
      .orderBy('change.id', 'desc')
      .limit(limit)
      .execute();
  }

  // Legal holds

  async holds(includeReleased: boolean) {
    let query = this.#db
      .selectFrom('legal_holds as hold')
      .leftJoin('users as placer', 'placer.id', 'hold.placed_by')
      .leftJoin('users as releaser', 'releaser.id', 'hold.released_by')
      .leftJoin('cases', (join) => join.onRef('cases.id', '=', 'hold.subject_id').on('hold.subject_kind', '=', 'case'))
      .leftJoin('incidents', (join) => join.onRef('incidents.id', '=', 'hold.subject_id').on('hold.subject_kind', '=', 'incident'))
      .select([
        'hold.id',
        'hold.subject_kind',
        'hold.subject_id',
        'hold.reason',
        'hold.placed_at',
        'hold.until',
        'hold.released_at',
        'hold.release_reason',
        'placer.name as placed_by_name',
        'releaser.name as released_by_name',
        'cases.reference as case_reference',
        'incidents.source_reference as incident_reference',
        sql<boolean>`hold.released_at is null and (hold.until is null or hold.until >= (now() at time zone 'Europe/London')::date)`.as('in_force'),
      ]);
    if (!includeReleased) query = query.where('hold.released_at', 'is', null);
    return query.orderBy('hold.placed_at', 'desc').execute();
  }

  async findHold(trx: Transaction<Database>, holdId: string) {
    return trx.selectFrom('legal_holds').selectAll().where('id', '=', holdId).forUpdate().executeTakeFirst();
  }

  async insertHold(trx: Transaction<Database>, hold: { subjectKind: LegalHoldSubject; subjectId: string; reason: string; until: string | null; placedBy: string | null }) {
    return trx
      .insertInto('legal_holds')
      .values({ subject_kind: hold.subjectKind, subject_id: hold.subjectId, reason: hold.reason, until: hold.until, placed_by: hold.placedBy })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  async releaseHold(trx: Transaction<Database>, holdId: string, userId: string | null, reason: string): Promise<void> {
    await trx.updateTable('legal_holds').set({ released_at: new Date(), released_by: userId, release_reason: reason }).where('id', '=', holdId).execute();
  }

  /** The record a hold would name, found by what a person types: a case reference, or an id. */
  async findHoldSubject(trx: Transaction<Database>, kind: LegalHoldSubject, identifier: string): Promise<string | undefined> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(identifier);
    if (kind === 'case') {
      const query = trx.selectFrom('cases').select('id');
      const row = await (isUuid ? query.where('id', '=', identifier) : query.where(sql`upper(reference)`, '=', identifier.toUpperCase())).executeTakeFirst();
      return row?.id;
    }
    if (!isUuid) return undefined;
    const table = kind === 'person' ? 'people' : 'incidents';
    return (await trx.selectFrom(table).select('id').where('id', '=', identifier).executeTakeFirst())?.id;
  }

  // Runs

  async insertRun(trx: Transaction<Database>, asOf: Date, proposedBy: string | null, label: string) {
    return trx.insertInto('retention_runs').values({ as_of: asOf, proposed_by: proposedBy, proposed_by_label: label }).returning('id').executeTakeFirstOrThrow();
  }

  async openProposal(executor: Executor = this.#db) {
    return executor.selectFrom('retention_runs').select(['id', 'proposed_at']).where('status', '=', 'proposed').orderBy('proposed_at', 'desc').executeTakeFirst();
  }

  /** Counts, a sample and the list of what is due of one record type, written into the run. */
  async planRecordType(trx: Transaction<Database>, runId: string, recordType: Exclude<RetentionRecordType, 'audit_log'>, action: RetentionAction, periodMonths: number, cutoff: Date): Promise<{ proposed: number; held: number }> {
    const due = candidates(recordType, action, cutoff);
    const counts = await sql<{ proposed: number; held: number }>`
      select count(*) filter (where not c.held)::int as proposed, count(*) filter (where c.held)::int as held from (${due}) c`.execute(trx);
    const sample = await sql<CandidateRow>`select c.id, c.label, c.trigger_at from (${due}) c where not c.held order by c.trigger_at, c.id limit ${SAMPLE_SIZE}`.execute(trx);
    await sql`insert into retention_run_records (run_id, record_type, record_id) select ${runId}, ${recordType}, c.id from (${due}) c where not c.held`.execute(trx);
    const { proposed, held } = counts.rows[0]!;
    await this.insertItem(trx, runId, recordType, action, periodMonths, cutoff, proposed, held, sample.rows.map(toSample));
    return { proposed, held };
  }

  async planAuditLog(trx: Transaction<Database>, runId: string, periodMonths: number, cutoff: Date): Promise<{ proposed: number; held: number }> {
    const prefix = await this.auditPrefix(trx, cutoff);
    const sample = prefix.throughSeq
      ? await trx.selectFrom('audit_events').select(['seq', 'action', 'occurred_at']).where('seq', '<=', prefix.throughSeq).orderBy('seq').limit(SAMPLE_SIZE).execute()
      : [];
    if (prefix.throughSeq) await trx.insertInto('retention_run_records').values({ run_id: runId, record_type: 'audit_log', record_id: prefix.throughSeq }).execute();
    await this.insertItem(trx, runId, 'audit_log', 'delete', periodMonths, cutoff, prefix.removable, prefix.kept, sample.map((row) => ({ id: row.seq, label: row.action, triggerAt: row.occurred_at.toISOString() })));
    return { proposed: prefix.removable, held: prefix.kept };
  }

  async insertItem(trx: Transaction<Database>, runId: string, recordType: RetentionRecordType, action: RetentionAction, periodMonths: number, cutoff: Date, proposed: number, held: number, sample: RetentionSampleRow[]) {
    await trx
      .insertInto('retention_run_items')
      .values({ run_id: runId, record_type: recordType, action, period_months: periodMonths, cutoff, proposed, held, sample: JSON.stringify(sample) })
      .execute();
  }

  /**
   * The oldest events that may go: a contiguous run from the start of the chain up to, not
   * including, the first event that is newer than the cut-off or about a held record, and never
   * the newest event (the chain's head stays, so appends keep their predecessor).
   */
  async auditPrefix(executor: Executor, cutoff: Date): Promise<AuditPrefix> {
    const result = await sql<{ through_seq: string | null; removable: number; kept: number }>`
      with head as (select max(seq) as seq from audit_events),
      stop as (
        select min(e.seq) as seq from audit_events e
        where e.occurred_at > ${cutoff}
           or (e.record_type = 'case' and exists (select 1 from retention_held_records h where h.kind = 'case' and h.id::text = e.record_id))
           or (e.record_type = 'person' and exists (select 1 from retention_held_records h where h.kind = 'person' and h.id::text = e.record_id))
           or (e.record_type = 'incident' and exists (select 1 from retention_held_records h where h.kind = 'incident' and h.id::text = e.record_id))
      ),
      bound as (select least(coalesce((select seq from stop) - 1, (select seq from head)), (select seq from head) - 1) as seq)
      select (select e.seq from audit_events e where e.seq <= (select seq from bound) order by e.seq desc limit 1)::text as through_seq,
        (select count(*) from audit_events e where e.seq <= (select seq from bound))::int as removable,
        (select count(*) from audit_events e where e.occurred_at <= ${cutoff} and e.seq > coalesce((select seq from bound), 0))::int as kept`.execute(executor);
    const row = result.rows[0]!;
    return { throughSeq: row.through_seq, removable: row.removable, kept: row.kept };
  }

  async runs(limit = 50) {
    return this.#db
      .selectFrom('retention_runs as run')
      .leftJoin('users as decider', 'decider.id', 'run.decided_by')
      .select([
        'run.id',
        'run.status',
        'run.proposed_at',
        'run.proposed_by_label',
        'run.decided_at',
        'run.completed_at',
        'decider.name as decided_by_name',
        (eb) => eb.selectFrom('retention_run_items as item').whereRef('item.run_id', '=', 'run.id').select(sql<number>`coalesce(sum(item.proposed), 0)::int`.as('n')).as('proposed'),
        (eb) => eb.selectFrom('retention_run_items as item').whereRef('item.run_id', '=', 'run.id').select(sql<number>`coalesce(sum(item.deleted), 0)::int`.as('n')).as('deleted'),
        (eb) => eb.selectFrom('retention_run_items as item').whereRef('item.run_id', '=', 'run.id').select(sql<number>`coalesce(sum(item.anonymised), 0)::int`.as('n')).as('anonymised'),
        (eb) => eb.selectFrom('retention_run_items as item').whereRef('item.run_id', '=', 'run.id').select(sql<number>`coalesce(sum(item.skipped_hold), 0)::int`.as('n')).as('skipped_hold'),
      ])
      .orderBy('run.proposed_at', 'desc')
      .limit(limit)
      .execute();
  }

  async run(executor: Executor, runId: string, lock = false) {
    let query = executor
      .selectFrom('retention_runs as run')
      .leftJoin('users as decider', 'decider.id', 'run.decided_by')
      .selectAll('run')
      .select('decider.name as decided_by_name')
      .where('run.id', '=', runId);
    if (lock) query = query.forUpdate('run');
    return query.executeTakeFirst();
  }

  async runItems(executor: Executor, runId: string) {
    return executor.selectFrom('retention_run_items').selectAll().where('run_id', '=', runId).execute();
  }

  async decide(trx: Transaction<Database>, runId: string, status: 'rejected' | 'completed' | 'failed', userId: string | null, note: string | null, failure: string | null = null) {
    const now = new Date();
    await trx
      .updateTable('retention_runs')
      .set({ status, decided_at: now, decided_by: userId, decision_note: note, completed_at: status === 'completed' ? now : null, failure })
      .where('id', '=', runId)
      .execute();
  }

  async recordOutcome(trx: Transaction<Database>, runId: string, recordType: RetentionRecordType, counts: { deleted: number; anonymised: number; skippedHold: number; skippedOther: number }) {
    await trx
      .updateTable('retention_run_items')
      .set({ deleted: counts.deleted, anonymised: counts.anonymised, skipped_hold: counts.skippedHold, skipped_other: counts.skippedOther })
      .where('run_id', '=', runId)
      .where('record_type', '=', recordType)
      .execute();
  }

  /**
   * Marks each record the run listed: held now (a hold placed since the proposal), still due
   * (act), or no longer due (reopened, already gone). Returns the ids to act on.
   */
  async settleRecords(trx: Transaction<Database>, runId: string, recordType: Exclude<RetentionRecordType, 'audit_log'>, action: RetentionAction, cutoff: Date): Promise<{ act: string[]; held: number; skipped: number }> {
    const due = candidates(recordType, action, cutoff);
    const mine = sql`run_id = ${runId} and record_type = ${recordType}`;
    await sql`update retention_run_records set outcome = 'held' where ${mine} and record_id in (select c.id from (${due}) c where c.held)`.execute(trx);
    await sql`update retention_run_records set outcome = 'act' where ${mine} and outcome is null and record_id in (select c.id from (${due}) c where not c.held)`.execute(trx);
    await sql`update retention_run_records set outcome = 'skipped' where ${mine} and outcome is null`.execute(trx);
    const rows = await trx.selectFrom('retention_run_records').select(['record_id', 'outcome']).where('run_id', '=', runId).where('record_type', '=', recordType).execute();
    return {
      act: rows.filter((row) => row.outcome === 'act').map((row) => row.record_id),
      held: rows.filter((row) => row.outcome === 'held').length,
      skipped: rows.filter((row) => row.outcome === 'skipped').length,
    };
  }

  async plannedAuditThrough(trx: Transaction<Database>, runId: string): Promise<string | undefined> {
    return (await trx.selectFrom('retention_run_records').select('record_id').where('run_id', '=', runId).where('record_type', '=', 'audit_log').executeTakeFirst())?.record_id;
  }

  // What a run does to records. Each takes the ids the run settled on, inside its transaction.

  /**
   * Anonymises closed cases: free text goes (summary, closure reason, notes, action and
   * intervention text, risk answers typed as text), files are detached (returned so they can be
   * removed from disk after commit), and the people on them are anonymised unless they are
   * still on another case that has not been anonymised, on an open referral, or held. Dates,
   * case type, status, outcome, risk level, area and organisations stay, so counts do not move.
   */
  async anonymiseCases(trx: Transaction<Database>, caseIds: string[]): Promise<{ storageKeys: string[]; people: number }> {
    const storageKeys: string[] = [];
    let people = 0;
    const now = new Date();
    for (const ids of chunks(caseIds)) {
      people += await this.#anonymisePeopleOfCases(trx, ids, caseIds);
      await trx.updateTable('cases').set({ summary: '', closure_reason: null, anonymised_at: now, updated_at: now, version: sql`version + 1` }).where('id', 'in', ids).execute();
      await trx.updateTable('case_notes').set({ body: '' }).where('case_id', 'in', ids).execute();
      await trx.updateTable('case_actions').set({ title: '', description: null }).where('case_id', 'in', ids).execute();
      await trx.updateTable('case_interventions').set({ notes: null }).where('case_id', 'in', ids).execute();
      await trx
        .updateTable('risk_assessment_answers')
        .set({ answer_text: null })
        .where('assessment_id', 'in', (eb) => eb.selectFrom('risk_assessments').select('id').where('case_id', 'in', ids))
        .execute();
      const removed = await trx.deleteFrom('case_attachments').where('case_id', 'in', ids).returning('storage_key').execute();
      storageKeys.push(...removed.map((row) => row.storage_key));
    }
    return { storageKeys, people };
  }

  /** Deletes anonymised cases that nothing else still points at; the rest stay anonymised. */
  async deleteCases(trx: Transaction<Database>, caseIds: string[]): Promise<number> {
    let deleted = 0;
    for (const ids of chunks(caseIds)) {
      const rows = await trx
        .deleteFrom('cases')
        .where('id', 'in', ids)
        .where(({ not, exists, selectFrom, or }) =>
          not(
            or([
              exists(selectFrom('referrals').select('id').where((eb) => eb.or([eb('referrals.case_id', '=', eb.ref('cases.id')), eb('referrals.accepted_case_id', '=', eb.ref('cases.id'))]))),
              exists(selectFrom('alerts').select('id').whereRef('alerts.case_id', '=', 'cases.id')),
              exists(selectFrom('meeting_case_flags').select('id').whereRef('meeting_case_flags.case_id', '=', 'cases.id')),
              exists(selectFrom('meeting_minutes').select('id').whereRef('meeting_minutes.case_id', '=', 'cases.id')),
            ]),
          ),
        )
        .returning('id')
        .execute();
      deleted += rows.length;
    }
    return deleted;
  }

  async #anonymisePeopleOfCases(trx: Transaction<Database>, ids: string[], allCaseIds: string[]): Promise<number> {
    const candidates = await trx
      .selectFrom('case_people as cp')
      .innerJoin('people', 'people.id', 'cp.person_id')
      .select('cp.person_id')
      .distinct()
      .where('cp.case_id', 'in', ids)
      .where('people.anonymised_at', 'is', null)
      .execute();
    const personIds: string[] = [];
    for (const { person_id: personId } of candidates) {
      const elsewhere = await trx
        .selectFrom('case_people as other')
        .innerJoin('cases', 'cases.id', 'other.case_id')
        .select('other.case_id')
        .where('other.person_id', '=', personId)
        .where('cases.anonymised_at', 'is', null)
        .execute();
      if (elsewhere.some((row) => !allCaseIds.includes(row.case_id))) continue;
      const openReferral = await trx
        .selectFrom('referrals')
        .select('id')
        .where('person_id', '=', personId)
        .where('status', 'not in', ['accepted', 'declined', 'withdrawn'])
        .executeTakeFirst();
      if (openReferral) continue;
      const held = await sql<{ held: boolean }>`select ${heldAs('person', sql`${personId}::uuid`)} as held`.execute(trx);
      if (held.rows[0]?.held) continue;
      personIds.push(personId);
    }
    if (personIds.length === 0) return 0;
    await this.anonymisePeople(trx, personIds);
    return personIds.length;
  }

  /** A person's name, date of birth, contact details and special category data go; other names and addresses with them. */
  async anonymisePeople(trx: Transaction<Database>, personIds: string[]): Promise<void> {
    const now = new Date();
    for (const ids of chunks(personIds)) {
      await trx
        .updateTable('people')
        .set({
          given_name: 'Anonymised',
          family_name: 'person',
          date_of_birth: null,
          phone: null,
          email: null,
          ethnicity: null,
          disability: null,
          religion: null,
          sexuality: null,
          preferred_language: null,
          anonymised_at: now,
          updated_at: now,
          version: sql`version + 1`,
        })
        .where('id', 'in', ids)
        .execute();
      await trx.deleteFrom('person_names').where('person_id', 'in', ids).execute();
      await trx.deleteFrom('person_addresses').where('person_id', 'in', ids).execute();
    }
  }

  /**
   * Incidents keep date, category, source, area, LSOA and coordinates; text and the people's
   * details as the source sent them go. The link to a OneRoof person and its role stay, so the
   * repeat-victim measure still counts them; the person record follows its own cases (ADR 0026).
   */
  async anonymiseIncidents(trx: Transaction<Database>, incidentIds: string[]): Promise<void> {
    const now = new Date();
    for (const ids of chunks(incidentIds)) {
      await trx.updateTable('incidents').set({ summary: null, address: null, anonymised_at: now }).where('id', 'in', ids).execute();
      await trx
        .updateTable('incident_people')
        .set({ given_name: null, family_name: null, date_of_birth: null, gender: null, address: null, postcode: null, phone: null, identifier_kind: null, identifier: null, match_weight: null })
        .where('incident_id', 'in', ids)
        .execute();
    }
  }

  async deleteIncidents(trx: Transaction<Database>, incidentIds: string[]): Promise<number> {
    let deleted = 0;
    for (const ids of chunks(incidentIds)) deleted += (await trx.deleteFrom('incidents').where('id', 'in', ids).returning('id').execute()).length;
    return deleted;
  }

  /** Alerts keep their rule, status, dates, facts and case link; who and where they were about goes. */
  async anonymiseAlerts(trx: Transaction<Database>, alertIds: string[]): Promise<void> {
    const now = new Date();
    for (const ids of chunks(alertIds)) {
      await trx
        .updateTable('alerts')
        .set({ person_id: null, location_label: null, dismiss_detail: null, subject_key: sql`'anonymised:' || id::text`, anonymised_at: now })
        .where('id', 'in', ids)
        .execute();
      await trx.deleteFrom('alert_people').where('alert_id', 'in', ids).execute();
    }
  }

  async deleteAlerts(trx: Transaction<Database>, alertIds: string[]): Promise<number> {
    let deleted = 0;
    for (const ids of chunks(alertIds)) deleted += (await trx.deleteFrom('alerts').where('id', 'in', ids).returning('id').execute()).length;
    return deleted;
  }

  /** Referrals keep organisations, pathway, urgency, status, bases and every date; the text goes. */
  async anonymiseReferrals(trx: Transaction<Database>, referralIds: string[]): Promise<void> {
    const now = new Date();
    for (const ids of chunks(referralIds)) {
      await trx
        .updateTable('referrals')
        .set({
          reason: '',
          requested: '',
          information_shared: '',
          lawful_basis_detail: null,
          consent_reason: sql`case when consent = 'given' then null else '-' end`,
          answers: sql`'{}'::jsonb`,
          decline_reason: null,
          more_info_request: null,
          withdrawal_reason: null,
          to_team: null,
          anonymised_at: now,
          updated_at: now,
          version: sql`version + 1`,
        })
        .where('id', 'in', ids)
        .execute();
      await trx.updateTable('referral_events').set({ details: sql`'{}'::jsonb` }).where('referral_id', 'in', ids).execute();
    }
  }

  async deleteReferrals(trx: Transaction<Database>, referralIds: string[]): Promise<number> {
    let deleted = 0;
    for (const ids of chunks(referralIds)) {
      await trx.updateTable('referrals').set({ redirected_from_id: null }).where('redirected_from_id', 'in', ids).execute();
      deleted += (await trx.deleteFrom('referrals').where('id', 'in', ids).returning('id').execute()).length;
    }
    return deleted;
  }

  async deleteAttachments(trx: Transaction<Database>, attachmentIds: string[]): Promise<string[]> {
    const keys: string[] = [];
    for (const ids of chunks(attachmentIds)) keys.push(...(await trx.deleteFrom('case_attachments').where('id', 'in', ids).returning('storage_key').execute()).map((row) => row.storage_key));
    return keys;
  }

  /**
   * Removes the audit events up to `throughSeq` after recording their anchor: the seq and hash of
   * the last one. The database allows the delete only at or before an anchor, and only in a
   * transaction that sets `oneroof.audit_retention` (0018).
   */
  async removeAuditPrefix(trx: Transaction<Database>, throughSeq: string, runId: string): Promise<{ anchorSeq: string; anchorHash: string; removed: number }> {
    const last = await trx.selectFrom('audit_events').select(['seq', 'hash', 'occurred_at']).where('seq', '=', throughSeq).executeTakeFirstOrThrow();
    const removable = await trx.selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n')).where('seq', '<=', throughSeq).executeTakeFirstOrThrow();
    await trx.insertInto('audit_chain_anchors').values({ seq: last.seq, hash: last.hash, removed_count: removable.n, removed_through: last.occurred_at, run_id: runId }).execute();
    await sql`select set_config('oneroof.audit_retention', 'on', true)`.execute(trx);
    const removed = await trx.deleteFrom('audit_events').where('seq', '<=', throughSeq).executeTakeFirst();
    await sql`select set_config('oneroof.audit_retention', 'off', true)`.execute(trx);
    return { anchorSeq: last.seq, anchorHash: last.hash, removed: Number(removed.numDeletedRows) };
  }
}

function toSample(row: CandidateRow): RetentionSampleRow {
  return { id: row.id, label: row.label, triggerAt: new Date(row.trigger_at).toISOString() };
}

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += CHUNK) result.push(items.slice(index, index + CHUNK));
  return result;
}
