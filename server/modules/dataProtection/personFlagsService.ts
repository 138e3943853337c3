import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { FlagsInput } from './dataProtectionSchemas.ts';
import { type PersonFlags, PersonFlagsRepository } from './personFlagsRepository.ts';

/**
 * The DPO's rectification and restriction flags. A restricted person's record carries a banner
 * for everyone who can see it, and alert rules and record linkage leave them out (ADR 0027).
 */
export class PersonFlagsService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #repository: PersonFlagsRepository;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#audit = audit;
    this.#repository = new PersonFlagsRepository(db);
  }

  /** The flags, for the banner on a person's page (the caller has already checked the viewer may see the person). */
  async flagsFor(personId: string): Promise<PersonFlags | undefined> {
    if (!isUuid(personId)) return undefined;
    const flags = await this.#repository.find(personId);
    return flags && (flags.rectification_requested || flags.restricted_at) ? flags : undefined;
  }

  /** Of these people (already shown to the viewer), those whose processing is restricted: tagged in lists. */
  async restrictedAmong(personIds: string[]): Promise<string[]> {
    return this.#repository.restrictedAmong(personIds.filter(isUuid));
  }

  /** The DPO's form: the person's name and the flags, audited as a view of the person. */
  async forForm(personId: string, actor: Actor) {
    if (!isUuid(personId)) throw new NotFound();
    return this.#audit.run(actor, async (trx, audit) => {
      const person = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'date_of_birth']).where('id', '=', personId).executeTakeFirst();
      if (!person) throw new NotFound();
      audit({ action: 'PERSON_VIEWED', recordType: 'person', recordId: personId, reason: 'Data-protection flags', details: { page: 'data-protection-flags' } });
      return { person, flags: await this.#repository.find(personId, trx) };
    });
  }

  async save(user: CurrentUser, personId: string, input: FlagsInput, actor: Actor): Promise<void> {
    if (!isUuid(personId)) throw new NotFound();
    await this.#audit.run(actor, async (trx, audit) => {
      const person = await trx.selectFrom('people').select('id').where('id', '=', personId).forUpdate().executeTakeFirst();
      if (!person) throw new NotFound();
      const before = await this.#repository.find(personId, trx);
      const restrictionReason = input.restricted ? input.restrictionReason : null;
      await this.#repository.save(trx, personId, user.id, { rectificationRequested: input.rectificationRequested, restrictionReason });
      audit({
        action: 'PERSON_DATA_PROTECTION_FLAGS_UPDATED',
        recordType: 'person',
        recordId: personId,
        reason: restrictionReason ?? input.rectificationRequested ?? 'Flags cleared',
        details: {
          rectificationRequested: input.rectificationRequested,
          restricted: input.restricted,
          wasRestricted: Boolean(before?.restricted_at),
          hadRectification: Boolean(before?.rectification_requested),
        },
      });
    });
  }
}
