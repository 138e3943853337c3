import { type Kysely, sql, type Transaction } from 'kysely';
import type { CaseTypeRow, Database } from '../../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface CaseTypeWithUse extends CaseTypeRow {
  cases: number;
}

/** The partnership's case types, as the administrator manages them. */
export class CaseTypesRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every type in the order offered, with how many cases (open or closed) have it. */
  async listWithUse(executor: Executor = this.#db): Promise<CaseTypeWithUse[]> {
    const rows = await executor
      .selectFrom('case_types')
      .selectAll('case_types')
      .select((eb) => eb.selectFrom('cases').select(eb.fn.countAll<string>().as('n')).whereRef('cases.case_type', '=', 'case_types.code').as('cases'))
      .orderBy('sort_order')
      .orderBy('name')
      .execute();
    return rows.map((row) => ({ ...row, cases: Number(row.cases ?? 0) }));
  }

  async find(code: string, executor: Executor = this.#db): Promise<CaseTypeRow | undefined> {
    return executor.selectFrom('case_types').selectAll().where('code', '=', code).executeTakeFirst();
  }

  /** The type, locked until the transaction ends, so a change and its checks see one state. */
  async lock(trx: Transaction<Database>, code: string): Promise<CaseTypeRow | undefined> {
    return trx.selectFrom('case_types').selectAll().where('code', '=', code).forUpdate().executeTakeFirst();
  }

  async casesUsing(code: string, executor: Executor = this.#db): Promise<number> {
    const row = await executor.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).where('case_type', '=', code).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async nameTaken(name: string, exceptCode?: string, executor: Executor = this.#db): Promise<boolean> {
    let query = executor.selectFrom('case_types').select('code').where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
    if (exceptCode) query = query.where('code', '<>', exceptCode);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async prefixTaken(prefix: string, exceptCode?: string, executor: Executor = this.#db): Promise<boolean> {
    let query = executor.selectFrom('case_types').select('code').where('reference_prefix', '=', prefix);
    if (exceptCode) query = query.where('code', '<>', exceptCode);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** Codes already used by `base` or `base_<n>`, to pick the next free one. */
  async codesLike(base: string, executor: Executor = this.#db): Promise<string[]> {
    const rows = await executor
      .selectFrom('case_types')
      .select('code')
      .where((eb) => eb.or([eb('code', '=', base), eb('code', 'like', `${base.replace(/_/g, '\\_')}\\_%`)]))
      .execute();
    return rows.map((row) => row.code);
  }

  async insert(trx: Transaction<Database>, type: { code: string; name: string; reference_prefix: string }): Promise<CaseTypeRow> {
    return trx
      .insertInto('case_types')
      .values({ ...type, active: true, name_translated: false, sort_order: sql<number>`(select coalesce(max(sort_order), 0) + 1 from case_types)` })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(trx: Transaction<Database>, code: string, changes: Partial<Pick<CaseTypeRow, 'name' | 'reference_prefix' | 'active' | 'name_translated' | 'sort_order'>>): Promise<CaseTypeRow> {
    return trx.updateTable('case_types').set(changes).where('code', '=', code).returningAll().executeTakeFirstOrThrow();
  }

  /** Every type in order, locked, for moving one of them. */
  async lockAllInOrder(trx: Transaction<Database>): Promise<CaseTypeRow[]> {
    return trx.selectFrom('case_types').selectAll().orderBy('sort_order').orderBy('name').forUpdate().execute();
  }
}
