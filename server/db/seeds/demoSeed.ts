import { currentTotp, newTotpSecret } from '../../modules/auth/totp.ts';
import { hashPassword } from '../../modules/auth/passwords.ts';
import type { OrganisationType } from '../../modules/organisations/organisationTypes.ts';
import type { Services } from '../../services.ts';
import { systemActor } from '../../shared/actor.ts';
import type { Role } from '../../shared/permissions.ts';
import { seedDemoCases } from './demoCases.ts';
import { seedDemoReferrals } from './demoReferrals.ts';
import { seedDemoIncidents } from './demoIncidents.ts';
import { seedDemoMeetings, seedDemoSharingAgreements } from './demoSharingAndMeetings.ts';
import { seedDemoAlerts } from './demoAlerts.ts';
import { seedDemoProblems } from './demoProblems.ts';
import { seedDemoGovernance } from './demoGovernance.ts';

/** Known to anyone who reads this file: demo data is refused in production. */
export const DEMO_PASSWORD = 'OneRoof-demo-2026';

const demoOrganisations: { key: string; name: string; type: OrganisationType; contactEmail: string }[] = [
  { key: 'police', name: 'Northumbria Police', type: 'police', contactEmail: 'partnerships@police.example' },
  { key: 'city', name: 'Newcastle City Council', type: 'district_borough_council', contactEmail: 'community.safety@city.example' },
  { key: 'county', name: 'Northumberland County Council', type: 'county_council', contactEmail: 'safer.communities@county.example' },
  { key: 'nhs', name: 'North East Mental Health NHS Foundation Trust', type: 'nhs_trust', contactEmail: 'safeguarding@nhs.example' },
  { key: 'fire', name: 'Tyne and Wear Fire and Rescue Service', type: 'fire_rescue', contactEmail: 'prevention@fire.example' },
  { key: 'housing', name: 'Tyneside Homes', type: 'housing_provider', contactEmail: 'tenancy@housing.example' },
  { key: 'victims', name: 'Victim Support North East', type: 'victim_support', contactEmail: 'referrals@victims.example' },
  { key: 'mediation', name: 'Tyneside Community Mediation', type: 'voluntary_sector', contactEmail: 'hello@mediation.example' },
];

const demoUsers: { email: string; name: string; role: Role; organisation: string }[] = [
  { email: 'admin@oneroof.example', name: 'Priya Shah', role: 'partnership_admin', organisation: 'city' },
  { email: 'orgadmin@oneroof.example', name: 'Gareth Evans', role: 'organisation_admin', organisation: 'police' },
  { email: 'manager@oneroof.example', name: 'Aisha Rahman', role: 'case_manager', organisation: 'city' },
  { email: 'caseworker@oneroof.example', name: 'Tom Walker', role: 'case_worker', organisation: 'housing' },
  { email: 'analyst@oneroof.example', name: 'Nurul Hassan', role: 'analyst', organisation: 'police' },
  { email: 'partner@oneroof.example', name: 'Megan Jones', role: 'read_only_partner', organisation: 'victims' },
  { email: 'dpo@oneroof.example', name: 'Siân Morgan', role: 'data_protection_officer', organisation: 'city' },
  // Colleagues in other agencies, so that the demo cases have officers on every side.
  { email: 'police@oneroof.example', name: 'Daniel Hughes', role: 'case_manager', organisation: 'police' },
  { email: 'housing@oneroof.example', name: 'Rachel Moore', role: 'case_manager', organisation: 'housing' },
  { email: 'nhs@oneroof.example', name: 'Kerry Lawson', role: 'case_worker', organisation: 'nhs' },
  { email: 'idva@oneroof.example', name: 'Callum Reid', role: 'case_worker', organisation: 'victims' },
];

export interface DemoSignIn {
  email: string;
  role: Role;
  organisation: string;
  totpSecret: string | null;
}

/**
 * Loads a demo partnership (Northumbria, matching the police.uk data in shared/data) with one
 * user per role, a few colleagues in other agencies, and demo cases they work together. Does
 * nothing when the partnership already exists, so a restart keeps data.
 */
