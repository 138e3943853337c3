import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Db = Kysely<Database>;

export interface NewEvent {
  title: string;
  kind: 'assembly' | 'workshop' | 'meeting' | 'other';
  description: string;
  venue: string;
  startsAt: Date;
  endsAt: Date;
  capacity: number;
  surveyToken: string;
  agenda: { time: string | null; title: string }[];
  workshops: string[];
  createdBy: string;
}

/** The only SQL for events: the event, its agenda and workshops, registrations, feedback and follow-ups. */
export class EventsRepository {
  async list(db: Db) {
    return db
      .selectFrom('governance_events')
      .select(['id', 'title', 'kind', 'venue', 'starts_at', 'ends_at', 'capacity'])
      .select((eb) => eb.selectFrom('event_registrations').select(sql<string>`count(*)`.as('n')).whereRef('event_registrations.event_id', '=', 'governance_events.id').as('registered'))
      .orderBy('starts_at', 'desc')
      .execute();
  }

  async insert(db: Db, event: NewEvent) {
    const row = await db
      .insertInto('governance_events')
      .values({
        title: event.title,
        kind: event.kind,
        description: event.description,
        venue: event.venue,
        starts_at: event.startsAt,
        ends_at: event.endsAt,
        capacity: event.capacity,
        survey_token: event.surveyToken,
        created_by: event.createdBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (event.agenda.length > 0) {
      await db.insertInto('event_agenda_items').values(event.agenda.map((item, index) => ({ event_id: row.id, starts_at_time: item.time, title: item.title, sort_order: index }))).execute();
    }
    if (event.workshops.length > 0) {
      await db.insertInto('event_workshops').values(event.workshops.map((title, index) => ({ event_id: row.id, title, sort_order: index }))).execute();
    }
    return row.id;
  }

  async find(db: Db, eventId: string) {
    if (!isUuid(eventId)) return undefined;
    return db.selectFrom('governance_events').selectAll().where('id', '=', eventId).executeTakeFirst();
  }

  async lock(db: Db, eventId: string) {
    if (!isUuid(eventId)) return undefined;
    return db.selectFrom('governance_events').selectAll().where('id', '=', eventId).forUpdate().executeTakeFirst();
  }

  async findByToken(db: Db, token: string) {
    return db.selectFrom('governance_events').selectAll().where('survey_token', '=', token).executeTakeFirst();
  }

  async agenda(db: Db, eventId: string) {
    return db.selectFrom('event_agenda_items').select(['starts_at_time', 'title']).where('event_id', '=', eventId).orderBy('sort_order').execute();
  }

  async workshops(db: Db, eventId: string) {
    return db.selectFrom('event_workshops').select(['title']).where('event_id', '=', eventId).orderBy('sort_order').execute();
  }

  async registrationCount(db: Db, eventId: string): Promise<number> {
    const row = await db.selectFrom('event_registrations').select(sql<string>`count(*)`.as('n')).where('event_id', '=', eventId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async isRegistered(db: Db, eventId: string, email: string): Promise<boolean> {
    const row = await db.selectFrom('event_registrations').select('id').where('event_id', '=', eventId).where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row !== undefined;
  }

  async registrations(db: Db, eventId: string) {
    return db
      .selectFrom('event_registrations')
      .select(['name', 'email', 'organisation_name', 'user_id', 'registered_at'])
      .where('event_id', '=', eventId)
      .orderBy('organisation_name')
      .orderBy('name')
      .execute();
  }

  async register(db: Db, row: { eventId: string; userId: string | null; organisationId: string | null; name: string; email: string; organisationName: string; registeredBy: string }) {
    return db
      .insertInto('event_registrations')
      .values({
        event_id: row.eventId,
        user_id: row.userId,
        organisation_id: row.organisationId,
        name: row.name,
        email: row.email.toLowerCase(),
        organisation_name: row.organisationName,
        registered_by: row.registeredBy,
      })
      .onConflict((conflict) => conflict.columns(['event_id', 'email']).doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  async insertFeedback(db: Db, eventId: string, feedback: { overallRating: number; usefulnessRating: number; wentWell: string | null; improve: string | null }) {
    return db
      .insertInto('event_feedback')
      .values({ event_id: eventId, overall_rating: feedback.overallRating, usefulness_rating: feedback.usefulnessRating, went_well: feedback.wentWell, improve: feedback.improve })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  async feedbackSummary(db: Db, eventId: string) {
    const totals = await db
      .selectFrom('event_feedback')
      .select([sql<string>`count(*)`.as('responses'), sql<string | null>`round(avg(overall_rating), 1)`.as('overall'), sql<string | null>`round(avg(usefulness_rating), 1)`.as('usefulness')])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    const comments = await db
      .selectFrom('event_feedback')
      .select(['went_well', 'improve'])
      .where('event_id', '=', eventId)
      .where((eb) => eb.or([eb('went_well', 'is not', null), eb('improve', 'is not', null)]))
      .orderBy('submitted_at')
      .execute();
    return { responses: Number(totals.responses), overall: totals.overall === null ? null : Number(totals.overall), usefulness: totals.usefulness === null ? null : Number(totals.usefulness), comments };
  }

  async followUps(db: Db, eventId?: string) {
    let query = db
      .selectFrom('event_follow_ups')
      .innerJoin('organisations', 'organisations.id', 'event_follow_ups.owner_organisation_id')
      .innerJoin('governance_events', 'governance_events.id', 'event_follow_ups.event_id')
      .select([
        'event_follow_ups.id',
        'event_follow_ups.event_id',
        'governance_events.title as event_title',
        'governance_events.starts_at as event_starts_at',
        'event_follow_ups.you_said',
        'event_follow_ups.we_will',
        'event_follow_ups.we_did',
        'event_follow_ups.status',
        'event_follow_ups.completed_on',
        'organisations.name as owner_name',
      ])
      .orderBy('governance_events.starts_at', 'desc')
      .orderBy('event_follow_ups.created_at');
    if (eventId) query = query.where('event_follow_ups.event_id', '=', eventId);
    return query.execute();
  }

  async insertFollowUp(db: Db, row: { eventId: string; youSaid: string; weWill: string; ownerOrganisationId: string; createdBy: string }) {
    return db
      .insertInto('event_follow_ups')
      .values({ event_id: row.eventId, you_said: row.youSaid, we_will: row.weWill, owner_organisation_id: row.ownerOrganisationId, created_by: row.createdBy })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  async updateFollowUp(db: Db, eventId: string, followUpId: string, change: { status: 'planned' | 'in_progress' | 'done'; weDid: string | null; completedOn: string | null }) {
    if (!isUuid(followUpId)) return undefined;
    return db
      .updateTable('event_follow_ups')
      .set({ status: change.status, we_did: change.weDid, completed_on: change.completedOn, updated_at: new Date() })
      .where('id', '=', followUpId)
      .where('event_id', '=', eventId)
      .returning('id')
      .executeTakeFirst();
  }

  async activeOrganisations(db: Db) {
    return db.selectFrom('organisations').select(['id', 'name']).where('active', '=', true).orderBy('name').execute();
  }
}
