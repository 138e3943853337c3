import type { Insertable, Kysely, Transaction } from 'kysely';
import type { ApiKeyRow, ApiKeysTable, Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

export interface ApiKeyListItem extends ApiKeyRow {
  organisation_name: string;
}

/** What authenticating a request needs to know about the key it presents. */
export interface ApiKeyCredentials {
  id: string;
  name: string;
  organisation_id: string;
  organisation_name: string;
  organisation_active: boolean;
  secret_hash: string;
  permissions: string[];
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export class ApiKeysRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(organisationId: string | undefined): Promise<ApiKeyListItem[]> {
    let query = this.#withOrganisation();
    if (organisationId) query = query.where('api_keys.organisation_id', '=', organisationId);
    return query.orderBy('api_keys.created_at', 'desc').execute();
  }

  async findById(id: string): Promise<ApiKeyListItem | undefined> {
    if (!isUuid(id)) return undefined;
    return this.#withOrganisation().where('api_keys.id', '=', id).executeTakeFirst();
  }

  async findCredentials(prefix: string): Promise<ApiKeyCredentials | undefined> {
    return this.#db
      .selectFrom('api_keys')
      .innerJoin('organisations', 'organisations.id', 'api_keys.organisation_id')
      .select([
        'api_keys.id',
        'api_keys.name',
        'api_keys.organisation_id',
        'organisations.name as organisation_name',
        'organisations.active as organisation_active',
        'api_keys.secret_hash',
        'api_keys.permissions',
        'api_keys.last_used_at',
        'api_keys.revoked_at',
      ])
      .where('api_keys.key_prefix', '=', prefix)
      .executeTakeFirst();
  }

  async create(trx: Transaction<Database>, key: Insertable<ApiKeysTable>): Promise<ApiKeyRow> {
    return trx.insertInto('api_keys').values(key).returningAll().executeTakeFirstOrThrow();
  }

  /** True when this call revoked the key (false when it already was). */
  async revoke(trx: Transaction<Database>, id: string, revokedBy: string): Promise<boolean> {
    const result = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date(), revoked_by: revokedBy })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Records use, unless another request already did in the last `intervalMs` (one write a minute, not one a request). */
  async markUsed(id: string, at: Date, intervalMs: number): Promise<void> {
    await this.#db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', new Date(at.getTime() - intervalMs))]))
      .execute();
  }

  #withOrganisation() {
    return this.#db
      .selectFrom('api_keys')
      .innerJoin('organisations', 'organisations.id', 'api_keys.organisation_id')
      .selectAll('api_keys')
      .select('organisations.name as organisation_name');
  }
}
