import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, NewUserRow, UserRow, UserUpdate } from '../../db/schema.ts';
import { isLocale } from '../../shared/i18n/index.ts';
import { isUuid } from '../../shared/ids.ts';
import { isRole, type Role } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface UserListFilters {
  organisationId?: string | undefined;
  role?: Role | undefined;
  status?: 'active' | 'disabled' | undefined;
  search?: string | undefined;
}

export interface UserListItem {
  id: string;
  name: string;
  email: string;
  role: string;
  organisationId: string;
  organisationName: string;
  disabled: boolean;
  mfaEnabled: boolean;
  hasPassword: boolean;
  lastSignInAt: Date | null;
}

export class UsersRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async findById(id: string, executor: Executor = this.#db): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    return executor.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByEmail(email: string, executor: Executor = this.#db): Promise<UserRow | undefined> {
    return executor.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  }

  async findByOidcSubject(organisationId: string, subject: string): Promise<UserRow | undefined> {
    return this.#db
      .selectFrom('users')
      .selectAll()
      .where('organisation_id', '=', organisationId)
      .where('oidc_subject', '=', subject)
      .executeTakeFirst();
  }

  /** The signed-in user for a request: only an enabled account in an active organisation. */
  async findCurrentUser(id: string): Promise<CurrentUser | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.#db
      .selectFrom('users')
      .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
      .select([
        'users.id', 'users.email', 'users.name', 'users.role', 'users.organisation_id', 'users.locale',
        'users.mfa_enabled_at', 'organisations.name as organisation_name',
      ])
      .where('users.id', '=', id)
      .where('users.disabled', '=', false)
      .where('organisations.active', '=', true)
      .executeTakeFirst();
    if (!row || !isRole(row.role)) return undefined;
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
      locale: isLocale(row.locale) ? row.locale : null,
      mfaEnabled: row.mfa_enabled_at !== null,
    };
  }

  async list(filters: UserListFilters, limit = 500): Promise<UserListItem[]> {
    let query = this.#db
      .selectFrom('users')
      .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
      .select([
        'users.id', 'users.name', 'users.email', 'users.role', 'users.organisation_id', 'users.disabled',
        'users.mfa_enabled_at', 'users.password_hash', 'users.last_sign_in_at', 'organisations.name as organisation_name',
      ]);
    if (filters.organisationId) query = query.where('users.organisation_id', '=', filters.organisationId);
    if (filters.role) query = query.where('users.role', '=', filters.role);
    if (filters.status) query = query.where('users.disabled', '=', filters.status === 'disabled');
    if (filters.search) {
      const pattern = `%${filters.search.trim().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      query = query.where((eb) => eb.or([eb('users.name', 'ilike', pattern), eb('users.email', 'ilike', pattern)]));
    }
    const rows = await query.orderBy('users.name').orderBy('users.email').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      email: row.email,
      role: row.role,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
      disabled: row.disabled,
      mfaEnabled: row.mfa_enabled_at !== null,
      hasPassword: row.password_hash !== null,
      lastSignInAt: row.last_sign_in_at,
    }));
  }

  async create(trx: Transaction<Database>, user: NewUserRow): Promise<UserRow> {
    return trx.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  }

  async update(trx: Executor, id: string, changes: UserUpdate): Promise<void> {
    await trx.updateTable('users').set({ ...changes, updated_at: new Date() }).where('id', '=', id).execute();
  }

  async emailTaken(email: string, exceptUserId?: string): Promise<boolean> {
    let query = this.#db.selectFrom('users').select('id').where('email', '=', email);
    if (exceptUserId) query = query.where('id', '<>', exceptUserId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async setLocale(id: string, locale: string): Promise<void> {
    await this.#db.updateTable('users').set({ locale }).where('id', '=', id).execute();
  }

  /**
   * Records the TOTP time step just used, only if it is newer than the last one. Returns false
   * when another request already used this or a later step: the code is being replayed.
   */
  async claimTimeStep(trx: Executor, id: string, timeStep: number): Promise<boolean> {
    const result = await trx
      .updateTable('users')
      .set({ mfa_last_time_step: timeStep })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('mfa_last_time_step', 'is', null), eb('mfa_last_time_step', '<', sql<string>`${timeStep}`)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceRecoveryCodes(trx: Transaction<Database>, userId: string, codeHashes: string[]): Promise<void> {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    if (codeHashes.length > 0) {
      await trx.insertInto('recovery_codes').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash }))).execute();
    }
  }

  /** Marks a recovery code used; false when it does not exist or was used already. */
  async useRecoveryCode(trx: Transaction<Database>, userId: string, codeHash: string): Promise<boolean> {
    const result = await trx
      .updateTable('recovery_codes')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async unusedRecoveryCodeCount(userId: string, executor: Executor = this.#db): Promise<number> {
    const row = await executor
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
