import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { AccessReviewRepository } from './accessReviewRepository.ts';
import type { AnomalyQuery } from './dataProtectionSchemas.ts';

/** The DPO's view of the audit log: who read a person's record and why, and the patterns worth a question. */
export class AccessReviewService {
  readonly #audit: AuditTrail;
  readonly #repository: AccessReviewRepository;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#audit = audit;
    this.#repository = new AccessReviewRepository(db);
  }

  async forPerson(personId: string, actor: Actor) {
    const person = await this.#repository.person(personId);
    if (!person) throw new NotFound();
    const access = await this.#repository.accessTo(personId);
    await this.#audit.record(actor, { action: 'ACCESS_REVIEW_VIEWED', recordType: 'person', recordId: personId, reason: 'Access review', details: { events: access.rows.length, total: access.total } });
    return { person, ...access };
  }

  async anomalies(query: AnomalyQuery, actor: Actor) {
    const [heavyViewers, outOfHours, breakGlass] = await Promise.all([
      this.#repository.heavyViewers(query.days, query.outsideThreshold),
      this.#repository.outOfHours(query.days, query.outOfHoursThreshold),
      this.#repository.breakGlass(query.days),
    ]);
    await this.#audit.record(actor, {
      action: 'ACCESS_ANOMALIES_VIEWED',
      recordType: 'audit_event',
      details: { ...query, heavyViewers: heavyViewers.length, outOfHours: outOfHours.length, breakGlass: breakGlass.length },
    });
    return { heavyViewers, outOfHours, breakGlass };
  }
}
