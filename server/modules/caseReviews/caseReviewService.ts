import { TZDate } from '@date-fns/tz';
import type { Kysely, Transaction } from 'kysely';
import type { CaseReviewApplicationRow, CaseReviewSettingsRow, Database } from '../../db/schema.ts';
import { type Actor, publicActor } from '../../shared/actor.ts';
import { randomToken, sha256Hex } from '../../shared/crypto.ts';
import { londonToday } from '../../shared/dates.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { isLocale, type Locale, translatorFor } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { formatDate, formatDateTime, startOfLondonDay } from '../../shared/time.ts';
import { englandAndWalesCalendar, type WorkingCalendar } from '../../shared/workingTime.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditEntry, AuditTrail } from '../audit/auditTrail.ts';
import { OutboxRepository } from '../outbox/outboxRepository.ts';
import type { CompleteApplication } from './caseReviewJourney.ts';
import { renderLetter } from './caseReviewLetter.ts';
import { type CaseReviewStep, canTake, caseReviewPolicy } from './caseReviewPolicy.ts';
import { CaseReviewRepository } from './caseReviewRepository.ts';
import type { SettingsInput } from './caseReviewSchemas.ts';
import { assessThreshold, type ThresholdRules } from './caseReviewThreshold.ts';

export interface CaseReviewServiceOptions {
  baseUrl: string;
  /** The clock; tests pass a fixed one to put an application on a chosen day. */
  now?: () => Date;
  calendar?: WorkingCalendar;
}

/** Who sent a public request, for the audit trail and the applicant's language. */
export interface PublicRequest {
  ip: string | null;
  requestId: string | null;
  locale: Locale;
}

export interface AnnualStatistics {
  year: number;
  applications: number;
  thresholdMet: number;
  thresholdNotMet: number;
  reviewsHeld: number;
  recommendationsMade: number;
}

export function thresholdRulesOf(settings: CaseReviewSettingsRow): ThresholdRules {
  return {
    complaints: settings.threshold_complaints,
    periodMonths: settings.threshold_period_months,
    vulnerableComplaints: settings.vulnerable_threshold_complaints,
    singleHateIncident: settings.single_hate_incident,
  };
}

/** Deadlines a staff queue shows, and whether each has passed without the step being done. */
export function deadlinesOf(application: Pick<CaseReviewApplicationRow, 'acknowledge_due_at' | 'acknowledged_at' | 'decision_due_at' | 'decided_at'>, now: Date) {
  return {
    acknowledgeOverdue: application.acknowledged_at === null && application.decided_at === null && now > application.acknowledge_due_at,
    decisionOverdue: application.decided_at === null && now > application.decision_due_at,
  };
}

/**
 * The ASB Case Review: the public application (no sign-in), its tracking page and appeal, and
 * the staff workflow from acknowledgement to the outcome letter. Every step writes its audit
 * event, its history event and any e-mail to the applicant in one transaction.
 */
export class CaseReviewService {
  readonly #db: Kysely<Database>;
  readonly #repository: CaseReviewRepository;
  readonly #outbox: OutboxRepository;
  readonly #audit: AuditTrail;
  readonly #baseUrl: string;
  readonly #now: () => Date;
  readonly #calendar: WorkingCalendar;

  constructor(db: Kysely<Database>, audit: AuditTrail, options: CaseReviewServiceOptions) {
    this.#db = db;
    this.#repository = new CaseReviewRepository(db);
    this.#outbox = new OutboxRepository(db);
    this.#audit = audit;
    this.#baseUrl = options.baseUrl;
    this.#now = options.now ?? (() => new Date());
    this.#calendar = options.calendar ?? englandAndWalesCalendar();
  }

