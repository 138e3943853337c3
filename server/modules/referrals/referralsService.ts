import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, PathwayQuestion, ReferralPathwayRow, ReferralRow } from '../../db/schema.ts';
import { type Actor, systemActor } from '../../shared/actor.ts';
import { Conflict, type FieldErrors, NotFound, uniqueViolation, ValidationFailed } from '../../shared/errors.ts';
import { translatorFor, isLocale, locales } from '../../shared/i18n/index.ts';
import { formatDateTime } from '../../shared/time.ts';
import { englandAndWalesCalendar, type WorkingCalendar } from '../../shared/workingTime.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail, RecordAudit } from '../audit/auditTrail.ts';
import { CasesRepository } from '../cases/casesRepository.ts';
import type { CasesService } from '../cases/casesService.ts';
import { caseTypeNameDetail, viewerOf } from '../cases/casesService.ts';
import { organisationTypes } from '../organisations/organisationTypes.ts';
import { PeopleRepository } from '../people/peopleRepository.ts';
import { SharingAgreementsService } from '../sharingAgreements/sharingAgreementsService.ts';
import { dataCategoriesFor, purposeOfReferral } from '../sharingAgreements/sharingPurposes.ts';
import { referralDeadlinesFor } from './referralDeadlines.ts';
import { type ReferralPolicy, referralPolicy, type ReferralSide, type ReferralStep, referralSteps } from './referralsPolicy.ts';
import { ESCALATION_ROLES, INBOX_ROLES, ReferralsRepository, type ScanMarked } from './referralsRepository.ts';
import { type AcceptInput, type DeclineInput, type InboxQuery, type MoreInfoInput, type NewReferralInput, type PathwayInput, type PostedQuestion, type ProvideInfoInput, type ReferralUrgency, validateQuestions, type WithdrawInput } from './referralsSchemas.ts';

export const REFERRALS_PAGE_SIZE = 25;

/**
 * A referral step that cannot happen in the referral's current state: someone else got there
 * first, or the referrer withdrew it. `messageKey` says which, in words the person can act on.
 */
export class ReferralStepRefused extends Conflict {
  readonly messageKey: string;

  constructor(messageKey: string) {
    super('The referral is no longer in a state that allows this');
    this.messageKey = messageKey;
  }
}

/** What the referral form is about: a case (through `withCase`) or a person. */
type Subject = { caseId: string; personId: string | null } | { caseId: null; personId: string };

export interface ScanResult {
  acknowledgeReminders: number;
  acknowledgeBreaches: number;
  decideReminders: number;
  decideBreaches: number;
  emails: number;
}

interface Options {
  calendar?: WorkingCalendar;
  now?: () => Date;
  /** The information-sharing agreements every referral must fall under. */
  sharing?: SharingAgreementsService;
}

/**
 * Referrals and handovers: sending (from a case or about a person, optionally through a
 * pathway), the receiver's steps (acknowledge, accept, decline, ask for more), the referrer's
 * (answer, withdraw, redirect), the deadlines and their scan. Each step locks the referral row,
 * so two people acting at once are served one after the other and the second is told why
 * nothing happened; each is audited and, for a case, put on the case timeline in the same
 * transaction.
 */
export class ReferralsService {
  readonly #repository: ReferralsRepository;
  readonly #casesRepository: CasesRepository;
  readonly #people: PeopleRepository;
  readonly #cases: CasesService;
  readonly #audit: AuditTrail;
  readonly #calendar: WorkingCalendar;
  readonly #now: () => Date;
  readonly #sharing: SharingAgreementsService;

  constructor(db: Kysely<Database>, audit: AuditTrail, cases: CasesService, options: Options = {}) {
    this.#repository = new ReferralsRepository(db);
    this.#casesRepository = new CasesRepository(db);
    this.#people = new PeopleRepository(db);
    this.#cases = cases;
    this.#audit = audit;
    this.#calendar = options.calendar ?? englandAndWalesCalendar();
    this.#now = options.now ?? (() => new Date());
    this.#sharing = options.sharing ?? new SharingAgreementsService(db, audit);
  }

