import { type Kysely, sql, type Transaction } from 'kysely';
import type { CaseRow, Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type CaseViewer, visibleTo } from './caseAccess.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface NewCase {
  caseType: string;
  priority: string;
  summary: string;
  area: string | null;
  leadOrganisationId: string;
  leadOfficerId: string | null;
  createdBy: string;
}

export interface CaseSummary extends CaseRow {
  case_type_name: string;
  case_type_name_translated: boolean;
  lead_organisation_name: string;
  lead_officer_name: string | null;
}

export interface CaseListFilters {
  view: 'mine' | 'organisation';
  status?: string | undefined;
  caseType?: string | undefined;
  priority?: string | undefined;
  includeClosed?: boolean | undefined;
  sort: 'reference' | 'opened' | 'priority' | 'review';
  direction: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface CaseEvent {
  kind: string;
  actorUserId: string | null;
  actorOrganisationId: string | null;
  noteId?: string | null;
  details?: Record<string, unknown>;
}

export class CasesRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The next reference for a prefix and year, e.g. ASB-2026-000123, counted atomically. */
  async nextReference(trx: Transaction<Database>, prefix: string, year: number): Promise<string> {
    const row = await trx
      .insertInto('case_reference_counters')
      .values({ prefix, year, last_number: 1 })
      .onConflict((conflict) => conflict.columns(['prefix', 'year']).doUpdateSet({ last_number: sql`case_reference_counters.last_number + 1` }))
      .returning('last_number')
      .executeTakeFirstOrThrow();
    return `${prefix}-${year}-${String(row.last_number).padStart(6, '0')}`;
  }

  /** The types offered for new cases. */
  async caseTypes(executor: Executor = this.#db) {
    return executor.selectFrom('case_types').selectAll().where('active', '=', true).orderBy('sort_order').execute();
  }

  /**
   * The type a new case is opened as, if it is still offered, held (FOR SHARE) until the case is
   * saved: an administrator changing its prefix or withdrawing it waits, then sees the new case.
   */
  async offeredTypeForNewCase(trx: Transaction<Database>, code: string) {
    return trx.selectFrom('case_types').selectAll().where('code', '=', code).where('active', '=', true).forShare().executeTakeFirst();
  }

  /** Every type, including those no longer offered, which existing cases keep (for filters and a case's own type). */
  async allCaseTypes(executor: Executor = this.#db) {
    return executor.selectFrom('case_types').selectAll().orderBy('sort_order').orderBy('name').execute();
  }

