import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type { Database, ProblemAssessmentsTable, ProblemEvidenceTable, ProblemRow, ProblemsTable } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';
import type { AssessmentCounts, Circle } from './assessment.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type NewProblem = Omit<Insertable<ProblemsTable>, 'id' | 'stage' | 'version' | 'created_at' | 'updated_at'>;
export type ProblemChanges = Omit<Updateable<ProblemsTable>, 'id' | 'reference' | 'version' | 'created_at' | 'updated_at'>;

export interface ListFilters {
  stage?: string | undefined;
  ownerUserId?: string | undefined;
}

export interface CountingAreas {
  target: Circle;
  comparison: Circle;
  bufferWidthMetres: number;
}

/** Great-circle distance in metres from a point, as SQL over the incident's coordinates. */
function distanceFrom(latitude: number, longitude: number) {
  return sql<number>`6371008.8 * 2 * asin(least(1, sqrt(
    power(sin(radians(incidents.latitude - ${latitude}) / 2), 2)
    + cos(radians(${latitude})) * cos(radians(incidents.latitude)) * power(sin(radians(incidents.longitude - ${longitude}) / 2), 2))))`;
}

/** The only SQL for problems, their evidence, linked cases, responses and assessments. */
export class ProblemsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The next reference of a year, e.g. PRB-2026-0001, from the shared reference counters. */
  async nextReference(trx: Transaction<Database>, year: number): Promise<string> {
    const row = await trx
      .insertInto('case_reference_counters')
      .values({ prefix: 'PRB', year, last_number: 1 })
      .onConflict((conflict) => conflict.columns(['prefix', 'year']).doUpdateSet({ last_number: sql`case_reference_counters.last_number + 1` }))
      .returning('last_number')
      .executeTakeFirstOrThrow();
    return `PRB-${year}-${String(row.last_number).padStart(4, '0')}`;
  }

  async insertProblem(trx: Transaction<Database>, problem: NewProblem): Promise<ProblemRow> {
    return trx.insertInto('problems').values(problem).returningAll().executeTakeFirstOrThrow();
  }

  async findProblem(executor: Executor, problemId: string) {
    if (!isUuid(problemId)) return undefined;
    return executor
      .selectFrom('problems as problem')
      .innerJoin('organisations as lead', 'lead.id', 'problem.lead_organisation_id')
      .leftJoin('users as owner', 'owner.id', 'problem.owner_user_id')
      .selectAll('problem')
      .select(['lead.name as lead_organisation_name', 'owner.name as owner_name'])
      .where('problem.id', '=', problemId)
      .executeTakeFirst();
  }

  async lockProblem(trx: Transaction<Database>, problemId: string): Promise<ProblemRow | undefined> {
    if (!isUuid(problemId)) return undefined;
    return trx.selectFrom('problems').selectAll().where('id', '=', problemId).forUpdate().executeTakeFirst();
  }

  async updateProblem(trx: Transaction<Database>, problemId: string, changes: ProblemChanges): Promise<ProblemRow> {
    return trx
      .updateTable('problems')
      .set({ ...changes, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', problemId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async list(filters: ListFilters) {
    let query = this.#db
      .selectFrom('problems as problem')
      .innerJoin('organisations as lead', 'lead.id', 'problem.lead_organisation_id')
      .leftJoin('users as owner', 'owner.id', 'problem.owner_user_id')
      .select(['problem.id', 'problem.reference', 'problem.title', 'problem.stage', 'problem.updated_at', 'lead.name as lead_organisation_name', 'owner.name as owner_name']);
    if (filters.stage) query = query.where('problem.stage', '=', filters.stage as ProblemRow['stage']);
    if (filters.ownerUserId) query = query.where('problem.owner_user_id', '=', filters.ownerUserId);
    return query.orderBy('problem.updated_at', 'desc').limit(500).execute();
  }

  async recordEvent(trx: Transaction<Database>, event: { problemId: string; kind: string; fromStage?: string; toStage?: string; reason?: string | null; userId: string }) {
    await trx
      .insertInto('problem_events')
      .values({ problem_id: event.problemId, kind: event.kind, from_stage: event.fromStage ?? null, to_stage: event.toStage ?? null, reason: event.reason ?? null, user_id: event.userId })
      .execute();
  }

  async events(executor: Executor, problemId: string) {
    return executor
      .selectFrom('problem_events')
      .leftJoin('users', 'users.id', 'problem_events.user_id')
      .selectAll('problem_events')
      .select('users.name as user_name')
      .where('problem_id', '=', problemId)
      .orderBy('problem_events.created_at', 'desc')
      .limit(50)
      .execute();
  }

  async evidence(executor: Executor, problemId: string) {
    return executor
      .selectFrom('problem_evidence')
      .leftJoin('saved_analyses', 'saved_analyses.id', 'problem_evidence.saved_analysis_id')
      .selectAll('problem_evidence')
      .select(['saved_analyses.name as saved_analysis_name', 'saved_analyses.kind as saved_analysis_kind'])
      .where('problem_id', '=', problemId)
      .orderBy('problem_evidence.created_at')
      .execute();
  }

  async insertEvidence(trx: Transaction<Database>, evidence: Omit<Insertable<ProblemEvidenceTable>, 'id' | 'created_at'>) {
    return trx.insertInto('problem_evidence').values(evidence).returningAll().executeTakeFirstOrThrow();
  }

  async savedAnalysis(executor: Executor, id: string) {
    if (!isUuid(id)) return undefined;
    return executor.selectFrom('saved_analyses').select(['id', 'name', 'kind']).where('id', '=', id).executeTakeFirst();
  }

  /** Linked cases the viewer may see; the others are left out, uncounted. */
  async visibleLinkedCases(executor: Executor, problemId: string, viewer: CaseViewer) {
    return executor
      .selectFrom('problem_cases')
      .innerJoin('cases', 'cases.id', 'problem_cases.case_id')
      .select(['cases.id', 'cases.reference', 'cases.summary', 'cases.status'])
      .where('problem_cases.problem_id', '=', problemId)
      .where(visibleTo(viewer))
      .orderBy('cases.reference')
      .execute();
  }

  async visibleCaseByReference(executor: Executor, reference: string, viewer: CaseViewer) {
    return executor.selectFrom('cases').select(['cases.id', 'cases.reference']).where('cases.reference', '=', reference).where(visibleTo(viewer)).executeTakeFirst();
  }

  /** True when the link is new. */
  async linkCase(trx: Transaction<Database>, problemId: string, caseId: string, userId: string): Promise<boolean> {
    const inserted = await trx
      .insertInto('problem_cases')
      .values({ problem_id: problemId, case_id: caseId, linked_by: userId })
      .onConflict((conflict) => conflict.doNothing())
      .returning('case_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  /** A problem's responses (case actions that belong to it) with their owners' names. */
  async responses(executor: Executor, problemId: string) {
    return this.#responsesWithNames(executor)
      .where('case_actions.problem_id', '=', problemId)
      .orderBy(sql`case_actions.due_date asc nulls last`)
      .orderBy('case_actions.created_at')
      .execute();
  }

  async response(executor: Executor, problemId: string, responseId: string) {
    if (!isUuid(responseId)) return undefined;
    return this.#responsesWithNames(executor).where('case_actions.problem_id', '=', problemId).where('case_actions.id', '=', responseId).executeTakeFirst();
  }

  async lockResponse(trx: Transaction<Database>, problemId: string, responseId: string) {
    if (!isUuid(responseId)) return undefined;
    return trx.selectFrom('case_actions').selectAll().where('id', '=', responseId).where('problem_id', '=', problemId).forUpdate().executeTakeFirst();
  }

  async countResponses(executor: Executor, problemId: string): Promise<number> {
    const row = await executor.selectFrom('case_actions').select((eb) => eb.fn.countAll<string>().as('count')).where('problem_id', '=', problemId).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Responses an organisation owns, on every problem: its share of the partnership's problem-solving. */
  async responsesOwnedBy(organisationId: string) {
    return this.#db
      .selectFrom('case_actions')
      .innerJoin('problems as problem', 'problem.id', 'case_actions.problem_id')
      .leftJoin('users as owner', 'owner.id', 'case_actions.owner_user_id')
      .select([
        'case_actions.id', 'case_actions.title', 'case_actions.status', 'case_actions.due_date', 'case_actions.problem_id',
        'problem.reference as problem_reference', 'problem.title as problem_title', 'owner.name as owner_user_name',
      ])
      .where('case_actions.owner_organisation_id', '=', organisationId)
      .orderBy(sql`case_actions.due_date asc nulls last`)
      .orderBy('problem.reference')
      .limit(500)
      .execute();
  }

  #responsesWithNames(executor: Executor) {
    return executor
      .selectFrom('case_actions')
      .innerJoin('organisations as owner_organisation', 'owner_organisation.id', 'case_actions.owner_organisation_id')
      .leftJoin('users as owner', 'owner.id', 'case_actions.owner_user_id')
      .selectAll('case_actions')
      .select(['owner_organisation.name as owner_organisation_name', 'owner.name as owner_user_name']);
  }

  async activeOrganisations(executor: Executor = this.#db) {
    return executor.selectFrom('organisations').select(['id', 'name']).where('active', '=', true).orderBy('name').execute();
  }

  /** People who may own a problem: enabled users whose role manages problems. */
  async possibleOwners(executor: Executor = this.#db) {
    return executor
      .selectFrom('users')
      .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
      .select(['users.id', 'users.name', 'organisations.name as organisation_name'])
      .where('users.disabled', '=', false)
      .where('users.role', 'in', ['analyst', 'case_manager', 'partnership_admin'])
      .orderBy('users.name')
      .execute();
  }

  async categories(executor: Executor = this.#db) {
    return executor.selectFrom('incident_categories').select(['code', 'name', 'name_translated']).where('active', '=', true).orderBy('sort_order').execute();
  }

  async assessments(executor: Executor, problemId: string) {
    return executor
      .selectFrom('problem_assessments')
      .leftJoin('users', 'users.id', 'problem_assessments.recorded_by')
      .selectAll('problem_assessments')
      .select('users.name as recorded_by_name')
      .where('problem_id', '=', problemId)
      .orderBy('problem_assessments.created_at', 'desc')
      .execute();
  }

  async insertAssessment(trx: Transaction<Database>, assessment: Omit<Insertable<ProblemAssessmentsTable>, 'id' | 'created_at'>) {
    return trx.insertInto('problem_assessments').values(assessment).returningAll().executeTakeFirstOrThrow();
  }

  /**
   * Incidents of the categories (all when none are chosen) in the target circle, the comparison
   * circle and the buffer ring around the target, in each period (London days, both included).
   */
  async countIncidents(executor: Executor, areas: CountingAreas, categories: readonly string[], before: { from: Date; to: Date }, after: { from: Date; to: Date }): Promise<AssessmentCounts> {
    const { target, comparison, bufferWidthMetres } = areas;
    const toTarget = distanceFrom(target.latitude, target.longitude);
    const toComparison = distanceFrom(comparison.latitude, comparison.longitude);
    const outer = target.radiusMetres + bufferWidthMetres;
    const result = await sql<{ target_before: string; target_after: string; comparison_before: string; comparison_after: string; buffer_before: string; buffer_after: string }>`
      with scoped as (
        select incidents.occurred_at >= ${after.from} as is_after, ${toTarget} as to_target, ${toComparison} as to_comparison
        from incidents
        where incidents.latitude is not null
          and ((incidents.occurred_at >= ${before.from} and incidents.occurred_at < ${before.to})
            or (incidents.occurred_at >= ${after.from} and incidents.occurred_at < ${after.to}))
          and (${categories.length === 0} or incidents.category_code = any(${sql.val([...categories])}::text[]))
      )
      select
        count(*) filter (where not is_after and to_target <= ${target.radiusMetres}) as target_before,
        count(*) filter (where is_after and to_target <= ${target.radiusMetres}) as target_after,
        count(*) filter (where not is_after and to_comparison <= ${comparison.radiusMetres}) as comparison_before,
        count(*) filter (where is_after and to_comparison <= ${comparison.radiusMetres}) as comparison_after,
        count(*) filter (where not is_after and to_target > ${target.radiusMetres} and to_target <= ${outer}) as buffer_before,
        count(*) filter (where is_after and to_target > ${target.radiusMetres} and to_target <= ${outer}) as buffer_after
      from scoped`.execute(executor);
    const row = result.rows[0]!;
    return {
      target: { before: Number(row.target_before), after: Number(row.target_after) },
      comparison: { before: Number(row.comparison_before), after: Number(row.comparison_after) },
      buffer: { before: Number(row.buffer_before), after: Number(row.buffer_after) },
    };
  }

  /** Incident points near the target (for the map snapshot), newest first, at most `limit`. */
  async incidentPoints(executor: Executor, centre: { latitude: number; longitude: number }, withinMetres: number, categories: readonly string[], since: Date, limit = 2000) {
    const toCentre = distanceFrom(centre.latitude, centre.longitude);
    const result = await sql<{ latitude: number; longitude: number }>`
      select incidents.latitude, incidents.longitude from incidents
      where incidents.latitude is not null and incidents.occurred_at >= ${since}
        and (${categories.length === 0} or incidents.category_code = any(${sql.val([...categories])}::text[]))
        and ${toCentre} <= ${withinMetres}
      order by incidents.occurred_at desc
      limit ${limit}`.execute(executor);
    return result.rows;
  }
}
