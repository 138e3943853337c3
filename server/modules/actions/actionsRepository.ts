import { type Insertable, type Kysely, type Selectable, sql, type Transaction, type Updateable } from 'kysely';
import type { CaseActionRow, CaseActionsTable, CaseInterventionsTable, Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';
import { unfinishedActionStatuses } from './actionsSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type InterventionRow = Selectable<CaseInterventionsTable>;
export type NewAction = Omit<Insertable<CaseActionsTable>, 'id' | 'version' | 'created_at' | 'updated_at' | 'completed_at' | 'status'>;
export type ActionChanges = Pick<Updateable<CaseActionsTable>, 'status' | 'description' | 'owner_user_id' | 'due_date' | 'completed_at'>;
export type NewIntervention = Omit<Insertable<CaseInterventionsTable>, 'id' | 'created_at'>;
export type InterventionChanges = Pick<Updateable<CaseInterventionsTable>, 'stage' | 'person_id' | 'status' | 'issued_on' | 'review_on' | 'expires_on' | 'notes'>;

export interface Officer {
  id: string;
  name: string;
  organisation_id: string;
}

export interface DueActionFilters {
  organisationId: string;
  ownerUserId?: string | undefined;
  dueOnOrBefore: string;
  direction: 'asc' | 'desc';
}

/** The only SQL for action plans, interventions and the notifications they send. */
export class ActionsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** A case's actions with their owners' names, soonest due first. */
  async actionsForCase(executor: Executor, caseId: string) {
    return this.#actionsWithNames(executor)
      .where('case_actions.case_id', '=', caseId)
      .orderBy(sql`case_actions.due_date asc nulls last`)
      .orderBy('case_actions.created_at')
      .execute();
  }

  /** One action with its owners' names, only if it belongs to the case: an id from another case is "not found". */
  async actionInCase(executor: Executor, caseId: string, actionId: string) {
    if (!isUuid(actionId)) return undefined;
    return this.#actionsWithNames(executor).where('case_actions.case_id', '=', caseId).where('case_actions.id', '=', actionId).executeTakeFirst();
  }

  /** The action as stored, locked until the transaction ends so that its version cannot move under an update. */
  async findActionForUpdate(trx: Transaction<Database>, caseId: string, actionId: string): Promise<CaseActionRow | undefined> {
    if (!isUuid(actionId)) return undefined;
    return trx.selectFrom('case_actions').selectAll().where('id', '=', actionId).where('case_id', '=', caseId).forUpdate().executeTakeFirst();
  }

  async insertAction(trx: Transaction<Database>, action: NewAction): Promise<CaseActionRow> {
    return trx.insertInto('case_actions').values(action).returningAll().executeTakeFirstOrThrow();
  }

  /** Saves only if the action is still at `expectedVersion`; undefined means someone saved first. */
  async updateAction(trx: Transaction<Database>, actionId: string, expectedVersion: number, changes: ActionChanges): Promise<CaseActionRow | undefined> {
    return trx
      .updateTable('case_actions')
      .set({ ...changes, updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', actionId)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
  }

  async interventionsForCase(executor: Executor, caseId: string) {
    return executor
      .selectFrom('case_interventions')
      .leftJoin('people as subject', 'subject.id', 'case_interventions.person_id')
      .leftJoin('organisations as recorder', 'recorder.id', 'case_interventions.created_by_organisation_id')
      .selectAll('case_interventions')
      .select(['subject.given_name as person_given_name', 'subject.family_name as person_family_name', 'recorder.name as recorded_by_organisation_name'])
      .where('case_interventions.case_id', '=', caseId)
      .orderBy(sql`coalesce(case_interventions.issued_on, case_interventions.created_at::date) desc`)
      .orderBy('case_interventions.created_at', 'desc')
      .execute();
  }

  async findIntervention(executor: Executor, caseId: string, interventionId: string): Promise<InterventionRow | undefined> {
    if (!isUuid(interventionId)) return undefined;
    return executor.selectFrom('case_interventions').selectAll().where('id', '=', interventionId).where('case_id', '=', caseId).executeTakeFirst();
  }

  async insertIntervention(trx: Transaction<Database>, intervention: NewIntervention): Promise<InterventionRow> {
    return trx.insertInto('case_interventions').values(intervention).returningAll().executeTakeFirstOrThrow();
  }

  async updateIntervention(trx: Transaction<Database>, interventionId: string, changes: InterventionChanges): Promise<void> {
    await trx.updateTable('case_interventions').set(changes).where('id', '=', interventionId).execute();
  }

  #actionsWithNames(executor: Executor) {
    return executor
      .selectFrom('case_actions')
      .innerJoin('organisations as owner_organisation', 'owner_organisation.id', 'case_actions.owner_organisation_id')
      .leftJoin('users as owner', 'owner.id', 'case_actions.owner_user_id')
      .selectAll('case_actions')
      .select(['owner_organisation.name as owner_organisation_name', 'owner.name as owner_user_name']);
  }

  /** The lead agency, then every participant: the only organisations that may own an action. */
  async involvedOrganisations(executor: Executor, caseId: string): Promise<{ id: string; name: string }[]> {
    const lead = await executor
      .selectFrom('cases as kase')
      .innerJoin('organisations', 'organisations.id', 'kase.lead_organisation_id')
      .select(['organisations.id', 'organisations.name'])
      .where('kase.id', '=', caseId)
      .execute();
    const participants = await executor
      .selectFrom('case_participants')
      .innerJoin('organisations', 'organisations.id', 'case_participants.organisation_id')
      .select(['organisations.id', 'organisations.name'])
      .where('case_participants.case_id', '=', caseId)
      .orderBy('organisations.name')
      .execute();
    return [...lead, ...participants];
  }

  /** Enabled case workers and managers of the organisations, who can be given an action. */
  async officersOf(executor: Executor, organisationIds: string[]): Promise<Officer[]> {
    if (organisationIds.length === 0) return [];
    return executor
      .selectFrom('users')
      .select(['id', 'name', 'organisation_id'])
      .where('organisation_id', 'in', organisationIds)
      .where('disabled', '=', false)
      .where('role', 'in', ['case_worker', 'case_manager'])
      .orderBy('name')
      .execute();
  }

  /** Each person linked to the case once, whatever their roles in it. */
  async linkedPeople(executor: Executor, caseId: string): Promise<{ id: string; given_name: string; family_name: string }[]> {
    return executor
      .selectFrom('case_people')
      .innerJoin('people as person', 'person.id', 'case_people.person_id')
      .select(['person.id', 'person.given_name', 'person.family_name'])
      .distinct()
      .where('case_people.case_id', '=', caseId)
      .orderBy('person.family_name')
      .orderBy('person.given_name')
      .orderBy('person.id')
      .execute();
  }

  async notify(trx: Transaction<Database>, notification: { userId: string; kind: string; caseId: string | null; details: Record<string, unknown> }): Promise<void> {
    await trx
      .insertInto('notifications')
      .values({ user_id: notification.userId, kind: notification.kind, case_id: notification.caseId, details: JSON.stringify(notification.details) })
      .execute();
  }

  /**
   * Unfinished actions an organisation (or one of its officers) owns, due on or before a day,
   * on open cases the viewer may see: losing sight of a case hides its actions too.
   */
  async dueActions(viewer: CaseViewer, filters: DueActionFilters) {
    let query = this.#db
      .selectFrom('case_actions')
      .innerJoin('cases', 'cases.id', 'case_actions.case_id')
      .leftJoin('users as owner', 'owner.id', 'case_actions.owner_user_id')
      .select([
        'case_actions.id', 'case_actions.case_id', 'case_actions.title', 'case_actions.status', 'case_actions.due_date',
        'cases.reference as case_reference', 'owner.name as owner_user_name',
      ])
      .where(visibleTo(viewer))
      .where('cases.status', '<>', 'closed')
      .where('case_actions.owner_organisation_id', '=', filters.organisationId)
      .where('case_actions.status', 'in', [...unfinishedActionStatuses])
      .where('case_actions.due_date', '<=', filters.dueOnOrBefore);
    if (filters.ownerUserId) query = query.where('case_actions.owner_user_id', '=', filters.ownerUserId);
    return query.orderBy('case_actions.due_date', filters.direction).orderBy('cases.reference').limit(500).execute();
  }
}
