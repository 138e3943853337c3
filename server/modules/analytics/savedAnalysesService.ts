import type { Kysely } from 'kysely';
import type { Database, SavedAnalysisKind } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { SavedAnalysesRepository, type SavedAnalysisRow } from './savedAnalysesRepository.ts';
import { UUID } from './analyticsSchemas.ts';

/**
 * Analyses saved with their parameters, shared within the organisation that saved them (a
 * problem profile links to one by id). Only the owner deletes one.
 */
export class SavedAnalysesService {
  readonly #repository: SavedAnalysesRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new SavedAnalysesRepository(db);
    this.#audit = audit;
  }

  get repository(): SavedAnalysesRepository {
    return this.#repository;
  }

  list(user: CurrentUser): Promise<SavedAnalysisRow[]> {
    return this.#repository.forOrganisation(user.organisationId);
  }

  /** One saved analysis the user's organisation holds; any other is not found. */
  async get(user: CurrentUser, id: string): Promise<SavedAnalysisRow> {
    const row = UUID.test(id) ? await this.#repository.find(id, user.organisationId) : undefined;
    if (!row) throw new NotFound();
    return row;
  }

  async save(user: CurrentUser, input: { kind: SavedAnalysisKind; name: string; parameters: Record<string, string | string[]>; lastRunSummary: Record<string, number | string> | null }, actor: Actor): Promise<string> {
    return this.#audit.run(actor, async (trx, audit) => {
      const { id } = await this.#repository.insert(trx, { ...input, ownerUserId: user.id, organisationId: user.organisationId });
      audit({ action: 'ANALYSIS_SAVED', recordType: 'saved_analysis', recordId: id, details: { kind: input.kind, name: input.name } });
      return id;
    });
  }

  async recordRun(id: string, summary: Record<string, number | string>): Promise<void> {
    await this.#repository.recordRun(id, summary);
  }

  async delete(user: CurrentUser, id: string, actor: Actor): Promise<void> {
    const row = await this.get(user, id);
    if (row.owner_user_id !== user.id) throw new NotFound();
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.delete(trx, id);
      audit({ action: 'ANALYSIS_DELETED', recordType: 'saved_analysis', recordId: id, details: { kind: row.kind, name: row.name } });
    });
  }

  async findRun(user: CurrentUser, runId: string) {
    const run = UUID.test(runId) ? await this.#repository.findRun(runId, user.id) : undefined;
    if (!run) throw new NotFound();
    return run;
  }
}
