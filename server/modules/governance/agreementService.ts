import type { Kysely } from 'kysely';
import type { AgreementVersionRow, Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { translatorFor } from '../../shared/i18n/index.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { OutboxRepository } from '../outbox/outboxRepository.ts';
import { AgreementRepository } from './agreementRepository.ts';
import type { MeasureForm } from './governanceSchemas.ts';
import { atLeastAsGood, type MeasureUnit, parseFigure, unitOfSource } from './measureRules.ts';

type Db = Kysely<Database>;
export type AgreementContent = Awaited<ReturnType<AgreementService['content']>>;

/**
 * The Community Safety Agreement. Only a draft changes; publishing freezes it and supersedes the
 * version before, so that each organisation's signature names exactly the text it signed, and a
 * new version needs every organisation to sign again.
 */
export class AgreementService {
  readonly #db: Db;
  readonly #audit: AuditTrail;
  readonly #repository = new AgreementRepository();
  readonly #outbox: OutboxRepository;
  readonly #baseUrl: string;

  constructor(db: Db, audit: AuditTrail, options: { baseUrl: string }) {
    this.#db = db;
    this.#audit = audit;
    this.#outbox = new OutboxRepository(db);
    this.#baseUrl = options.baseUrl;
  }

  /** A version with its priorities, each with its commitments and measures. */
  async content(db: Db, version: AgreementVersionRow) {
    const [priorities, commitments, measures] = await Promise.all([
      this.#repository.priorities(db, version.id),
      this.#repository.commitments(db, version.id),
      this.#repository.measures(db, version.id),
    ]);
    return {
      version,
      priorities: priorities.map((priority) => ({
        ...priority,
        commitments: commitments.filter((commitment) => commitment.priority_id === priority.id),
        measures: measures.filter((measure) => measure.priority_id === priority.id).map((measure) => ({ ...measure, baseline: Number(measure.baseline), target: Number(measure.target) })),
      })),
    };
  }

  async published(db: Db = this.#db): Promise<AgreementContent | undefined> {
    const version = await this.#repository.published(db);
    return version ? this.content(db, version) : undefined;
  }

  /** The published agreement, who has signed it and which active organisations have not. */
  async overview() {
    const published = await this.published();
    const draft = await this.#repository.draft(this.#db);
    if (!published) return { published, draft, signatures: [], awaiting: [] };
    const [signatures, organisations] = await Promise.all([this.#repository.signatures(this.#db, published.version.id), this.#repository.activeOrganisations(this.#db)]);
    const signed = new Set(signatures.map((signature) => signature.organisation_id));
    return { published, draft, signatures, awaiting: organisations.filter((organisation) => !signed.has(organisation.id)) };
  }

  async version(versionId: string) {
    const version = await this.#repository.version(this.#db, versionId);
    if (!version || version.status === 'draft') throw new NotFound();
    return { ...(await this.content(this.#db, version)), signatures: await this.#repository.signatures(this.#db, version.id) };
  }

  async versions() {
    return (await this.#repository.versions(this.#db)).map((row) => ({ ...row, signatures: Number(row.signatures ?? 0) }));
  }

  /**
   * Signs the version the person read, for their own organisation. If another version has been
   * published since, nothing is signed and the refusal is audited: they must read the new one.
   */
  async sign(user: CurrentUser, versionId: string, jobTitle: string, actor: Actor): Promise<void> {
    try {
      await this.#audit.run(actor, async (trx, audit) => {
        const version = await this.#repository.lockVersion(trx, versionId);
        if (!version) throw new NotFound();
        if (version.status !== 'published') {
          const current = await this.#repository.published(trx);
          throw new AgreementChanged(version.version_number, current?.version_number ?? null);
        }
        const signed = await this.#repository.insertSignature(trx, { versionId, organisationId: user.organisationId, userId: user.id, name: user.name, jobTitle });
        if (!signed) throw new Conflict('governance.agreement.alreadySigned');
        audit({ action: 'AGREEMENT_SIGNED', recordType: 'agreement_version', recordId: versionId, details: { version: version.version_number, organisationId: user.organisationId } });
      });
    } catch (error) {
      if (error instanceof AgreementChanged) {
        await this.#audit.record(actor, { action: 'AGREEMENT_SIGNING_REFUSED', recordType: 'agreement_version', recordId: versionId, details: { signedVersion: error.signedVersion, currentVersion: error.currentVersion } });
      }
      throw error;
    }
  }

  /** The draft, started from the published version when there is none yet. */
  async startDraft(user: CurrentUser, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const existing = await this.#repository.lockDraft(trx);
      if (existing) return existing;
      const published = await this.#repository.published(trx);
      if (!published) throw new NotFound();
      const draft = await this.#repository.createDraftFrom(trx, published, user.id);
      audit({ action: 'AGREEMENT_DRAFT_CREATED', recordType: 'agreement_version', recordId: draft.id, details: { version: draft.version_number, from: published.version_number } });
      return draft;
    });
  }

  async draft() {
    const draft = await this.#repository.draft(this.#db);
    if (!draft) return undefined;
    return this.content(this.#db, draft);
  }

  async organisations() {
    return this.#repository.activeOrganisations(this.#db);
  }

  async updateDraft(input: { title: string; vision: string; startsOn: string; endsOn: string }, actor: Actor) {
    await this.#onDraft(actor, 'details', async (trx, draft) => this.#repository.updateDraft(trx, draft.id, input));
  }

  async addPriority(input: { title: string; description: string }, actor: Actor) {
    await this.#onDraft(actor, 'priority', async (trx, draft) => {
      const code = codeFrom(input.title);
      const added = await this.#repository.insertPriority(trx, draft.id, { code, ...input });
      if (!added) throw new ValidationFailed({ title: 'governance.errors.priorityTitle.taken' });
    });
  }

  async addCommitment(priorityCode: string, input: { organisationId: string; commitment: string }, actor: Actor) {
    await this.#onDraft(actor, 'commitment', async (trx, draft) => {
      const priority = await this.#repository.priorityOfDraft(trx, draft.id, priorityCode);
      if (!priority) throw new NotFound();
      const organisations = await this.#repository.activeOrganisations(trx);
      if (!isUuid(input.organisationId) || !organisations.some((organisation) => organisation.id === input.organisationId)) {
        throw new ValidationFailed({ organisationId: 'governance.errors.organisationId.missing' });
      }
      await this.#repository.insertCommitment(trx, priority.id, input.organisationId, input.commitment);
    });
  }

  /** Adds a measure after checking that its figures are in its unit and its source's unit (see measureRules). */
  async addMeasure(priorityCode: string, form: MeasureForm, actor: Actor) {
    const measure = validMeasure(form);
    await this.#onDraft(actor, 'measure', async (trx, draft) => {
      const priority = await this.#repository.priorityOfDraft(trx, draft.id, priorityCode);
      if (!priority) throw new NotFound();
      let code = codeFrom(measure.title);
      for (let suffix = 2; await this.#repository.measureCodeTaken(trx, draft.id, code); suffix++) code = `${codeFrom(measure.title).slice(0, 55)}_${suffix}`;
      await this.#repository.insertMeasure(trx, priority.id, { ...measure, code });
    });
  }

  async removeCommitment(commitmentId: string, actor: Actor) {
    await this.#onDraft(actor, 'removeCommitment', async (trx, draft) => {
      if (!(await this.#repository.removeCommitment(trx, draft.id, commitmentId))) throw new NotFound();
    });
  }

  async removeMeasure(measureId: string, actor: Actor) {
    await this.#onDraft(actor, 'removeMeasure', async (trx, draft) => {
      if (!(await this.#repository.removeMeasure(trx, draft.id, measureId))) throw new NotFound();
    });
  }

  /**
   * Publishes the draft the person reviewed (`draftId` from their page) and asks every active
   * organisation to sign it, by e-mail to its contact address.
   */
  async publish(user: CurrentUser, draftId: string, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const draft = await this.#repository.lockDraft(trx);
      if (!draft || draft.id !== draftId) throw new Conflict('governance.errors.publish.stale');
      const previous = await this.#repository.lockPublished(trx);
      await this.#repository.publish(trx, draft.id, user.id);
      const organisations = await this.#repository.activeOrganisations(trx);
      const t = translatorFor('en');
      for (const organisation of organisations.filter((candidate) => candidate.contact_email)) {
        await this.#outbox.enqueue(trx, {
          organisationId: organisation.id,
          to: organisation.contact_email!,
          subject: t('governance.email.signSubject', { version: draft.version_number }),
          body: t('governance.email.signBody', { organisation: organisation.name, version: draft.version_number, url: `${this.#baseUrl}/governance/agreement` }),
        });
      }
      audit({ action: 'AGREEMENT_PUBLISHED', recordType: 'agreement_version', recordId: draft.id, details: { version: draft.version_number, supersedes: previous?.version_number ?? null, organisationsAsked: organisations.length } });
      return draft;
    });
  }

  async #onDraft(actor: Actor, change: string, work: (trx: Db, draft: AgreementVersionRow) => Promise<void>) {
    await this.#audit.run(actor, async (trx, audit) => {
      const draft = await this.#repository.lockDraft(trx);
      if (!draft) throw new NotFound();
      await work(trx, draft);
      audit({ action: 'AGREEMENT_DRAFT_UPDATED', recordType: 'agreement_version', recordId: draft.id, details: { version: draft.version_number, change } });
    });
  }
}

