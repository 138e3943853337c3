import { randomBytes, randomUUID } from 'node:crypto';
import { Signer } from '@fastify/cookie';
import { generate } from 'otplib';
import type { OrganisationRow, UserRow } from '../../server/db/schema.ts';
import { hashPassword } from '../../server/modules/auth/passwords.ts';
import { newTotpSecret } from '../../server/modules/auth/totp.ts';
import type { OrganisationType } from '../../server/modules/organisations/organisationTypes.ts';
import { sha256Hex } from '../../server/shared/crypto.ts';
import { type Role, roleRequiresMfa } from '../../server/shared/permissions.ts';
import { TestAgent } from '../support/agent.ts';
import { TEST_SECRETS, type TestApp } from '../support/testApp.ts';

let sequence = 0;
const next = () => `${Date.now().toString(36)}${(sequence += 1)}${randomBytes(2).toString('hex')}`;

export async function createOrganisation(
  testApp: TestApp,
  overrides: Partial<{ name: string; type: OrganisationType; active: boolean }> = {},
): Promise<OrganisationRow> {
  return testApp.database.db
    .insertInto('organisations')
    .values({ name: overrides.name ?? `Organisation ${next()}`, type: overrides.type ?? 'district_borough_council', active: overrides.active ?? true })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface UserFixture {
  user: UserRow;
  password: string;
  /** Set when the account has a second factor. */
  totpSecret: string | undefined;
}

// Hashing costs ~50 ms; every fixture can share one password.
const FIXTURE_PASSWORD = 'fixture-password-long-enough';
let fixtureHash: Promise<string> | undefined;

export async function createUser(
  testApp: TestApp,
  options: Partial<{ role: Role; organisationId: string; email: string; name: string; mfa: boolean; disabled: boolean; invited: boolean }> = {},
): Promise<UserFixture> {
  const role = options.role ?? 'case_worker';
  const organisationId = options.organisationId ?? (await createOrganisation(testApp)).id;
  const withMfa = options.mfa ?? roleRequiresMfa(role);
  const totpSecret = withMfa ? newTotpSecret() : undefined;
  fixtureHash ??= hashPassword(FIXTURE_PASSWORD);
  const user = await testApp.database.db
    .insertInto('users')
    .values({
      email: options.email ?? `user-${next()}@example.org`,
      name: options.name ?? `Test User ${next()}`,
      role,
      organisation_id: organisationId,
      password_hash: options.invited ? null : await fixtureHash,
      mfa_secret_encrypted: totpSecret ? testApp.services.secretBox.seal(totpSecret) : null,
      mfa_enabled_at: totpSecret ? new Date() : null,
      disabled: options.disabled ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { user, password: FIXTURE_PASSWORD, totpSecret };
}

/** A six-digit code for the given secret, at an offset in 30-second steps from now. */
export function totpCode(secret: string, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });
}

/**
 * An agent already signed in as the user, through a session written straight into the store:
 * for tests about what signed-in people may do, not about signing in.
 */
export async function signedInAgent(testApp: TestApp, user: UserRow): Promise<TestAgent> {
  const sessionId = randomUUID().replace(/-/g, '') + randomBytes(8).toString('hex');
  const idleMs = testApp.config.sessionIdleMinutes * 60_000;
  const expires = new Date(Date.now() + idleMs);
  const data = {
    cookie: { originalMaxAge: idleMs, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax', secure: false },
    userId: user.id,
    signedInAt: Date.now(),
  };
  await testApp.database.db
    .insertInto('sessions')
    .values({ sid_hash: sha256Hex(sessionId), user_id: user.id, data: JSON.stringify(data), expires_at: expires })
    .execute();
  const agent = new TestAgent(testApp.app);
  agent.cookies.set('oneroof', encodeURIComponent(new Signer(TEST_SECRETS.sessionSecret, 'sha256').sign(sessionId)));
  return agent;
}

/** Signs in through the real pages: password, then the authenticator code when there is one. */
export async function signInThroughPages(agent: TestAgent, fixture: UserFixture, stepOffset = 0) {
  const first = await agent.post('/sign-in', { email: fixture.user.email, password: fixture.password });
  if (first.headers.location === '/sign-in/verify' && fixture.totpSecret) {
    return agent.post('/sign-in/verify', { code: await totpCode(fixture.totpSecret, stepOffset) });
  }
  return first;
}
