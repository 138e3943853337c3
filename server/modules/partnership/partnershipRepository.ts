import type { Kysely, Transaction } from 'kysely';
import type { Database, PartnershipRow } from '../../db/schema.ts';

export interface PartnershipDetails {
  name: string;
  area: string;
  logoText: string;
}

export class PartnershipRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async find(executor: Kysely<Database> | Transaction<Database> = this.#db): Promise<PartnershipRow | undefined> {
    return executor.selectFrom('partnership').selectAll().executeTakeFirst();
  }

  async save(trx: Transaction<Database>, details: PartnershipDetails): Promise<void> {
    const values = { name: details.name, area: details.area, logo_text: details.logoText, updated_at: new Date() };
    await trx
      .insertInto('partnership')
      .values({ id: 1, ...values })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(values))
      .execute();
  }
}
