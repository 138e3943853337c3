import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { type PartnershipDetails, PartnershipRepository } from './partnershipRepository.ts';

export interface Branding {
  name: string;
  logoText: string;
}

const FALLBACK_BRANDING: Branding = { name: 'OneRoof', logoText: '' };
// Every page shows the partnership's name; a short cache spares a query per page.
const BRANDING_TTL_MS = 10_000;

export class PartnershipService {
  readonly #repository: PartnershipRepository;
  readonly #audit: AuditTrail;
  #branding: { value: Branding; at: number } | undefined;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new PartnershipRepository(db);
    this.#audit = audit;
  }

  async details(): Promise<PartnershipDetails | undefined> {
    const row = await this.#repository.find();
    return row ? { name: row.name, area: row.area, logoText: row.logo_text } : undefined;
  }

  /** Name and logo text for the page header. Never throws: error pages need it when the database is down. */
  async branding(): Promise<Branding> {
    if (this.#branding && Date.now() - this.#branding.at < BRANDING_TTL_MS) return this.#branding.value;
    try {
      const details = await this.details();
      const value = details ? { name: details.name, logoText: details.logoText } : FALLBACK_BRANDING;
      this.#branding = { value, at: Date.now() };
      return value;
    } catch {
      return this.#branding?.value ?? FALLBACK_BRANDING;
    }
  }

  async update(details: PartnershipDetails, actor: Actor): Promise<void> {
    const before = await this.details();
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.save(trx, details);
      audit({ action: 'PARTNERSHIP_UPDATED', recordType: 'partnership', recordId: '1', details: { before, after: details } });
    });
    this.#branding = undefined;
  }
}
