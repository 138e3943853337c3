import type { Kysely, Transaction } from 'kysely';
import type { Database, NewOrganisationRow, OrganisationRow, OrganisationUpdate } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

export interface OrganisationListItem extends OrganisationRow {
  user_count: number;
}

export class OrganisationsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(): Promise<OrganisationListItem[]> {
    const rows = await this.#db
      .selectFrom('organisations')
      .selectAll('organisations')
      .select((eb) =>
        eb.selectFrom('users').select(eb.fn.countAll<string>().as('n')).whereRef('users.organisation_id', '=', 'organisations.id').as('user_count'),
      )
      .orderBy('organisations.name')
      .execute();
    return rows.map((row) => ({ ...row, user_count: Number(row.user_count ?? 0) }));
  }

  async findById(id: string): Promise<OrganisationRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.#db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    let query = this.#db.selectFrom('organisations').select('id').where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async create(trx: Transaction<Database>, organisation: NewOrganisationRow): Promise<OrganisationRow> {
    return trx.insertInto('organisations').values(organisation).returningAll().executeTakeFirstOrThrow();
  }

  async update(trx: Transaction<Database>, id: string, changes: OrganisationUpdate): Promise<void> {
    await trx.updateTable('organisations').set({ ...changes, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async withSingleSignOn(): Promise<Pick<OrganisationRow, 'id' | 'name'>[]> {
    return this.#db
      .selectFrom('organisations')
      .select(['id', 'name'])
      .where('active', '=', true)
      .where('sso_enabled', '=', true)
      .orderBy('name')
      .execute();
  }
}