  /** Pathways the user's organisation may use. */
  async pathwaysFor(user: CurrentUser): Promise<ReferralPathwayRow[]> {
    const organisation = await this.#repository.organisation(user.organisationId);
    return (await this.#repository.pathways()).filter((pathway) => usableBy(pathway, organisation?.type));
  }

  /** What the referral form offers: the pathway (if one was chosen) and where the referral may go. */
  async formOptions(user: CurrentUser, pathwayCode: string | null | undefined) {
    const pathway = pathwayCode ? await this.#usablePathway(user, pathwayCode) : null;
    if (pathwayCode && !pathway) throw new NotFound();
    const destinations = await this.#repository.destinations(user.organisationId, pathway);
    return { pathway, destinations };
  }

  /** The case's referrals tab. */
  async forCase(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page: 'referrals' } });
      return { opened, referrals: await this.#repository.forCase(caseId, trx), canRefer: opened.policy.canEdit };
    });
  }

  /** The case as the referral form shows it; referring needs the right to work on the case. */
  async caseForReferral(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, audit }) => {
      if (!opened.policy.canEdit) throw new NotFound();
      audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page: 'new-referral' } });
      return opened;
    });
  }

  /** The person the referral form is about, if the user may see them; reading them is audited. */
  async personForReferral(user: CurrentUser, personId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      if (!(await this.#people.isVisible(personId, viewerOf(user), trx))) throw new NotFound();
      const person = await this.#people.findById(personId, trx);
      if (!person) throw new NotFound();
      audit({ action: 'PERSON_VIEWED', recordType: 'person', recordId: personId, details: { page: 'new-referral' } });
      return person;
    });
  }

  async referCase(user: CurrentUser, caseId: string, input: NewReferralInput, actor: Actor, redirectedFromId: string | null = null): Promise<ReferralRow> {
    return this.#sharing.auditingRefusals(actor, () =>
      this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
        if (!opened.policy.canEdit) throw new NotFound();
        return this.#send(trx, audit, user, { caseId, personId: null }, input, redirectedFromId, actor, opened.case.case_type);
      }),
    );
  }

  async referPerson(user: CurrentUser, personId: string, input: NewReferralInput, actor: Actor, redirectedFromId: string | null = null): Promise<ReferralRow> {
    return this.#sharing.auditingRefusals(actor, () =>
      this.#audit.run(actor, async (trx, audit) => {
        if (!(await this.#people.isVisible(personId, viewerOf(user), trx))) throw new NotFound();
        return this.#send(trx, audit, user, { caseId: null, personId }, input, redirectedFromId, actor, null);
      }),
    );
  }

  /** Sends a new referral in place of a declined one, about the same case or person. */
  async redirect(user: CurrentUser, referralId: string, input: NewReferralInput, actor: Actor): Promise<ReferralRow> {
    const declined = await this.#repository.findForOrganisation(referralId, user.organisationId);
    if (!declined) throw new NotFound();
    const side = sideOf(declined, user);
    if (side !== referralSteps.redirect.side) throw new NotFound();
    if (!referralPolicy(user, side, declined.status).canRedirect) throw new ReferralStepRefused('referrals.conflicts.notDeclined');
    return declined.case_id
      ? this.referCase(user, declined.case_id, input, actor, declined.id)
      : this.referPerson(user, declined.person_id!, input, actor, declined.id);
  }

  /** One referral, for either end of it; reading it is audited. */
  async view(user: CurrentUser, referralId: string, actor: Actor) {
    const referral = await this.#repository.findForOrganisation(referralId, user.organisationId);
    if (!referral) throw new NotFound();
    const side = sideOf(referral, user);
    const events = await this.#repository.events(referral.id);
    await this.#audit.record(actor, { action: 'REFERRAL_VIEWED', recordType: 'referral', recordId: referral.id, details: { side } });
    const policy = referralPolicy(user, side, referral.status);
    const caseTypes = !referral.case_id && policy.canAccept ? await this.#casesRepository.caseTypes() : [];
    // Until it accepts, the receiver sees what was referred, not the case it came from.
    const showCase = side === 'sender' || referral.status === 'accepted';
    return { referral: { ...referral, case_reference: showCase ? referral.case_reference : null }, events, side, policy, caseTypes };
  }

  /** Refuses, as "not found", a step that only the other end of the referral takes (or a referral the user cannot see). */
  async requireSide(user: CurrentUser, referralId: string, step: ReferralStep): Promise<void> {
    const referral = await this.#repository.findForOrganisation(referralId, user.organisationId);
    if (!referral || sideOf(referral, user) !== referralSteps[step].side) throw new NotFound();
  }

  async inbox(user: CurrentUser, query: InboxQuery) {
    return this.#list(user, 'to', query);
  }

  async sent(user: CurrentUser, query: InboxQuery) {
    return this.#list(user, 'from', query);
  }

  async openCount(user: CurrentUser): Promise<number> {
    return this.#repository.openCount(user.organisationId);
  }

  async acknowledge(user: CurrentUser, referralId: string, version: number, actor: Actor): Promise<ReferralRow> {
    return this.#step(user, referralId, 'acknowledge', version, actor, async ({ now }) => ({ changes: { acknowledged_at: now, acknowledged_by: user.id }, details: {} }));
  }

  async requestMoreInfo(user: CurrentUser, referralId: string, input: MoreInfoInput, actor: Actor): Promise<ReferralRow> {
    return this.#step(user, referralId, 'requestMoreInfo', input.version, actor, async ({ trx, referral, now }) => {
      await this.#tellReferrer(trx, referral, 'referral_more_info_requested', { request: input.moreInfoRequest });
      return { changes: { more_info_request: input.moreInfoRequest, acknowledged_at: referral.acknowledged_at ?? now, acknowledged_by: referral.acknowledged_by ?? user.id }, details: { request: input.moreInfoRequest } };
    });
  }

  async provideInfo(user: CurrentUser, referralId: string, input: ProvideInfoInput, actor: Actor): Promise<ReferralRow> {
    return this.#step(user, referralId, 'provideInfo', input.version, actor, async ({ trx, referral }) => {
      await this.#tellReceivers(trx, referral, 'referral_info_provided');
      return {
        changes: { information_shared: `${referral.information_shared}\n\n${input.information}`, more_info_request: null },
        details: { information: input.information },
      };
    });
  }

  async withdraw(user: CurrentUser, referralId: string, input: WithdrawInput, actor: Actor): Promise<ReferralRow> {
    return this.#step(user, referralId, 'withdraw', input.version, actor, async ({ trx, referral, now }) => {
      await this.#tellReceivers(trx, referral, 'referral_withdrawn');
      return { changes: { withdrawn_at: now, withdrawal_reason: input.withdrawalReason }, details: { reason: input.withdrawalReason } };
    });
  }

  async decline(user: CurrentUser, referralId: string, input: DeclineInput, actor: Actor): Promise<ReferralRow> {
    return this.#step(user, referralId, 'decline', input.version, actor, async ({ trx, referral, now }) => {
      await this.#tellReferrer(trx, referral, 'referral_declined', { reason: input.declineReason, code: input.declineCode }, true);
      return {
        changes: { decided_at: now, decided_by: user.id, decline_code: input.declineCode, decline_reason: input.declineReason },
        details: { code: input.declineCode, reason: input.declineReason },
      };
    });
  }

  /**
   * Accepts: joins the referred case as a participating agency (need-to-know access from now on)
   * or, for a person referred without a case, opens a case led by the receiver with the person
   * on it.
   */
  async accept(user: CurrentUser, referralId: string, input: AcceptInput, actor: Actor): Promise<ReferralRow> {
    return this.#sharing.auditingRefusals(actor, () =>
      this.#step(user, referralId, 'accept', input.version, actor, async ({ trx, referral, now, audit }) => {
        // The agreement that allowed sending may have expired or been withdrawn since: ask again.
        const basis = await this.#repository.sharingBasis(trx, referral);
        const purpose = purposeOfReferral(basis.pathwayCode, basis.caseType);
        const sharing = { fromOrganisationId: referral.from_organisation_id, toOrganisationId: referral.to_organisation_id, purpose, dataCategories: dataCategoriesFor(purpose) };
        const { agreement } = await this.#sharing.assertSharingAllowed(trx, sharing, actor, { field: 'sharing', action: 'referral_acceptance', caseId: referral.case_id, referralId: referral.id });
        const caseId = referral.case_id ? await this.#joinCase(trx, user, referral) : await this.#openCase(trx, user, referral, input, audit);
        await this.#tellReferrer(trx, referral, 'referral_accepted', {});
        return { changes: { decided_at: now, decided_by: user.id, accepted_case_id: caseId }, details: { caseId, purpose, sharingAgreement: agreement?.reference ?? null } };
      }),
    );
  }

  /**
   * The deadline scan: reminds the receiving organisation's staff when three quarters of the time
   * has gone, and escalates a missed deadline to its case managers (in-app and by e-mail) and to
   * the partnership dashboard. Idempotent: each referral is marked as reminded or breached in the
   * same statement that notifies, so running it again, or in two processes at once, sends nothing
   * twice. Breaches go first so that a referral already late is escalated, not reminded.
   */
  async scanDeadlines(now: Date = this.#now()): Promise<ScanResult> {
    return this.#audit.run(systemActor('referral-scheduler'), (trx, audit) => this.#scan(trx, audit, now));
  }

  /**
   * The scan as a scheduler runs it: skipped (undefined) while another process is scanning, so
   * that several app processes on one database take turns rather than queue up.
   */
  async scanDeadlinesUnlessRunning(now: Date = this.#now()): Promise<ScanResult | undefined> {
    return this.#audit.run(systemActor('referral-scheduler'), async (trx, audit) =>
      (await this.#repository.tryScanLock(trx)) ? this.#scan(trx, audit, now) : undefined,
    );
  }

  async #scan(trx: Transaction<Database>, audit: RecordAudit, now: Date): Promise<ScanResult> {
    {
      const breaches = await this.#repository.markDue(trx, 'breach', now);
      const reminders = await this.#repository.markDue(trx, 'remind', now);
      const emails = await this.#emailBreaches(trx, breaches);
      const result: ScanResult = {
        acknowledgeReminders: reminders.counts.acknowledge,
        acknowledgeBreaches: breaches.counts.acknowledge,
        decideReminders: reminders.counts.decide,
        decideBreaches: breaches.counts.decide,
        emails,
      };
      if (Object.values(result).some((count) => count > 0)) audit({ action: 'REFERRAL_DEADLINES_SCANNED', recordType: 'referral', details: { ...result, at: now.toISOString() } });
      return result;
    }
  }

  async allPathways() {
    return this.#repository.allPathways();
  }

  /** A pathway (or none, for a new one) and the active organisations it may be pointed at. */
  async pathwayForm(pathwayId: string | null) {
    const pathway = pathwayId ? ((await this.#repository.pathwayById(pathwayId)) ?? null) : null;
    if (pathwayId && !pathway) throw new NotFound();
    return { pathway, organisations: await this.#repository.activeOrganisations() };
  }

  /** A new pathway, offered at once; its code (used in links) comes from its name. */
  async createPathway(input: PathwayInput, posted: PostedQuestion[], actor: Actor): Promise<ReferralPathwayRow> {
    // Two saves at the same moment can both find the same free code; the loser tries again, and
    // then either sees the other's name (a form error) or finds the next free code.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#insertPathway(input, posted, actor);
      } catch (error) {
        if (attempt >= 3 || uniqueViolation(error) !== 'referral_pathways_code_key') throw error;
      }
    }
  }

  async #insertPathway(input: PathwayInput, posted: PostedQuestion[], actor: Actor): Promise<ReferralPathwayRow> {
    return this.#audit.run(actor, async (trx, audit) => {
      const settings = await this.#pathwaySettings(trx, null, input, posted);
      const code = await this.#repository.freeCode(trx, slugOf(input.name));
      const created = await this.#repository.insertPathway(trx, { ...settings, code, active: true, sort_order: await this.#repository.nextPathwaySortOrder(trx) });
      audit({ action: 'REFERRAL_PATHWAY_CREATED', recordType: 'referral_pathway', recordId: created.id, details: { code, ...settings, questions: created.questions } });
      return created;
    }).catch(nameTakenMeanwhile);
  }

  /**
   * The partnership's changes to a pathway. Referrals already sent keep the questions they were
   * asked; taking a pathway out of use retires it (it is never deleted, so that its referrals
   * still name it).
   */
  async updatePathway(pathwayId: string, input: PathwayInput, posted: PostedQuestion[], actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const pathway = await this.#repository.pathwayById(pathwayId, trx);
      if (!pathway) throw new NotFound();
      const settings = await this.#pathwaySettings(trx, pathway, input, posted);
      await this.#repository.updatePathway(trx, pathwayId, { ...settings, active: input.active });
      const questions = JSON.parse(settings.questions) as PathwayQuestion[];
      const action = pathway.active && !input.active ? 'REFERRAL_PATHWAY_RETIRED' : 'REFERRAL_PATHWAY_UPDATED';
      audit({ action, recordType: 'referral_pathway', recordId: pathwayId, details: { code: pathway.code, active: input.active, ...settings, questions } });
    }).catch(nameTakenMeanwhile);
  }

  /** Checks a posted pathway as a whole, so that the error summary lists every problem at once. */
  async #pathwaySettings(trx: Transaction<Database>, pathway: ReferralPathwayRow | null, input: PathwayInput, posted: PostedQuestion[]) {
    const { questions, fieldErrors } = validateQuestions(posted, () => `q${randomUUID().replace(/-/g, '').slice(0, 10)}`);
    const errors: FieldErrors = { ...fieldErrors };
    if (await this.#repository.pathwayNameTaken(trx, input.name, pathway?.id ?? null)) errors.name = 'referrals.errors.pathwayNameTaken';
    const unknownTypes = input.fromOrganisationTypes.filter((type) => !(organisationTypes as readonly string[]).includes(type));
    if (unknownTypes.length > 0) errors.fromOrganisationTypes = 'referrals.errors.fromOrganisationTypesInvalid';
    let toOrganisationType = pathway?.to_organisation_type ?? null;
    if (input.toOrganisationId) {
      const organisation = await this.#repository.organisation(input.toOrganisationId, trx);
      if (!organisation) errors.toOrganisationId = 'referrals.errors.toOrganisationMissing';
      else if (!organisation.active) errors.toOrganisationId = 'referrals.errors.toOrganisationInactive';
      else toOrganisationType = organisation.type;
    } else if (!toOrganisationType) errors.toOrganisationId = 'referrals.errors.toOrganisationMissing';
    if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
    const custom = input.acknowledgeWithinMinutes || input.decideWithinMinutes;
    return {
      name: input.name,
      description: input.description,
      from_organisation_types: input.fromOrganisationTypes,
      to_organisation_id: input.toOrganisationId,
      to_organisation_type: toOrganisationType,
      default_urgency: input.defaultUrgency,
      acknowledge_within_minutes: input.acknowledgeWithinMinutes,
      decide_within_minutes: input.decideWithinMinutes,
      deadline_clock: custom ? (input.deadlineClock ?? 'elapsed') : null,
      handover_target_minutes: input.handoverTargetMinutes,
      questions: JSON.stringify(questions.map(withoutCatalogueText)),
    };
  }

  /** The partnership dashboard: open, overdue, breached, accepted, declined, average working time to accept, decline reasons. */
  async dashboard(actor: Actor) {
    const now = this.#now();
    const { figures, declines } = await this.#repository.dashboard(now);
    const accepted = await this.#repository.acceptedTimes();
    const averages = new Map<string, { total: number; count: number }>();
    for (const row of accepted) {
      const key = `${row.to_organisation_id}|${row.pathway_name ?? ''}`;
      const entry = averages.get(key) ?? { total: 0, count: 0 };
      entry.total += this.#calendar.workingMinutesBetween(row.created_at, row.decided_at!);
      entry.count += 1;
      averages.set(key, entry);
    }
    const rows = figures.map((row) => {
      const average = averages.get(`${row.organisation_id}|${row.pathway_name ?? ''}`);
      return {
        organisationName: row.organisation_name,
        pathwayName: row.pathway_name,
        open: Number(row.open),
        overdue: Number(row.overdue),
        breached: Number(row.breached),
        accepted: Number(row.accepted),
        declined: Number(row.declined),
        averageWorkingHoursToAccept: average ? Math.round((average.total / average.count / 60) * 10) / 10 : null,
      };
    });
    await this.#audit.record(actor, { action: 'REFERRAL_DASHBOARD_VIEWED', recordType: 'referral' });
    return { rows, declines: declines.map((row) => ({ code: row.decline_code, count: Number(row.count) })) };
  }

  async #list(user: CurrentUser, direction: 'to' | 'from', query: InboxQuery) {
    const page = { limit: REFERRALS_PAGE_SIZE, offset: (query.page - 1) * REFERRALS_PAGE_SIZE };
    // The lists show no personal data (no names, reasons or information shared: only references,
    // organisations, urgency, dates and status), so reading one is not audited; opening a
    // referral is. Auditing every list view would also queue each page on the audit chain's lock.
    const { rows, total } = await this.#repository.listFor(direction, user.organisationId, query.status, page);
    const now = this.#now();
    return {
      rows: rows.map((row) => ({ ...row, overdue: isOverdue(row, now), case_reference: direction === 'from' || row.status === 'accepted' ? row.case_reference : null })),
      total,
      pages: Math.max(1, Math.ceil(total / REFERRALS_PAGE_SIZE)),
    };
  }

  async #usablePathway(user: CurrentUser, code: string, executor?: Transaction<Database>): Promise<ReferralPathwayRow | undefined> {
    const pathway = await this.#repository.pathwayByCode(code, executor);
    const organisation = await this.#repository.organisation(user.organisationId, executor);
    return pathway && usableBy(pathway, organisation?.type) ? pathway : undefined;
  }

  async #send(trx: Transaction<Database>, audit: RecordAudit, user: CurrentUser, subject: Subject, input: NewReferralInput, redirectedFromId: string | null, actor: Actor, caseType: string | null): Promise<ReferralRow> {
    const errors: FieldErrors = {};
    const pathway = input.pathway ? await this.#usablePathway(user, input.pathway, trx) : null;
    if (input.pathway && !pathway) errors.pathway = 'referrals.errors.pathwayUnknown';
    const destination = await this.#repository.organisation(input.toOrganisationId, trx);
    if (!destination) errors.toOrganisationId = 'referrals.errors.toOrganisationMissing';
    else if (!destination.active) errors.toOrganisationId = 'referrals.errors.toOrganisationInactive';
    else if (destination.id === user.organisationId) errors.toOrganisationId = 'referrals.errors.toOrganisationSelf';
    else if (pathway && !(await this.#repository.destinations(user.organisationId, pathway, trx)).some((candidate) => candidate.id === destination.id)) {
      errors.toOrganisationId = 'referrals.errors.toOrganisationNotOnPathway';
    }
    const answers = pathwayAnswers(pathway, input as Record<string, unknown>, errors);
    if (input.urgency !== 'immediate' && (pathway?.questions ?? []).some((question) => question.immediateIfYes && answers[question.key] === 'yes')) {
      errors.urgency = 'referrals.errors.urgencyMustBeImmediate';
    }
    if (Object.keys(errors).length > 0 || !destination) throw new ValidationFailed(errors);
    const purpose = purposeOfReferral(pathway?.code, caseType);
    const sharing = { fromOrganisationId: user.organisationId, toOrganisationId: destination.id, purpose, dataCategories: dataCategoriesFor(purpose) };
    const { agreement } = await this.#sharing.assertSharingAllowed(trx, sharing, actor, { field: 'toOrganisationId', action: 'referral', caseId: subject.caseId });
    const now = this.#now();
    const policeAttended = answers.policeAttended === 'yes';
    const deadlines = referralDeadlinesFor(this.#calendar, now, input.urgency as ReferralUrgency, pathway, policeAttended);
    const referral = await this.#repository.insert(trx, {
      case_id: subject.caseId,
      person_id: subject.personId,
      pathway_id: pathway?.id ?? null,
      from_organisation_id: user.organisationId,
      from_user_id: user.id,
      to_organisation_id: destination.id,
      to_team: input.toTeam ?? pathway?.to_team ?? null,
      urgency: input.urgency,
      reason: input.reason,
      requested: input.requested,
      information_shared: input.informationShared,
      lawful_basis: input.lawfulBasis,
      lawful_basis_detail: input.lawfulBasisDetail,
      consent: input.consent,
      consent_reason: input.consent === 'given' ? null : input.consentReason,
      answers: JSON.stringify(answers),
      questions: pathway ? JSON.stringify(pathway.questions) : null,
      police_attended: policeAttended,
      acknowledge_due_at: deadlines.acknowledgeDueAt,
      decide_due_at: deadlines.decideDueAt,
      redirected_from_id: redirectedFromId,
      created_at: now,
    });
    const details = { reference: referral.reference, toOrganisation: destination.name, urgency: referral.urgency, pathway: pathway?.code ?? null };
    await this.#repository.recordEvent(trx, referral.id, { kind: 'sent', actorUserId: user.id, actorOrganisationId: user.organisationId, details });
    if (subject.caseId) {
      await this.#casesRepository.recordEvent(trx, subject.caseId, { kind: 'referral_sent', actorUserId: user.id, actorOrganisationId: user.organisationId, details: { ...details, referralId: referral.id } });
    }
    await this.#tellReceivers(trx, referral, 'referral_received');
    audit({
      action: 'REFERRAL_SENT',
      recordType: 'referral',
      recordId: referral.id,
      details: { toOrganisationId: destination.id, caseId: subject.caseId, personId: subject.personId, lawfulBasis: input.lawfulBasis, consent: input.consent, redirectedFromId, purpose, sharingAgreement: agreement?.reference ?? null },
    });
    return referral;
  }

  /**
   * One step of the workflow on a locked referral: checks the side, the status and the version,
   * lets `work` do what the step needs, then saves, records the event (on the case timeline too)
   * and audits, all in one transaction.
   */
  async #step(
    user: CurrentUser,
    referralId: string,
    step: ReferralStep,
    version: number,
    actor: Actor,
    work: (context: { trx: Transaction<Database>; referral: ReferralRow; now: Date; audit: RecordAudit }) => Promise<{ changes: Parameters<ReferralsRepository['update']>[3]; details: Record<string, unknown> }>,
  ): Promise<ReferralRow> {
    const rule = referralSteps[step];
    return this.#audit.run(actor, async (trx, audit) => {
      const referral = await this.#repository.lockForOrganisation(trx, referralId, user.organisationId);
      if (!referral) throw new NotFound();
      const side = sideOf(referral, user);
      if (side !== rule.side) throw new NotFound();
      if (!(rule.from as readonly string[]).includes(referral.status)) throw new ReferralStepRefused(refusalFor(referral.status));
      if (version !== referral.version) throw new ReferralStepRefused('referrals.conflicts.stale');
      const now = this.#now();
      const { changes, details } = await work({ trx, referral, now, audit });
      const saved = await this.#repository.update(trx, referral.id, version, { ...changes, status: rule.to });
      if (!saved) throw new ReferralStepRefused('referrals.conflicts.stale');
      const kind = STEP_EVENTS[step];
      await this.#repository.recordEvent(trx, referral.id, { kind, actorUserId: user.id, actorOrganisationId: user.organisationId, details });
      if (referral.case_id) {
        await this.#casesRepository.recordEvent(trx, referral.case_id, {
          kind: `referral_${kind}`,
          actorUserId: user.id,
          actorOrganisationId: user.organisationId,
          details: { referralId: referral.id, reference: referral.reference },
        });
      }
      audit({ action: STEP_AUDIT[step], recordType: 'referral', recordId: referral.id, details: { from: referral.status, to: saved.status, ...details } });
      return saved;
    });
  }

  async #joinCase(trx: Transaction<Database>, user: CurrentUser, referral: ReferralRow): Promise<string> {
    const caseId = referral.case_id!;
    const kase = await trx.selectFrom('cases').select(['lead_organisation_id']).where('id', '=', caseId).executeTakeFirstOrThrow();
    if (kase.lead_organisation_id !== referral.to_organisation_id && (await this.#casesRepository.addParticipant(trx, caseId, referral.to_organisation_id, user.id))) {
      const organisation = await this.#repository.organisation(referral.to_organisation_id, trx);
      await this.#casesRepository.recordEvent(trx, caseId, {
        kind: 'agency_added',
        actorUserId: user.id,
        actorOrganisationId: user.organisationId,
        details: { organisationId: referral.to_organisation_id, organisation: organisation?.name, referralId: referral.id },
      });
    }
    return caseId;
  }

  async #openCase(trx: Transaction<Database>, user: CurrentUser, referral: ReferralRow, input: AcceptInput, audit: RecordAudit): Promise<string> {
    const caseType = input.caseType ? await this.#casesRepository.offeredTypeForNewCase(trx, input.caseType) : undefined;
    if (!caseType) throw new ValidationFailed({ caseType: 'referrals.errors.caseTypeMissing' });
    const year = Number(this.#now().toISOString().slice(0, 4));
    const reference = await this.#casesRepository.nextReference(trx, caseType.reference_prefix, year);
    const created = await this.#casesRepository.insert(trx, reference, {
      caseType: caseType.code,
      priority: referral.urgency === 'immediate' ? 'urgent' : referral.urgency === 'hours_24' ? 'high' : 'medium',
      summary: `${referral.reference}: ${referral.reason}`.slice(0, 2000),
      area: null,
      leadOrganisationId: user.organisationId,
      leadOfficerId: user.id,
      createdBy: user.id,
    });
    await this.#casesRepository.linkPerson(trx, created.id, referral.person_id!, 'person_at_risk');
    const actorIds = { actorUserId: user.id, actorOrganisationId: user.organisationId };
    await this.#casesRepository.recordEvent(trx, created.id, { kind: 'case_opened', ...actorIds, details: { reference, caseType: caseType.code, ...caseTypeNameDetail(caseType), referralId: referral.id } });
    await this.#casesRepository.recordEvent(trx, created.id, { kind: 'referral_accepted', ...actorIds, details: { referralId: referral.id, reference: referral.reference } });
    audit({ action: 'CASE_CREATED', recordType: 'case', recordId: created.id, details: { reference, referralId: referral.id } });
    return created.id;
  }

  /** The referrer hears of the receiver's answer in-app; a decline also by e-mail, so they can redirect it. */
  async #tellReferrer(trx: Transaction<Database>, referral: ReferralRow, kind: string, details: Record<string, unknown>, email = false): Promise<void> {
    const organisation = await this.#repository.organisation(referral.to_organisation_id, trx);
    const referrer = referral.from_user_id ? await trx.selectFrom('users').select(['id', 'email', 'locale', 'disabled']).where('id', '=', referral.from_user_id).executeTakeFirst() : undefined;
    const recipients = referrer && !referrer.disabled ? [referrer] : await this.#repository.staffOf(trx, referral.from_organisation_id, ESCALATION_ROLES);
    const payload = { reference: referral.reference, organisation: organisation?.name, ...details };
    await this.#repository.notify(trx, recipients.map((recipient) => ({ userId: recipient.id, kind, referralId: referral.id, details: payload })));
    if (!email) return;
    for (const recipient of recipients) {
      const t = translatorFor(isLocale(recipient.locale) ? recipient.locale : 'en');
      await this.#repository.queueEmail(trx, {
        organisationId: referral.from_organisation_id,
        to: recipient.email,
        subject: t(`referrals.emails.${kind}.subject`, payload),
        body: t(`referrals.emails.${kind}.body`, payload),
      });
    }
  }

  async #tellReceivers(trx: Transaction<Database>, referral: ReferralRow, kind: string): Promise<void> {
    const staff = await this.#repository.staffOf(trx, referral.to_organisation_id, INBOX_ROLES);
    const sender = await this.#repository.organisation(referral.from_organisation_id, trx);
    await this.#repository.notify(trx, staff.map((member) => ({ userId: member.id, kind, referralId: referral.id, details: { reference: referral.reference, organisation: sender?.name } })));
  }

  /** One e-mail per case manager per scan, listing the referrals that went past a deadline. */
  async #emailBreaches(trx: Transaction<Database>, breached: ScanMarked): Promise<number> {
    if (breached.byOrganisation.size === 0) return 0;
    const managers = await this.#repository.staffOfMany(trx, [...breached.byOrganisation.keys()], ESCALATION_ROLES);
    for (const manager of managers) {
      const { total, first } = breached.byOrganisation.get(manager.organisation_id) ?? { total: 0, first: [] };
      const locale = isLocale(manager.locale) ? manager.locale : 'en';
      const t = translatorFor(locale);
      const listed = first.map((row) => t('referrals.emails.breach.line', { reference: row.reference, dueAt: formatDateTime(row.due_at, locale) }));
      const more = total > first.length ? [t('referrals.emails.breach.more', { count: total - first.length })] : [];
      await this.#repository.queueEmail(trx, {
        organisationId: manager.organisation_id,
        to: manager.email,
        subject: t('referrals.emails.breach.subject', { count: total }),
        body: [t('referrals.emails.breach.intro', { count: total }), '', ...listed, ...more].join('\n'),
      });
    }
    return managers.length;
  }
}

