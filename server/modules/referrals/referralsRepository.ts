import { type Insertable, type Kysely, type RawBuilder, sql, type Transaction, type Updateable } from 'kysely';
import type { Database, ReferralPathwayRow, ReferralRow, ReferralsTable } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { REMINDER_FRACTION } from './referralDeadlines.ts';
import { openReferralStatuses, type ReferralStatus } from './referralsSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type NewReferral = Omit<Insertable<ReferralsTable>, 'id' | 'reference' | 'version' | 'status' | 'updated_at'>;
export type ReferralChanges = Updateable<Omit<ReferralsTable, 'id' | 'version' | 'reference'>>;

export interface ReferralEvent {
  kind: string;
  actorUserId: string | null;
  actorOrganisationId: string | null;
  details?: Record<string, unknown>;
}

export interface ReferralSummary extends ReferralRow {
  from_organisation_name: string;
  to_organisation_name: string;
  from_user_name: string | null;
  pathway_code: string | null;
  pathway_name: string | null;
  person_given_name: string | null;
  person_family_name: string | null;
  case_reference: string | null;
}

/** One kind of deadline the scan looks after. */
export type DeadlineStage = 'acknowledge' | 'decide';

/** A referral the scan has just reminded or escalated, as the e-mail to its organisation lists it. */
export interface ScannedReferral {
  reference: string;
  stage: DeadlineStage;
  due_at: Date;
}

/** What one step of a scan marked: how many per clock, and per receiving organisation its total and first few. */
export interface ScanMarked {
  counts: Record<DeadlineStage, number>;
  byOrganisation: Map<string, { total: number; first: ScannedReferral[] }>;
}

/** How many referrals an escalation e-mail names; the rest are counted. */
export const LISTED_IN_EMAIL = 50;

/** The statuses in which each stage's clock is running. */
const RUNNING: Record<DeadlineStage, readonly ReferralStatus[]> = {
  acknowledge: ['received'],
  decide: ['received', 'acknowledged'],
};

// Any constant will do; it only has to be the same in every process that scans.
export const SCAN_LOCK_KEY = 741_852_964;

/**
 * Above this many referrals of one organisation in one scan (a backlog, or the scheduler coming
 * back after being down), its staff get one notification saying how many instead of one each.
 */
export const DIGEST_ABOVE = 20;

/** Roles in a receiving organisation that work its inbox, and those that answer for it. */
export const INBOX_ROLES = ['case_worker', 'case_manager'] as const;
export const ESCALATION_ROLES = ['case_manager'] as const;

