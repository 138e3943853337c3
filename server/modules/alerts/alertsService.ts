import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type Actor, systemActor } from '../../shared/actor.ts';
import { Conflict, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { hasPermission, roles } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail, RecordAudit } from '../audit/auditTrail.ts';
import type { CaseInput } from '../cases/casesSchemas.ts';
import { CasesRepository } from '../cases/casesRepository.ts';
import type { CasesService } from '../cases/casesService.ts';
import { type AlertViewer, alertViewerFor, incidentDetailVisibleTo } from './alertAccess.ts';
import { type AlertRuleCode, ruleSettings } from './alertRules.ts';
import { type AlertDetail, type AlertListFilters, AlertsRepository, type EvidenceIncident, type RuleRunCounts } from './alertsRepository.ts';
import type { DismissInput, RuleInput } from './alertsSchemas.ts';

export interface RuleRunResult extends RuleRunCounts {
  rule: string;
  ms: number;
}

export interface RunResult {
  rules: RuleRunResult[];
  totalMs: number;
}

/** An evidence incident as the viewer may see it: other organisations' incidents without their detail. */
export interface ShownIncident extends Omit<EvidenceIncident, 'summary' | 'address' | 'postcode' | 'source_reference'> {
  detailShown: boolean;
  summary: string | null;
  address: string | null;
  postcode: string | null;
  sourceReference: string | null;
  people: { personId: string; name: string; role: string }[];
}

const TRIAGE_ROLES = roles.filter((role) => hasPermission(role, 'alert:triage'));

/**
 * Alerts: running the rules (after imports, on a schedule, from the command line), the triage
 * queue and its decisions (assign, open a case, add to a case, dismiss), the rules' settings and
 * their statistics. Every read or change of an alert is audited in the same transaction.
 */
export class AlertsService {
  readonly #db: Kysely<Database>;
  readonly #repository: AlertsRepository;
  readonly #caseRecords: CasesRepository;
  readonly #audit: AuditTrail;
  readonly #cases: CasesService;

  constructor(db: Kysely<Database>, audit: AuditTrail, cases: CasesService) {
    this.#db = db;
    this.#repository = new AlertsRepository(db);
    this.#caseRecords = new CasesRepository(db);
    this.#audit = audit;
    this.#cases = cases;
  }

  /** Runs every enabled rule over all incidents, in one transaction, and reports what each did. */
  async runRules(asOf: Date = new Date(), actor: Actor = systemActor('alerts')): Promise<RunResult> {
    return this.#audit.run(actor, (trx, audit) => this.#run(trx, audit, asOf));
  }

  /** As runRules, unless another process is running them right now (then undefined). */
  async runRulesUnlessRunning(asOf: Date = new Date(), actor: Actor = systemActor('alert-scheduler')): Promise<RunResult | undefined> {
    return this.#audit.run(actor, async (trx, audit) => ((await this.#repository.tryRunLock(trx)) ? this.#run(trx, audit, asOf) : undefined));
  }

