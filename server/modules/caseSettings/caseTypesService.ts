import type { Kysely } from 'kysely';
import type { CaseTypeRow, Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { Conflict, type FieldErrors, NotFound, uniqueViolation } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { CaseTypesRepository, type CaseTypeWithUse } from './caseTypesRepository.ts';
import { type CaseTypeUpdateInput, codeFromName, type NewCaseTypeInput } from './caseTypesSchemas.ts';

const NAME_TAKEN: FieldErrors = { name: 'caseSettings.types.errors.nameTaken' };
const PREFIX_TAKEN: FieldErrors = { referencePrefix: 'caseSettings.types.errors.prefixTaken' };
const PREFIX_IN_USE: FieldErrors = { referencePrefix: 'caseSettings.types.errors.prefixInUse' };

// The unique indexes of 0006_case_type_admin.sql, and what each means to the person typing.
const UNIQUE_CONSTRAINTS: Record<string, FieldErrors> = {
  case_types_name_key: NAME_TAKEN,
  case_types_reference_prefix_key: PREFIX_TAKEN,
};

/**
 * The partnership's case types: what agencies may open cases as, and the prefix of their references.
 * A type is never deleted (cases keep it); it stops being offered instead. Its prefix is fixed once a
 * case has it, because the references already issued carry it.
 */
export class CaseTypesService {
  readonly #repository: CaseTypesRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new CaseTypesRepository(db);
    this.#audit = audit;
  }

  list(): Promise<CaseTypeWithUse[]> {
    return this.#repository.listWithUse();
  }

  async get(code: string): Promise<CaseTypeWithUse> {
    const type = await this.#repository.find(code);
    if (!type) throw new NotFound();
    return { ...type, cases: await this.#repository.casesUsing(code) };
  }

  async create(input: NewCaseTypeInput, actor: Actor): Promise<CaseTypeRow> {
    await this.#checkUnique(input);
    // Two administrators adding the same name at once: the index refuses the second (same code
    // or same name); a different name that happens to give the same code just takes the next one.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#audit.run(actor, async (trx, audit) => {
          const code = nextFreeCode(codeFromName(input.name), await this.#repository.codesLike(codeFromName(input.name), trx));
          const created = await this.#repository.insert(trx, { code, name: input.name, reference_prefix: input.referencePrefix });
          audit({ action: 'CASE_TYPE_CREATED', recordType: 'case_type', recordId: code, details: { name: input.name, referencePrefix: input.referencePrefix } });
          return created;
        });
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === 'case_types_pkey' && attempt < 3 && !(await this.#repository.nameTaken(input.name))) continue;
        throw asConflict(error);
      }
    }
  }

  async update(code: string, input: CaseTypeUpdateInput, actor: Actor): Promise<CaseTypeRow> {
    await this.#checkUnique(input, code);
    try {
      return await this.#audit.run(actor, async (trx, audit) => {
        const current = await this.#repository.lock(trx, code);
        if (!current) throw new NotFound();
        if (input.referencePrefix !== current.reference_prefix && (await this.#repository.casesUsing(code, trx)) > 0) throw new Conflict('prefix in use', PREFIX_IN_USE);
        const renamed = input.name !== current.name;
        const saved = await this.#repository.update(trx, code, {
          name: input.name,
          reference_prefix: input.referencePrefix,
          active: input.active,
          // Once renamed, the catalogue's translation of the built-in name no longer applies.
          name_translated: current.name_translated && !renamed,
        });
        audit({
          action: 'CASE_TYPE_UPDATED',
          recordType: 'case_type',
          recordId: code,
          details: { before: describe(current), after: describe(saved) },
        });
        return saved;
      });
    } catch (error) {
      throw asConflict(error);
    }
  }

  /** Swaps a type with its neighbour in the order offered (and closes any gaps in the numbering). */
  async move(code: string, direction: 'up' | 'down', actor: Actor): Promise<void> {
    await this.#audit.run(actor, async (trx, audit) => {
      const ordered = await this.#repository.lockAllInOrder(trx);
      const from = ordered.findIndex((type) => type.code === code);
      if (from === -1) throw new NotFound();
      const to = direction === 'up' ? from - 1 : from + 1;
      if (to < 0 || to >= ordered.length) return;
      [ordered[from], ordered[to]] = [ordered[to]!, ordered[from]!];
      for (const [index, type] of ordered.entries()) {
        if (type.sort_order !== index + 1) await this.#repository.update(trx, type.code, { sort_order: index + 1 });
      }
      audit({ action: 'CASE_TYPE_UPDATED', recordType: 'case_type', recordId: code, details: { moved: direction, position: { before: from + 1, after: to + 1 } } });
    });
  }

  async #checkUnique(input: { name: string; referencePrefix: string }, exceptCode?: string): Promise<void> {
    const [nameTaken, prefixTaken] = await Promise.all([this.#repository.nameTaken(input.name, exceptCode), this.#repository.prefixTaken(input.referencePrefix, exceptCode)]);
    if (nameTaken || prefixTaken) throw new Conflict('case type not unique', { ...(nameTaken ? NAME_TAKEN : {}), ...(prefixTaken ? PREFIX_TAKEN : {}) });
  }
}

function describe(type: CaseTypeRow) {
  return { name: type.name, referencePrefix: type.reference_prefix, active: type.active };
}

function nextFreeCode(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.includes(`${base}_${n}`)) return `${base}_${n}`;
}

/** A duplicate that slipped past the checks (someone saved the same at the same moment) is a clear message, not a 500. */
function asConflict(error: unknown): unknown {
  const constraint = uniqueViolation(error);
  if (constraint === undefined) return error;
  return new Conflict('case type not unique', UNIQUE_CONSTRAINTS[constraint] ?? NAME_TAKEN);
}
