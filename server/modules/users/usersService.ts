import type { Kysely } from 'kysely';
import type { Database, OrganisationRow, UserRow } from '../../db/schema.ts';
import { deleteSessionsOfUser } from '../../middleware/sessionStore.ts';
import type { Actor } from '../../shared/actor.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { Locale } from '../../shared/i18n/index.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { AuthService } from '../auth/authService.ts';
import { OrganisationsRepository } from '../organisations/organisationsRepository.ts';
import type { UserInput } from './usersSchemas.ts';
import { usersPolicy } from './usersPolicy.ts';
import { type UserListFilters, type UserListItem, UsersRepository } from './usersRepository.ts';

export interface UserDetails {
  user: UserRow;
  organisation: OrganisationRow;
  recoveryCodesLeft: number;
}

export class UsersService {
  readonly #db: Kysely<Database>;
  readonly #repository: UsersRepository;
  readonly #organisations: OrganisationsRepository;
  readonly #audit: AuditTrail;
  readonly #auth: AuthService;

  constructor(db: Kysely<Database>, audit: AuditTrail, auth: AuthService) {
    this.#db = db;
    this.#repository = new UsersRepository(db);
    this.#organisations = new OrganisationsRepository(db);
    this.#audit = audit;
    this.#auth = auth;
  }

  loadCurrentUser(id: string): Promise<CurrentUser | undefined> {
    return this.#repository.findCurrentUser(id);
  }

  findAccount(id: string): Promise<UserRow | undefined> {
    return this.#repository.findById(id);
  }

  saveLocale(id: string, locale: Locale): Promise<void> {
    return this.#repository.setLocale(id, locale);
  }

  async list(actor: CurrentUser, filters: UserListFilters, audit: Actor): Promise<UserListItem[]> {
    const policy = usersPolicy(actor);
    const scoped = { ...filters, organisationId: policy.listScope ?? filters.organisationId };
    const users = await this.#repository.list(scoped);
    await this.#audit.record(audit, { action: 'USER_LIST_VIEWED', recordType: 'user', details: { filters: scoped, count: users.length } });
    return users;
  }

  /** One account, as an administrator sees it. Accounts outside their reach are "not found". */
  async view(actor: CurrentUser, userId: string, audit: Actor): Promise<UserDetails> {
    const user = await this.#visibleUser(actor, userId);
    const organisation = await this.#organisations.findById(user.organisation_id);
    if (!organisation) throw new NotFound();
    const recoveryCodesLeft = await this.#repository.unusedRecoveryCodeCount(user.id);
    await this.#audit.record(audit, { action: 'USER_VIEWED', recordType: 'user', recordId: user.id });
    return { user, organisation, recoveryCodesLeft };
  }

  async editable(actor: CurrentUser, userId: string): Promise<UserRow> {
    const user = await this.#visibleUser(actor, userId);
    if (!usersPolicy(actor).canEdit(user)) throw new NotFound();
    return user;
  }

