import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { londonToday } from '../../shared/dates.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { CasesRepository } from '../cases/casesRepository.ts';
import { PersonSearchRepository } from '../search/personSearchRepository.ts';
import type { PersonSearchInput } from '../search/searchSchemas.ts';
import { subjectAccessPolicy } from './dataProtectionPolicy.ts';
import type { ApproveInput, ExtendInput, NewRequestInput, RedactionsInput } from './dataProtectionSchemas.ts';
import { subjectAccessDueOn } from './statutoryDeadline.ts';
import { buildSubjectAccessExport, type SubjectAccessExport } from './subjectAccessExport.ts';
import { type RequestSummary, SubjectAccessRepository } from './subjectAccessRepository.ts';
import { type SubjectAccessFindings, SubjectAccessSourcesRepository } from './subjectAccessSourcesRepository.ts';

/** The reason written on every audit event of a request: the officer's purpose for seeing the data. */
export const reasonFor = (request: Pick<RequestSummary, 'reference' | 'id'>) => `Subject access request ${request.reference} (${request.id})`;

/**
 * Subject access requests. The data-protection officer sees a person's data whatever the case
 * need-to-know says — answering the request is the purpose — so every read is audited with the
 * request as the reason, on the person's own record (it shows in their access review).
 */
export class SubjectAccessService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #requests: SubjectAccessRepository;
  readonly #sources = new SubjectAccessSourcesRepository();
  readonly #search = new PersonSearchRepository();
  readonly #counters: CasesRepository;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#audit = audit;
    this.#requests = new SubjectAccessRepository(db);
    this.#counters = new CasesRepository(db);
  }

  /** The fuzzy person search over everyone in the partnership, to find whom a request is about. */
  async findPeople(input: PersonSearchInput, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const matches = await this.#search.search(trx, 'everyone', { name: input.name, dateOfBirth: input.dateOfBirth, postcode: input.postcode }, 20);
      audit({ action: 'PERSON_SEARCHED', recordType: 'person', reason: 'Finding the person a subject access request is about', details: { name: input.typedName, results: matches.length, scope: 'partnership' } });
      return matches;
    });
  }

  /** The person chosen for a new request: name and date of birth, to confirm on the form. */
  async chosenPerson(personId: string, actor: Actor) {
    if (!isUuid(personId)) throw new NotFound();
    return this.#audit.run(actor, async (trx, audit) => {
      const person = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'date_of_birth']).where('id', '=', personId).executeTakeFirst();
      if (!person) throw new NotFound();
      audit({ action: 'PERSON_VIEWED', recordType: 'person', recordId: personId, reason: 'Recording a subject access request', details: { page: 'new-subject-access-request' } });
      return person;
    });
  }

  async create(user: CurrentUser, input: NewRequestInput, actor: Actor): Promise<string> {
    if (input.receivedOn > londonToday()) throw new ValidationFailed({ receivedOn: 'dataProtection.errors.receivedOn.future' });
    return this.#audit.run(actor, async (trx, audit) => {
      const person = await trx.selectFrom('people').select('id').where('id', '=', input.personId).executeTakeFirst();
      if (!person) throw new ValidationFailed({ personId: 'dataProtection.errors.personMissing' });
      const reference = await this.#counters.nextReference(trx, 'SAR', Number(input.receivedOn.slice(0, 4)));
      const created = await this.#requests.insert(trx, { ...input, reference, dueOn: subjectAccessDueOn(input.receivedOn), createdBy: user.id });
      audit({ action: 'SUBJECT_ACCESS_REQUEST_CREATED', recordType: 'person', recordId: input.personId, reason: reasonFor(created), details: { requestId: created.id, reference, receivedOn: input.receivedOn, identityVerified: input.identityVerified } });
      return created.id;
    });
  }

  async list(status: 'open' | 'approved' | undefined, actor: Actor) {
    const requests = await this.#requests.list(status);
    await this.#audit.record(actor, { action: 'SUBJECT_ACCESS_REQUEST_LIST_VIEWED', recordType: 'subject_access_request', details: { status: status ?? 'all', count: requests.length } });
    return requests;
  }

  /** "Find everything": the request with every record about the person, and the export as it stands. */
  async view(requestId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const request = await this.#requests.find(requestId, trx);
      if (!request) throw new NotFound();
      const findings = (await this.#sources.find(trx, request.person_id))!;
      audit({ action: 'SUBJECT_ACCESS_REQUEST_VIEWED', recordType: 'person', recordId: request.person_id, reason: reasonFor(request), details: { requestId: request.id, ...countsOf(findings) } });
      return { request, findings, policy: subjectAccessPolicy(request), preview: this.#export(request, findings) };
    });
  }

  async saveDecisions(requestId: string, input: RedactionsInput, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const request = await this.#lockOpen(trx, requestId, input.version);
      const findings = (await this.#sources.find(trx, request.person_id))!;
      // Only keys of what was found count: a made-up key cannot hide or add anything.
      const known = redactableKeys(findings);
      const candidates = new Set(findings.incidents.filter((found) => found.candidate).map((found) => `incident_person:${found.incident_person_id}`));
      const redactions = [...new Set(input.redact.filter((key) => known.has(key)))];
      const confirmedCandidates = [...new Set(input.confirm.filter((key) => candidates.has(key)))];
      await this.#requests.saveDecisions(trx, request.id, { redactions, confirmedCandidates });
      audit({ action: 'SUBJECT_ACCESS_REDACTIONS_UPDATED', recordType: 'person', recordId: request.person_id, reason: reasonFor(request), details: { requestId: request.id, redactions, confirmedCandidates } });
    });
  }

  async extend(requestId: string, input: ExtendInput, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const request = await this.#lockOpen(trx, requestId, input.version);
      if (!subjectAccessPolicy(request).canExtend || request.extension_months + input.extensionMonths > 2) {
        throw new ValidationFailed({ extensionMonths: 'dataProtection.errors.extensionTooLong' });
      }
      const months = request.extension_months + input.extensionMonths;
      const dueOn = subjectAccessDueOn(request.received_on, months);
      await this.#requests.extend(trx, request.id, { months, reason: input.extensionReason, dueOn });
      audit({ action: 'SUBJECT_ACCESS_REQUEST_EXTENDED', recordType: 'person', recordId: request.person_id, reason: reasonFor(request), details: { requestId: request.id, months, dueOn, why: input.extensionReason } });
    });
  }

  /** Releases the export: it is frozen as approved, and only then can be downloaded. */
  async approve(user: CurrentUser, requestId: string, input: ApproveInput, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const request = await this.#lockOpen(trx, requestId, input.version);
      if (subjectAccessPolicy(request).needsIdentityConfirmation && input.identityConfirmed !== 'yes') {
        throw new ValidationFailed({ identityConfirmed: 'dataProtection.errors.identityNotVerified' });
      }
      if (!request.identity_verified) await trx.updateTable('subject_access_requests').set({ identity_verified: true }).where('id', '=', request.id).execute();
      const findings = (await this.#sources.find(trx, request.person_id))!;
      const approved = this.#export(request, findings);
      await this.#requests.approve(trx, request.id, user.id, approved);
      audit({
        action: 'SUBJECT_ACCESS_EXPORT_APPROVED',
        recordType: 'person',
        recordId: request.person_id,
        reason: reasonFor(request),
        details: { requestId: request.id, redactions: request.redactions.length, confirmedCandidates: request.confirmed_candidates.length, ...countsOf(findings) },
      });
    });
  }

  /** The approved export, for download; a request not yet approved has none ("not found"). */
  async download(requestId: string, format: 'html' | 'json', actor: Actor): Promise<{ request: RequestSummary; export: SubjectAccessExport }> {
    return this.#audit.run(actor, async (trx, audit) => {
      const request = await this.#requests.find(requestId, trx);
      const approved = request && (await this.#requests.approvedExport(request.id, trx));
      if (!request || !approved) throw new NotFound();
      audit({ action: 'SUBJECT_ACCESS_EXPORT_DOWNLOADED', recordType: 'person', recordId: request.person_id, reason: reasonFor(request), details: { requestId: request.id, format } });
      return { request, export: approved as unknown as SubjectAccessExport };
    });
  }

  async #lockOpen(trx: Parameters<Parameters<AuditTrail['run']>[1]>[0], requestId: string, version: number): Promise<RequestSummary> {
    const request = await this.#requests.find(requestId, trx, { lock: true });
    if (!request) throw new NotFound();
    if (request.status !== 'open') throw new Conflict('dataProtection.errors.alreadyApproved');
    if (request.version !== version) throw new Conflict('dataProtection.errors.stale');
    return request;
  }

  #export(request: RequestSummary, findings: SubjectAccessFindings): SubjectAccessExport {
    return buildSubjectAccessExport(
      { reference: request.reference, requesterName: request.requester_name, receivedOn: request.received_on, dueOn: request.due_on },
      findings,
      { redactions: request.redactions, confirmedCandidates: request.confirmed_candidates },
      new Date(),
    );
  }
}

/** Every key the DPO may tick to redact: third parties named alongside the person, and notes. */
export function redactableKeys(findings: SubjectAccessFindings): Set<string> {
  return new Set([
    ...findings.casePeople.map((party) => party.key),
    ...findings.incidentPeople.map((party) => party.key),
    ...findings.alertPeople.map((party) => party.key),
    ...findings.notes.map((note) => `note:${note.id}`),
  ]);
}

function countsOf(findings: SubjectAccessFindings) {
  return {
    cases: findings.cases.map((found) => found.id),
    incidents: findings.incidents.filter((found) => !found.candidate).length,
    candidateIncidents: findings.incidents.filter((found) => found.candidate).length,
    notes: findings.notes.length,
    referrals: findings.referrals.length,
    alerts: findings.alerts.length,
    riskAssessments: findings.riskAssessments.length,
    accessEvents: findings.accessLog.length,
  };
}
