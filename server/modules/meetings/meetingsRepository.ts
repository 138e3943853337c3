import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, MeetingRow, MeetingSeriesRow } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface AgendaItem {
  id: string;
  case_id: string;
  reason: string;
  flagged_at: Date;
  flagged_by_organisation: string | null;
  discussed_meeting_id: string | null;
  reference: string;
  case_type: string;
  summary: string;
  status: string;
  risk_level: string | null;
  lead_organisation_name: string;
  risk_instrument: string | null;
  risk_score: number | null;
  risk_band: string | null;
  risk_completed_at: Date | null;
  overdue_actions: number;
  minutes: number;
}

/** The only SQL of meetings: series, members, occurrences, flags, attendance and minutes. */
export class MeetingsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Series the organisation is a member of, each with its next meeting on or after today. */
  async seriesFor(organisationId: string, today: string) {
    return this.#db
      .selectFrom('meeting_series as s')
      .innerJoin('meeting_series_members as m', (join) => join.onRef('m.series_id', '=', 's.id').on('m.organisation_id', '=', organisationId))
      .select(['s.id', 's.name', 's.kind', 's.every_weeks', 's.first_date', 's.start_time', 's.location'])
      .select((eb) => [
        eb.selectFrom('meetings as next').select('next.id').whereRef('next.series_id', '=', 's.id').where('next.held_on', '>=', today).where('next.status', '!=', 'cancelled').orderBy('next.held_on').limit(1).as('next_meeting_id'),
        eb.selectFrom('meetings as next').select('next.held_on').whereRef('next.series_id', '=', 's.id').where('next.held_on', '>=', today).where('next.status', '!=', 'cancelled').orderBy('next.held_on').limit(1).as('next_held_on'),
      ])
      .orderBy('s.name')
      .execute();
  }

  async series(seriesId: string, executor: Executor = this.#db): Promise<MeetingSeriesRow | undefined> {
    if (!isUuid(seriesId)) return undefined;
    return executor.selectFrom('meeting_series').selectAll().where('id', '=', seriesId).executeTakeFirst();
  }

  async isMember(executor: Executor, seriesId: string, organisationId: string): Promise<boolean> {
    const row = await executor.selectFrom('meeting_series_members').select('series_id').where('series_id', '=', seriesId).where('organisation_id', '=', organisationId).executeTakeFirst();
    return Boolean(row);
  }

  async members(executor: Executor, seriesId: string) {
    return executor
      .selectFrom('meeting_series_members as m')
      .innerJoin('organisations as o', 'o.id', 'm.organisation_id')
      .select(['o.id', 'o.name'])
      .where('m.series_id', '=', seriesId)
      .orderBy('o.name')
      .execute();
  }

  async meetingsOf(executor: Executor, seriesId: string) {
    return executor.selectFrom('meetings').selectAll().where('series_id', '=', seriesId).orderBy('held_on').execute();
  }

  async insertSeries(trx: Transaction<Database>, series: Omit<MeetingSeriesRow, 'id' | 'created_at'>, members: string[]): Promise<MeetingSeriesRow> {
    const row = await trx.insertInto('meeting_series').values(series).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('meeting_series_members').values(members.map((organisation_id) => ({ series_id: row.id, organisation_id }))).execute();
    return row;
  }

  /** Adds the occurrences that do not exist yet; returns how many were new. */
  async insertMeetings(trx: Transaction<Database>, seriesId: string, occurrences: { heldOn: string; startsAt: Date }[]): Promise<number> {
    if (occurrences.length === 0) return 0;
    const inserted = await trx
      .insertInto('meetings')
      .values(occurrences.map((occurrence) => ({ series_id: seriesId, held_on: occurrence.heldOn, starts_at: occurrence.startsAt })))
      .onConflict((conflict) => conflict.columns(['series_id', 'held_on']).doNothing())
      .returning('id')
      .execute();
    return inserted.length;
  }

  async meeting(meetingId: string, executor: Executor = this.#db): Promise<(MeetingRow & { series_name: string; purpose: string; confidentiality_statement: string; location: string | null }) | undefined> {
    if (!isUuid(meetingId)) return undefined;
    return executor
      .selectFrom('meetings as m')
      .innerJoin('meeting_series as s', 's.id', 'm.series_id')
      .selectAll('m')
      .select(['s.name as series_name', 's.purpose', 's.confidentiality_statement', 's.location'])
      .where('m.id', '=', meetingId)
      .executeTakeFirst();
  }

  async openFlag(executor: Executor, seriesId: string, caseId: string) {
    return executor.selectFrom('meeting_case_flags').select('id').where('series_id', '=', seriesId).where('case_id', '=', caseId).where('discussed_meeting_id', 'is', null).executeTakeFirst();
  }

  async insertFlag(trx: Transaction<Database>, flag: { series_id: string; case_id: string; reason: string; flagged_by: string; flagged_by_organisation_id: string }) {
    return trx.insertInto('meeting_case_flags').values(flag).returning('id').executeTakeFirstOrThrow();
  }

  /** The series a case is waiting to be discussed at, for the case's meetings page. */
  async openFlagsForCase(executor: Executor, caseId: string) {
    return executor
      .selectFrom('meeting_case_flags as f')
      .innerJoin('meeting_series as s', 's.id', 'f.series_id')
      .select(['f.id', 'f.reason', 'f.flagged_at', 's.name as series_name', 's.id as series_id'])
      .where('f.case_id', '=', caseId)
      .where('f.discussed_meeting_id', 'is', null)
      .orderBy('f.flagged_at')
      .execute();
  }

  async minutesForCase(executor: Executor, caseId: string) {
    return executor
      .selectFrom('meeting_minutes as mm')
      .innerJoin('meetings as m', 'm.id', 'mm.meeting_id')
      .innerJoin('meeting_series as s', 's.id', 'm.series_id')
      .select(['mm.id', 'mm.written_at', 'm.held_on', 's.name as series_name', 'm.id as meeting_id'])
      .where('mm.case_id', '=', caseId)
      .orderBy('mm.written_at', 'desc')
      .execute();
  }

  /** The agenda item (a flag of the meeting's series that is open or was discussed at this meeting). */
  async item(executor: Executor, meeting: { id: string; series_id: string }, itemId: string) {
    if (!isUuid(itemId)) return undefined;
    return executor
      .selectFrom('meeting_case_flags')
      .selectAll()
      .where('id', '=', itemId)
      .where('series_id', '=', meeting.series_id)
      .where((eb) => eb.or([eb('discussed_meeting_id', 'is', null), eb('discussed_meeting_id', '=', meeting.id)]))
      .executeTakeFirst();
  }

  /**
   * The agenda: every case flagged for the series and not yet discussed at an earlier meeting,
   * with its newest risk assessment and count of overdue actions, split into the items the
   * organisation may see (need-to-know, without break-glass) and a count of the rest.
   */
  async agenda(executor: Executor, meeting: { id: string; series_id: string }, viewer: CaseViewer, today: string): Promise<{ items: AgendaItem[]; hidden: number }> {
    const base = executor
      .selectFrom('meeting_case_flags as f')
      .innerJoin('cases', 'cases.id', 'f.case_id')
      .where('f.series_id', '=', meeting.series_id)
      .where((eb) => eb.or([eb('f.discussed_meeting_id', 'is', null), eb('f.discussed_meeting_id', '=', meeting.id)]));
    const [items, total] = await Promise.all([
      base
        .innerJoin('organisations as lead', 'lead.id', 'cases.lead_organisation_id')
        .leftJoin('organisations as flagger', 'flagger.id', 'f.flagged_by_organisation_id')
        .leftJoinLateral(
          (eb) => eb.selectFrom('risk_assessments as r').select(['r.instrument_code', 'r.score', 'r.band', 'r.completed_at']).whereRef('r.case_id', '=', 'cases.id').orderBy('r.completed_at', 'desc').limit(1).as('risk'),
          (join) => join.onTrue(),
        )
        .where(visibleTo(viewer, { throughBreakGlass: false }))
        .select([
          'f.id', 'f.case_id', 'f.reason', 'f.flagged_at', 'flagger.name as flagged_by_organisation', 'f.discussed_meeting_id',
          'cases.reference', 'cases.case_type', 'cases.summary', 'cases.status', 'cases.risk_level', 'lead.name as lead_organisation_name',
          'risk.instrument_code as risk_instrument', 'risk.score as risk_score', 'risk.band as risk_band', 'risk.completed_at as risk_completed_at',
        ])
        .select((eb) => [
          eb.selectFrom('case_actions as a').select(eb.fn.countAll<string>().as('n')).whereRef('a.case_id', '=', 'cases.id').where('a.due_date', '<', today).where('a.status', 'in', ['open', 'in_progress']).as('overdue_actions'),
          eb.selectFrom('meeting_minutes as mm').select(eb.fn.countAll<string>().as('n')).whereRef('mm.case_id', '=', 'cases.id').where('mm.meeting_id', '=', meeting.id).as('minutes'),
        ])
        .orderBy('f.flagged_at')
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const visible = items.map((item) => ({ ...item, overdue_actions: Number(item.overdue_actions ?? 0), minutes: Number(item.minutes ?? 0) }));
    return { items: visible, hidden: Number(total.n) - visible.length };
  }

  async attendees(executor: Executor, meetingId: string) {
    return executor
      .selectFrom('meeting_attendees as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
      .select(['u.name', 'o.name as organisation', 'a.confidentiality_accepted_at', 'a.user_id'])
      .where('a.meeting_id', '=', meetingId)
      .orderBy('o.name')
      .orderBy('u.name')
      .execute();
  }

  async hasAccepted(executor: Executor, meetingId: string, userId: string): Promise<boolean> {
    const row = await executor.selectFrom('meeting_attendees').select('user_id').where('meeting_id', '=', meetingId).where('user_id', '=', userId).executeTakeFirst();
    return Boolean(row);
  }

  async accept(trx: Transaction<Database>, meetingId: string, userId: string, organisationId: string): Promise<boolean> {
    const inserted = await trx
      .insertInto('meeting_attendees')
      .values({ meeting_id: meetingId, user_id: userId, organisation_id: organisationId })
      .onConflict((conflict) => conflict.columns(['meeting_id', 'user_id']).doNothing())
      .returning('user_id')
      .execute();
    return inserted.length > 0;
  }

  async recordMinutes(trx: Transaction<Database>, minutes: { meetingId: string; caseId: string; noteId: string; actionId: string | null; userId: string; flagId: string }) {
    await trx
      .insertInto('meeting_minutes')
      .values({ meeting_id: minutes.meetingId, case_id: minutes.caseId, note_id: minutes.noteId, action_id: minutes.actionId, written_by: minutes.userId })
      .execute();
    await trx.updateTable('meeting_case_flags').set({ discussed_meeting_id: minutes.meetingId }).where('id', '=', minutes.flagId).where('discussed_meeting_id', 'is', null).execute();
    await trx.updateTable('meetings').set({ status: 'held' }).where('id', '=', minutes.meetingId).where('status', '=', 'scheduled').execute();
  }

  async activeOrganisations() {
    return this.#db.selectFrom('organisations').select(['id', 'name']).where('active', '=', true).orderBy('name').execute();
  }

  /** The series the organisation belongs to, for flagging a case. */
  async seriesOfOrganisation(executor: Executor, organisationId: string) {
    return executor
      .selectFrom('meeting_series as s')
      .innerJoin('meeting_series_members as m', 'm.series_id', 's.id')
      .select(['s.id', 's.name'])
      .where('m.organisation_id', '=', organisationId)
      .orderBy('s.name')
      .execute();
  }

  async latestMeetingDate(executor: Executor, seriesId: string): Promise<string | undefined> {
    const row = await executor.selectFrom('meetings').select(sql<string>`max(held_on)::text`.as('latest')).where('series_id', '=', seriesId).executeTakeFirst();
    return row?.latest ?? undefined;
  }
}