  today(): string {
    return londonToday(this.#now());
  }

  async thresholdRules(): Promise<ThresholdRules> {
    return thresholdRulesOf(await this.#repository.settings());
  }

  /**
   * Records an application with its deadlines in working days, e-mails the reference and
   * tracking link, and audits it with the applicant as the actor. The tracking token exists only
   * in the e-mail and the confirmation page; the database keeps its hash.
   */
  async apply(application: CompleteApplication, from: PublicRequest) {
    const receivedAt = this.#now();
    const token = randomToken();
    const applied = await this.#db.transaction().execute(async (trx) => {
      const settings = await this.#repository.settings(trx);
      const threshold = assessThreshold(thresholdRulesOf(settings), { ...application, today: londonToday(receivedAt) });
      const reference = await this.#repository.nextReference(trx, Number(londonToday(receivedAt).slice(0, 4)));
      const created = await this.#repository.insertApplication(
        trx,
        {
          reference,
          applying_for: application.applyingFor,
          applicant_name: application.applicantName,
          victim_name: application.victimName,
          relationship_to_victim: application.relationship,
          contact_email: application.email,
          contact_phone: application.phone,
          problem_description: application.problemDescription,
          problem_location: application.problemLocation,
          impact: application.impact,
          vulnerable: application.vulnerable,
          vulnerability_details: application.vulnerabilityDetails,
          hate_motivated: application.hateMotivated,
          threshold_appears_met: threshold.met,
          threshold_rule: threshold.rule,
          qualifying_complaints: threshold.qualifying,
          locale: from.locale,
          tracking_token_hash: sha256Hex(token),
          received_at: receivedAt,
          acknowledge_due_at: this.#calendar.addWorkingDays(receivedAt, settings.acknowledge_working_days),
          decision_due_at: this.#calendar.addWorkingDays(receivedAt, settings.decision_working_days),
        },
        application.incidents.map((incident, index) => ({
          position: index + 1,
          occurred_on: incident.occurredOn,
          reported_to: incident.reportedTo,
          agency_references: incident.agencyReferences,
          description: incident.description,
        })),
      );
      const actor = publicActor(`applicant:${reference}`, from);
      await this.#repository.addEvent(trx, { applicationId: created.id, kind: 'applied', details: { thresholdAppearsMet: threshold.met, rule: threshold.rule }, actorUserId: null, actorLabel: actor.label });
      const trackingUrl = this.#trackingUrl(token);
      await this.#email(trx, created, 'received', { trackingUrl, decisionBy: formatDate(created.decision_due_at, from.locale) });
      await this.#audit.append(trx, actor, [
        { action: 'CASE_REVIEW_APPLIED', recordType: 'case_review', recordId: created.id, details: { reference, thresholdAppearsMet: threshold.met, rule: threshold.rule, incidents: application.incidents.length } },
      ]);
      return { reference, token, trackingUrl, threshold, decisionDueAt: created.decision_due_at };
    });
    await this.#audit.chained();
    return applied;
  }

  /** The tracking page: status and dates only, never staff notes. Unknown tokens are "not found". */
  async tracking(token: string) {
    const found = await this.#repository.findByTrackingHash(this.#db, sha256Hex(token));
    if (!found) throw new NotFound();
    const { application, appeal } = found;
    return {
      reference: application.reference,
      status: application.status,
      receivedAt: application.received_at,
      acknowledgedAt: application.acknowledged_at,
      decidedAt: application.decided_at,
      decisionDueAt: application.decision_due_at,
      outcomeSentAt: application.outcome_sent_at,
      appealStatus: appeal?.status ?? null,
      canRequestAppeal: caseReviewPolicy(application, appeal).canRequestAppeal,
    };
  }

  /** The applicant asks, once, for the decision or the outcome to be looked at again. */
  async requestAppeal(token: string, reason: string, from: PublicRequest): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const found = await this.#repository.findByTrackingHash(trx, sha256Hex(token));
      if (!found) throw new NotFound();
      const application = await this.#repository.lockApplication(trx, found.application.id);
      if (!application || !canTake('requestAppeal', application.status)) throw new Conflict('caseReviews.track.appealNotNow');
      if (!(await this.#repository.insertAppeal(trx, application.id, reason))) throw new Conflict('caseReviews.track.appealAlready');
      const actor = publicActor(`applicant:${application.reference}`, from);
      await this.#repository.addEvent(trx, { applicationId: application.id, kind: 'appeal_requested', actorUserId: null, actorLabel: actor.label });
      await this.#email(trx, application, 'appealReceived', {});
      await this.#audit.append(trx, actor, [{ action: 'CASE_REVIEW_APPEAL_REQUESTED', recordType: 'case_review', recordId: application.id, details: { reference: application.reference } }]);
    });
    await this.#audit.chained();
  }

  // Staff ----------------------------------------------------------------------------------------

  /** The queue, oldest first, with each deadline flagged when it has passed. */
  async queue(actor: Actor, filter: { openOnly: boolean }) {
    const now = this.#now();
    const rows = await this.#repository.queue(filter);
    await this.#audit.record(actor, { action: 'CASE_REVIEW_LIST_VIEWED', recordType: 'case_review', details: { openOnly: filter.openOnly, count: rows.length } });
    return rows.map((row) => ({ ...row, ...deadlinesOf(row, now) }));
  }

  /** Everything staff see about one application; the read is audited. */
  async application(applicationId: string, actor: Actor, page = 'application') {
    return this.#audit.run(actor, async (trx, audit) => {
      const application = await this.#repository.findApplication(trx, applicationId);
      if (!application) throw new NotFound();
      const [incidents, events, meetings, recommendations, appeal] = await Promise.all([
        this.#repository.incidentsOf(trx, application.id),
        this.#repository.eventsOf(trx, application.id),
        this.#repository.meetingsOf(trx, application.id),
        this.#repository.recommendationsOf(trx, application.id),
        this.#repository.appealOf(trx, application.id),
      ]);
      audit({ action: 'CASE_REVIEW_VIEWED', recordType: 'case_review', recordId: application.id, details: { page } });
      return { application, incidents, events, meetings, recommendations, appeal, can: caseReviewPolicy(application, appeal), ...deadlinesOf(application, this.#now()) };
    });
  }

  async acknowledge(user: CurrentUser, applicationId: string, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, 'acknowledge', async (trx, application) => {
      await this.#repository.updateApplication(trx, application.id, { status: 'acknowledged', acknowledged_at: this.#now(), acknowledged_by: user.id });
      await this.#email(trx, application, 'acknowledged', { decisionBy: formatDate(application.decision_due_at, localeOf(application)) });
      return { kind: 'acknowledged', audit: { action: 'CASE_REVIEW_ACKNOWLEDGED' } };
    });
  }

  async decideThreshold(user: CurrentUser, applicationId: string, input: { decision: 'met' | 'not_met'; reason: string | null }, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, 'decideThreshold', async (trx, application) => {
      const now = this.#now();
      await this.#repository.updateApplication(trx, application.id, {
        status: input.decision === 'met' ? 'threshold_met' : 'threshold_not_met',
        threshold_decision: input.decision,
        decision_reason: input.reason,
        decided_at: now,
        decided_by: user.id,
        // Deciding is also acknowledging, when nobody had.
        acknowledged_at: application.acknowledged_at ?? now,
        acknowledged_by: application.acknowledged_by ?? user.id,
      });
      await this.#email(trx, application, input.decision === 'met' ? 'thresholdMet' : 'thresholdNotMet', { reason: input.reason ?? '' });
      return { kind: 'threshold_decided', details: { decision: input.decision, reason: input.reason }, audit: { action: 'CASE_REVIEW_THRESHOLD_DECIDED', details: { decision: input.decision } } };
    });
  }

  async meetingForm() {
    return { organisations: await this.#repository.activeOrganisations() };
  }

  async scheduleMeeting(
    user: CurrentUser,
    applicationId: string,
    input: { meetingDate: string; meetingTime: string; location: string; organisationIds: string[]; otherParticipants: string | null },
    actor: Actor,
  ): Promise<void> {
    await this.#step(user, applicationId, actor, 'scheduleMeeting', async (trx, application) => {
      const organisations = new Set((await this.#repository.activeOrganisations(trx)).map((organisation) => organisation.id));
      const organisationIds = [...new Set(input.organisationIds)];
      if (organisationIds.some((id) => !organisations.has(id))) throw new ValidationFailed({ organisationIds: 'caseReviews.errors.organisationIds.missing' });
      const meetsAt = londonInstant(input.meetingDate, input.meetingTime);
      const meetingId = await this.#repository.insertMeeting(trx, { applicationId: application.id, meetsAt, location: input.location, otherParticipants: input.otherParticipants, organisationIds, createdBy: user.id });
      await this.#repository.updateApplication(trx, application.id, { status: 'review_scheduled' });
      await this.#email(trx, application, 'meetingScheduled', { meetingDate: formatDateTime(meetsAt, localeOf(application)) });
      return { kind: 'meeting_scheduled', details: { meetingId, meetsAt: meetsAt.toISOString(), organisations: organisationIds.length }, audit: { action: 'CASE_REVIEW_MEETING_SCHEDULED', details: { meetingId } } };
    });
  }

  async addRecommendation(user: CurrentUser, applicationId: string, input: { recommendation: string; ownerOrganisationId: string; dueOn: string }, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, 'addRecommendation', async (trx, application) => {
      const organisations = await this.#repository.activeOrganisations(trx);
      const owner = organisations.find((organisation) => organisation.id === input.ownerOrganisationId);
      if (!owner) throw new ValidationFailed({ ownerOrganisationId: 'caseReviews.errors.ownerOrganisationId.missing' });
      const recommendationId = await this.#repository.insertRecommendation(trx, { applicationId: application.id, text: input.recommendation, ownerOrganisationId: owner.id, dueOn: input.dueOn, createdBy: user.id });
      return { kind: 'recommendation_added', details: { recommendationId, owner: owner.name, dueOn: input.dueOn }, audit: { action: 'CASE_REVIEW_RECOMMENDATION_ADDED', details: { recommendationId, ownerOrganisationId: owner.id } } };
    });
  }

  async setRecommendationStatus(user: CurrentUser, applicationId: string, recommendationId: string, status: string, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, null, async (trx, application) => {
      const recommendation = await this.#repository.findRecommendation(trx, application.id, recommendationId);
      if (!recommendation) throw new NotFound();
      await this.#repository.setRecommendationStatus(trx, recommendation.id, status);
      return { kind: 'recommendation_updated', details: { recommendationId, status }, audit: { action: 'CASE_REVIEW_RECOMMENDATION_UPDATED', details: { recommendationId, status } } };
    });
  }

  async recordOutcome(user: CurrentUser, applicationId: string, outcomeSummary: string, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, 'recordOutcome', async (trx, application) => {
      await this.#repository.updateApplication(trx, application.id, { outcome_summary: outcomeSummary });
      return { kind: 'outcome_recorded', audit: { action: 'CASE_REVIEW_OUTCOME_RECORDED' } };
    });
  }

  /** The outcome letter from the partnership's template: the one sent, once sent, else a preview. */
  async letter(applicationId: string, actor: Actor) {
    const details = await this.application(applicationId, actor, 'letter');
    if (details.application.outcome_letter) return { ...details, letter: details.application.outcome_letter, sent: true };
    return { ...details, letter: await this.#composeLetter(this.#db, details.application), sent: false };
  }

  /** Freezes the letter as sent, e-mails it to the applicant and closes the review's work. */
  async sendLetter(user: CurrentUser, applicationId: string, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, 'sendLetter', async (trx, application) => {
      if (!application.outcome_summary) throw new Conflict('caseReviews.errors.outcomeFirst');
      const letter = await this.#composeLetter(trx, application);
      await this.#repository.updateApplication(trx, application.id, { status: 'outcome_sent', outcome_letter: letter, outcome_sent_at: this.#now() });
      await this.#email(trx, application, 'outcome', { letter });
      return { kind: 'outcome_sent', audit: { action: 'CASE_REVIEW_OUTCOME_SENT' } };
    });
  }

  /** Upheld: the review goes ahead (again). Not upheld: the application is closed. The applicant is told either way. */
  async decideAppeal(user: CurrentUser, applicationId: string, input: { appealDecision: 'upheld' | 'not_upheld'; response: string }, actor: Actor): Promise<void> {
    await this.#step(user, applicationId, actor, null, async (trx, application) => {
      const appeal = await this.#repository.appealOf(trx, application.id);
      if (!appeal) throw new Conflict('caseReviews.errors.noAppeal');
      if (appeal.status !== 'requested') throw new Conflict('caseReviews.errors.appealDecided');
      await this.#repository.decideAppeal(trx, application.id, { status: input.appealDecision, response: input.response, decidedBy: user.id });
      const upheld = input.appealDecision === 'upheld';
      await this.#repository.updateApplication(trx, application.id, upheld ? { status: 'threshold_met', threshold_decision: 'met' } : { status: 'closed' });
      await this.#email(trx, application, upheld ? 'appealUpheld' : 'appealNotUpheld', { response: input.response });
      return { kind: 'appeal_decided', details: { decision: input.appealDecision }, audit: { action: 'CASE_REVIEW_APPEAL_DECIDED', details: { decision: input.appealDecision } } };
    });
  }

  async settings(): Promise<CaseReviewSettingsRow> {
    return this.#repository.settings();
  }

  async updateSettings(user: CurrentUser, input: SettingsInput, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.updateSettings(trx, {
        threshold_complaints: input.thresholdComplaints,
        threshold_period_months: input.thresholdPeriodMonths,
        vulnerable_threshold_complaints: input.vulnerableThresholdComplaints,
        single_hate_incident: input.singleHateIncident,
        acknowledge_working_days: input.acknowledgeWorkingDays,
        decision_working_days: input.decisionWorkingDays,
        outcome_letter_template: input.outcomeLetterTemplate,
        updated_by: user.id,
      });
      const { outcomeLetterTemplate: _template, ...rules } = input;
      audit({ action: 'CASE_REVIEW_SETTINGS_UPDATED', recordType: 'case_review_settings', details: rules });
    });
  }

  /**
   * Counts for publication (applications, threshold met and not met, reviews held,
   * recommendations made) for a calendar year, London time. Nothing identifies anyone, so the
   * transparency page can show it as it is.
   */
  async annualStatistics(year: number): Promise<AnnualStatistics> {
    const counts = await this.#repository.statistics(startOfLondonDay(`${year}-01-01`), startOfLondonDay(`${year + 1}-01-01`));
    return { year, ...counts };
  }

  /**
   * One staff step: locks the application, checks the step is possible in its status (a
   * `Conflict` otherwise), runs it, and writes the history event and audit event with it.
   */
  async #step(
    user: CurrentUser,
    applicationId: string,
    actor: Actor,
    step: CaseReviewStep | null,
    work: (trx: Transaction<Database>, application: CaseReviewApplicationRow) => Promise<{ kind: string; details?: Record<string, unknown>; audit: Pick<AuditEntry, 'action' | 'details'> }>,
  ): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const application = await this.#repository.lockApplication(trx, applicationId);
      if (!application) throw new NotFound();
      if (step && !canTake(step, application.status)) throw new Conflict('caseReviews.errors.notNow');
      const done = await work(trx, application);
      await this.#repository.addEvent(trx, { applicationId: application.id, kind: done.kind, details: done.details, actorUserId: user.id, actorLabel: user.name });
      audit({ ...done.audit, recordType: 'case_review', recordId: application.id, details: { reference: application.reference, ...done.audit.details } });
    });
  }

  async #composeLetter(executor: Kysely<Database> | Transaction<Database>, application: CaseReviewApplicationRow): Promise<string> {
    const settings = await this.#repository.settings(executor);
    const locale = localeOf(application);
    const t = translatorFor(locale);
    const recommendations = await this.#repository.recommendationsOf(executor, application.id);
    const listed = recommendations.map((item) => t('caseReviews.letter.recommendationLine', { text: item.recommendation, owner: item.owner_organisation_name, due: formatDate(item.due_on, locale) }));
    return renderLetter(settings.outcome_letter_template, {
      applicantName: application.applicant_name,
      reference: application.reference,
      receivedDate: formatDate(application.received_at, locale),
      decision: t(application.threshold_decision === 'not_met' ? 'caseReviews.letter.decisionNotMet' : 'caseReviews.letter.decisionMet'),
      outcome: application.outcome_summary ?? '',
      recommendations: listed.length > 0 ? listed.join('\n') : t('caseReviews.letter.noRecommendations'),
      partnershipName: await this.#repository.partnershipName(executor),
      letterDate: formatDate(this.#now(), locale),
    });
  }

  #trackingUrl(token: string): string {
    return new URL(paths.caseReviewApplication.track({ token }), this.#baseUrl).toString();
  }

  /** An e-mail to the applicant, in the language they applied in, through the outbox. */
  async #email(trx: Transaction<Database>, application: CaseReviewApplicationRow, kind: string, values: Record<string, string>): Promise<void> {
    const t = translatorFor(localeOf(application));
    const all = { name: application.applicant_name, reference: application.reference, ...values };
    await this.#outbox.enqueue(trx, {
      organisationId: null,
      to: application.contact_email,
      subject: t(`caseReviews.emails.${kind}.subject`, all),
      body: t(`caseReviews.emails.${kind}.body`, all),
    });
  }
}

function localeOf(application: CaseReviewApplicationRow): Locale {
  return isLocale(application.locale) ? application.locale : 'en';
}

/** A date and time as typed in England and Wales, as the instant it names. */
function londonInstant(isoDate: string, time: string): Date {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return new Date(new TZDate(year, month - 1, day, hours, minutes, 'Europe/London').getTime());
}
