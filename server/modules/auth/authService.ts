import { randomInt } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, UserRow } from '../../db/schema.ts';
import { deleteSessionsOfUser } from '../../middleware/sessionStore.ts';
import type { Actor } from '../../shared/actor.ts';
import { type SecretBox, sha256Hex } from '../../shared/crypto.ts';
import { isLocale, translatorFor } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { isRole, roleRequiresMfa } from '../../shared/permissions.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { OrganisationsRepository } from '../organisations/organisationsRepository.ts';
import { OutboxRepository } from '../outbox/outboxRepository.ts';
import { PartnershipRepository } from '../partnership/partnershipRepository.ts';
import { UsersRepository } from '../users/usersRepository.ts';
import { OneTimeTokensRepository, type TokenPurpose } from './oneTimeTokensRepository.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { SignInThrottle, type ThrottlePolicy, throttleKeys } from './signInThrottle.ts';
import { currentTotp, matchTotp, newTotpSecret } from './totp.ts';

export interface AuthSettings {
  baseUrl: string;
  /** Outside production, demo accounts show their current code on the sign-in page. */
  showDemoCodes: boolean;
  emailPolicy: ThrottlePolicy;
  ipPolicy: ThrottlePolicy;
}

export type PasswordSignIn =
  | { outcome: 'locked'; retryAfterSeconds: number }
  | { outcome: 'rejected' }
  | { outcome: 'needs-verification'; userId: string }
  | { outcome: 'needs-set-up'; userId: string }
  | { outcome: 'signed-in'; userId: string };

/** The first factor (password or single sign-on) was good: what comes next. */
export type FirstFactorPassed = Extract<PasswordSignIn, { userId: string }>;

export type SecondFactorCheck = { outcome: 'verified' } | { outcome: 'rejected' } | { outcome: 'locked'; retryAfterSeconds: number };

const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const RESET_LIFETIME_MS = 60 * 60 * 1000;
const RESET_RESEND_INTERVAL_MS = 2 * 60 * 1000;
const RECOVERY_CODE_COUNT = 10;