  async create(actor: CurrentUser, input: UserInput, audit: Actor): Promise<UserRow> {
    await this.#checkAssignment(actor, input, undefined);
    return this.#audit.run(audit, async (trx, record) => {
      const user = await this.#repository.create(trx, {
        name: input.name,
        email: input.email,
        organisation_id: input.organisationId,
        role: input.role,
      });
      record({ action: 'USER_CREATED', recordType: 'user', recordId: user.id, details: { role: input.role, organisationId: input.organisationId } });
      await this.#auth.sendAccountLink(trx, user, 'invite', actor.id);
      record({ action: 'INVITE_SENT', recordType: 'user', recordId: user.id });
      return user;
    });
  }

  async update(actor: CurrentUser, userId: string, input: UserInput, audit: Actor): Promise<void> {
    const before = await this.editable(actor, userId);
    await this.#checkAssignment(actor, input, before);
    const changed = (['name', 'email', 'role'] as const).filter((field) => before[field] !== input[field]);
    if (before.organisation_id !== input.organisationId) changed.push('organisationId' as never);
    await this.#audit.run(audit, async (trx, record) => {
      await this.#repository.update(trx, userId, { name: input.name, email: input.email, organisation_id: input.organisationId, role: input.role });
      record({ action: 'USER_UPDATED', recordType: 'user', recordId: userId, details: { changed } });
    });
    // Moving someone between organisations or roles changes what they may see: start afresh.
    if (before.role !== input.role || before.organisation_id !== input.organisationId) await deleteSessionsOfUser(this.#db, userId);
  }

  async setDisabled(actor: CurrentUser, userId: string, disabled: boolean, audit: Actor): Promise<void> {
    const user = await this.editable(actor, userId);
    if (!usersPolicy(actor).canChangeOwnAccess(user)) throw new ValidationFailed({ disabled: 'users.errors.cannotDisableSelf' });
    await this.#audit.run(audit, async (trx, record) => {
      await this.#repository.update(trx, userId, { disabled });
      record({ action: disabled ? 'USER_DISABLED' : 'USER_ENABLED', recordType: 'user', recordId: userId });
    });
    if (disabled) await deleteSessionsOfUser(this.#db, userId);
  }

  async resendInvite(actor: CurrentUser, userId: string, audit: Actor): Promise<void> {
    const user = await this.editable(actor, userId);
    if (user.password_hash) throw new Conflict('already accepted', { invite: 'users.errors.alreadyAccepted' });
    await this.#audit.run(audit, async (trx, record) => {
      await this.#auth.sendAccountLink(trx, user, 'invite', actor.id);
      record({ action: 'INVITE_SENT', recordType: 'user', recordId: userId });
    });
  }

  async sendPasswordReset(actor: CurrentUser, userId: string, audit: Actor): Promise<void> {
    const user = await this.editable(actor, userId);
    await this.#audit.run(audit, async (trx, record) => {
      await this.#auth.sendAccountLink(trx, user, 'password_reset', actor.id);
      record({ action: 'PASSWORD_RESET_REQUESTED', recordType: 'user', recordId: userId, details: { byAdministrator: true } });
    });
  }

  /** For a lost phone: the person sets up their authenticator again at next sign-in. */
  async resetVerification(actor: CurrentUser, userId: string, audit: Actor): Promise<void> {
    await this.editable(actor, userId);
    await this.#audit.run(audit, async (trx, record) => {
      await this.#repository.update(trx, userId, { mfa_secret_encrypted: null, mfa_enabled_at: null, mfa_last_time_step: null });
      await this.#repository.replaceRecoveryCodes(trx, userId, []);
      record({ action: 'MFA_RESET', recordType: 'user', recordId: userId });
    });
    await deleteSessionsOfUser(this.#db, userId);
  }

  async #visibleUser(actor: CurrentUser, userId: string): Promise<UserRow> {
    const user = await this.#repository.findById(userId);
    if (!user || !usersPolicy(actor).canSee(user)) throw new NotFound();
    return user;
  }

  async #checkAssignment(actor: CurrentUser, input: UserInput, existing: UserRow | undefined): Promise<void> {
    const policy = usersPolicy(actor);
    const fieldErrors: Record<string, string> = {};
    const organisation = await this.#organisations.findById(input.organisationId);
    if (!organisation || !policy.canAssignOrganisation(input.organisationId)) fieldErrors.organisationId = 'users.errors.organisationMissing';
    else if (!organisation.active && existing?.organisation_id !== organisation.id) fieldErrors.organisationId = 'users.errors.organisationInactive';
    if (!policy.canAssignRole(input.role)) fieldErrors.role = 'users.errors.roleNotAllowed';
    if (existing && !policy.canChangeOwnAccess(existing) && (existing.role !== input.role || existing.organisation_id !== input.organisationId)) {
      fieldErrors.role = 'users.errors.cannotChangeOwnRole';
    }
    if (Object.keys(fieldErrors).length > 0) throw new ValidationFailed(fieldErrors);
    if (await this.#repository.emailTaken(input.email, existing?.id)) throw new Conflict('email taken', { email: 'users.errors.emailTaken' });
  }
}