  async insert(trx: Transaction<Database>, reference: string, input: NewCase): Promise<CaseRow> {
    return trx
      .insertInto('cases')
      .values({
        reference,
        case_type: input.caseType,
        priority: input.priority,
        summary: input.summary,
        area: input.area,
        lead_organisation_id: input.leadOrganisationId,
        lead_officer_id: input.leadOfficerId,
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** One case with its names for display, if the viewer may see it. */
  async findVisible(caseId: string, viewer: CaseViewer, executor: Executor = this.#db): Promise<CaseSummary | undefined> {
    if (!isUuid(caseId)) return undefined;
    return this.#summaries(executor).where('cases.id', '=', caseId).where(visibleTo(viewer)).executeTakeFirst();
  }

  async findByReference(reference: string, executor: Executor = this.#db): Promise<CaseRow | undefined> {
    return executor.selectFrom('cases').selectAll().where('reference', '=', reference.trim().toUpperCase()).executeTakeFirst();
  }

  async findVisibleByReference(reference: string, viewer: CaseViewer): Promise<CaseRow | undefined> {
    return this.#db.selectFrom('cases').selectAll().where('reference', '=', reference.trim().toUpperCase()).where(visibleTo(viewer)).executeTakeFirst();
  }

  /** Saves only if the case is still at `expectedVersion`; undefined means someone saved first. */
  async update(trx: Transaction<Database>, caseId: string, expectedVersion: number, changes: Partial<Omit<CaseRow, 'id' | 'version'>>): Promise<CaseRow | undefined> {
    return trx
      .updateTable('cases')
      .set({ ...changes, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', caseId)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  }

  /** Changes made by the system (risk, reviews) that must not collide with a person's edit. */
  async setRisk(trx: Transaction<Database>, caseId: string, changes: { risk_level: string; next_review_due: string; priority?: string }): Promise<void> {
    await trx.updateTable('cases').set({ ...changes, updated_at: new Date() }).where('id', '=', caseId).execute();
  }

  async list(viewer: CaseViewer, filters: CaseListFilters): Promise<{ cases: CaseSummary[]; total: number }> {
    let query = this.#summaries(this.#db).where(visibleTo(viewer));
    if (filters.view === 'mine') query = query.where('cases.lead_officer_id', '=', viewer.userId);
    if (filters.status) query = query.where('cases.status', '=', filters.status);
    else if (!filters.includeClosed) query = query.where('cases.status', '<>', 'closed');
    if (filters.caseType) query = query.where('cases.case_type', '=', filters.caseType);
    if (filters.priority) query = query.where('cases.priority', '=', filters.priority);
    const total = await query.clearSelect().select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    const order = filters.direction;
    const sorted =
      filters.sort === 'reference'
        ? query.orderBy('cases.reference', order)
        : filters.sort === 'priority'
          ? query.orderBy(sql`array_position(array['low','medium','high','urgent'], cases.priority)`, order).orderBy('cases.opened_at', 'desc')
          : filters.sort === 'review'
            ? query.orderBy(sql`cases.next_review_due ${sql.raw(order)} nulls last`).orderBy('cases.reference')
            : query.orderBy('cases.opened_at', order).orderBy('cases.reference', order);
    const cases = await sorted.limit(filters.limit).offset(filters.offset).execute();
    return { cases, total: Number(total.count) };
  }

  /** Open cases the viewer can see whose review date has come or comes within `withinDays`. */
  async dueForReview(viewer: CaseViewer, onOrBefore: string): Promise<CaseSummary[]> {
    return this.#summaries(this.#db)
      .where(visibleTo(viewer))
      .where('cases.status', '<>', 'closed')
      .where('cases.next_review_due', '<=', onOrBefore)
      .orderBy('cases.next_review_due')
      .limit(500)
      .execute();
  }

  async participants(caseId: string, executor: Executor = this.#db) {
    return executor
      .selectFrom('case_participants')
      .innerJoin('organisations', 'organisations.id', 'case_participants.organisation_id')
      .select(['organisations.id', 'organisations.name', 'organisations.type', 'case_participants.added_at'])
      .where('case_participants.case_id', '=', caseId)
      .orderBy('organisations.name')
      .execute();
  }

  async addParticipant(trx: Transaction<Database>, caseId: string, organisationId: string, addedBy: string): Promise<boolean> {
    const result = await trx
      .insertInto('case_participants')
      .values({ case_id: caseId, organisation_id: organisationId, added_by: addedBy })
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async removeParticipant(trx: Transaction<Database>, caseId: string, organisationId: string): Promise<boolean> {
    const result = await trx.deleteFrom('case_participants').where('case_id', '=', caseId).where('organisation_id', '=', organisationId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async linkPerson(trx: Transaction<Database>, caseId: string, personId: string, role: string): Promise<boolean> {
    const result = await trx.insertInto('case_people').values({ case_id: caseId, person_id: personId, role }).onConflict((conflict) => conflict.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async unlinkPerson(trx: Transaction<Database>, caseId: string, personId: string, role: string): Promise<boolean> {
    const result = await trx.deleteFrom('case_people').where('case_id', '=', caseId).where('person_id', '=', personId).where('role', '=', role).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async linkLocation(trx: Transaction<Database>, caseId: string, locationId: string): Promise<void> {
    await trx.insertInto('case_locations').values({ case_id: caseId, location_id: locationId }).onConflict((conflict) => conflict.doNothing()).execute();
  }

  async linkCases(trx: Transaction<Database>, caseId: string, linkedCaseId: string): Promise<void> {
    await trx
      .insertInto('case_links')
      .values([
        { case_id: caseId, linked_case_id: linkedCaseId },
        { case_id: linkedCaseId, linked_case_id: caseId },
      ])
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }

  /** Linked cases the viewer can see; links to cases they cannot see are not shown at all. */
  async linkedCases(caseId: string, viewer: CaseViewer) {
    return this.#db
      .selectFrom('case_links')
      .innerJoin('cases', 'cases.id', 'case_links.linked_case_id')
      .innerJoin('case_types', 'case_types.code', 'cases.case_type')
      .select(['cases.id', 'cases.reference', 'cases.case_type', 'case_types.name as case_type_name', 'case_types.name_translated as case_type_name_translated', 'cases.status', 'cases.summary'])
      .where('case_links.case_id', '=', caseId)
      .where(visibleTo(viewer))
      .orderBy('cases.reference')
      .execute();
  }

  async recordEvent(trx: Transaction<Database>, caseId: string, event: CaseEvent): Promise<void> {
    await trx
      .insertInto('case_events')
      .values({
        case_id: caseId,
        kind: event.kind,
        actor_user_id: event.actorUserId,
        actor_organisation_id: event.actorOrganisationId,
        note_id: event.noteId ?? null,
        details: JSON.stringify(event.details ?? {}),
      })
      .execute();
  }

  /** What the overview shows at a glance. */
  async glance(caseId: string, today: string) {
    const row = await this.#db
      .selectFrom('cases')
      .select((eb) => [
        eb.selectFrom('case_people').select(eb.fn.countAll<string>().as('n')).whereRef('case_people.case_id', '=', 'cases.id').as('people'),
        eb
          .selectFrom('case_actions')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('case_actions.case_id', '=', 'cases.id')
          .where('case_actions.status', 'in', ['open', 'in_progress'])
          .as('open_actions'),
        eb
          .selectFrom('case_actions')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('case_actions.case_id', '=', 'cases.id')
          .where('case_actions.status', 'in', ['open', 'in_progress'])
          .where('case_actions.due_date', '<', today)
          .as('overdue_actions'),
        eb
          .selectFrom('risk_assessments')
          .select('risk_assessments.band')
          .whereRef('risk_assessments.case_id', '=', 'cases.id')
          .orderBy('risk_assessments.completed_at', 'desc')
          .limit(1)
          .as('latest_band'),
      ])
      .where('cases.id', '=', caseId)
      .executeTakeFirstOrThrow();
    return {
      people: Number(row.people ?? 0),
      openActions: Number(row.open_actions ?? 0),
      overdueActions: Number(row.overdue_actions ?? 0),
      latestBand: row.latest_band,
    };
  }

  #summaries(executor: Executor) {
    return executor
      .selectFrom('cases')
      .innerJoin('case_types', 'case_types.code', 'cases.case_type')
      .innerJoin('organisations as lead', 'lead.id', 'cases.lead_organisation_id')
      .leftJoin('users as officer', 'officer.id', 'cases.lead_officer_id')
      .selectAll('cases')
      .select(['case_types.name as case_type_name', 'case_types.name_translated as case_type_name_translated', 'lead.name as lead_organisation_name', 'officer.name as lead_officer_name']);
  }
}
