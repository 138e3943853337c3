import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

/** The only SQL behind the public page: counts, never a row about a person. */
export class TransparencyRepository {
  /** Incidents in the period by area (as the source recorded it) and harm group. */
  async incidentCounts(db: Db, from: Date, to: Date) {
    const rows = await db
      .selectFrom('incidents')
      .innerJoin('incident_categories', 'incident_categories.code', 'incidents.category_code')
      .select([sql<string>`coalesce(nullif(btrim(incidents.area), ''), '')`.as('area'), 'incident_categories.harm_group', sql<string>`count(*)`.as('n')])
      .where('incidents.occurred_at', '>=', from)
      .where('incidents.occurred_at', '<', to)
      .groupBy([sql`1`, 'incident_categories.harm_group'])
      .execute();
    return rows.map((row) => ({ area: row.area, harmGroup: row.harm_group, count: Number(row.n) }));
  }

  /** Reviews carried out in the period (outcome sent) that made at least one recommendation. */
  async reviewsWithRecommendations(db: Db, from: Date, to: Date): Promise<number> {
    const row = await db
      .selectFrom('case_review_applications')
      .select(sql<string>`count(*)`.as('n'))
      .where('outcome_sent_at', '>=', from)
      .where('outcome_sent_at', '<', to)
      .where((eb) => eb.exists(eb.selectFrom('case_review_recommendations').select('id').whereRef('case_review_recommendations.application_id', '=', 'case_review_applications.id')))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async partnershipName(db: Db): Promise<string | null> {
    const row = await db.selectFrom('partnership').select('name').executeTakeFirst();
    return row?.name ?? null;
  }
}
