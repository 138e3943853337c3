import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { type Clearance, CaseSettingsRepository } from './caseSettingsRepository.ts';
import { type CaseSettingsInput, caseWorkingRoles, clearableSensitivities } from './caseSettingsSchemas.ts';

export interface CaseSettings {
  clearances: Clearance[];
  reviewIntervals: Record<string, number>;
}

/** The partnership's case settings: who may read sensitive notes, and how often cases are reviewed. */
export class CaseSettingsService {
  readonly #repository: CaseSettingsRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new CaseSettingsRepository(db);
    this.#audit = audit;
  }

  async current(): Promise<CaseSettings> {
    const [clearances, reviewIntervals] = await Promise.all([this.#repository.clearances(), this.#repository.reviewIntervals()]);
    return { clearances, reviewIntervals };
  }

  async save(input: CaseSettingsInput, actor: Actor): Promise<void> {
    const clearances = clearableSensitivities.flatMap((sensitivity) => [...new Set(input[sensitivity])].map((role) => ({ role, sensitivity })));
    const reviewIntervals = { high: input.highDays, medium: input.mediumDays, standard: input.standardDays };
    await this.#audit.run(actor, async (trx, audit) => {
      const before = { clearances: await this.#repository.clearances(trx), reviewIntervals: await this.#repository.reviewIntervals(trx) };
      await this.#repository.replaceClearances(trx, caseWorkingRoles, clearances);
      await this.#repository.saveReviewIntervals(trx, reviewIntervals);
      audit({ action: 'CASE_SETTINGS_UPDATED', recordType: 'case_settings', details: { before, after: { clearances, reviewIntervals } } });
    });
  }
}