const STEP_EVENTS: Record<ReferralStep, string> = {
  acknowledge: 'acknowledged',
  accept: 'accepted',
  decline: 'declined',
  requestMoreInfo: 'more_info_requested',
  provideInfo: 'info_provided',
  withdraw: 'withdrawn',
  redirect: 'redirected',
};

const STEP_AUDIT = {
  acknowledge: 'REFERRAL_ACKNOWLEDGED',
  accept: 'REFERRAL_ACCEPTED',
  decline: 'REFERRAL_DECLINED',
  requestMoreInfo: 'REFERRAL_MORE_INFO_REQUESTED',
  provideInfo: 'REFERRAL_INFO_PROVIDED',
  withdraw: 'REFERRAL_WITHDRAWN',
  redirect: 'REFERRAL_SENT',
} as const;

function sideOf(referral: { to_organisation_id: string }, user: CurrentUser): ReferralSide {
  return referral.to_organisation_id === user.organisationId ? 'receiver' : 'sender';
}

function refusalFor(status: string): string {
  return ({ withdrawn: 'referrals.conflicts.withdrawn', accepted: 'referrals.conflicts.alreadyAccepted', declined: 'referrals.conflicts.alreadyDeclined' } as Record<string, string>)[status] ?? 'referrals.conflicts.notNow';
}