/** Signing named a version that is no longer the published one. */
export class AgreementChanged extends Conflict {
  readonly signedVersion: number;
  readonly currentVersion: number | null;

  constructor(signedVersion: number, currentVersion: number | null) {
    super('governance.agreement.changed');
    this.signedVersion = signedVersion;
    this.currentVersion = currentVersion;
  }
}

/** A stable code from a title: 'Repeat victims (%)' → 'repeat_victims'. */
export function codeFrom(title: string): string {
  const code = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60);
  return /^[a-z][a-z0-9_]{1,59}$/.test(code) ? code : `m_${code}`.slice(0, 60).padEnd(3, '0');
}

/** The measure's figures read in its unit; every inconsistency is a field error naming what is wrong. */
export function validMeasure(form: MeasureForm) {
  const errors: Record<string, string> = {};
  const unit: MeasureUnit = form.unit;
  if (form.source !== 'manual' && unitOfSource[form.source] !== unit) errors.unit = `governance.errors.unit.source_${form.source}`;
  const baseline = parseFigure(form.baseline, unit);
  const target = parseFigure(form.target, unit);
  if (!baseline.ok) errors.baseline = `governance.errors.baseline.${baseline.problem}`;
  if (!target.ok) errors.target = `governance.errors.target.${target.problem}`;
  if (baseline.ok && target.ok && baseline.value !== target.value && atLeastAsGood(baseline.value, target.value, form.direction)) {
    errors.target = `governance.errors.target.wrongWay_${form.direction}`;
  }
  if (Object.keys(errors).length > 0 || !baseline.ok || !target.ok) throw new ValidationFailed(errors);
  return { title: form.title, source: form.source, unit, direction: form.direction, baseline: baseline.value, target: target.value, dueOn: form.dueOn };
}
