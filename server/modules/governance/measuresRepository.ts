import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

/** A figure OneRoof counts from its own records, with what it was counted from (for suppression). */
export interface LiveFigure {
  value: number | null;
  numerator: number;
  denominator: number | null;
}

const percentOf = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : Math.round((1000 * numerator) / denominator) / 10);

/** The only SQL for measures: OneRoof's own figures for a period, manual quarterly figures, the population. */
export class MeasuresRepository {
  /** Referrals whose decision fell due in the period (and is due by now), and how many were decided by then; withdrawn ones are left out. */
  async referralDeadlineCompliance(db: Db, from: Date, to: Date, now: Date): Promise<LiveFigure> {
    const row = await db
      .selectFrom('referrals')
      .select([sql<string>`count(*)`.as('due'), sql<string>`count(*) filter (where decided_at is not null and decided_at <= decide_due_at)`.as('inTime')])
      .where('decide_due_at', '>=', from)
      .where('decide_due_at', '<', to)
      .where('decide_due_at', '<=', now)
      .where('status', '<>', 'withdrawn')
      .executeTakeFirstOrThrow();
    const due = Number(row.due);
    const inTime = Number(row.inTime);
    return { value: percentOf(inTime, due), numerator: inTime, denominator: due };
  }

  /** ASB Case Reviews carried out (outcome sent) in the period. */
  async caseReviewOutcomes(db: Db, from: Date, to: Date): Promise<LiveFigure> {
    const row = await db
      .selectFrom('case_review_applications')
      .select(sql<string>`count(*)`.as('held'))
      .where('outcome_sent_at', '>=', from)
      .where('outcome_sent_at', '<', to)
      .executeTakeFirstOrThrow();
    const held = Number(row.held);
    return { value: held, numerator: held, denominator: null };
  }

  /** Incidents in the ASB harm group in the period, per 1,000 residents (no figure without a population). */
  async asbIncidentsPer1000(db: Db, from: Date, to: Date, population: number | null): Promise<LiveFigure> {
    const row = await db
      .selectFrom('incidents')
      .innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code')
      .select(sql<string>`count(*)`.as('n'))
      .where('incident_categories.harm_group', '=', 'asb')
      .where('incidents.occurred_at', '>=', from)
      .where('incidents.occurred_at', '<', to)
      .executeTakeFirstOrThrow();
    const count = Number(row.n);
    return { value: population ? Math.round((count * 1000 * 100) / population) / 100 : null, numerator: count, denominator: population };
  }

  /** Of the people linked as victims of incidents in the period, the share who were victims of two or more of them. */
  async repeatVictimRate(db: Db, from: Date, to: Date): Promise<LiveFigure> {
    const perVictim = db
      .selectFrom('incident_people')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .select(['incident_people.person_id', sql<string>`count(distinct incident_people.incident_id)`.as('incidents')])
      .where('incident_people.role', '=', 'victim')
      .where('incident_people.person_id', 'is not', null)
      .where('incidents.occurred_at', '>=', from)
      .where('incidents.occurred_at', '<', to)
      .groupBy('incident_people.person_id')
      .as('per_victim');
    const row = await db
      .selectFrom(perVictim)
      .select([sql<string>`count(*)`.as('victims'), sql<string>`count(*) filter (where per_victim.incidents >= 2)`.as('repeats')])
      .executeTakeFirstOrThrow();
    const victims = Number(row.victims);
    const repeats = Number(row.repeats);
    return { value: percentOf(repeats, victims), numerator: repeats, denominator: victims };
  }

  async manualFigures(db: Db, codes: string[]) {
    if (codes.length === 0) return [];
    return db.selectFrom('measure_figures').selectAll().where('measure_code', 'in', codes).orderBy('quarter').execute();
  }

  async saveManualFigure(db: Db, row: { code: string; quarter: string; value: number; note: string | null; userId: string; userName: string }) {
    return db
      .insertInto('measure_figures')
      .values({ measure_code: row.code, quarter: row.quarter, value: row.value, note: row.note, entered_by: row.userId, entered_by_name: row.userName })
      .onConflict((conflict) =>
        conflict.columns(['measure_code', 'quarter']).doUpdateSet({ value: row.value, note: row.note, entered_by: row.userId, entered_by_name: row.userName, entered_at: new Date() }),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  async population(db: Db): Promise<number | null> {
    const row = await db.selectFrom('governance_settings').select('population').where('id', '=', 1).executeTakeFirst();
    return row?.population ?? null;
  }

  async savePopulation(db: Db, population: number) {
    await db.updateTable('governance_settings').set({ population, updated_at: new Date() }).where('id', '=', 1).execute();
  }
}
