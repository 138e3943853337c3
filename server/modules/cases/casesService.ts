import type { Kysely, Transaction } from 'kysely';
import type { CaseRow, Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { NotFound, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditEntry, AuditTrail, RecordAudit } from '../audit/auditTrail.ts';
import type { PersonInput } from '../people/peopleSchemas.ts';
import { PeopleRepository } from '../people/peopleRepository.ts';
import type { PeopleService } from '../people/peopleService.ts';
import type { LocationInput } from '../places/placesSchemas.ts';
import { PlacesRepository } from '../places/placesRepository.ts';
import { SharingAgreementsService } from '../sharingAgreements/sharingAgreementsService.ts';
import { dataCategoriesFor, purposeOfCaseType } from '../sharingAgreements/sharingPurposes.ts';
import { type CaseRelationship, type CaseViewer, relationshipTo } from './caseAccess.ts';
import { transitionNamed } from './caseWorkflow.ts';
import { type CasePolicy, casePolicy } from './casesPolicy.ts';
import { type CaseListFilters, type CaseSummary, CasesRepository } from './casesRepository.ts';
import type { CaseInput, TransitionInput } from './casesSchemas.ts';

export interface OpenedCase {
  case: CaseSummary;
  relationship: CaseRelationship;
  policy: CasePolicy;
}

/** What a unit of work on an opened case gets: the case, the transaction, audit and timeline. */
export interface CaseWork {
  opened: OpenedCase;
  trx: Transaction<Database>;
  audit: RecordAudit;
  event(kind: string, details?: Record<string, unknown>, noteId?: string | null): Promise<void>;
}

export function viewerOf(user: CurrentUser): CaseViewer {
  return { userId: user.id, organisationId: user.organisationId, role: user.role };
}

/**
 * Cases: opening, reading (every read audited in the same transaction), editing with optimistic
 * locking, the workflow, agencies, and the people, places and cases linked to a case. Other
 * modules (risk, actions, notes) work on a case through `withCase`, which applies the same
 * need-to-know check, audit and timeline.
 */
export class CasesService {
  readonly #db: Kysely<Database>;
  readonly #repository: CasesRepository;
  readonly #people: PeopleRepository;
  readonly #places: PlacesRepository;
  readonly #audit: AuditTrail;
  readonly #peopleService: PeopleService;
  readonly #sharing: SharingAgreementsService;

  constructor(db: Kysely<Database>, audit: AuditTrail, peopleService: PeopleService, sharing: SharingAgreementsService = new SharingAgreementsService(db, audit)) {
    this.#db = db;
    this.#repository = new CasesRepository(db);
    this.#people = new PeopleRepository(db);
    this.#places = new PlacesRepository(db);
    this.#audit = audit;
    this.#peopleService = peopleService;
    this.#sharing = sharing;
  }

  /** The types offered for new cases. */
  caseTypes() {
    return this.#repository.caseTypes();
  }

  /** Every type, including those no longer offered that existing cases keep. */
  allCaseTypes() {
    return this.#repository.allCaseTypes();
  }

  /** Runs work on a case the user may see, in one transaction with its audit entries; else "not found". */
  async withCase<T>(user: CurrentUser, caseId: string, actor: Actor, work: (context: CaseWork) => Promise<T>): Promise<T> {
    const viewer = viewerOf(user);
    return this.#audit.run(actor, async (trx, audit) => {
      const opened = await this.#open(trx, user, caseId);
      const event = (kind: string, details: Record<string, unknown> = {}, noteId: string | null = null) =>
        this.#repository.recordEvent(trx, caseId, { kind, actorUserId: viewer.userId, actorOrganisationId: viewer.organisationId, details, noteId });
      return work({ opened, trx, audit: this.#withBreakGlassFlag(audit, opened.relationship), event });
    });
  }

  /** Reads a case for a page, writing CASE_VIEWED in the same transaction. */
  async view(user: CurrentUser, caseId: string, actor: Actor, page: string): Promise<OpenedCase> {
    return this.withCase(user, caseId, actor, async ({ opened, audit }) => {
      audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page } });
      return opened;
    });
  }

  async overview(user: CurrentUser, caseId: string, actor: Actor) {
    const opened = await this.view(user, caseId, actor, 'overview');
    const viewer = viewerOf(user);
    const [glance, participants, people, locations, linkedCases] = await Promise.all([
      this.#repository.glance(caseId, londonToday()),
      this.#repository.participants(caseId),
      this.#people.forCase(caseId),
      this.#places.forCase(caseId),
      this.#repository.linkedCases(caseId, viewer),
    ]);
    return { ...opened, glance, participants, people, locations, linkedCases };
  }

  async create(user: CurrentUser, input: CaseInput, actor: Actor): Promise<CaseRow> {
    const leadOfficerId = input.leadOfficerId ?? user.id;
    await this.#checkLeadOfficer(leadOfficerId, user.organisationId);
    return this.#audit.run(actor, async (trx, audit) => {
      const caseType = await this.#repository.offeredTypeForNewCase(trx, input.caseType);
      if (!caseType) throw new ValidationFailed({ caseType: 'cases.errors.typeMissing' });
      const year = Number(londonToday().slice(0, 4));
      const reference = await this.#repository.nextReference(trx, caseType.reference_prefix, year);
      const created = await this.#repository.insert(trx, reference, {
        caseType: caseType.code,
        priority: input.priority,
        summary: input.summary,
        area: input.area,
        leadOrganisationId: user.organisationId,
        leadOfficerId,
        createdBy: user.id,
      });
      await this.#repository.recordEvent(trx, created.id, {
        kind: 'case_opened',
        actorUserId: user.id,
        actorOrganisationId: user.organisationId,
        details: { reference, caseType: caseType.code, ...caseTypeNameDetail(caseType), priority: input.priority },
      });
      audit({ action: 'CASE_CREATED', recordType: 'case', recordId: created.id, details: { reference } });
      return created;
    });
  }

  async update(user: CurrentUser, caseId: string, input: CaseInput, actor: Actor): Promise<void> {
    const leadOfficerId = input.leadOfficerId;
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canEditDetails) throw new NotFound();
      if (leadOfficerId && leadOfficerId !== opened.case.lead_officer_id) await this.#checkLeadOfficer(leadOfficerId, opened.case.lead_organisation_id);
      // A case may keep a type that is no longer offered, but not move to one.
      const types = await this.#repository.allCaseTypes(trx);
      if (!types.some((type) => type.code === input.caseType && (type.active || type.code === opened.case.case_type))) throw new ValidationFailed({ caseType: 'cases.errors.typeMissing' });
      const changes = {
        case_type: input.caseType,
        priority: input.priority,
        summary: input.summary,
        area: input.area,
        lead_officer_id: leadOfficerId ?? opened.case.lead_officer_id,
      };
      const saved = await this.#repository.update(trx, caseId, input.version ?? 0, changes);
      if (!saved) throw new StaleUpdate(caseDifferences(opened.case, input), opened.case.version);
      const changed = Object.entries(changes).filter(([key, value]) => opened.case[key as keyof CaseRow] !== value).map(([key]) => key);
      await event('case_updated', { changed });
      audit({ action: 'CASE_UPDATED', recordType: 'case', recordId: caseId, details: { changed } });
    });
  }

  async transition(user: CurrentUser, caseId: string, input: TransitionInput, actor: Actor): Promise<void> {
    const transition = transitionNamed(input.transition);
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!transition || !opened.policy.canTransition(transition)) throw new ValidationFailed({ transition: 'cases.errors.transitionNotAllowed' });
      const closing = transition.to === 'closed';
      const saved = await this.#repository.update(trx, caseId, input.version, {
        status: transition.to,
        closed_at: closing ? new Date() : null,
        outcome_code: closing ? (input.outcome ?? null) : opened.case.outcome_code,
        closure_reason: closing ? input.closureReason : opened.case.closure_reason,
      });
      if (!saved) throw new StaleUpdate({ status: opened.case.status }, opened.case.version);
      const details = { from: opened.case.status, to: transition.to, outcome: input.outcome, closureReason: input.closureReason, reason: input.reason };
      await event('status_changed', details);
      audit({ action: 'CASE_STATUS_CHANGED', recordType: 'case', recordId: caseId, reason: input.reason ?? input.closureReason ?? undefined, details });
    });
  }

  /** Lets another organisation see and work on the case: the lead's decision, audited. */
  async addAgency(user: CurrentUser, caseId: string, organisationId: string, actor: Actor): Promise<void> {
    await this.#sharing.auditingRefusals(actor, () => this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canManageAgencies) throw new NotFound();
      const organisation = isUuid(organisationId)
        ? await trx.selectFrom('organisations').select(['id', 'name', 'active']).where('id', '=', organisationId).executeTakeFirst()
        : undefined;
      if (!organisation?.active || organisation.id === opened.case.lead_organisation_id) {
        throw new ValidationFailed({ organisationId: 'cases.errors.agencyMissing' });
      }
      // Taking part in the case shares it: the lead agency's data goes to the new agency.
      const purpose = purposeOfCaseType(opened.case.case_type);
      const sharing = { fromOrganisationId: opened.case.lead_organisation_id, toOrganisationId: organisation.id, purpose, dataCategories: dataCategoriesFor(purpose) };
      const { agreement } = await this.#sharing.assertSharingAllowed(trx, sharing, actor, { field: 'organisationId', action: 'case_participation', caseId });
      if (!(await this.#repository.addParticipant(trx, caseId, organisationId, user.id))) return;
      await event('agency_added', { organisationId, organisation: organisation.name });
      audit({ action: 'CASE_AGENCY_ADDED', recordType: 'case', recordId: caseId, details: { organisationId, purpose, sharingAgreement: agreement?.reference ?? null } });
    }));
  }

  async removeAgency(user: CurrentUser, caseId: string, organisationId: string, actor: Actor): Promise<void> {
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canManageAgencies) throw new NotFound();
      if (!(await this.#repository.removeParticipant(trx, caseId, organisationId))) throw new NotFound();
      await event('agency_removed', { organisationId });
      audit({ action: 'CASE_AGENCY_REMOVED', recordType: 'case', recordId: caseId, details: { organisationId } });
    });
  }

  async participants(caseId: string) {
    return this.#repository.participants(caseId);
  }

  async linkPerson(user: CurrentUser, caseId: string, personId: string, role: string, actor: Actor): Promise<void> {
    const viewer = viewerOf(user);
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canLinkRecords) throw new NotFound();
      if (!(await this.#people.isVisible(personId, viewer, trx))) throw new ValidationFailed({ personId: 'cases.errors.personMissing' });
      if (await this.#repository.linkPerson(trx, caseId, personId, role)) {
        await event('person_linked', { personId, role });
        audit({ action: 'CASE_PERSON_LINKED', recordType: 'case', recordId: caseId, details: { personId, role } });
      }
    });
  }

  async createAndLinkPerson(user: CurrentUser, caseId: string, person: PersonInput, role: string, actor: Actor): Promise<string> {
    const viewer = viewerOf(user);
    return this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canLinkRecords) throw new NotFound();
      const created = await this.#peopleService.create(trx, viewer, person, audit);
      await this.#repository.linkPerson(trx, caseId, created.id, role);
      await event('person_linked', { personId: created.id, role, new: true });
      audit({ action: 'CASE_PERSON_LINKED', recordType: 'case', recordId: caseId, details: { personId: created.id, role } });
      return created.id;
    });
  }

  async unlinkPerson(user: CurrentUser, caseId: string, personId: string, role: string, actor: Actor): Promise<void> {
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canLinkRecords) throw new NotFound();
      if (!(await this.#repository.unlinkPerson(trx, caseId, personId, role))) throw new NotFound();
      await event('person_unlinked', { personId, role });
      audit({ action: 'CASE_PERSON_UNLINKED', recordType: 'case', recordId: caseId, details: { personId, role } });
    });
  }

  async addLocation(user: CurrentUser, caseId: string, location: LocationInput, actor: Actor): Promise<void> {
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canLinkRecords) throw new NotFound();
      const created = await this.#places.create(trx, location);
      await this.#repository.linkLocation(trx, caseId, created.id);
      await event('location_linked', { locationId: created.id, address: created.address_line_1, postcode: created.postcode });
      audit({ action: 'LOCATION_CREATED', recordType: 'location', recordId: created.id });
      audit({ action: 'CASE_LOCATION_LINKED', recordType: 'case', recordId: caseId, details: { locationId: created.id } });
    });
  }

  /** Links two cases; a reference the user cannot see is "not found" like one that does not exist. */
  async linkCase(user: CurrentUser, caseId: string, reference: string, actor: Actor): Promise<void> {
    const other = await this.#repository.findVisibleByReference(reference, viewerOf(user));
    await this.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canLinkRecords) throw new NotFound();
      if (!other || other.id === caseId) throw new ValidationFailed({ reference: 'cases.errors.referenceUnknown' });
      await this.#repository.linkCases(trx, caseId, other.id);
      await event('case_linked', { linkedCaseId: other.id, reference: other.reference });
      audit({ action: 'CASE_LINKED', recordType: 'case', recordId: caseId, details: { linkedCaseId: other.id } });
    });
  }

  async list(user: CurrentUser, filters: CaseListFilters, actor: Actor) {
    const result = await this.#repository.list(viewerOf(user), filters);
    await this.#audit.record(actor, { action: 'CASE_LIST_VIEWED', recordType: 'case', details: { view: filters.view, count: result.cases.length } });
    return result;
  }

  async reviewsDue(user: CurrentUser, actor: Actor, withinDays = 7) {
    const today = londonToday();
    const cases = await this.#repository.dueForReview(viewerOf(user), addDays(today, withinDays));
    await this.#audit.record(actor, { action: 'CASE_LIST_VIEWED', recordType: 'case', details: { view: 'reviews-due', count: cases.length } });
    return { cases, today };
  }

  /** Officers of an organisation who can lead cases, for the lead officer choice. */
  async officers(organisationId: string) {
    return this.#db
      .selectFrom('users')
      .select(['id', 'name', 'role'])
      .where('organisation_id', '=', organisationId)
      .where('disabled', '=', false)
      .where('role', 'in', ['case_manager', 'case_worker'])
      .orderBy('name')
      .execute();
  }

  async #open(trx: Transaction<Database>, user: CurrentUser, caseId: string): Promise<OpenedCase> {
    const viewer = viewerOf(user);
    const found = await this.#repository.findVisible(caseId, viewer, trx);
    const relationship = found ? await relationshipTo(trx, caseId, viewer) : undefined;
    if (!found || !relationship) throw new NotFound();
    return { case: found, relationship, policy: casePolicy(user, relationship, found.status) };
  }

  /** Anything done through break-glass access is flagged in the audit log. */
  #withBreakGlassFlag(audit: RecordAudit, relationship: CaseRelationship): RecordAudit {
    if (relationship !== 'break-glass') return audit;
    return (entry: AuditEntry) => audit({ ...entry, breakGlass: true });
  }

  async #checkLeadOfficer(userId: string, organisationId: string): Promise<void> {
    const officers = await this.officers(organisationId);
    if (!officers.some((officer) => officer.id === userId)) throw new ValidationFailed({ leadOfficerId: 'cases.errors.leadOfficerInvalid' });
  }
}

function caseDifferences(current: CaseSummary, input: CaseInput): Record<string, string> {
  const pairs: [string, unknown, unknown][] = [
    ['caseType', current.case_type, input.caseType],
    ['priority', current.priority, input.priority],
    ['summary', current.summary, input.summary],
    ['area', current.area, input.area],
    ['leadOfficerId', current.lead_officer_id, input.leadOfficerId ?? current.lead_officer_id],
  ];
  return Object.fromEntries(pairs.filter(([, now, typed]) => (now ?? null) !== (typed ?? null)).map(([field, now]) => [field, now == null ? '' : String(now)]));
}

/** The timeline names a type the catalogue cannot translate by the name it had when the case opened. */
export function caseTypeNameDetail(caseType: { name: string; name_translated: boolean }): { caseTypeName?: string } {
  return caseType.name_translated ? {} : { caseTypeName: caseType.name };
}
