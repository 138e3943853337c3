import type { Kysely, Transaction } from 'kysely';
import type { Database, SavedAnalysisKind } from '../../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface SavedAnalysisRow {
  id: string;
  kind: SavedAnalysisKind;
  name: string;
  parameters: Record<string, string | string[]>;
  owner_user_id: string;
  owner_name: string;
  organisation_id: string;
  last_run_summary: Record<string, number | string> | null;
  last_run_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The SQL of saved analyses and near-repeat runs. */
export class SavedAnalysesRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  #saved(executor: Executor) {
    return executor
      .selectFrom('saved_analyses')
      .innerJoin('users', 'users.id', 'saved_analyses.owner_user_id')
      .select([
        'saved_analyses.id', 'saved_analyses.kind', 'saved_analyses.name', 'saved_analyses.parameters', 'saved_analyses.owner_user_id',
        'users.name as owner_name', 'saved_analyses.organisation_id', 'saved_analyses.last_run_summary', 'saved_analyses.last_run_at',
        'saved_analyses.created_at', 'saved_analyses.updated_at',
      ]);
  }

  async forOrganisation(organisationId: string): Promise<SavedAnalysisRow[]> {
    const rows = await this.#saved(this.#db).where('saved_analyses.organisation_id', '=', organisationId).orderBy('saved_analyses.updated_at', 'desc').limit(500).execute();
    return rows as SavedAnalysisRow[];
  }

  async find(id: string, organisationId: string): Promise<SavedAnalysisRow | undefined> {
    const row = await this.#saved(this.#db).where('saved_analyses.id', '=', id).where('saved_analyses.organisation_id', '=', organisationId).executeTakeFirst();
    return row as SavedAnalysisRow | undefined;
  }

  async insert(trx: Executor, values: { kind: SavedAnalysisKind; name: string; parameters: Record<string, string | string[]>; ownerUserId: string; organisationId: string; lastRunSummary: Record<string, number | string> | null }) {
    return trx
      .insertInto('saved_analyses')
      .values({
        kind: values.kind,
        name: values.name,
        parameters: JSON.stringify(values.parameters),
        owner_user_id: values.ownerUserId,
        organisation_id: values.organisationId,
        last_run_summary: values.lastRunSummary ? JSON.stringify(values.lastRunSummary) : null,
        last_run_at: values.lastRunSummary ? new Date() : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  async recordRun(id: string, summary: Record<string, number | string>): Promise<void> {
    await this.#db
      .updateTable('saved_analyses')
      .set({ last_run_summary: JSON.stringify(summary), last_run_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async delete(trx: Executor, id: string): Promise<void> {
    await trx.updateTable('analysis_runs').set({ saved_analysis_id: null }).where('saved_analysis_id', '=', id).execute();
    await trx.deleteFrom('saved_analyses').where('id', '=', id).execute();
  }

  async insertRun(values: { parameters: unknown; startedBy: string; savedAnalysisId: string | null }): Promise<string> {
    const row = await this.#db
      .insertInto('analysis_runs')
      .values({ kind: 'near_repeat', parameters: JSON.stringify(values.parameters), started_by: values.startedBy, saved_analysis_id: values.savedAnalysisId })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async finishRun(id: string, outcome: { result: unknown } | { failure: string }): Promise<void> {
    await this.#db
      .updateTable('analysis_runs')
      .set('result' in outcome ? { status: 'finished', result: JSON.stringify(outcome.result), finished_at: new Date() } : { status: 'failed', failure: outcome.failure, finished_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async findRun(id: string, startedBy: string) {
    return this.#db.selectFrom('analysis_runs').selectAll().where('id', '=', id).where('started_by', '=', startedBy).executeTakeFirst();
  }
}
