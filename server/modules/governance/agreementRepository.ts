import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Db = Kysely<Database>;

export interface NewMeasure {
  code: string;
  title: string;
  unit: Database['agreement_measures']['unit'];
  source: Database['agreement_measures']['source'];
  baseline: number;
  target: number;
  dueOn: string;
  direction: Database['agreement_measures']['direction'];
}

/** The only SQL for the Community Safety Agreement: versions, priorities, commitments, measures, signatures. */
export class AgreementRepository {
  async published(db: Db) {
    return db.selectFrom('agreement_versions').selectAll().where('status', '=', 'published').executeTakeFirst();
  }

  async draft(db: Db) {
    return db.selectFrom('agreement_versions').selectAll().where('status', '=', 'draft').executeTakeFirst();
  }

  async version(db: Db, versionId: string) {
    if (!isUuid(versionId)) return undefined;
    return db.selectFrom('agreement_versions').selectAll().where('id', '=', versionId).executeTakeFirst();
  }

  /** Locks a version, so that signing and publishing are served one at a time. */
  async lockVersion(db: Db, versionId: string) {
    if (!isUuid(versionId)) return undefined;
    return db.selectFrom('agreement_versions').selectAll().where('id', '=', versionId).forUpdate().executeTakeFirst();
  }

  async lockDraft(db: Db) {
    return db.selectFrom('agreement_versions').selectAll().where('status', '=', 'draft').forUpdate().executeTakeFirst();
  }

  async lockPublished(db: Db) {
    return db.selectFrom('agreement_versions').selectAll().where('status', '=', 'published').forUpdate().executeTakeFirst();
  }

  async versions(db: Db) {
    return db
      .selectFrom('agreement_versions')
      .select(['id', 'version_number', 'status', 'title', 'published_at', 'created_at'])
      .select((eb) => eb.selectFrom('agreement_signatures').select(sql<string>`count(*)`.as('n')).whereRef('agreement_signatures.version_id', '=', 'agreement_versions.id').as('signatures'))
      .orderBy('version_number', 'desc')
      .execute();
  }

  async priorities(db: Db, versionId: string) {
    return db.selectFrom('agreement_priorities').selectAll().where('version_id', '=', versionId).orderBy('sort_order').orderBy('title').execute();
  }

  async commitments(db: Db, versionId: string) {
    return db
      .selectFrom('agreement_commitments')
      .innerJoin('agreement_priorities', 'agreement_priorities.id', 'agreement_commitments.priority_id')
      .innerJoin('organisations', 'organisations.id', 'agreement_commitments.organisation_id')
      .select(['agreement_commitments.id', 'agreement_commitments.priority_id', 'agreement_commitments.commitment', 'agreement_commitments.organisation_id', 'organisations.name as organisation_name'])
      .where('agreement_priorities.version_id', '=', versionId)
      .orderBy('agreement_commitments.sort_order')
      .orderBy('organisations.name')
      .execute();
  }

  async measures(db: Db, versionId: string) {
    return db
      .selectFrom('agreement_measures')
      .innerJoin('agreement_priorities', 'agreement_priorities.id', 'agreement_measures.priority_id')
      .selectAll('agreement_measures')
      .where('agreement_priorities.version_id', '=', versionId)
      .orderBy('agreement_measures.sort_order')
      .orderBy('agreement_measures.title')
      .execute();
  }

  async signatures(db: Db, versionId: string) {
    return db
      .selectFrom('agreement_signatures')
      .innerJoin('organisations', 'organisations.id', 'agreement_signatures.organisation_id')
      .select(['agreement_signatures.organisation_id', 'organisations.name as organisation_name', 'agreement_signatures.signed_by_name', 'agreement_signatures.job_title', 'agreement_signatures.signed_at'])
      .where('agreement_signatures.version_id', '=', versionId)
      .orderBy('agreement_signatures.signed_at')
      .execute();
  }

  async activeOrganisations(db: Db) {
    return db.selectFrom('organisations').select(['id', 'name', 'contact_email']).where('active', '=', true).orderBy('name').execute();
  }

