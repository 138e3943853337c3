import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import { AuditTrail } from './modules/audit/auditTrail.ts';
import { AuthService } from './modules/auth/authService.ts';
import { OrganisationsService } from './modules/organisations/organisationsService.ts';
import { PartnershipService } from './modules/partnership/partnershipService.ts';
import { UsersService } from './modules/users/usersService.ts';
import { SecretBox } from './shared/crypto.ts';
import type { Secrets } from './shared/secrets.ts';

/** Wires every service once. Routes get services from here; nothing else constructs them. */
export function createServices(config: Config, database: DatabaseHandle, secrets: Secrets) {
  const db = database.db;
  const secretBox = new SecretBox(secrets.encryptionKey);
  const audit = new AuditTrail(db);
  const partnership = new PartnershipService(db, audit);
  const organisations = new OrganisationsService(db, audit, secretBox);
  const auth = new AuthService(
    db,
    audit,
    secretBox,
    {
      baseUrl: config.baseUrl,
      emailPolicy: { maxFailures: config.signInMaxFailures, lockMinutes: config.signInLockMinutes },
      ipPolicy: { maxFailures: config.signInMaxFailuresPerIp, lockMinutes: config.signInLockMinutes },
    },
    async () => (await partnership.branding()).name,
  );
  const users = new UsersService(db, audit, auth);
  return { config, database, db, secretBox, audit, partnership, organisations, auth, users };
}

export type Services = ReturnType<typeof createServices>;
