import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { viewerOf } from '../cases/casesService.ts';
import { type CaseExportFilters, type CaseExportRow, type CaseSearchCriteria, CaseSearchRepository, type CaseSearchRow, type LocationFilter } from './caseSearchRepository.ts';
import type { NameQuery } from './nameQuery.ts';
import { type PersonMatch, PersonSearchRepository } from './personSearchRepository.ts';
import { postcodeLabel, type PersonSearchInput } from './searchSchemas.ts';

export interface CaseSearchInput extends Omit<CaseSearchCriteria, 'person'> {
  person?: NameQuery | undefined;
}

const EXPORT_BATCH = 1_000;

/**
 * Finding people and cases, and downloading the case list. Each read and its audit event
 * (PERSON_SEARCHED with what was searched for, CASE_SEARCHED, CASE_EXPORTED with the count) are
 * one transaction; only what the user may see is ever read.
 */
export class SearchService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #people = new PersonSearchRepository();
  readonly #cases = new CaseSearchRepository();

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#audit = audit;
  }

  async findPeople(user: CurrentUser, input: PersonSearchInput, actor: Actor, limit = 50): Promise<PersonMatch[]> {
    return this.#audit.run(actor, async (trx, audit) => {
      const matches = await this.#people.search(trx, viewerOf(user), { name: input.name, dateOfBirth: input.dateOfBirth, postcode: input.postcode }, limit);
      const dateOfBirth = input.dateOfBirth && (input.dateOfBirth.kind === 'exact' ? input.dateOfBirth.date : String(input.dateOfBirth.year));
      audit({
        action: 'PERSON_SEARCHED',
        recordType: 'person',
        details: { name: input.typedName, ...(dateOfBirth ? { dateOfBirth } : {}), ...(input.postcode ? { postcode: postcodeLabel(input.postcode) } : {}), results: matches.length },
      });
      return matches;
    });
  }

  async findCases(user: CurrentUser, input: CaseSearchInput, page: { limit: number; offset: number }, actor: Actor): Promise<{ rows: CaseSearchRow[]; total: number }> {
    return this.#audit.run(actor, async (trx, audit) => {
      let person: CaseSearchCriteria['person'];
      if (input.person) {
        person = { name: input.person, sounds: await this.#people.sounds(trx, input.person) };
        await this.#people.useTrigramThreshold(trx);
      }
      const rows = await this.#cases.search(trx, viewerOf(user), { ...input, person }, page.limit, page.offset);
      const total = Number(rows[0]?.total ?? 0);
      audit({ action: 'CASE_SEARCHED', recordType: 'case', details: { ...searchedFor(input), offset: page.offset, results: total } });
      return { rows, total };
    });
  }

  /**
   * Reads the cases the list shows (all pages) in batches, handing each to `write`, which may
   * wait (a slow download) and answers false when nobody is reading any more (the download was
   * abandoned). CASE_EXPORTED records how many rows were handed over, and whether that was all
   * of them, in the same transaction.
   */
  async exportCases(user: CurrentUser, filters: CaseExportFilters, actor: Actor, write: (rows: CaseExportRow[]) => Promise<boolean>): Promise<number> {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#cases.openExport(trx, viewerOf(user), filters);
      let count = 0;
      let complete = true;
      for (let rows = await this.#cases.nextExportBatch(trx, EXPORT_BATCH); rows.length > 0; rows = await this.#cases.nextExportBatch(trx, EXPORT_BATCH)) {
        count += rows.length;
        if (!(await write(rows))) {
          complete = false;
          break;
        }
      }
      audit({ action: 'CASE_EXPORTED', recordType: 'case', details: { count, complete, filters: { ...filters } } });
      return count;
    });
  }
}

/** What was searched for, as the audit log keeps it. */
function searchedFor(input: CaseSearchInput): Record<string, string> {
  const location = (filter: LocationFilter) => (filter.kind === 'address' ? filter.text : postcodeLabel(filter.postcode));
  const entries: [string, string | undefined][] = [
    ['reference', input.reference],
    ['person', input.person?.text],
    ['location', input.location && location(input.location)],
    ['caseType', input.caseType],
    ['status', input.status],
    ['leadOfficerId', input.leadOfficerId],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => Boolean(entry[1])));
}