  async #run(trx: Transaction<Database>, audit: RecordAudit, asOf: Date): Promise<RunResult> {
    const started = performance.now();
    const results: RuleRunResult[] = [];
    await this.#repository.allowLargeSorts(trx);
    for (const rule of await this.#repository.rules(trx)) {
      if (!rule.enabled) continue;
      const ruleStarted = performance.now();
      const counts = await this.#repository.recordFirings(trx, rule, asOf);
      results.push({ rule: rule.code, ...counts, ms: Math.round(performance.now() - ruleStarted) });
    }
    const totalMs = Math.round(performance.now() - started);
    audit({ action: 'ALERTS_SCANNED', recordType: 'alert', details: { asOf: asOf.toISOString(), rules: results } });
    return { rules: results, totalMs };
  }

  async list(user: CurrentUser, filters: AlertListFilters, actor: Actor) {
    const result = await this.#repository.list(await alertViewerFor(this.#db, user), filters);
    await this.#audit.record(actor, { action: 'ALERT_LIST_VIEWED', recordType: 'alert', details: { filters, count: result.rows.length } });
    return { ...result, rules: await this.#repository.rules() };
  }

  /** One alert with its evidence as the viewer may see it; "not found" outside need-to-know. */
  async view(user: CurrentUser, alertId: string, actor: Actor) {
    const viewer = await alertViewerFor(this.#db, user);
    return this.#audit.run(actor, async (trx, audit) => {
      const alert = await this.#find(trx, alertId, viewer);
      const evidence = await this.#repository.evidence(trx, alertId);
      const namedPeople = await this.#repository.incidentPeople(trx, evidence.filter((incident) => incidentDetailVisibleTo(viewer, incident.source_organisation_id)).map((incident) => incident.id));
      const incidents = evidence.map((incident) => shownIncident(viewer, incident, namedPeople));
      const seenPeople = new Set(namedPeople.map((person) => person.person_id));
      const everyone = await this.#repository.people(trx, alertId);
      // The subject, and whoever the viewer's own incidents name; the rest are only counted.
      const people = everyone.filter((person) => person.involvement === 'subject' || seenPeople.has(person.id));
      const agencies = [...new Map(evidence.map((incident) => [incident.source_organisation_id, incident.organisation_name])).values()].sort();
      const assignable = await this.#repository.assignableUsers(viewer.organisationId, TRIAGE_ROLES, trx);
      audit({ action: 'ALERT_VIEWED', recordType: 'alert', recordId: alertId, details: { rule: alert.rule_code, personId: alert.person_id } });
      return { alert, incidents, people, agencies, assignable, hiddenPeople: everyone.length - people.length };
    });
  }

  async assign(user: CurrentUser, alertId: string, assigneeId: string, actor: Actor): Promise<void> {
    const viewer = await alertViewerFor(this.#db, user);
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#findOpen(trx, alertId, viewer);
      const assignable = await this.#repository.assignableUsers(viewer.organisationId, TRIAGE_ROLES, trx);
      if (!assignable.some((candidate) => candidate.id === assigneeId)) throw new ValidationFailed({ assigneeId: 'alerts.errors.assigneeMissing' });
      if (!(await this.#repository.assign(trx, alertId, assigneeId))) throw new Conflict('alerts.errors.notOpen');
      audit({ action: 'ALERT_ASSIGNED', recordType: 'alert', recordId: alertId, details: { assigneeId } });
    });
  }

  async dismiss(user: CurrentUser, alertId: string, input: DismissInput, actor: Actor): Promise<void> {
    const viewer = await alertViewerFor(this.#db, user);
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#findOpen(trx, alertId, viewer);
      const decided = await this.#repository.decide(trx, alertId, { status: 'dismissed', dismissReason: input.reason, dismissDetail: input.detail ?? null, decidedBy: user.id });
      if (!decided) throw new Conflict('alerts.errors.notOpen');
      audit({ action: 'ALERT_DISMISSED', recordType: 'alert', recordId: alertId, reason: input.detail ?? undefined, details: { reason: input.reason } });
    });
  }

  /**
   * Opens a case from an alert with the cases module's own creation (reference, first timeline
   * event, audit), then, in the new case's transaction, links the alert's subject and place,
   * writes the evidence into the case timeline and closes the alert as "case opened".
   */
  async openCase(user: CurrentUser, alertId: string, input: CaseInput, actor: Actor): Promise<string> {
    const viewer = await alertViewerFor(this.#db, user);
    await this.#audit.run(actor, async (trx) => this.#findOpen(trx, alertId, viewer));
    const created = await this.#cases.create(user, input, actor);
    await this.#linkToCase(user, alertId, created.id, 'case_opened', actor);
    return created.id;
  }

  /** Adds the alert's subject, place and evidence to a case the viewer may edit. */
  async addToCase(user: CurrentUser, alertId: string, reference: string, actor: Actor): Promise<string> {
    const viewer = await alertViewerFor(this.#db, user);
    await this.#audit.run(actor, async (trx) => this.#findOpen(trx, alertId, viewer));
    const target = await this.#caseRecords.findVisibleByReference(reference, { userId: user.id, organisationId: user.organisationId, role: user.role });
    if (!target) throw new ValidationFailed({ reference: 'alerts.errors.caseUnknown' });
    await this.#linkToCase(user, alertId, target.id, 'added_to_case', actor);
    return target.id;
  }

  async #linkToCase(user: CurrentUser, alertId: string, caseId: string, status: 'case_opened' | 'added_to_case', actor: Actor): Promise<void> {
    const viewer = await alertViewerFor(this.#db, user);
    await this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
      if (!opened.policy.canLinkRecords) throw new ValidationFailed({ reference: 'alerts.errors.caseNotEditable' });
      const alert = await this.#findOpen(trx, alertId, viewer);
      const evidence = await this.#repository.evidence(trx, alertId);
      if (alert.person_id && (await this.#caseRecords.linkPerson(trx, caseId, alert.person_id, personRoleFor(alert.rule_code)))) {
        await event('person_linked', { personId: alert.person_id, role: personRoleFor(alert.rule_code), fromAlert: alertId });
        audit({ action: 'CASE_PERSON_LINKED', recordType: 'case', recordId: caseId, details: { personId: alert.person_id, fromAlert: alertId } });
      }
      if (alert.location_id) {
        await this.#caseRecords.linkLocation(trx, caseId, alert.location_id);
        audit({ action: 'CASE_LOCATION_LINKED', recordType: 'case', recordId: caseId, details: { locationId: alert.location_id, fromAlert: alertId } });
      }
      // Only what every agency on the case may see of another's incident: date, category, agency.
      await event('alert_evidence_linked', {
        alertId,
        rule: alert.rule_code,
        facts: alert.facts,
        place: alert.location_text,
        incidents: evidence.map((incident) => ({ incidentId: incident.id, occurredAt: incident.occurred_at, category: incident.category_code, organisation: incident.organisation_name })),
      });
      if (!(await this.#repository.decide(trx, alertId, { status, caseId, decidedBy: user.id }))) throw new Conflict('alerts.errors.notOpen');
      audit({ action: status === 'case_opened' ? 'ALERT_CASE_OPENED' : 'ALERT_ADDED_TO_CASE', recordType: 'alert', recordId: alertId, details: { caseId, reference: opened.case.reference } });
    });
  }

  async rules() {
    return this.#repository.rules();
  }

  async rule(code: string) {
    const rule = await this.#repository.rule(code);
    if (!rule) throw new NotFound();
    return rule;
  }

  async updateRule(user: CurrentUser, code: AlertRuleCode, input: RuleInput, actor: Actor): Promise<void> {
    const settings = ruleSettings[code];
    await this.#audit.run(actor, async (trx, audit) => {
      const rule = await this.#repository.rule(code, trx);
      if (!rule) throw new NotFound();
      const changes = {
        enabled: input.enabled,
        window_days: input.windowDays,
        threshold: input.threshold,
        harm_groups: input.harmGroups,
        ...(settings.includes('markers') ? { markers: input.markers } : {}),
        ...(settings.includes('factor') ? { factor: input.factor ?? 2 } : {}),
        ...(settings.includes('gridMetres') ? { grid_metres: input.gridMetres ?? 100 } : {}),
      };
      if (settings.includes('markers') && input.markers.length === 0) throw new ValidationFailed({ markers: 'alerts.errors.markers' });
      await this.#repository.updateRule(trx, code, changes, user.id);
      audit({ action: 'ALERT_RULE_UPDATED', recordType: 'alert_rule', recordId: code, details: { ...changes } });
    });
  }

  async statistics() {
    return this.#repository.statistics();
  }

  async #find(trx: Transaction<Database>, alertId: string, viewer: AlertViewer): Promise<AlertDetail> {
    const alert = isUuid(alertId) ? await this.#repository.findVisible(trx, alertId, viewer) : undefined;
    if (!alert) throw new NotFound();
    return alert;
  }

  async #findOpen(trx: Transaction<Database>, alertId: string, viewer: AlertViewer): Promise<AlertDetail> {
    const alert = await this.#find(trx, alertId, viewer);
    if (alert.status !== 'open') throw new Conflict('alerts.errors.notOpen');
    return alert;
  }
}

/** The role the alert's subject takes on the case. */
function personRoleFor(rule: string): string {
  return rule === 'repeat_victim' ? 'victim' : 'person_at_risk';
}

function shownIncident(viewer: AlertViewer, incident: EvidenceIncident, namedPeople: { incident_id: string; person_id: string; given_name: string; family_name: string; role: string }[]): ShownIncident {
  const detailShown = incidentDetailVisibleTo(viewer, incident.source_organisation_id);
  const { summary, address, postcode, source_reference: sourceReference, ...always } = incident;
  return {
    ...always,
    detailShown,
    summary: detailShown ? summary : null,
    address: detailShown ? address : null,
    postcode: detailShown ? postcode : null,
    sourceReference: detailShown ? sourceReference : null,
    people: detailShown
      ? namedPeople.filter((person) => person.incident_id === incident.id).map((person) => ({ personId: person.person_id, name: `${person.given_name} ${person.family_name}`, role: person.role }))
      : [],
  };
}
