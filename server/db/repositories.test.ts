import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.ts';
import { DatabaseSessionStore } from '../middleware/sessionStore.ts';
import { OneTimeTokensRepository } from '../modules/auth/oneTimeTokensRepository.ts';
import { SignInThrottle } from '../modules/auth/signInThrottle.ts';
import { OrganisationsRepository } from '../modules/organisations/organisationsRepository.ts';
import { OutboxRepository } from '../modules/outbox/outboxRepository.ts';
import { UsersRepository } from '../modules/users/usersRepository.ts';
import { migrate } from './migrate.ts';

/** The repository layer, on PGlite and (when a server is reachable) on PostgreSQL. */
describe.each(availableBackends())('repositories on %s', (kind) => {
  let database: TestDatabase;
  let organisationId: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    organisationId = (
      await database.db.insertInto('organisations').values({ name: 'Repository Test Council', type: 'county_council' }).returning('id').executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => database.drop());

  const newUser = async (email: string, name = 'Person', role = 'case_worker') =>
    database.db.transaction().execute((trx) => new UsersRepository(database.db).create(trx, { email, name, role, organisation_id: organisationId }));

  it('applies each migration once', async () => {
    const again = await migrate(database.db);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBeGreaterThan(0);
  });

  it('finds users by e-mail whatever its case, and searches names with literal wildcards', async () => {
    const users = new UsersRepository(database.db);
    await newUser('ann.percent@example.org', 'Ann 100% Smith');
    await newUser('bob@example.org', 'Bob Jones');
    expect((await users.findByEmail(' ANN.Percent@Example.org '))?.name).toBe('Ann 100% Smith');
    expect((await users.list({ search: '100%' })).map((user) => user.name)).toEqual(['Ann 100% Smith']);
    expect(await users.list({ search: '%' })).toHaveLength(1);
    expect(await users.findById('not-a-uuid')).toBeUndefined();
  });

  it('refuses a duplicate e-mail address at the database', async () => {
    await newUser('twice@example.org');
    await expect(newUser('twice@example.org')).rejects.toThrow();
  });

  it('claims a TOTP time step only once, even when asked twice at the same moment', async () => {
    const users = new UsersRepository(database.db);
    const user = await newUser('steps@example.org');
    const claims = await Promise.all([users.claimTimeStep(database.db, user.id, 1000), users.claimTimeStep(database.db, user.id, 1000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await users.claimTimeStep(database.db, user.id, 999)).toBe(false);
    expect(await users.claimTimeStep(database.db, user.id, 1001)).toBe(true);
  });

  it('uses each recovery code once', async () => {
    const users = new UsersRepository(database.db);
    const user = await newUser('codes@example.org');
    await database.db.transaction().execute((trx) => users.replaceRecoveryCodes(trx, user.id, ['a', 'b']));
    const use = (hash: string) => database.db.transaction().execute((trx) => users.useRecoveryCode(trx, user.id, hash));
    expect(await use('a')).toBe(true);
    expect(await use('a')).toBe(false);
    expect(await use('zzz')).toBe(false);
    expect(await users.unusedRecoveryCodeCount(user.id)).toBe(1);
  });

  it('compares organisation names without regard to case and counts their users', async () => {
    const organisations = new OrganisationsRepository(database.db);
    expect(await organisations.nameTaken('repository test COUNCIL')).toBe(true);
    expect(await organisations.nameTaken('repository test council', organisationId)).toBe(false);
    const listed = (await organisations.list()).find((organisation) => organisation.id === organisationId);
    expect(listed?.user_count).toBeGreaterThan(0);
  });

  it('stores sessions under a hash of their id and forgets expired ones', async () => {
    const store = new DatabaseSessionStore(database.db, 60_000);
    const session = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, locale: 'cy' } as never;
    await new Promise<void>((resolve, reject) => store.set('plain-session-id', session, (error) => (error ? reject(error) : resolve())));
    const rows = await database.db.selectFrom('sessions').select('sid_hash').execute();
    expect(rows.map((row) => row.sid_hash)).not.toContain('plain-session-id');
    const read = await new Promise((resolve, reject) => store.get('plain-session-id', (error, value) => (error ? reject(error) : resolve(value))));
    expect(read).toMatchObject({ locale: 'cy' });
    await database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1) }).execute();
    const expired = await new Promise((resolve, reject) => store.get('plain-session-id', (error, value) => (error ? reject(error) : resolve(value))));
    expect(expired).toBeNull();
  });

  it('locks a throttle key at the limit and doubles the lock the next time', async () => {
    const throttle = new SignInThrottle(database.db);
    const policy = { maxFailures: 3, lockMinutes: 10 };
    expect(await throttle.registerFailure('email:x@example.org', policy)).toBe(false);
    expect(await throttle.registerFailure('email:x@example.org', policy)).toBe(false);
    expect(await throttle.registerFailure('email:x@example.org', policy)).toBe(true);
    const firstLock = await throttle.lockedForSeconds(['email:x@example.org', 'ip:1.2.3.4']);
    expect(firstLock).toBeGreaterThan(9 * 60);
    expect(firstLock).toBeLessThanOrEqual(10 * 60);
    for (let i = 0; i < 3; i += 1) await throttle.registerFailure('email:x@example.org', policy);
    expect(await throttle.lockedForSeconds(['email:x@example.org'])).toBeGreaterThan(19 * 60);
    await throttle.clear('email:x@example.org');
    expect(await throttle.lockedForSeconds(['email:x@example.org'])).toBe(0);
  });

  it('issues one-time tokens that work once, replace earlier ones and expire', async () => {
    const tokens = new OneTimeTokensRepository(database.db);
    const user = await newUser('tokens@example.org');
    const first = await tokens.issue(database.db, user.id, 'password_reset', 60_000, null);
    const second = await tokens.issue(database.db, user.id, 'password_reset', 60_000, null);
    expect(await tokens.peek(first, 'password_reset')).toBeUndefined();
    expect(await tokens.peek(second, 'invite')).toBeUndefined();
    const consumed = await Promise.all([
      database.db.transaction().execute((trx) => tokens.consume(trx, second, 'password_reset')),
      database.db.transaction().execute((trx) => tokens.consume(trx, second, 'password_reset')),
    ]);
    expect(consumed.filter((value) => value === user.id)).toHaveLength(1);
    const expired = await tokens.issue(database.db, user.id, 'invite', -1, null);
    expect(await tokens.peek(expired, 'invite')).toBeUndefined();
  });

  it('hands each pending e-mail to one sender at a time', async () => {
    const outbox = new OutboxRepository(database.db);
    for (let i = 0; i < 3; i += 1) await outbox.enqueue(database.db, { organisationId, to: `to${i}@example.org`, subject: 's', body: 'b' });
    if (kind === 'pglite') {
      // PGlite has one connection: concurrent transactions queue rather than skip locked rows.
      const claimed = await database.db.transaction().execute((trx) => outbox.claimPending(trx, 10));
      expect(claimed.length).toBeGreaterThanOrEqual(3);
      return;
    }
    await database.db.transaction().execute(async (first) => {
      const firstClaim = await outbox.claimPending(first, 2);
      const secondClaim = await database.db.transaction().execute((second) => outbox.claimPending(second, 10));
      expect(firstClaim).toHaveLength(2);
      const overlap = secondClaim.filter((message) => firstClaim.some((claimed) => claimed.id === message.id));
      expect(overlap).toEqual([]);
    });
  });
});