/** A question whose text is still the catalogue's label keeps only its key, so that it stays translated. */
function withoutCatalogueText(question: PathwayQuestion): PathwayQuestion {
  const catalogued = locales.some((locale) => {
    const label = translatorFor(locale)(`referrals.questions.${question.key}.label`, { defaultValue: '' });
    return label !== '' && label === question.text;
  });
  if (!catalogued) return question;
  const { text: _text, ...rest } = question;
  return rest;
}

/** A pathway's code from its name: lower case letters, digits and underscores. */
function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return slug || 'pathway';
}

function usableBy(pathway: ReferralPathwayRow, organisationType: string | undefined): boolean {
  return pathway.from_organisation_types.length === 0 || (organisationType !== undefined && pathway.from_organisation_types.includes(organisationType));
}

/** The pathway's extra questions, answered on the form as `answer-<key>`. */
function pathwayAnswers(pathway: ReferralPathwayRow | null | undefined, form: Record<string, unknown>, errors: FieldErrors): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const question of pathway?.questions ?? []) {
    const field = `answer-${question.key}`;
    const raw = typeof form[field] === 'string' ? (form[field] as string).trim() : '';
    if (question.kind === 'yes_no' && raw !== '' && raw !== 'yes' && raw !== 'no') errors[field] = 'referrals.errors.answerMissing';
    else if (raw.length > 1000) errors[field] = 'referrals.errors.answerTooLong';
    else if (question.required && raw === '') errors[field] = 'referrals.errors.answerMissing';
    else if (raw !== '') answers[question.key] = raw;
  }
  return answers;
}

export function isOverdue(referral: { status: string; acknowledge_due_at: Date; decide_due_at: Date }, now: Date): boolean {
  if (referral.status === 'received' && referral.acknowledge_due_at <= now) return true;
  return (referral.status === 'received' || referral.status === 'acknowledged') && referral.decide_due_at <= now;
}

export type ReferralView = Awaited<ReturnType<ReferralsService['view']>>;
export type { ReferralPolicy };

/** Someone saved a pathway with the same name at the same moment: the form's own message, not a 500. */
function nameTakenMeanwhile(error: unknown): never {
  if (uniqueViolation(error) === 'referral_pathways_name') throw new ValidationFailed({ name: 'referrals.errors.pathwayNameTaken' });
  throw error;
}
