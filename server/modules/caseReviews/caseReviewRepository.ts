import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type {
  CaseReviewApplicationRow,
  CaseReviewApplicationsTable,
  CaseReviewIncidentsTable,
  CaseReviewSettingsRow,
  CaseReviewSettingsTable,
  Database,
} from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type NewApplication = Omit<Insertable<CaseReviewApplicationsTable>, 'id' | 'status' | 'updated_at'>;
export type NewIncident = Omit<Insertable<CaseReviewIncidentsTable>, 'id'>;
export type ApplicationChanges = Updateable<CaseReviewApplicationsTable>;
export type SettingsChanges = Omit<Updateable<CaseReviewSettingsTable>, 'id' | 'updated_at'>;

export interface QueueFilter {
  /** Only applications still being worked on (not sent an outcome, not closed). */
  openOnly: boolean;
}

/** The only SQL for ASB Case Reviews. */
export class CaseReviewRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async settings(executor: Executor = this.#db): Promise<CaseReviewSettingsRow> {
    return executor.selectFrom('case_review_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  }

  async updateSettings(trx: Transaction<Database>, changes: SettingsChanges): Promise<void> {
    await trx.updateTable('case_review_settings').set({ ...changes, updated_at: new Date() }).where('id', '=', 1).execute();
  }

  async partnershipName(executor: Executor = this.#db): Promise<string> {
    return (await executor.selectFrom('partnership').select('name').executeTakeFirst())?.name ?? 'OneRoof';
  }

  /** The next reference of a year, e.g. CR-2026-000123, counted atomically with the case references. */
  async nextReference(trx: Transaction<Database>, year: number): Promise<string> {
    const row = await trx
      .insertInto('case_reference_counters')
      .values({ prefix: 'CR', year, last_number: 1 })
      .onConflict((conflict) => conflict.columns(['prefix', 'year']).doUpdateSet({ last_number: sql`case_reference_counters.last_number + 1` }))
      .returning('last_number')
      .executeTakeFirstOrThrow();
    return `CR-${year}-${String(row.last_number).padStart(6, '0')}`;
  }

  async insertApplication(trx: Transaction<Database>, application: NewApplication, incidents: Omit<NewIncident, 'application_id'>[]): Promise<CaseReviewApplicationRow> {
    const created = await trx.insertInto('case_review_applications').values(application).returningAll().executeTakeFirstOrThrow();
    if (incidents.length > 0) {
      await trx.insertInto('case_review_incidents').values(incidents.map((incident) => ({ ...incident, application_id: created.id }))).execute();
    }
    return created;
  }

  async addEvent(trx: Transaction<Database>, event: { applicationId: string; kind: string; details?: Record<string, unknown>; actorUserId: string | null; actorLabel: string }): Promise<void> {
    await trx
      .insertInto('case_review_events')
      .values({
        application_id: event.applicationId,
        kind: event.kind,
        details: JSON.stringify(event.details ?? {}),
        actor_user_id: event.actorUserId,
        actor_label: event.actorLabel,
      })
      .execute();
  }

  async findByTrackingHash(executor: Executor, tokenHash: string) {
    const application = await executor.selectFrom('case_review_applications').selectAll().where('tracking_token_hash', '=', tokenHash).executeTakeFirst();
    if (!application) return undefined;
    return { application, appeal: await this.appealOf(executor, application.id) };
  }

  async queue(filter: QueueFilter) {
    let query = this.#db
      .selectFrom('case_review_applications')
      .select(['id', 'reference', 'status', 'applicant_name', 'received_at', 'acknowledged_at', 'acknowledge_due_at', 'decided_at', 'decision_due_at', 'threshold_appears_met']);
    if (filter.openOnly) query = query.where('status', 'not in', ['outcome_sent', 'closed']);
    return query.orderBy('received_at').limit(500).execute();
  }

  async findApplication(executor: Executor, applicationId: string): Promise<CaseReviewApplicationRow | undefined> {
    if (!isUuid(applicationId)) return undefined;
    return executor.selectFrom('case_review_applications').selectAll().where('id', '=', applicationId).executeTakeFirst();
  }

  /** The application, locked until the transaction ends, so two staff steps cannot interleave. */
  async lockApplication(trx: Transaction<Database>, applicationId: string): Promise<CaseReviewApplicationRow | undefined> {
    if (!isUuid(applicationId)) return undefined;
    return trx.selectFrom('case_review_applications').selectAll().where('id', '=', applicationId).forUpdate().executeTakeFirst();
  }

  async updateApplication(trx: Transaction<Database>, applicationId: string, changes: ApplicationChanges): Promise<void> {
    await trx.updateTable('case_review_applications').set({ ...changes, updated_at: new Date() }).where('id', '=', applicationId).execute();
  }

  async incidentsOf(executor: Executor, applicationId: string) {
    return executor.selectFrom('case_review_incidents').selectAll().where('application_id', '=', applicationId).orderBy('position').execute();
  }

  async eventsOf(executor: Executor, applicationId: string) {
    return executor.selectFrom('case_review_events').selectAll().where('application_id', '=', applicationId).orderBy('occurred_at').orderBy('id').execute();
  }

  async meetingsOf(executor: Executor, applicationId: string) {
    const meetings = await executor.selectFrom('case_review_meetings').selectAll().where('application_id', '=', applicationId).orderBy('meets_at').execute();
    if (meetings.length === 0) return [];
    const organisations = await executor
      .selectFrom('case_review_meeting_organisations')
      .innerJoin('organisations', 'organisations.id', 'case_review_meeting_organisations.organisation_id')
      .select(['case_review_meeting_organisations.meeting_id', 'organisations.name'])
      .where('case_review_meeting_organisations.meeting_id', 'in', meetings.map((meeting) => meeting.id))
      .orderBy('organisations.name')
      .execute();
    return meetings.map((meeting) => ({ ...meeting, organisations: organisations.filter((row) => row.meeting_id === meeting.id).map((row) => row.name) }));
  }

  async recommendationsOf(executor: Executor, applicationId: string) {
    return executor
      .selectFrom('case_review_recommendations')
      .innerJoin('organisations', 'organisations.id', 'case_review_recommendations.owner_organisation_id')
      .selectAll('case_review_recommendations')
      .select('organisations.name as owner_organisation_name')
      .where('case_review_recommendations.application_id', '=', applicationId)
      .orderBy('case_review_recommendations.created_at')
      .execute();
  }

  async appealOf(executor: Executor, applicationId: string) {
    return executor.selectFrom('case_review_appeals').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
  }

  async insertMeeting(trx: Transaction<Database>, meeting: { applicationId: string; meetsAt: Date; location: string; otherParticipants: string | null; organisationIds: string[]; createdBy: string }): Promise<string> {
    const row = await trx
      .insertInto('case_review_meetings')
      .values({ application_id: meeting.applicationId, meets_at: meeting.meetsAt, location: meeting.location, other_participants: meeting.otherParticipants, created_by: meeting.createdBy })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('case_review_meeting_organisations').values(meeting.organisationIds.map((organisationId) => ({ meeting_id: row.id, organisation_id: organisationId }))).execute();
    return row.id;
  }

  async insertRecommendation(trx: Transaction<Database>, recommendation: { applicationId: string; text: string; ownerOrganisationId: string; dueOn: string; createdBy: string }): Promise<string> {
    const row = await trx
      .insertInto('case_review_recommendations')
      .values({
        application_id: recommendation.applicationId,
        recommendation: recommendation.text,
        owner_organisation_id: recommendation.ownerOrganisationId,
        due_on: recommendation.dueOn,
        created_by: recommendation.createdBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async findRecommendation(trx: Transaction<Database>, applicationId: string, recommendationId: string) {
    if (!isUuid(recommendationId)) return undefined;
    return trx.selectFrom('case_review_recommendations').selectAll().where('id', '=', recommendationId).where('application_id', '=', applicationId).executeTakeFirst();
  }

  async setRecommendationStatus(trx: Transaction<Database>, recommendationId: string, status: string): Promise<void> {
    await trx
      .updateTable('case_review_recommendations')
      .set({ status, completed_at: status === 'completed' ? new Date() : null })
      .where('id', '=', recommendationId)
      .execute();
  }

  /** False when the application already has an appeal: an applicant may ask once. */
  async insertAppeal(trx: Transaction<Database>, applicationId: string, reason: string): Promise<boolean> {
    const row = await trx
      .insertInto('case_review_appeals')
      .values({ application_id: applicationId, reason })
      .onConflict((conflict) => conflict.column('application_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async decideAppeal(trx: Transaction<Database>, applicationId: string, decision: { status: string; response: string; decidedBy: string }): Promise<void> {
    await trx
      .updateTable('case_review_appeals')
      .set({ status: decision.status, response: decision.response, decided_by: decision.decidedBy, decided_at: new Date() })
      .where('application_id', '=', applicationId)
      .execute();
  }

  async activeOrganisations(executor: Executor = this.#db): Promise<{ id: string; name: string }[]> {
    return executor.selectFrom('organisations').select(['id', 'name']).where('active', '=', true).orderBy('name').execute();
  }

  /** Counts for one year (London time): nothing about any one person. */
  async statistics(from: Date, to: Date) {
    const count = (value: unknown) => Number(value ?? 0);
    const applications = await this.#db
      .selectFrom('case_review_applications')
      .select([
        sql<string>`count(*)`.as('received'),
        sql<string>`count(*) filter (where threshold_decision = 'met')`.as('met'),
        sql<string>`count(*) filter (where threshold_decision = 'not_met')`.as('notMet'),
      ])
      .where('received_at', '>=', from)
      .where('received_at', '<', to)
      .executeTakeFirstOrThrow();
    const reviews = await this.#db
      .selectFrom('case_review_applications')
      .select(sql<string>`count(*)`.as('held'))
      .where('outcome_sent_at', '>=', from)
      .where('outcome_sent_at', '<', to)
      .executeTakeFirstOrThrow();
    const recommendations = await this.#db
      .selectFrom('case_review_recommendations')
      .select(sql<string>`count(*)`.as('made'))
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .executeTakeFirstOrThrow();
    return {
      applications: count(applications.received),
      thresholdMet: count(applications.met),
      thresholdNotMet: count(applications.notMet),
      reviewsHeld: count(reviews.held),
      recommendationsMade: count(recommendations.made),
    };
  }
}
