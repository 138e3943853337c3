import type { Kysely, Transaction } from 'kysely';
import type { CaseActionRow, Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { type FieldErrors, NotFound, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { type CasesService, type CaseWork, viewerOf } from '../cases/casesService.ts';
import { actionPlanPolicy } from './actionsPolicy.ts';
import { type ActionChanges, ActionsRepository, type InterventionChanges, type InterventionRow } from './actionsRepository.ts';
import { type ActionsDueQuery, type ActionUpdateInput, type InterventionInput, type NewActionInput, unfinishedActionStatuses } from './actionsSchemas.ts';

/** How far ahead the actions-due list looks. */
const DUE_SOON_DAYS = 7;

/** Past its due date (in England and Wales) and still to be done. */
export function isOverdue(action: { due_date: string | null; status: string }, today: string): boolean {
  return action.due_date !== null && action.due_date < today && (unfinishedActionStatuses as readonly string[]).includes(action.status);
}

/**
 * A case's action plan (who does what by when, with optimistic locking) and its interventions
 * (warning letters up to court orders). Everything runs through `CasesService.withCase`, so the
 * need-to-know check, the audit entries and the timeline are the case's own.
 */
export class ActionsService {
  readonly #repository: ActionsRepository;
  readonly #cases: CasesService;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail, cases: CasesService) {
    this.#repository = new ActionsRepository(db);
    this.#cases = cases;
    this.#audit = audit;
  }

  /** The actions tab: the plan, each action flagged when overdue, and the interventions. */
  async plan(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#read(user, caseId, actor, 'actions', async ({ trx }) => {
      const today = londonToday();
      const actions = (await this.#repository.actionsForCase(trx, caseId)).map((action) => ({ ...action, overdue: isOverdue(action, today) }));
      return { actions, interventions: await this.#repository.interventionsForCase(trx, caseId) };
    });
  }

  /** What the "add an action" form offers: the involved agencies and their officers. */
  async newActionForm(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#read(user, caseId, actor, 'new-action', async ({ trx }) => {
      const agencies = await this.#repository.involvedOrganisations(trx, caseId);
      const officers = await this.#repository.officersOf(trx, agencies.map((agency) => agency.id));
      return { agencies, officers };
    });
  }

  /** One action of the case with the officers of its agency, for the update form. */
  async actionToEdit(user: CurrentUser, caseId: string, actionId: string, actor: Actor) {
    return this.#read(user, caseId, actor, 'edit-action', async ({ trx }) => {
      const action = await this.#repository.actionInCase(trx, caseId, actionId);
      if (!action) throw new NotFound();
      return { action, officers: await this.#repository.officersOf(trx, [action.owner_organisation_id]) };
    });
  }

  async createAction(user: CurrentUser, caseId: string, input: NewActionInput, actor: Actor): Promise<CaseActionRow> {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!actionPlanPolicy(opened.policy).canAddAction) throw new NotFound();
      const agency = await this.#checkNewAction(trx, caseId, input);
      const created = await this.#repository.insertAction(trx, {
        case_id: caseId,
        title: input.title,
        description: input.description,
        owner_organisation_id: agency.id,
        owner_user_id: input.ownerUserId,
        due_date: input.dueDate,
        created_by: user.id,
      });
      await this.#notifyAssignee(trx, user, opened.case.reference, created);
      await event('action_created', { actionId: created.id, title: created.title, ownerOrganisationId: agency.id, ownerOrganisation: agency.name, ownerUserId: created.owner_user_id, dueDate: created.due_date });
      audit({ action: 'ACTION_CREATED', recordType: 'case', recordId: caseId, details: { actionId: created.id, ownerOrganisationId: agency.id } });
      return created;
    });
  }

  /**
   * Saves an update only if nobody else has saved the action since the form was opened; if
   * someone has, nothing is written and the error carries what they saved.
   */
  async updateAction(user: CurrentUser, caseId: string, actionId: string, input: ActionUpdateInput, actor: Actor): Promise<void> {
    await this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!actionPlanPolicy(opened.policy).canUpdateAction) throw new NotFound();
      const current = await this.#repository.findActionForUpdate(trx, caseId, actionId);
      if (!current) throw new NotFound();
      if (input.version !== current.version) throw new StaleUpdate(actionDifferences(current, input), current.version);
      await this.#checkActionUpdate(trx, current, input);
      const changes = actionChanges(current, input);
      const changed = changedFields(current, changes);
      if (changed.length === 0) return;
      const saved = await this.#repository.updateAction(trx, actionId, input.version, changes);
      if (!saved) throw new StaleUpdate({}, current.version);
      if (saved.owner_user_id !== current.owner_user_id) await this.#notifyAssignee(trx, user, opened.case.reference, saved);
      await event('action_updated', { actionId, title: current.title, changed, status: saved.status });
      audit({ action: 'ACTION_UPDATED', recordType: 'case', recordId: caseId, details: { actionId, changed } });
    });
  }

  /** What the intervention form offers: the people linked to the case. */
  async interventionForm(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#read(user, caseId, actor, 'new-intervention', async ({ trx }) => ({ people: await this.#repository.linkedPeople(trx, caseId) }));
  }

  async interventionToEdit(user: CurrentUser, caseId: string, interventionId: string, actor: Actor) {
    return this.#read(user, caseId, actor, 'edit-intervention', async ({ trx }) => {
      const intervention = await this.#repository.findIntervention(trx, caseId, interventionId);
      if (!intervention) throw new NotFound();
      return { intervention, people: await this.#repository.linkedPeople(trx, caseId) };
    });
  }

  async recordIntervention(user: CurrentUser, caseId: string, input: InterventionInput, actor: Actor): Promise<InterventionRow> {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!actionPlanPolicy(opened.policy).canRecordIntervention) throw new NotFound();
      await this.#checkPersonLinked(trx, caseId, input.personId);
      const created = await this.#repository.insertIntervention(trx, {
        case_id: caseId,
        ...interventionColumns(input),
        created_by: user.id,
        created_by_organisation_id: user.organisationId,
      });
      await event('intervention_recorded', { interventionId: created.id, stage: created.stage, status: created.status, personId: created.person_id });
      audit({ action: 'INTERVENTION_RECORDED', recordType: 'case', recordId: caseId, details: { interventionId: created.id, stage: created.stage } });
      return created;
    });
  }

  async updateIntervention(user: CurrentUser, caseId: string, interventionId: string, input: InterventionInput, actor: Actor): Promise<void> {
    await this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!actionPlanPolicy(opened.policy).canUpdateIntervention) throw new NotFound();
      const current = await this.#repository.findIntervention(trx, caseId, interventionId);
      if (!current) throw new NotFound();
      // Someone unlinked from the case since may stay on an intervention already about them.
      if (input.personId !== current.person_id) await this.#checkPersonLinked(trx, caseId, input.personId);
      const changes = interventionColumns(input);
      const changed = changedFields(current, changes);
      if (changed.length === 0) return;
      await this.#repository.updateIntervention(trx, interventionId, changes);
      await event('intervention_updated', { interventionId, stage: changes.stage, status: changes.status, changed });
      audit({ action: 'INTERVENTION_UPDATED', recordType: 'case', recordId: caseId, details: { interventionId, changed } });
    });
  }

  /** Unfinished actions of the user's organisation (or only theirs) overdue or due within a week. */
  async actionsDue(user: CurrentUser, query: ActionsDueQuery, actor: Actor) {
    const today = londonToday();
    const rows = await this.#repository.dueActions(viewerOf(user), {
      organisationId: user.organisationId,
      ownerUserId: query.view === 'mine' ? user.id : undefined,
      dueOnOrBefore: addDays(today, DUE_SOON_DAYS),
      direction: query.direction,
    });
    await this.#audit.record(actor, { action: 'CASE_LIST_VIEWED', recordType: 'case', details: { view: 'actions-due', filter: query.view, count: rows.length } });
    return { rows: rows.map((row) => ({ ...row, overdue: isOverdue(row, today) })), today };
  }

  /** Reads for a page of the case, audited as a view of that page. */
  async #read<T>(user: CurrentUser, caseId: string, actor: Actor, page: string, read: (work: CaseWork) => Promise<T>) {
    return this.#cases.withCase(user, caseId, actor, async (work) => {
      const result = await read(work);
      work.audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page } });
      return { ...result, opened: work.opened, can: actionPlanPolicy(work.opened.policy) };
    });
  }

  /** The owner agency must be involved in the case, its officer one of its own, the date not past. */
  async #checkNewAction(trx: Transaction<Database>, caseId: string, input: NewActionInput): Promise<{ id: string; name: string }> {
    const agency = (await this.#repository.involvedOrganisations(trx, caseId)).find((candidate) => candidate.id === input.ownerOrganisationId);
    const errors: FieldErrors = {};
    if (!agency) errors.ownerOrganisationId = 'actions.errors.ownerOrganisationNotInvolved';
    else if (input.ownerUserId && !(await this.#isOfficerOf(trx, input.ownerUserId, agency.id))) errors.ownerUserId = 'actions.errors.ownerUserInvalid';
    if (input.dueDate < londonToday()) errors.dueDate = 'actions.errors.dueDate.past';
    if (!agency || Object.keys(errors).length > 0) throw new ValidationFailed(errors);
    return agency;
  }

  async #checkActionUpdate(trx: Transaction<Database>, current: CaseActionRow, input: ActionUpdateInput): Promise<void> {
    const errors: FieldErrors = {};
    const newOwner = input.ownerUserId && input.ownerUserId !== current.owner_user_id;
    if (newOwner && !(await this.#isOfficerOf(trx, input.ownerUserId!, current.owner_organisation_id))) errors.ownerUserId = 'actions.errors.ownerUserInvalid';
    // An overdue action keeps its date while its status is updated; only a new date must not be past.
    if (input.dueDate !== current.due_date && input.dueDate < londonToday()) errors.dueDate = 'actions.errors.dueDate.past';
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
  }

  async #isOfficerOf(trx: Transaction<Database>, userId: string, organisationId: string): Promise<boolean> {
    return (await this.#repository.officersOf(trx, [organisationId])).some((officer) => officer.id === userId);
  }

  async #checkPersonLinked(trx: Transaction<Database>, caseId: string, personId: string | null): Promise<void> {
    if (!personId) return;
    const linked = await this.#repository.linkedPeople(trx, caseId);
    if (!linked.some((person) => person.id === personId)) throw new ValidationFailed({ personId: 'actions.errors.personNotLinked' });
  }

  /** Tells an officer given an action by someone else; giving one to yourself needs no message. */
  async #notifyAssignee(trx: Transaction<Database>, user: CurrentUser, reference: string, action: CaseActionRow): Promise<void> {
    if (!action.owner_user_id || action.owner_user_id === user.id) return;
    await this.#repository.notify(trx, { userId: action.owner_user_id, kind: 'action_assigned', caseId: action.case_id, details: { reference, title: action.title, actionId: action.id } });
  }
}

