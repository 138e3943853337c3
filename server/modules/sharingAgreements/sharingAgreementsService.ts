import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type Actor, systemActor } from '../../shared/actor.ts';
import { londonToday } from '../../shared/dates.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { AgreementInput } from './sharingAgreementsSchemas.ts';
import { type AgreementWithParties, SharingAgreementsRepository } from './sharingAgreementsRepository.ts';
import { type Refusal, type SharingRequest, SharingRefused, sharingDecision } from './sharingDecision.ts';
import { dataCategoriesFor, type SharingPurpose } from './sharingPurposes.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Which form field a refusal is shown on, and what the audit event says the action was. */
export interface SharingContext {
  field: string;
  action: 'referral' | 'referral_acceptance' | 'case_participation' | 'alert';
  caseId?: string | null;
  referralId?: string | null;
}

/**
 * Organisations that may receive data from `organisationId` for `purpose` today under an
 * agreement in force (active, signed by both, within its period). For lists that filter in bulk
 * (alerts) rather than ask about one handover. With enforcement switched off, every other
 * active organisation.
 */
export async function organisationsSharingWith(executor: Executor, organisationId: string, purpose: SharingPurpose): Promise<Set<string>> {
  const repository = new SharingAgreementsRepository(executor as Kysely<Database>);
  const settings = await repository.settings(executor);
  if (!settings.enforcement_enabled) return new Set((await repository.activeOrganisations(executor)).map((row) => row.id).filter((id) => id !== organisationId));
  return new Set(await repository.sharingWith(executor, organisationId, purpose, dataCategoriesFor(purpose), londonToday()));
}

/**
 * Information-sharing agreements: the register (create, sign for an organisation, withdraw),
 * the partnership's enforcement setting, review reminders, and `assertSharingAllowed`, the one
 * place that decides whether personal data may pass from one organisation to another.
 */
export class SharingAgreementsService {
  readonly #repository: SharingAgreementsRepository;
  readonly #audit: AuditTrail;
  readonly #today: () => string;

  constructor(db: Kysely<Database>, audit: AuditTrail, options: { today?: () => string } = {}) {
    this.#repository = new SharingAgreementsRepository(db);
    this.#audit = audit;
    this.#today = options.today ?? (() => londonToday());
  }

