import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface Clearance {
  role: string;
  sensitivity: string;
}

export class CaseSettingsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async clearances(executor: Executor = this.#db): Promise<Clearance[]> {
    return executor.selectFrom('sensitivity_clearances').select(['role', 'sensitivity']).orderBy('sensitivity').orderBy('role').execute();
  }

  async reviewIntervals(executor: Executor = this.#db): Promise<Record<string, number>> {
    const rows = await executor.selectFrom('review_intervals').select(['risk_level', 'days']).execute();
    return Object.fromEntries(rows.map((row) => [row.risk_level, row.days]));
  }

  /** Replaces the clearances of the given roles; other roles' rows are left as they are. */
  async replaceClearances(trx: Transaction<Database>, roles: readonly string[], clearances: Clearance[]): Promise<void> {
    await trx.deleteFrom('sensitivity_clearances').where('role', 'in', [...roles]).execute();
    if (clearances.length > 0) await trx.insertInto('sensitivity_clearances').values(clearances).execute();
  }

  async saveReviewIntervals(trx: Transaction<Database>, intervals: Record<string, number>): Promise<void> {
    for (const [riskLevel, days] of Object.entries(intervals)) {
      await trx
        .insertInto('review_intervals')
        .values({ risk_level: riskLevel, days })
        .onConflict((conflict) => conflict.column('risk_level').doUpdateSet({ days }))
        .execute();
    }
  }
}