function actionChanges(current: CaseActionRow, input: ActionUpdateInput): ActionChanges {
  const done = input.status === 'done';
  return {
    status: input.status,
    description: input.description,
    owner_user_id: input.ownerUserId,
    due_date: input.dueDate,
    completed_at: done ? (current.status === 'done' ? current.completed_at : new Date()) : null,
  };
}

/** The columns whose new value differs from the stored one (completion follows status). */
function changedFields(current: object, changes: object): string[] {
  const stored = current as Record<string, unknown>;
  return Object.entries(changes)
    .filter(([column]) => column !== 'completed_at')
    .filter(([column, value]) => (stored[column] ?? null) !== (value ?? null))
    .map(([column]) => column);
}

/** The stored values of the form's fields that differ from what was just submitted. */
function actionDifferences(current: CaseActionRow, input: ActionUpdateInput): Record<string, string> {
  const pairs: [string, unknown, unknown][] = [
    ['status', current.status, input.status],
    ['description', current.description, input.description],
    ['ownerUserId', current.owner_user_id, input.ownerUserId],
    ['dueDate', current.due_date, input.dueDate],
  ];
  return Object.fromEntries(pairs.filter(([, now, typed]) => (now ?? null) !== (typed ?? null)).map(([field, now]) => [field, now == null ? '' : String(now)]));
}

function interventionColumns(input: InterventionInput): Required<InterventionChanges> {
  return {
    stage: input.stage,
    person_id: input.personId,
    status: input.status,
    issued_on: input.issuedOn,
    review_on: input.reviewOn,
    expires_on: input.expiresOn,
    notes: input.notes,
  };
}
