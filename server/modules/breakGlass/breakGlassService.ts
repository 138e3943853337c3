import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { relationshipTo } from '../cases/caseAccess.ts';
import { CasesRepository } from '../cases/casesRepository.ts';
import { viewerOf } from '../cases/casesService.ts';
import { BreakGlassRepository } from './breakGlassRepository.ts';
import type { BreakGlassInput, ReviewInput } from './breakGlassSchemas.ts';

export const GRANTS_PAGE_SIZE = 100;

/**
 * Emergency (break-glass) access: someone who may not normally see a case gives a reason and
 * reads it, without edit rights, for a limited time. Every use, and every attempt with a
 * reference that does not exist, is in the audit log flagged as break-glass, and a partnership
 * administrator reviews each grant afterwards.
 */
export class BreakGlassService {
  readonly #db: Kysely<Database>;
  readonly #repository: BreakGlassRepository;
  readonly #cases: CasesRepository;
  readonly #audit: AuditTrail;
  readonly #minutes: number;

  constructor(db: Kysely<Database>, audit: AuditTrail, options: { minutes: number }) {
    this.#db = db;
    this.#repository = new BreakGlassRepository(db);
    this.#cases = new CasesRepository(db);
    this.#audit = audit;
    this.#minutes = options.minutes;
  }

  /** Grants access to the case with the reference; says whether none was needed. */
  async use(user: CurrentUser, input: BreakGlassInput, actor: Actor): Promise<{ caseId: string; alreadyVisible: boolean }> {
    const reference = input.reference.toUpperCase();
    const found = await this.#repository.findCaseByReference(reference);
    if (!found) {
      await this.#audit.record(actor, { action: 'BREAK_GLASS_USED', recordType: 'case', reason: input.reason, breakGlass: true, details: { reference, found: false } });
      throw new ValidationFailed({ reference: 'breakGlass.errors.noSuchCase' });
    }
    const relationship = await relationshipTo(this.#db, found.id, viewerOf(user));
    if (relationship === 'lead' || relationship === 'participant') return { caseId: found.id, alreadyVisible: true };
    return this.#audit.run(actor, async (trx, audit) => {
      const grant = await this.#repository.insertGrant(trx, { userId: user.id, caseId: found.id, reason: input.reason, minutes: this.#minutes });
      const details = { reference, grantId: grant.id, expiresAt: new Date(grant.expires_at).toISOString() };
      await this.#cases.recordEvent(trx, found.id, { kind: 'break_glass_used', actorUserId: user.id, actorOrganisationId: user.organisationId, details });
      audit({ action: 'BREAK_GLASS_USED', recordType: 'case', recordId: found.id, reason: input.reason, breakGlass: true, details });
      return { caseId: found.id, alreadyVisible: false };
    });
  }

  async list(page: number) {
    const [grants, total] = await Promise.all([
      this.#repository.list({ limit: GRANTS_PAGE_SIZE, offset: (page - 1) * GRANTS_PAGE_SIZE }),
      this.#repository.count(),
    ]);
    return { grants, total };
  }

  async grant(grantId: string) {
    const found = await this.#repository.find(grantId);
    if (!found) throw new NotFound();
    return found;
  }

  /** A grant is reviewed once: justified or not, with the reviewer's comment in the audit log. */
  async review(user: CurrentUser, grantId: string, input: ReviewInput, actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const found = await this.#repository.find(grantId, trx);
      if (!found) throw new NotFound();
      if (!(await this.#repository.markReviewed(trx, grantId, user.id, input.outcome))) {
        throw new ValidationFailed({ outcome: 'breakGlass.errors.alreadyReviewed' });
      }
      audit({
        action: 'BREAK_GLASS_REVIEWED',
        recordType: 'break_glass_grant',
        recordId: grantId,
        reason: input.comment,
        details: { outcome: input.outcome, caseId: found.case_id, reference: found.case_reference, grantedTo: found.user_id },
      });
    });
  }
}