/** The only SQL for referrals, their pathways, their events and the deadline scan. */
export class ReferralsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async pathways(executor: Executor = this.#db): Promise<ReferralPathwayRow[]> {
    return executor.selectFrom('referral_pathways').selectAll().where('active', '=', true).orderBy('sort_order').orderBy('name').execute();
  }

  /** Every pathway, active or not, with the organisation it goes to: the administrators' list. */
  async allPathways() {
    return this.#db
      .selectFrom('referral_pathways')
      .leftJoin('organisations', 'organisations.id', 'referral_pathways.to_organisation_id')
      .selectAll('referral_pathways')
      .select('organisations.name as to_organisation_name')
      .orderBy('referral_pathways.sort_order')
      .orderBy('referral_pathways.name')
      .execute();
  }

  async pathwayById(id: string, executor: Executor = this.#db): Promise<ReferralPathwayRow | undefined> {
    if (!isUuid(id)) return undefined;
    return executor.selectFrom('referral_pathways').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async updatePathway(trx: Transaction<Database>, id: string, changes: Updateable<Database['referral_pathways']>): Promise<void> {
    await trx.updateTable('referral_pathways').set({ ...changes, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async insertPathway(trx: Transaction<Database>, pathway: Insertable<Database['referral_pathways']>): Promise<ReferralPathwayRow> {
    return trx.insertInto('referral_pathways').values(pathway).returningAll().executeTakeFirstOrThrow();
  }

  /** Whether another pathway already has this name, whatever its capitals. */
  async pathwayNameTaken(trx: Transaction<Database>, name: string, exceptId: string | null): Promise<boolean> {
    let query = trx.selectFrom('referral_pathways').select('id').where(sql<string>`lower(name)`, '=', name.toLowerCase());
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** `base`, or `base_2`, `base_3`… whichever no pathway has yet. */
  async freeCode(trx: Transaction<Database>, base: string): Promise<string> {
    const taken = new Set((await trx.selectFrom('referral_pathways').select('code').where('code', 'like', `${base}%`).execute()).map((row) => row.code));
    let code = base;
    for (let n = 2; taken.has(code); n += 1) code = `${base}_${n}`;
    return code;
  }

  async nextPathwaySortOrder(trx: Transaction<Database>): Promise<number> {
    const row = await trx.selectFrom('referral_pathways').select((eb) => eb.fn.max('sort_order').as('top')).executeTakeFirst();
    return Number(row?.top ?? 0) + 10;
  }

  async activeOrganisations(type?: string | null) {
    let query = this.#db.selectFrom('organisations').select(['id', 'name', 'type']).where('active', '=', true);
    if (type) query = query.where('type', '=', type);
    return query.orderBy('name').execute();
  }

  async pathwayByCode(code: string, executor: Executor = this.#db): Promise<ReferralPathwayRow | undefined> {
    return executor.selectFrom('referral_pathways').selectAll().where('code', '=', code).where('active', '=', true).executeTakeFirst();
  }

  /** Organisations a referral may go to: active, not the sender, of the pathway's choosing. */
  async destinations(fromOrganisationId: string, pathway?: ReferralPathwayRow | null, executor: Executor = this.#db) {
    let query = executor.selectFrom('organisations').select(['id', 'name', 'type']).where('active', '=', true).where('id', '<>', fromOrganisationId);
    if (pathway?.to_organisation_id) query = query.where('id', '=', pathway.to_organisation_id);
    else if (pathway?.to_organisation_type) query = query.where('type', '=', pathway.to_organisation_type);
    return query.orderBy('name').execute();
  }

  /** What decides the purpose a referral shares under: its pathway's code and its case's type. */
  async sharingBasis(executor: Executor, referral: { pathway_id: string | null; case_id: string | null }): Promise<{ pathwayCode: string | null; caseType: string | null }> {
    const pathway = referral.pathway_id ? await executor.selectFrom('referral_pathways').select('code').where('id', '=', referral.pathway_id).executeTakeFirst() : undefined;
    const kase = referral.case_id ? await executor.selectFrom('cases').select('case_type').where('id', '=', referral.case_id).executeTakeFirst() : undefined;
    return { pathwayCode: pathway?.code ?? null, caseType: kase?.case_type ?? null };
  }

  async organisation(id: string, executor: Executor = this.#db) {
    if (!isUuid(id)) return undefined;
    return executor.selectFrom('organisations').select(['id', 'name', 'type', 'active']).where('id', '=', id).executeTakeFirst();
  }

  async insert(trx: Transaction<Database>, referral: NewReferral): Promise<ReferralRow> {
    const year = new Date().getUTCFullYear();
    const counter = await trx
      .insertInto('case_reference_counters')
      .values({ prefix: 'REF', year, last_number: 1 })
      .onConflict((conflict) => conflict.columns(['prefix', 'year']).doUpdateSet({ last_number: sql`case_reference_counters.last_number + 1` }))
      .returning('last_number')
      .executeTakeFirstOrThrow();
    const reference = `REF-${year}-${String(counter.last_number).padStart(6, '0')}`;
    return trx.insertInto('referrals').values({ ...referral, reference }).returningAll().executeTakeFirstOrThrow();
  }

  /** A referral the organisation sent or received, with names for display; any other is undefined. */
  async findForOrganisation(referralId: string, organisationId: string, executor: Executor = this.#db): Promise<ReferralSummary | undefined> {
    if (!isUuid(referralId)) return undefined;
    return this.#summaries(executor)
      .where('referrals.id', '=', referralId)
      .where((eb) => eb.or([eb('referrals.from_organisation_id', '=', organisationId), eb('referrals.to_organisation_id', '=', organisationId)]))
      .executeTakeFirst();
  }

  /** The referral as stored, locked until the transaction ends: two decisions queue here, one at a time. */
  async lockForOrganisation(trx: Transaction<Database>, referralId: string, organisationId: string): Promise<ReferralRow | undefined> {
    if (!isUuid(referralId)) return undefined;
    return trx
      .selectFrom('referrals')
      .selectAll()
      .where('id', '=', referralId)
      .where((eb) => eb.or([eb('from_organisation_id', '=', organisationId), eb('to_organisation_id', '=', organisationId)]))
      .forUpdate()
      .executeTakeFirst();
  }

  /** Saves only if the referral is still at `expectedVersion`; undefined means someone else moved first. */
  async update(trx: Transaction<Database>, referralId: string, expectedVersion: number, changes: ReferralChanges): Promise<ReferralRow | undefined> {
    return trx
      .updateTable('referrals')
      .set({ ...changes, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', referralId)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  }

  async recordEvent(trx: Transaction<Database>, referralId: string, event: ReferralEvent): Promise<void> {
    await trx
      .insertInto('referral_events')
      .values({
        referral_id: referralId,
        kind: event.kind,
        actor_user_id: event.actorUserId,
        actor_organisation_id: event.actorOrganisationId,
        details: JSON.stringify(event.details ?? {}),
      })
      .execute();
  }

  async events(referralId: string, executor: Executor = this.#db) {
    return executor
      .selectFrom('referral_events')
      .leftJoin('users', 'users.id', 'referral_events.actor_user_id')
      .leftJoin('organisations', 'organisations.id', 'referral_events.actor_organisation_id')
      .select(['referral_events.id', 'referral_events.kind', 'referral_events.occurred_at', 'referral_events.details', 'users.name as actor_name', 'organisations.name as actor_organisation_name'])
      .where('referral_events.referral_id', '=', referralId)
      .orderBy('referral_events.occurred_at')
      .orderBy('referral_events.id')
      .execute();
  }

  /** Referrals received (`to`) or sent (`from`) by an organisation, newest first. */
  async listFor(direction: 'to' | 'from', organisationId: string, status: string, page: { limit: number; offset: number }) {
    const column = direction === 'to' ? 'referrals.to_organisation_id' : 'referrals.from_organisation_id';
    // The page's rows are picked from the referrals table alone (an index walk, newest first) and
    // only those are joined to their names; the count never joins at all.
    let picked = this.#db.selectFrom('referrals').where(column, '=', organisationId);
    if (status === 'open') picked = picked.where('referrals.status', 'in', openReferralStatuses);
    else if (status !== 'all') picked = picked.where('referrals.status', '=', status);
    const [total, ids] = await Promise.all([
      picked.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
      picked.select('referrals.id').orderBy('referrals.created_at', 'desc').orderBy('referrals.id').limit(page.limit).offset(page.offset).execute(),
    ]);
    const rows = ids.length === 0 ? [] : await this.#summaries(this.#db).where('referrals.id', 'in', ids.map((row) => row.id)).orderBy('referrals.created_at', 'desc').orderBy('referrals.id').execute();
    return { rows, total: Number(total.count) };
  }

  /** How many referrals wait for the organisation's answer: the count beside "Referrals" in the header. */
  async openCount(organisationId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('referrals')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('to_organisation_id', '=', organisationId)
      .where('status', 'in', ['received', 'acknowledged'])
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async forCase(caseId: string, executor: Executor = this.#db) {
    return this.#summaries(executor).where('referrals.case_id', '=', caseId).orderBy('referrals.created_at', 'desc').execute();
  }

  /** Active users of an organisation in the given roles, to tell them something. */
  async staffOf(executor: Executor, organisationId: string, roles: readonly string[]) {
    return executor
      .selectFrom('users')
      .select(['id', 'email', 'name', 'locale'])
      .where('organisation_id', '=', organisationId)
      .where('disabled', '=', false)
      .where('role', 'in', roles)
      .orderBy('name')
      .execute();
  }

  async notify(executor: Executor, notifications: { userId: string; kind: string; referralId: string; caseId?: string | null; details: Record<string, unknown> }[]): Promise<void> {
    if (notifications.length === 0) return;
    await executor
      .insertInto('notifications')
      .values(notifications.map((n) => ({ user_id: n.userId, kind: n.kind, referral_id: n.referralId, case_id: n.caseId ?? null, details: JSON.stringify(n.details) })))
      .execute();
  }

  /**
   * Marks, in one statement, every referral whose acknowledgement or decision deadline has passed
   * (`breach`) or whose reminder time has come (`remind`) — a referral late on both clocks is
   * updated once — and in the same statement records the events and notifies the receiving
   * organisation's staff in-app (one per referral, or one summary per person and clock when the
   * organisation has more than DIGEST_ABOVE in this scan). Only rows not already marked are
   * touched, so a second scan at the same moment (or in a second process) finds nothing to do.
   * Returns how many were marked per clock and, per organisation, its total and the earliest due
   * (for the e-mail), not every row: a backlog can be a hundred thousand.
   */
  async markDue(trx: Transaction<Database>, step: 'remind' | 'breach', now: Date): Promise<ScanMarked> {
    const clock = (stage: DeadlineStage) => {
      const due = sql.ref(`${stage}_due_at`);
      const reminded = sql.ref(`${stage}_reminded_at`);
      const breached = sql.ref(`${stage}_breached_at`);
      const running = sql`status in (${sql.join(RUNNING[stage].map((status) => sql.lit(status)))}) and ${breached} is null`;
      const isDue =
        step === 'breach'
          ? sql`(${running} and ${due} <= ${now})`
          : sql`(${running} and ${reminded} is null and created_at + (${due} - created_at) * ${sql.lit(REMINDER_FRACTION)} <= ${now} and ${due} > ${now})`;
      // `flag` is the column of the "due" CTE saying whether this clock is due on the row.
      const set = (flag: RawBuilder<unknown>) =>
        step === 'breach'
          ? sql`${breached} = case when ${flag} then ${now} else ${breached} end, ${reminded} = case when ${flag} then coalesce(${reminded}, ${now}) else ${reminded} end`
          : sql`${reminded} = case when ${flag} then ${now} else ${reminded} end`;
      return { isDue, set };
    };
    const acknowledge = clock('acknowledge');
    const decide = clock('decide');
    const suffix = step === 'breach' ? 'breached' : 'reminder';
    const roles = sql.join((step === 'breach' ? ESCALATION_ROLES : INBOX_ROLES).map((role) => sql.lit(role)));
    const result = await sql<{ to_organisation_id: string; stage: DeadlineStage; count: number | null; reference: string | null; due_at: Date | null }>`
      with due as (
        select id, ${acknowledge.isDue} as acknowledge, ${decide.isDue} as decide
        from referrals
        where ${acknowledge.isDue} or ${decide.isDue}
        for update
      ), marked as (
        update referrals set ${acknowledge.set(sql`due.acknowledge`)}, ${decide.set(sql`due.decide`)}
        from due where referrals.id = due.id
        returning referrals.id, referrals.reference, referrals.to_organisation_id,
          due.acknowledge, referrals.acknowledge_due_at, due.decide, referrals.decide_due_at
      ), staged as (
        select id, reference, to_organisation_id, 'acknowledge' as stage, acknowledge_due_at as due_at from marked where acknowledge
        union all
        select id, reference, to_organisation_id, 'decide' as stage, decide_due_at as due_at from marked where decide
      ), logged as (
        insert into referral_events (referral_id, kind, details)
        select id, 'referral_' || stage || ${`_${suffix}`}, jsonb_build_object('dueAt', due_at) from staged
      ), per_organisation as (
        select to_organisation_id, stage, count(*) as n from staged group by to_organisation_id, stage
      ), told as (
        insert into notifications (user_id, kind, referral_id, details)
        select users.id, 'referral_' || staged.stage || ${`_${suffix}`}, staged.id, jsonb_build_object('reference', staged.reference, 'dueAt', staged.due_at)
        from staged
        join per_organisation on per_organisation.to_organisation_id = staged.to_organisation_id and per_organisation.stage = staged.stage
        join users on users.organisation_id = staged.to_organisation_id
        where per_organisation.n <= ${sql.lit(DIGEST_ABOVE)} and users.disabled = false and users.role in (${roles})
      ), summarised as (
        insert into notifications (user_id, kind, details)
        select users.id, 'referral_' || per_organisation.stage || ${`_${suffix}_digest`}, jsonb_build_object('count', per_organisation.n)
        from per_organisation join users on users.organisation_id = per_organisation.to_organisation_id
        where per_organisation.n > ${sql.lit(DIGEST_ABOVE)} and users.disabled = false and users.role in (${roles})
      ), earliest as (
        select to_organisation_id, reference, stage, due_at from (
          select to_organisation_id, reference, stage, due_at, row_number() over (partition by to_organisation_id order by due_at, reference) as position
          from staged) numbered
        where position <= ${sql.lit(LISTED_IN_EMAIL)}
      )
      select per_organisation.to_organisation_id, per_organisation.stage, per_organisation.n::integer as count, null as reference, null as due_at from per_organisation
      union all
      select earliest.to_organisation_id, earliest.stage, null, earliest.reference, earliest.due_at from earliest
      order by due_at nulls first, reference`.execute(trx);
    const marked: ScanMarked = { counts: { acknowledge: 0, decide: 0 }, byOrganisation: new Map() };
    const organisation = (id: string) => {
      const found = marked.byOrganisation.get(id) ?? { total: 0, first: [] };
      marked.byOrganisation.set(id, found);
      return found;
    };
    for (const row of result.rows) {
      if (row.count !== null) {
        marked.counts[row.stage] += row.count;
        organisation(row.to_organisation_id).total += row.count;
      } else {
        organisation(row.to_organisation_id).first.push({ reference: row.reference!, stage: row.stage, due_at: row.due_at! });
      }
    }
    return marked;
  }

  /** Held until the transaction ends; false when another process's scan holds it. */
  async tryScanLock(trx: Transaction<Database>): Promise<boolean> {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SCAN_LOCK_KEY}) as locked`.execute(trx);
    return rows[0]?.locked === true;
  }

  async queueEmail(trx: Transaction<Database>, email: { organisationId: string; to: string; subject: string; body: string }): Promise<void> {
    await trx.insertInto('email_outbox').values({ organisation_id: email.organisationId, to_address: email.to, subject: email.subject, body_text: email.body }).execute();
  }

  /** Staff to hear of a scan's results, per organisation, in one query. */
  async staffOfMany(executor: Executor, organisationIds: string[], roles: readonly string[]) {
    if (organisationIds.length === 0) return [];
    return executor
      .selectFrom('users')
      .select(['id', 'email', 'name', 'locale', 'organisation_id'])
      .where('organisation_id', 'in', organisationIds)
      .where('disabled', '=', false)
      .where('role', 'in', roles)
      .execute();
  }

  /** The partnership dashboard: per receiving organisation and pathway, the figures and decline reasons. */
  async dashboard(now: Date) {
    const open = sql.join(openReferralStatuses.map((status) => sql.lit(status)));
    const figures = await sql<{
      organisation_id: string;
      organisation_name: string;
      pathway_name: string | null;
      open: string;
      overdue: string;
      breached: string;
      accepted: string;
      declined: string;
    }>`
      select o.id as organisation_id, o.name as organisation_name, p.name as pathway_name,
        count(*) filter (where r.status in (${open})) as open,
        count(*) filter (where r.status in ('received', 'acknowledged') and (
          (r.status = 'received' and r.acknowledge_due_at <= ${now}) or r.decide_due_at <= ${now})) as overdue,
        count(*) filter (where r.status in (${open}) and (r.acknowledge_breached_at is not null or r.decide_breached_at is not null)) as breached,
        count(*) filter (where r.status = 'accepted') as accepted,
        count(*) filter (where r.status = 'declined') as declined
      from referrals r
      join organisations o on o.id = r.to_organisation_id
      left join referral_pathways p on p.id = r.pathway_id
      group by o.id, o.name, p.name
      order by o.name, p.name nulls last`.execute(this.#db);
    const declines = await sql<{ decline_code: string; count: string }>`
      select decline_code, count(*) as count from referrals where status = 'declined' group by decline_code order by count(*) desc, decline_code`.execute(this.#db);
    return { figures: figures.rows, declines: declines.rows };
  }

  /** Accepted referrals' send and decision times, for the average working time to accept. */
  async acceptedTimes(organisationId?: string) {
    let query = this.#db
      .selectFrom('referrals')
      .innerJoin('organisations', 'organisations.id', 'referrals.to_organisation_id')
      .leftJoin('referral_pathways', 'referral_pathways.id', 'referrals.pathway_id')
      .select(['referrals.to_organisation_id', 'organisations.name as organisation_name', 'referral_pathways.name as pathway_name', 'referrals.created_at', 'referrals.decided_at'])
      .where('referrals.status', '=', 'accepted')
      .where('referrals.decided_at', 'is not', null)
      .orderBy('referrals.decided_at', 'desc')
      .limit(5000);
    if (organisationId) query = query.where('referrals.to_organisation_id', '=', organisationId);
    return query.execute();
  }

  #summaries(executor: Executor) {
    return executor
      .selectFrom('referrals')
      .innerJoin('organisations as sender', 'sender.id', 'referrals.from_organisation_id')
      .innerJoin('organisations as receiver', 'receiver.id', 'referrals.to_organisation_id')
      .leftJoin('users as referrer', 'referrer.id', 'referrals.from_user_id')
      .leftJoin('referral_pathways as pathway', 'pathway.id', 'referrals.pathway_id')
      .leftJoin('people as subject', 'subject.id', 'referrals.person_id')
      .leftJoin('cases as referred_case', 'referred_case.id', 'referrals.case_id')
      .selectAll('referrals')
      .select([
        'sender.name as from_organisation_name',
        'receiver.name as to_organisation_name',
        'referrer.name as from_user_name',
        'pathway.code as pathway_code',
        'pathway.name as pathway_name',
        'subject.given_name as person_given_name',
        'subject.family_name as person_family_name',
        'referred_case.reference as case_reference',
      ]);
  }
}