  async insertSignature(db: Db, row: { versionId: string; organisationId: string; userId: string; name: string; jobTitle: string }) {
    return db
      .insertInto('agreement_signatures')
      .values({ version_id: row.versionId, organisation_id: row.organisationId, signed_by: row.userId, signed_by_name: row.name, job_title: row.jobTitle })
      .onConflict((conflict) => conflict.columns(['version_id', 'organisation_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  async nextVersionNumber(db: Db): Promise<number> {
    const row = await db.selectFrom('agreement_versions').select(sql<number>`coalesce(max(version_number), 0) + 1`.as('next')).executeTakeFirstOrThrow();
    return Number(row.next);
  }

  /** A new draft holding a copy of `from` (its priorities, commitments and measures), or an empty one. */
  async createDraftFrom(db: Db, from: { id: string; title: string; vision: string; starts_on: string; ends_on: string }, userId: string) {
    const draft = await db
      .insertInto('agreement_versions')
      .values({ version_number: await this.nextVersionNumber(db), title: from.title, vision: from.vision, starts_on: from.starts_on, ends_on: from.ends_on, created_by: userId })
      .returningAll()
      .executeTakeFirstOrThrow();
    const priorities = await this.priorities(db, from.id);
    for (const priority of priorities) {
      const copy = await db
        .insertInto('agreement_priorities')
        .values({ version_id: draft.id, code: priority.code, title: priority.title, description: priority.description, sort_order: priority.sort_order })
        .returning('id')
        .executeTakeFirstOrThrow();
      await sql`insert into agreement_commitments (priority_id, organisation_id, commitment, sort_order)
        select ${copy.id}, organisation_id, commitment, sort_order from agreement_commitments where priority_id = ${priority.id}`.execute(db);
      await sql`insert into agreement_measures (priority_id, code, title, unit, source, baseline, target, due_on, direction, sort_order)
        select ${copy.id}, code, title, unit, source, baseline, target, due_on, direction, sort_order from agreement_measures where priority_id = ${priority.id}`.execute(db);
    }
    return draft;
  }

  async updateDraft(db: Db, draftId: string, values: { title: string; vision: string; startsOn: string; endsOn: string }) {
    await db
      .updateTable('agreement_versions')
      .set({ title: values.title, vision: values.vision, starts_on: values.startsOn, ends_on: values.endsOn })
      .where('id', '=', draftId)
      .where('status', '=', 'draft')
      .execute();
  }

  async priorityOfDraft(db: Db, draftId: string, code: string) {
    return db.selectFrom('agreement_priorities').selectAll().where('version_id', '=', draftId).where('code', '=', code).executeTakeFirst();
  }

  async insertPriority(db: Db, draftId: string, values: { code: string; title: string; description: string }) {
    const order = await db.selectFrom('agreement_priorities').select(sql<number>`coalesce(max(sort_order), 0) + 10`.as('next')).where('version_id', '=', draftId).executeTakeFirstOrThrow();
    return db
      .insertInto('agreement_priorities')
      .values({ version_id: draftId, code: values.code, title: values.title, description: values.description, sort_order: Number(order.next) })
      .onConflict((conflict) => conflict.columns(['version_id', 'code']).doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  async insertCommitment(db: Db, priorityId: string, organisationId: string, commitment: string) {
    await db.insertInto('agreement_commitments').values({ priority_id: priorityId, organisation_id: organisationId, commitment }).execute();
  }

  async insertMeasure(db: Db, priorityId: string, measure: NewMeasure) {
    await db
      .insertInto('agreement_measures')
      .values({
        priority_id: priorityId,
        code: measure.code,
        title: measure.title,
        unit: measure.unit,
        source: measure.source,
        baseline: measure.baseline,
        target: measure.target,
        due_on: measure.dueOn,
        direction: measure.direction,
      })
      .execute();
  }

  async measureCodeTaken(db: Db, draftId: string, code: string): Promise<boolean> {
    const row = await db
      .selectFrom('agreement_measures')
      .innerJoin('agreement_priorities', 'agreement_priorities.id', 'agreement_measures.priority_id')
      .select('agreement_measures.id')
      .where('agreement_priorities.version_id', '=', draftId)
      .where('agreement_measures.code', '=', code)
      .executeTakeFirst();
    return row !== undefined;
  }

  async removeCommitment(db: Db, draftId: string, commitmentId: string): Promise<boolean> {
    if (!isUuid(commitmentId)) return false;
    const result = await db
      .deleteFrom('agreement_commitments')
      .where('id', '=', commitmentId)
      .where('priority_id', 'in', (eb) => eb.selectFrom('agreement_priorities').select('id').where('version_id', '=', draftId))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async removeMeasure(db: Db, draftId: string, measureId: string): Promise<boolean> {
    if (!isUuid(measureId)) return false;
    const result = await db
      .deleteFrom('agreement_measures')
      .where('id', '=', measureId)
      .where('priority_id', 'in', (eb) => eb.selectFrom('agreement_priorities').select('id').where('version_id', '=', draftId))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async publish(db: Db, draftId: string, userId: string): Promise<void> {
    await db.updateTable('agreement_versions').set({ status: 'superseded' }).where('status', '=', 'published').execute();
    await db.updateTable('agreement_versions').set({ status: 'published', published_at: new Date(), published_by: userId }).where('id', '=', draftId).execute();
  }
}