/** Sign-in, second factor, invitations and password resets. */
export class AuthService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #users: UsersRepository;
  readonly #tokens: OneTimeTokensRepository;
  readonly #outbox: OutboxRepository;
  readonly #throttle: SignInThrottle;
  readonly #secrets: SecretBox;
  readonly #settings: AuthSettings;
  readonly #partnership: PartnershipRepository;
  readonly #organisations: OrganisationsRepository;

  constructor(
    db: Kysely<Database>,
    audit: AuditTrail,
    secrets: SecretBox,
    settings: AuthSettings,
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#users = new UsersRepository(db);
    this.#tokens = new OneTimeTokensRepository(db);
    this.#outbox = new OutboxRepository(db);
    this.#throttle = new SignInThrottle(db);
    this.#secrets = secrets;
    this.#settings = settings;
    this.#partnership = new PartnershipRepository(db);
    this.#organisations = new OrganisationsRepository(db);
  }

  async signInWithPassword(email: string, password: string, actor: Actor): Promise<PasswordSignIn> {
    const normalisedEmail = email.trim().toLowerCase();
    const keys = [throttleKeys.email(normalisedEmail), throttleKeys.ip(actor.ip ?? 'unknown')];
    const attemptActor = { ...actor, label: normalisedEmail };
    const lockedFor = await this.#throttle.lockedForSeconds(keys);
    if (lockedFor > 0) {
      await this.#audit.record(attemptActor, { action: 'SIGN_IN_LOCKED', details: { retryAfterSeconds: lockedFor } });
      return { outcome: 'locked', retryAfterSeconds: lockedFor };
    }
    const user = await this.#users.findByEmail(normalisedEmail);
    const passwordMatches = await verifyPassword(user?.password_hash, password);
    const usable = user && passwordMatches && !user.disabled && (await this.#organisations.findById(user.organisation_id))?.active === true;
    if (!user || !usable) {
      const [emailLocked, ipLocked] = await Promise.all([
        this.#throttle.registerFailure(keys[0]!, this.#settings.emailPolicy),
        this.#throttle.registerFailure(keys[1]!, this.#settings.ipPolicy),
      ]);
      await this.#audit.record(attemptActor, {
        action: 'SIGN_IN_FAILED',
        organisationId: user?.organisation_id ?? null,
        recordType: user ? 'user' : undefined,
        recordId: user?.id,
        details: { reason: !user ? 'unknown-account' : !passwordMatches ? 'wrong-password' : 'account-disabled', locked: emailLocked || ipLocked },
      });
      return { outcome: 'rejected' };
    }
    await this.#throttle.clear(keys[0]!);
    return this.#nextStep(user, 'password', actor);
  }

  /** After the first factor (password or single sign-on): verify, set up, or done. */
  async #nextStep(user: UserRow, method: 'password' | 'sso', actor: Actor): Promise<FirstFactorPassed> {
    if (user.mfa_enabled_at) return { outcome: 'needs-verification', userId: user.id };
    if (isRole(user.role) && roleRequiresMfa(user.role)) return { outcome: 'needs-set-up', userId: user.id };
    await this.completeSignIn(user.id, method, actor);
    return { outcome: 'signed-in', userId: user.id };
  }

  async afterSingleSignOn(user: UserRow, trustedSecondFactor: boolean, actor: Actor): Promise<FirstFactorPassed> {
    if (trustedSecondFactor) {
      await this.completeSignIn(user.id, 'sso', actor);
      return { outcome: 'signed-in', userId: user.id };
    }
    return this.#nextStep(user, 'sso', actor);
  }

  async completeSignIn(userId: string, method: 'password' | 'sso', actor: Actor): Promise<void> {
    const user = await this.#users.findById(userId);
    if (!user) return;
    await this.#audit.run({ ...actor, userId, label: user.email, organisationId: user.organisation_id }, async (trx, audit) => {
      await this.#users.update(trx, userId, { last_sign_in_at: new Date() });
      audit({ action: method === 'sso' ? 'SSO_SIGN_IN_SUCCEEDED' : 'SIGN_IN_SUCCEEDED', recordType: 'user', recordId: userId });
    });
  }

  async verifySecondFactor(userId: string, code: string, actor: Actor): Promise<SecondFactorCheck> {
    const user = await this.#users.findById(userId);
    if (!user?.mfa_secret_encrypted) return { outcome: 'rejected' };
    const userActor = this.#actorFor(user, actor);
    const key = throttleKeys.mfa(userId);
    const lockedFor = await this.#throttle.lockedForSeconds([key]);
    if (lockedFor > 0) return { outcome: 'locked', retryAfterSeconds: lockedFor };
    const lastStep = user.mfa_last_time_step === null ? undefined : Number(user.mfa_last_time_step);
    const step = await matchTotp(this.#secrets.open(user.mfa_secret_encrypted), code, lastStep);
    const claimed = step !== undefined && (await this.#users.claimTimeStep(this.#db, userId, step));
    if (!claimed) {
      await this.#throttle.registerFailure(key, this.#settings.emailPolicy);
      await this.#audit.record(userActor, {
        action: 'MFA_FAILED',
        recordType: 'user',
        recordId: userId,
        details: { reason: step === undefined ? 'wrong-code' : 'code-reused' },
      });
      return { outcome: 'rejected' };
    }
    await this.#throttle.clear(key);
    await this.#audit.record(userActor, { action: 'MFA_VERIFIED', recordType: 'user', recordId: userId });
    return { outcome: 'verified' };
  }

  async useRecoveryCode(userId: string, code: string, actor: Actor): Promise<{ outcome: SecondFactorCheck['outcome']; remaining: number; retryAfterSeconds?: number }> {
    const user = await this.#users.findById(userId);
    if (!user?.mfa_enabled_at) return { outcome: 'rejected', remaining: 0 };
    const key = throttleKeys.mfa(userId);
    const lockedFor = await this.#throttle.lockedForSeconds([key]);
    if (lockedFor > 0) return { outcome: 'locked', remaining: 0, retryAfterSeconds: lockedFor };
    const userActor = this.#actorFor(user, actor);
    const used = await this.#audit.run(userActor, async (trx, audit) => {
      const ok = await this.#users.useRecoveryCode(trx, userId, hashRecoveryCode(code));
      if (ok) audit({ action: 'MFA_RECOVERY_CODE_USED', recordType: 'user', recordId: userId });
      return ok;
    });
    if (!used) {
      await this.#throttle.registerFailure(key, this.#settings.emailPolicy);
      await this.#audit.record(userActor, { action: 'MFA_FAILED', recordType: 'user', recordId: userId, details: { reason: 'wrong-recovery-code' } });
      return { outcome: 'rejected', remaining: 0 };
    }
    await this.#throttle.clear(key);
    return { outcome: 'verified', remaining: await this.#users.unusedRecoveryCodeCount(userId) };
  }

  /** The current code of a demo account (published credentials), never of a real one. */
  async demoCode(userId: string): Promise<string | undefined> {
    if (!this.#settings.showDemoCodes) return undefined;
    const user = await this.#users.findById(userId);
    if (!user?.is_demo || !user.mfa_secret_encrypted) return undefined;
    return currentTotp(this.#secrets.open(user.mfa_secret_encrypted));
  }

  /** A fresh TOTP secret, sealed for keeping in the session until the user confirms it. */
  beginEnrolment(): { secret: string; sealed: string } {
    const secret = newTotpSecret();
    return { secret, sealed: this.#secrets.seal(secret) };
  }

  openSealed(sealed: string): string {
    return this.#secrets.open(sealed);
  }

  /** Confirms the authenticator works, turns on the second factor and returns recovery codes. */
  async completeEnrolment(userId: string, sealedSecret: string, code: string, actor: Actor): Promise<string[] | undefined> {
    const user = await this.#users.findById(userId);
    if (!user) return undefined;
    const step = await matchTotp(this.#secrets.open(sealedSecret), code, undefined);
    const userActor = this.#actorFor(user, actor);
    if (step === undefined) {
      await this.#audit.record(userActor, { action: 'MFA_FAILED', recordType: 'user', recordId: userId, details: { reason: 'enrolment-code' } });
      return undefined;
    }
    const codes = newRecoveryCodes();
    await this.#audit.run(userActor, async (trx, audit) => {
      await this.#users.update(trx, userId, { mfa_secret_encrypted: sealedSecret, mfa_enabled_at: new Date(), mfa_last_time_step: step });
      await this.#users.replaceRecoveryCodes(trx, userId, codes.map(hashRecoveryCode));
      audit({ action: 'MFA_ENROLLED', recordType: 'user', recordId: userId });
    });
    return codes;
  }

  async regenerateRecoveryCodes(userId: string, actor: Actor): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#users.replaceRecoveryCodes(trx, userId, codes.map(hashRecoveryCode));
      audit({ action: 'MFA_RECOVERY_CODES_REGENERATED', recordType: 'user', recordId: userId });
    });
    return codes;
  }

  async changePassword(userId: string, currentPassword: string, newPassword: string, actor: Actor): Promise<boolean> {
    const user = await this.#users.findById(userId);
    if (!user || !(await verifyPassword(user.password_hash, currentPassword))) return false;
    const passwordHash = await hashPassword(newPassword);
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#users.update(trx, userId, { password_hash: passwordHash });
      audit({ action: 'PASSWORD_CHANGED', recordType: 'user', recordId: userId });
    });
    return true;
  }

  /** Always looks the same to the requester, whether or not the address has an account. */
  async requestPasswordReset(email: string, actor: Actor): Promise<void> {
    const user = await this.#users.findByEmail(email);
    if (!user || user.disabled) return;
    const lastIssued = await this.#tokens.lastIssuedAt(user.id, 'password_reset');
    if (lastIssued && Date.now() - lastIssued.getTime() < RESET_RESEND_INTERVAL_MS) return;
    await this.#audit.run(this.#actorFor(user, actor), async (trx, audit) => {
      await this.sendAccountLink(trx, user, 'password_reset', null);
      audit({ action: 'PASSWORD_RESET_REQUESTED', recordType: 'user', recordId: user.id });
    });
  }

  /** Issues an invitation or reset link and puts the e-mail carrying it in the outbox. */
  async sendAccountLink(trx: Transaction<Database>, user: UserRow, purpose: TokenPurpose, createdBy: string | null): Promise<void> {
    const lifetime = purpose === 'invite' ? INVITE_LIFETIME_MS : RESET_LIFETIME_MS;
    const token = await this.#tokens.issue(trx, user.id, purpose, lifetime, createdBy);
    const link = new URL(
      purpose === 'invite' ? paths.auth.acceptInvite({ token }) : paths.auth.resetPassword({ token }),
      this.#settings.baseUrl,
    ).toString();
    const t = translatorFor(isLocale(user.locale) ? user.locale : 'en');
    const section = purpose === 'invite' ? 'emails.invite' : 'emails.passwordReset';
    // Read through the caller's transaction: PGlite has a single connection, which the
    // transaction holds, so a query on another connection would wait forever.
    const partnership = (await this.#partnership.find(trx))?.name ?? 'OneRoof';
    const values = { name: user.name, link, partnership };
    await this.#outbox.enqueue(trx, {
      organisationId: user.organisation_id,
      to: user.email,
      subject: t(`${section}.subject`, values),
      body: t(`${section}.body`, values),
    });
  }

  /** The account a link is for, if the link is still usable. */
  async accountForLink(token: string, purpose: TokenPurpose): Promise<UserRow | undefined> {
    const userId = await this.#tokens.peek(token, purpose);
    const user = userId ? await this.#users.findById(userId) : undefined;
    return user && !user.disabled ? user : undefined;
  }

  /** Sets a password through a link. False when the link was used or expired meanwhile. */
  async setPasswordWithLink(token: string, purpose: TokenPurpose, password: string, actor: Actor): Promise<boolean> {
    const passwordHash = await hashPassword(password);
    const user = await this.accountForLink(token, purpose);
    if (!user) return false;
    const done = await this.#audit.run(this.#actorFor(user, actor), async (trx, audit) => {
      const userId = await this.#tokens.consume(trx, token, purpose);
      if (userId !== user.id) return false;
      await this.#users.update(trx, userId, { password_hash: passwordHash });
      audit({ action: purpose === 'invite' ? 'INVITE_ACCEPTED' : 'PASSWORD_RESET_COMPLETED', recordType: 'user', recordId: userId });
      return true;
    });
    if (done) {
      await deleteSessionsOfUser(this.#db, user.id);
      await this.#throttle.clear(throttleKeys.email(user.email));
    }
    return done;
  }

  async recordSignOut(actor: Actor): Promise<void> {
    if (actor.userId) await this.#audit.record(actor, { action: 'SIGN_OUT', recordType: 'user', recordId: actor.userId });
  }

  async recordSessionEnded(userId: string, actor: Actor): Promise<void> {
    const user = await this.#users.findById(userId);
    await this.#audit.record(user ? this.#actorFor(user, actor) : actor, { action: 'SESSION_EXPIRED', recordType: 'user', recordId: userId });
  }

  #actorFor(user: UserRow, actor: Actor): Actor {
    return { ...actor, userId: user.id, label: user.email, organisationId: user.organisation_id, role: isRole(user.role) ? user.role : null };
  }
}

// No 0/o, 1/l/i: codes get copied from paper.
const RECOVERY_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = Array.from({ length: 10 }, () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)]).join('');
    return `${raw.slice(0, 5)}-${raw.slice(5)}`;
  });
}

export function hashRecoveryCode(code: string): string {
  return sha256Hex(code.trim().toLowerCase().replace(/[\s-]/g, ''));
}