  /**
   * Allows the handover only while an agreement covers both organisations, the purpose and the
   * data; otherwise throws `SharingRefused` naming what is missing. Called inside the action's
   * transaction; the caller runs the action through `auditingRefusals`, which records the
   * refusal after that transaction has rolled back.
   */
  async assertSharingAllowed(trx: Transaction<Database>, request: SharingRequest, actor: Actor, context: SharingContext = { field: 'organisationId', action: 'referral' }) {
    const settings = await this.#repository.settings(trx);
    if (!settings.enforcement_enabled) return { agreement: null, enforced: false };
    const agreements = await this.#repository.between(trx, request.fromOrganisationId, request.toOrganisationId);
    const decision = sharingDecision(agreements, request, this.#today());
    if (decision.allowed) return { agreement: decision.agreement, enforced: true };
    const names = await this.#repository.organisationNames(trx, [request.fromOrganisationId, request.toOrganisationId, 'organisationId' in decision ? decision.organisationId : '']);
    const { reason: _reason, ...refusal } = decision;
    throw new SharingRefused(context.field, `sharingAgreements.refused.${decision.reason}`, messageParams(decision, request, names), decision, {
      ...refusal,
      reason: decision.reason,
      sharing: context.action,
      caseId: context.caseId ?? null,
      ...(context.referralId ? { referralId: context.referralId } : {}),
      fromOrganisationId: request.fromOrganisationId,
      toOrganisationId: request.toOrganisationId,
      purpose: request.purpose,
      dataCategories: request.dataCategories,
      actorUserId: actor.userId,
    });
  }

  /**
   * Runs an action that may share data; a refusal is audited in its own transaction once the
   * action's transaction has rolled back (the embedded store has one connection, so it cannot be
   * written alongside), then passed on for the form to show.
   */
  async auditingRefusals<T>(actor: Actor, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SharingRefused) {
        await this.#audit.record(actor, { action: 'SHARING_REFUSED', recordType: 'sharing', recordId: (error.details.caseId as string | null) ?? undefined, details: error.details });
      }
      throw error;
    }
  }

  async list() {
    const today = this.#today();
    return (await this.#repository.list()).map((agreement) => ({ ...agreement, displayStatus: displayStatus(agreement, today) }));
  }

  async show(id: string) {
    const agreement = await this.#repository.find(id);
    if (!agreement) throw new NotFound();
    return { ...agreement, displayStatus: displayStatus(agreement, this.#today()) };
  }

  async organisations() {
    return this.#repository.activeOrganisations();
  }

  async settings() {
    return this.#repository.settings();
  }

  async updateSettings(user: CurrentUser, input: { enforcementEnabled: boolean; reviewReminderDays: number }, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const before = await this.#repository.settings(trx);
      await this.#repository.saveSettings(trx, { enforcement_enabled: input.enforcementEnabled, review_reminder_days: input.reviewReminderDays, updated_by: user.id });
      audit({ action: 'SHARING_SETTINGS_UPDATED', recordType: 'sharing_settings', details: { enforcementEnabled: { from: before.enforcement_enabled, to: input.enforcementEnabled }, reviewReminderDays: input.reviewReminderDays } });
    });
  }

  /** A new agreement, a draft until every party has signed; one overlapping another is refused. */
  async create(user: CurrentUser, input: AgreementInput, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const names = await this.#repository.organisationNames(trx, input.parties);
      if (names.size !== input.parties.length) throw new ValidationFailed({ parties: 'sharingAgreements.errors.partiesTooFew' });
      const overlapping = await this.#repository.overlapping(trx, input);
      if (overlapping[0]) throw overlapError(overlapping[0], input);
      const reference = await this.#repository.nextReference(trx);
      const created = await this.#repository.insert(trx, reference, { ...input, createdBy: user.id }, input.parties);
      audit({ action: 'SHARING_AGREEMENT_CREATED', recordType: 'sharing_agreement', recordId: created.id, details: { reference, parties: input.parties, purposes: input.purposes, startsOn: input.startsOn, endsOn: input.endsOn } });
      return created;
    });
  }

  /**
   * Signs for a party: a user signs for their own organisation; a partnership administrator may
   * record another party's signature (e.g. on paper). The last signature makes the draft active.
   */
  async sign(user: CurrentUser, agreementId: string, organisationId: string, actor: Actor): Promise<{ activated: boolean }> {
    return this.#audit.run(actor, async (trx, audit) => {
      const agreement = await this.#repository.lock(trx, agreementId);
      if (!agreement) throw new NotFound();
      const party = agreement.parties.find((candidate) => candidate.organisation_id === organisationId);
      const mayRecordForOthers = hasPermission(user.role, 'sharing_agreement:manage');
      if (!party || (organisationId !== user.organisationId && !mayRecordForOthers)) throw new ValidationFailed({ organisationId: 'sharingAgreements.errors.signOrganisationMissing' });
      if (agreement.status === 'withdrawn' || agreement.status === 'expired') throw new Conflict('Agreement closed', { organisationId: 'sharingAgreements.errors.signClosed' });
      if (!(await this.#repository.sign(trx, agreement.id, organisationId, user.id))) throw new Conflict('Already signed', { organisationId: 'sharingAgreements.errors.alreadySigned' });
      const activated = agreement.status === 'draft' && agreement.parties.every((candidate) => candidate.organisation_id === organisationId || candidate.signed_at);
      if (activated) await this.#repository.setStatus(trx, agreement.id, 'active');
      audit({ action: 'SHARING_AGREEMENT_SIGNED', recordType: 'sharing_agreement', recordId: agreement.id, details: { reference: agreement.reference, organisationId, onBehalf: organisationId !== user.organisationId, activated } });
      return { activated };
    });
  }

  /** Stops new sharing under the agreement at once; what was shared before stays where it is. */
  async withdraw(agreementId: string, reason: string, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const agreement = await this.#repository.lock(trx, agreementId);
      if (!agreement) throw new NotFound();
      if (agreement.status === 'withdrawn') throw new Conflict('Already withdrawn', { reason: 'sharingAgreements.errors.alreadyWithdrawn' });
      await this.#repository.setStatus(trx, agreement.id, 'withdrawn', reason);
      audit({ action: 'SHARING_AGREEMENT_WITHDRAWN', recordType: 'sharing_agreement', recordId: agreement.id, reason, details: { reference: agreement.reference } });
    });
  }

  /**
   * Reminds before review dates (in-app, once per agreement) and marks agreements past their end
   * date expired. Idempotent: each row is marked in the statement that selects it.
   */
  async remindAndExpire(today: string = this.#today()): Promise<{ reminded: number; expired: number }> {
    return this.#audit.run(systemActor('sharing-agreements'), async (trx, audit) => {
      const settings = await this.#repository.settings(trx);
      const due = await this.#repository.markReviewsDue(trx, today, settings.review_reminder_days);
      for (const agreement of due) {
        const recipients = await this.#repository.reviewRecipients(trx, agreement.id);
        await this.#repository.notify(trx, recipients, 'sharing_agreement_review_due', { reference: agreement.reference, title: agreement.title, reviewOn: agreement.review_on, agreementId: agreement.id });
      }
      const expired = await this.#repository.markExpired(trx, today);
      for (const agreement of expired) audit({ action: 'SHARING_AGREEMENT_EXPIRED', recordType: 'sharing_agreement', recordId: agreement.id, details: { reference: agreement.reference } });
      return { reminded: due.length, expired: expired.length };
    });
  }
}

/** What the register shows: an active agreement past its end date reads as expired before the nightly sweep marks it. */
function displayStatus(agreement: AgreementWithParties, today: string): string {
  if (agreement.status === 'active' && agreement.ends_on < today) return 'expired';
  return agreement.status;
}

function messageParams(refusal: Refusal, request: SharingRequest, names: Map<string, string>): Record<string, string> {
  const base = { from: names.get(request.fromOrganisationId) ?? '', to: names.get(request.toOrganisationId) ?? '', purpose: request.purpose };
  switch (refusal.reason) {
    case 'noAgreement':
      return base;
    case 'categoriesMissing':
      return { ...base, reference: refusal.reference, category: refusal.category };
    case 'notSigned':
      return { ...base, reference: refusal.reference, organisation: names.get(refusal.organisationId) ?? '' };
    case 'notStarted':
    case 'expired':
      // An ISO date: the catalogue's `{{date, date}}` writes it in the reader's language.
      return { ...base, reference: refusal.reference, date: refusal.date };
    case 'withdrawn':
      return { ...base, reference: refusal.reference };
  }
}

function overlapError(other: AgreementWithParties, input: AgreementInput): ValidationFailed {
  const shared = other.parties.filter((party) => input.parties.includes(party.organisation_id)).map((party) => party.name);
  const purpose = other.purposes.find((code) => (input.purposes as readonly string[]).includes(code)) ?? '';
  const params = { reference: other.reference, organisations: shared.join(', '), purpose, start: other.starts_on, end: other.ends_on };
  return new ValidationFailed({ startsOn: `$t(sharingAgreements.errors.overlap, ${JSON.stringify(params)})` });
}