export async function seedDemoData(services: Services): Promise<{ seeded: boolean }> {
  if (await services.partnership.details()) return { seeded: false };
  const actor = systemActor('seed');
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const agencyIds = await services.audit.run(actor, async (trx, audit) => {
    await trx
      .insertInto('partnership')
      .values({ id: 1, name: 'Northumbria Community Safety Partnership', area: 'Northumberland and Tyne and Wear', logo_text: 'Northumbria CSP' })
      .execute();
    const organisationIds = new Map<string, string>();
    for (const organisation of demoOrganisations) {
      const row = await trx
        .insertInto('organisations')
        .values({ name: organisation.name, type: organisation.type, contact_email: organisation.contactEmail })
        .returning('id')
        .executeTakeFirstOrThrow();
      organisationIds.set(organisation.key, row.id);
    }
    for (const user of demoUsers) {
      const needsSecondFactor = user.role !== 'read_only_partner';
      await trx
        .insertInto('users')
        .values({
          email: user.email,
          name: user.name,
          role: user.role,
          organisation_id: organisationIds.get(user.organisation)!,
          password_hash: passwordHash,
          mfa_secret_encrypted: needsSecondFactor ? services.secretBox.seal(newTotpSecret()) : null,
          mfa_enabled_at: needsSecondFactor ? new Date() : null,
          is_demo: true,
        })
        .execute();
    }
    audit({ action: 'DEMO_DATA_SEEDED', details: { organisations: demoOrganisations.length, users: demoUsers.length } });
    return organisationIds;
  });
  await seedDemoSharingAgreements(services, agencyIds);
  const { caseIds } = await seedDemoCases(services, agencyIds);
  await seedDemoReferrals(services, agencyIds, caseIds);
  await seedDemoIncidents(services, agencyIds);
  await seedDemoMeetings(services, agencyIds, caseIds);
  await seedDemoAlerts(services, agencyIds);
  await seedDemoProblems(services, agencyIds);
  await seedDemoGovernance(services, agencyIds);
  // The partnership's starting retention schedules (closed cases 6 years, incidents 2 years, ...).
  await services.retention.ensureDefaultSchedules(actor);
  return { seeded: true };
}

export async function demoSignIns(services: Services): Promise<DemoSignIn[]> {
  const rows = await services.db
    .selectFrom('users')
    .innerJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select(['users.email', 'users.role', 'users.mfa_secret_encrypted', 'organisations.name as organisation'])
    .where('users.is_demo', '=', true)
    .orderBy('users.created_at')
    .execute();
  return rows.map((row) => ({
    email: row.email,
    role: row.role as Role,
    organisation: row.organisation,
    totpSecret: row.mfa_secret_encrypted ? services.secretBox.open(row.mfa_secret_encrypted) : null,
  }));
}

/** The current six-digit code of a demo account, for people without an authenticator app. */
export async function demoCode(services: Services, email: string): Promise<string | undefined> {
  const signIn = (await demoSignIns(services)).find((candidate) => candidate.email === email.toLowerCase());
  return signIn?.totpSecret ? currentTotp(signIn.totpSecret) : undefined;
}

export function formatDemoSignIns(signIns: DemoSignIn[], baseUrl: string): string {
  const roleWidth = Math.max(19, ...signIns.map((signIn) => signIn.role.length));
  const lines = [
    '',
    `OneRoof demo sign-ins for ${baseUrl} (password for all: ${DEMO_PASSWORD})`,
    '',
    ...signIns.map(
      (signIn) =>
        `  ${signIn.role.padEnd(roleWidth)} ${signIn.email.padEnd(28)} ${signIn.totpSecret ? `authenticator key ${signIn.totpSecret}` : 'no second factor needed'}`,
    ),
    '',
    '  Demo accounts show their current six-digit code on the sign-in page (never in production).',
    '',
  ];
  return lines.join('\n');
}
