import type { Config } from './config.ts';
import { advisoryLocks, withAdvisoryLock } from './db/advisoryLock.ts';
import type { DatabaseHandle } from './db/database.ts';
import { ActionsService } from './modules/actions/actionsService.ts';
import { IncidentImportService } from './modules/incidents/incidentImportService.ts';
import { IncidentsService } from './modules/incidents/incidentsService.ts';
import { LinkageService } from './modules/linkage/linkageService.ts';
import { ImportFileStore } from './modules/incidents/importFiles.ts';
import { createAnalyticsServices } from './modules/analytics/analyticsServices.ts';
import { AlertsService } from './modules/alerts/alertsService.ts';
import { ApiKeysService } from './modules/apiKeys/apiKeysService.ts';
import { AuditService } from './modules/audit/auditService.ts';
import { AuditTrail } from './modules/audit/auditTrail.ts';
import { AuthService } from './modules/auth/authService.ts';
import { CasesService } from './modules/cases/casesService.ts';
import { CaseReviewService } from './modules/caseReviews/caseReviewService.ts';
import { createGovernanceServices } from './modules/governance/governanceServices.ts';
import { BreakGlassService } from './modules/breakGlass/breakGlassService.ts';
import { CaseSettingsService } from './modules/caseSettings/caseSettingsService.ts';
import { HouseholdsService } from './modules/households/householdsService.ts';
import { CaseTypesService } from './modules/caseSettings/caseTypesService.ts';
import { NotificationsService } from './modules/notifications/notificationsService.ts';
import { AttachmentStore } from './modules/timeline/attachmentStore.ts';
import { TimelineService } from './modules/timeline/timelineService.ts';
import { RiskService } from './modules/risk/riskService.ts';
import { OidcClients } from './modules/auth/oidcClient.ts';
import { SingleSignOnService } from './modules/auth/singleSignOnService.ts';
import { OrganisationsService } from './modules/organisations/organisationsService.ts';
import { OutboxService } from './modules/outbox/outboxService.ts';
import { PartnershipService } from './modules/partnership/partnershipService.ts';
import { PeopleService } from './modules/people/peopleService.ts';
import { PersonAddressesService } from './modules/people/personAddressesService.ts';
import { ReferralsService } from './modules/referrals/referralsService.ts';
import { ProblemsService } from './modules/problems/problemsService.ts';
import { SharingAgreementsService } from './modules/sharingAgreements/sharingAgreementsService.ts';
import { MeetingsService } from './modules/meetings/meetingsService.ts';
import { SearchService } from './modules/search/searchService.ts';
import { dataProtectionServices } from './modules/dataProtection/dataProtectionServices.ts';
import { RetentionService } from './modules/retention/retentionService.ts';
import { UsersService } from './modules/users/usersService.ts';
import { CoalescedRun } from './shared/coalescedRun.ts';
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
      showDemoCodes: config.nodeEnv !== 'production',
      emailPolicy: { maxFailures: config.signInMaxFailures, lockMinutes: config.signInLockMinutes },
      ipPolicy: { maxFailures: config.signInMaxFailuresPerIp, lockMinutes: config.signInLockMinutes },
    },
  );
  const users = new UsersService(db, audit, auth);
  const auditLog = new AuditService(db, audit);
  const outbox = new OutboxService(db, audit, { sendsEmail: Boolean(config.smtpUrl) });
  const oidcClients = new OidcClients({ allowInsecureIssuers: config.oidcAllowInsecureIssuers });
  const singleSignOn = new SingleSignOnService(db, audit, organisations, auth, oidcClients, config.baseUrl);
  const apiKeys = new ApiKeysService(db, audit);
  const people = new PeopleService(db, audit);
  const sharingAgreements = new SharingAgreementsService(db, audit);
  const cases = new CasesService(db, audit, people, sharingAgreements);
  const households = new HouseholdsService(db, audit);
  const personAddresses = new PersonAddressesService(db, audit);
  const timeline = new TimelineService(db, cases, new AttachmentStore(config.dataDir));
  const breakGlass = new BreakGlassService(db, audit, { minutes: config.breakGlassMinutes });
  const caseSettings = new CaseSettingsService(db, audit);
  const caseTypes = new CaseTypesService(db, audit);
  const notifications = new NotificationsService(db);
  const risk = new RiskService(db, cases);
  const actions = new ActionsService(db, audit, cases);
  const referrals = new ReferralsService(db, audit, cases, { sharing: sharingAgreements });
  const problems = new ProblemsService(db, audit);
  const meetings = new MeetingsService(db, audit, cases, timeline, actions);
  const caseReviews = new CaseReviewService(db, audit, { baseUrl: config.baseUrl });
  const governance = createGovernanceServices(db, audit, caseReviews, { baseUrl: config.baseUrl });
  const search = new SearchService(db, audit);
  const incidents = new IncidentsService(db, audit);
  const incidentImports = new IncidentImportService(db, audit, new ImportFileStore(config.dataDir), { staleAfterMs: config.importStaleSeconds * 1000 });
  const analytics = createAnalyticsServices(db, database.analytics, audit);
  const alerts = new AlertsService(db, audit, cases);
  const linkage = new LinkageService(db, audit);
  // An import or API batch ends with its people linked and the alert rules run over the new
  // picture: one run at a time across every process (two would make the same new person twice),
  // and batches that arrive meanwhile share the next run instead of queueing one each.
  const linking = new CoalescedRun(
    () =>
      withAdvisoryLock(db, database.kind, advisoryLocks.linkingPeople, async () => {
        await linkage.linkPending();
        await alerts.runRules();
      }),
    (error) => console.error('Linking incident people or running the alert rules failed; they stay pending for the next run', error),
    { minIntervalMs: config.linkingIntervalSeconds * 1000 },
  );
  // A CSV import is already background work: it ends when its people are linked, promptly.
  incidentImports.afterCommit = () => linking.request({ promptly: true });
  // An API push answers at once; its people are linked at the next run, at most one run per
  // LINKING_INTERVAL_SECONDS however many batches arrive.
  incidents.afterCommit = async () => void linking.request();
  // Retention removes attachment files only after the rows' transaction commits (docs/adr/0026).
  const retention = new RetentionService(db, audit, new AttachmentStore(config.dataDir));
  const dataProtection = dataProtectionServices(db, audit);
  return { config, database, db, secretBox, audit, partnership, organisations, auth, users, auditLog, outbox, singleSignOn, apiKeys, people, households, personAddresses, cases, search, actions, risk, timeline, breakGlass, caseSettings, caseTypes, notifications, caseReviews, referrals, sharingAgreements, meetings, alerts, linkage, linking, analytics, incidents, incidentImports, problems, governance, retention, dataProtection };
}

export type Services = ReturnType<typeof createServices>;
