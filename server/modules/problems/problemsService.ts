import { cellToBoundary, cellToLatLng, isValidCell } from 'h3-js';
import type { Kysely, Transaction } from 'kysely';
import type { Database, ProblemAssessmentRow, ProblemRow } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { addDays, dayAfter, londonToday } from '../../shared/dates.ts';
import { Conflict, type FieldErrors, NotFound, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import { startOfLondonDay } from '../../shared/time.ts';
import type { CurrentUser } from '../../types.ts';
import { ActionsRepository } from '../actions/actionsRepository.ts';
import type { ActionUpdateInput, NewActionInput } from '../actions/actionsSchemas.ts';
import { isOverdue } from '../actions/actionsService.ts';
import type { AuditTrail, RecordAudit } from '../audit/auditTrail.ts';
import { viewerOf } from '../cases/casesService.ts';
import {
  type AssessmentCounts,
  areasOverlap,
  type Circle,
  differenceInDifferences,
  distanceMetres,
  periodProblems,
  totalNetEffect,
  weightedDisplacementQuotient,
} from './assessment.ts';
import { mapDrawing } from './problemMap.ts';
import { problemPolicy } from './problemsPolicy.ts';
import { type ProblemChanges, ProblemsRepository } from './problemsRepository.ts';
import type { AnalysisInput, AssessmentInput, EvidenceInput, ListQuery, NewProblemInput, ObjectiveInput, PrefillQuery, ScanningInput, TransitionInput } from './problemsSchemas.ts';
import { transitionBetween, transitionsFrom, unmetRequirements } from './problemWorkflow.ts';

/** The map shows the last year of incidents of the problem's categories. */
const MAP_DAYS = 365;

export function targetOf(problem: ProblemRow): Circle | null {
  if (problem.target_latitude === null || problem.target_longitude === null || problem.target_radius_m === null) return null;
  return { latitude: problem.target_latitude, longitude: problem.target_longitude, radiusMetres: problem.target_radius_m };
}

export function comparisonOf(problem: ProblemRow): Circle | null {
  if (problem.comparison_latitude === null || problem.comparison_longitude === null || problem.comparison_radius_m === null) return null;
  return { latitude: problem.comparison_latitude, longitude: problem.comparison_longitude, radiusMetres: problem.comparison_radius_m };
}

/** An H3 cell as the smallest circle around it: its centre, and its farthest corner rounded up. */
export function circleAroundCell(cell: string): Circle | undefined {
  if (!isValidCell(cell)) return undefined;
  const [latitude, longitude] = cellToLatLng(cell);
  const corners = cellToBoundary(cell).map(([lat, lng]) => distanceMetres({ latitude, longitude }, { latitude: lat, longitude: lng }));
  return { latitude, longitude, radiusMetres: Math.min(20000, Math.max(25, Math.ceil(Math.max(...corners)))) };
}

/** An assessment with what its counts show. */
export function withResults(assessment: ProblemAssessmentRow) {
  const counts: AssessmentCounts = {
    target: { before: assessment.target_before, after: assessment.target_after },
    comparison: { before: assessment.comparison_before, after: assessment.comparison_after },
    buffer: { before: assessment.buffer_before, after: assessment.buffer_after },
  };
  return { ...assessment, counts, change: differenceInDifferences(counts), displacement: weightedDisplacementQuotient(counts), netEffect: totalNetEffect(counts) };
}

/**
 * Problem-solving records (SARA / OSARA): the partnership's problems, their stages, evidence,
 * linked cases (need-to-know applies), responses given to partner organisations as case actions
 * that belong to the problem, and before/after assessments. Every change and every read of a
 * problem's page is audited in the same transaction.
 */
export class ProblemsService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #repository: ProblemsRepository;
  readonly #actions: ActionsRepository;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#audit = audit;
    this.#repository = new ProblemsRepository(db);
    this.#actions = new ActionsRepository(db);
  }

  /** The list holds titles and stages only, nothing about a person: it is not audited. */
  async list(user: CurrentUser, query: ListQuery) {
    return this.#repository.list({ stage: query.stage, ownerUserId: query.owner === 'mine' ? user.id : undefined });
  }

  async responsesForMyOrganisation(user: CurrentUser) {
    const today = londonToday();
    return (await this.#repository.responsesOwnedBy(user.organisationId)).map((row) => ({ ...row, overdue: isOverdue(row, today) }));
  }

  /** What the new-problem form offers, and what it starts with from the query string. */
  async newProblemForm(user: CurrentUser, prefill: PrefillQuery) {
    const circle = prefill.h3 ? circleAroundCell(prefill.h3) : undefined;
    const analysis = prefill.analysis ? await this.#repository.savedAnalysis(this.#db, prefill.analysis) : undefined;
    const point = prefill.lat !== undefined && prefill.lng !== undefined ? { latitude: prefill.lat, longitude: prefill.lng, radiusMetres: prefill.radius ?? 250 } : undefined;
    const area = point ?? circle;
    return {
      organisations: await this.#repository.activeOrganisations(),
      owners: await this.#repository.possibleOwners(),
      categories: await this.#repository.categories(),
      analysis,
      initial: {
        title: prefill.title ?? '',
        leadOrganisationId: user.organisationId,
        ownerUserId: user.id,
        categoryCodes: prefill.category,
        targetLatitude: area ? String(round6(area.latitude)) : '',
        targetLongitude: area ? String(round6(area.longitude)) : '',
        targetRadius: area ? String(area.radiusMetres) : '',
        h3Cell: circle ? prefill.h3 : undefined,
        savedAnalysisId: analysis?.id,
      },
    };
  }

  async create(user: CurrentUser, input: NewProblemInput, actor: Actor): Promise<ProblemRow> {
    return this.#audit.run(actor, async (trx, audit) => {
      const organisations = await this.#repository.activeOrganisations(trx);
      if (!organisations.some((organisation) => organisation.id === input.leadOrganisationId)) throw new ValidationFailed({ leadOrganisationId: 'problems.errors.leadOrganisationMissing' });
      const ownerUserId = input.ownerUserId ?? user.id;
      if (input.ownerUserId && !(await this.#repository.possibleOwners(trx)).some((owner) => owner.id === input.ownerUserId)) throw new ValidationFailed({ ownerUserId: 'problems.errors.ownerInvalid' });
      const year = Number(londonToday().slice(0, 4));
      const created = await this.#repository.insertProblem(trx, {
        reference: await this.#repository.nextReference(trx, year),
        title: input.title,
        owner_user_id: ownerUserId,
        lead_organisation_id: input.leadOrganisationId,
        category_codes: input.categoryCodes,
        target_latitude: input.targetLatitude,
        target_longitude: input.targetLongitude,
        target_radius_m: input.targetRadius,
        target_h3_cell: input.h3Cell ?? null,
        created_by: user.id,
      });
      if (input.savedAnalysisId) {
        const analysis = await this.#repository.savedAnalysis(trx, input.savedAnalysisId);
        if (analysis) await this.#repository.insertEvidence(trx, { problem_id: created.id, kind: 'saved_analysis', label: analysis.name, saved_analysis_id: analysis.id, created_by: user.id });
      }
      await this.#repository.recordEvent(trx, { problemId: created.id, kind: 'created', toStage: created.stage, userId: user.id });
      audit({ action: 'PROBLEM_CREATED', recordType: 'problem', recordId: created.id, details: { reference: created.reference, fromCell: input.h3Cell ?? null, savedAnalysisId: input.savedAnalysisId } });
      return created;
    });
  }

  /** Everything about one problem for its page or its report; reading it is audited. */
  async problem(user: CurrentUser, problemId: string, actor: Actor, purpose: 'page' | 'report' = 'page') {
    return this.#audit.run(actor, async (trx, audit) => {
      const problem = await this.#repository.findProblem(trx, problemId);
      if (!problem) throw new NotFound();
      const can = problemPolicy(user, problem);
      const today = londonToday();
      const target = targetOf(problem);
      const comparison = comparisonOf(problem);
      const points = target && can.canSeeIncidentMap
        ? await this.#repository.incidentPoints(trx, target, mapReach(target, problem.buffer_width_m, comparison), problem.category_codes, startOfLondonDay(addDays(today, -MAP_DAYS)))
        : [];
      const details = {
        problem,
        can,
        transitions: can.canTransition ? transitionsFrom(problem.stage) : [],
        evidence: await this.#repository.evidence(trx, problemId),
        cases: can.canSeeCases ? await this.#repository.visibleLinkedCases(trx, problemId, viewerOf(user)) : [],
        responses: (await this.#repository.responses(trx, problemId)).map((response) => ({ ...response, overdue: isOverdue(response, today) })),
        assessments: (await this.#repository.assessments(trx, problemId)).map(withResults),
        events: await this.#repository.events(trx, problemId),
        categories: await this.#repository.categories(trx),
        map: target && can.canSeeIncidentMap ? { drawing: mapDrawing(target, problem.buffer_width_m, comparison, points), incidents: points.length, days: MAP_DAYS } : undefined,
      };
      audit({ action: purpose === 'report' ? 'PROBLEM_REPORT_VIEWED' : 'PROBLEM_VIEWED', recordType: 'problem', recordId: problemId });
      return details;
    });
  }

  /** The problem for a stage's edit form; a closed problem or a role without the right has no form. */
  async problemToEdit(user: CurrentUser, problemId: string) {
    const problem = await this.#repository.findProblem(this.#db, problemId);
    if (!problem) throw new NotFound();
    return { problem, can: problemPolicy(user, problem), categories: await this.#repository.categories() };
  }

  async updateObjective(user: CurrentUser, problemId: string, input: ObjectiveInput, actor: Actor) {
    await this.#update(user, problemId, input.version, 'objective', actor, async () => ({ objective: input.objective, objective_measure: input.objectiveMeasure }));
  }

  async updateAnalysis(user: CurrentUser, problemId: string, input: AnalysisInput, actor: Actor) {
    await this.#update(user, problemId, input.version, 'analysis', actor, async () => ({
      analysis_summary: input.analysisSummary,
      victim: input.victim,
      guardian: input.guardian,
      offender: input.offender,
      handler: input.handler,
      location: input.location,
      manager: input.manager,
    }));
  }

  async updateScanning(user: CurrentUser, problemId: string, input: ScanningInput, actor: Actor) {
    await this.#update(user, problemId, input.version, 'scanning', actor, async () => {
      const target = input.targetLatitude !== null ? { latitude: input.targetLatitude, longitude: input.targetLongitude!, radiusMetres: input.targetRadius! } : null;
      const comparison = input.comparisonLatitude !== null ? { latitude: input.comparisonLatitude, longitude: input.comparisonLongitude!, radiusMetres: input.comparisonRadius! } : null;
      if (comparison && !target) throw new ValidationFailed({ targetLatitude: 'problems.errors.comparisonWithoutTarget' });
      if (target && comparison && areasOverlap(target, input.bufferWidth ?? 0, comparison)) throw new ValidationFailed({ comparisonLatitude: 'problems.errors.areasOverlap' });
      return {
        scanning_summary: input.scanningSummary,
        category_codes: input.categoryCodes,
        target_latitude: target?.latitude ?? null,
        target_longitude: target?.longitude ?? null,
        target_radius_m: target?.radiusMetres ?? null,
        comparison_latitude: comparison?.latitude ?? null,
        comparison_longitude: comparison?.longitude ?? null,
        comparison_radius_m: comparison?.radiusMetres ?? null,
        buffer_width_m: input.bufferWidth,
      };
    });
  }

  async addEvidence(user: CurrentUser, problemId: string, input: EvidenceInput, actor: Actor) {
    await this.#change(user, problemId, actor, async (trx, problem, audit) => {
      const evidence = await this.#repository.insertEvidence(trx, { problem_id: problem.id, kind: input.kind, label: input.label, url: input.url, count: input.count, created_by: user.id });
      audit({ action: 'PROBLEM_EVIDENCE_ADDED', recordType: 'problem', recordId: problem.id, details: { evidenceId: evidence.id, kind: evidence.kind } });
    });
  }

  /** Links a case by its reference; a case the user may not see is "not found", as if it did not exist. */
  async linkCase(user: CurrentUser, problemId: string, reference: string, actor: Actor) {
    await this.#change(user, problemId, actor, async (trx, problem, audit) => {
      if (!problemPolicy(user, problem).canLinkCases) throw new NotFound();
      const kase = await this.#repository.visibleCaseByReference(trx, reference, viewerOf(user));
      if (!kase) throw new ValidationFailed({ reference: 'problems.errors.caseNotFound' });
      if (await this.#repository.linkCase(trx, problem.id, kase.id, user.id)) {
        audit({ action: 'PROBLEM_CASE_LINKED', recordType: 'problem', recordId: problem.id, details: { caseId: kase.id, reference: kase.reference } });
      }
    });
  }

  async transition(user: CurrentUser, problemId: string, input: TransitionInput, actor: Actor) {
    await this.#audit.run(actor, async (trx, audit) => {
      const problem = await this.#repository.lockProblem(trx, problemId);
      if (!problem) throw new NotFound();
      if (!problemPolicy(user, problem).canTransition) throw new NotFound();
      const transition = transitionBetween(problem.stage, input.to);
      if (!transition) throw new Conflict('problems.stage.notAllowed');
      const unmet = unmetRequirements(transition, {
        hasObjective: Boolean(problem.objective && problem.objective_measure),
        hasArea: targetOf(problem) !== null,
        hasAnalysis: [problem.victim, problem.offender, problem.location].some(Boolean),
        responses: await this.#repository.countResponses(trx, problem.id),
        assessments: (await this.#repository.assessments(trx, problem.id)).length,
        reason: input.reason,
      });
      if (unmet.length > 0) throw new Conflict(unmet[0]!);
      await this.#repository.updateProblem(trx, problem.id, { stage: transition.to, closed_at: transition.to === 'closed' ? new Date() : null });
      await this.#repository.recordEvent(trx, { problemId: problem.id, kind: transition.name, fromStage: problem.stage, toStage: transition.to, reason: input.reason, userId: user.id });
      audit({ action: 'PROBLEM_STAGE_CHANGED', recordType: 'problem', recordId: problem.id, reason: input.reason ?? undefined, details: { from: problem.stage, to: transition.to } });
    });
  }

  /** What the response form offers: every active organisation of the partnership and their officers. */
  async responseForm(user: CurrentUser, problemId: string, responseId?: string) {
    const { problem, can } = await this.problemToEdit(user, problemId);
    const organisations = await this.#repository.activeOrganisations();
    const response = responseId === undefined ? undefined : await this.#repository.response(this.#db, problemId, responseId);
    if (responseId !== undefined && !response) throw new NotFound();
    const officers = await this.#actions.officersOf(this.#db, response ? [response.owner_organisation_id] : organisations.map((organisation) => organisation.id));
    return { problem, can, organisations, officers, response };
  }

  async addResponse(user: CurrentUser, problemId: string, input: NewActionInput, actor: Actor) {
    await this.#change(user, problemId, actor, async (trx, problem, audit) => {
      const organisation = (await this.#repository.activeOrganisations(trx)).find((candidate) => candidate.id === input.ownerOrganisationId);
      const errors: FieldErrors = {};
      if (!organisation) errors.ownerOrganisationId = 'problems.errors.responseOrganisation';
      else if (input.ownerUserId && !(await this.#actions.officersOf(trx, [organisation.id])).some((officer) => officer.id === input.ownerUserId)) errors.ownerUserId = 'actions.errors.ownerUserInvalid';
      if (input.dueDate < londonToday()) errors.dueDate = 'actions.errors.dueDate.past';
      if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
      const created = await this.#actions.insertAction(trx, {
        problem_id: problem.id,
        title: input.title,
        description: input.description,
        owner_organisation_id: input.ownerOrganisationId,
        owner_user_id: input.ownerUserId,
        due_date: input.dueDate,
        created_by: user.id,
      });
      await this.#repository.recordEvent(trx, { problemId: problem.id, kind: 'response_added', userId: user.id, reason: created.title });
      audit({ action: 'PROBLEM_RESPONSE_ADDED', recordType: 'problem', recordId: problem.id, details: { actionId: created.id, ownerOrganisationId: created.owner_organisation_id } });
    });
  }

  async updateResponse(user: CurrentUser, problemId: string, responseId: string, input: ActionUpdateInput, actor: Actor) {
    await this.#change(user, problemId, actor, async (trx, problem, audit) => {
      const current = await this.#repository.lockResponse(trx, problem.id, responseId);
      if (!current) throw new NotFound();
      if (input.version !== current.version) throw new StaleUpdate({}, current.version);
      const errors: FieldErrors = {};
      if (input.ownerUserId && input.ownerUserId !== current.owner_user_id && !(await this.#actions.officersOf(trx, [current.owner_organisation_id])).some((officer) => officer.id === input.ownerUserId)) {
        errors.ownerUserId = 'actions.errors.ownerUserInvalid';
      }
      if (input.dueDate !== current.due_date && input.dueDate < londonToday()) errors.dueDate = 'actions.errors.dueDate.past';
      if (Object.keys(errors).length > 0) throw new ValidationFailed(errors);
      const done = input.status === 'done';
      const saved = await this.#actions.updateAction(trx, current.id, input.version, {
        status: input.status,
        description: input.description,
        owner_user_id: input.ownerUserId,
        due_date: input.dueDate,
        completed_at: done ? (current.status === 'done' ? current.completed_at : new Date()) : null,
      });
      if (!saved) throw new StaleUpdate({}, current.version);
      audit({ action: 'PROBLEM_RESPONSE_UPDATED', recordType: 'problem', recordId: problem.id, details: { actionId: current.id, status: saved.status } });
    });
  }

  /**
   * Counts the problem's incidents in the target, comparison area and buffer for both periods,
   * and stores the counts with the periods: the record keeps what it was computed from.
   */
  async recordAssessment(user: CurrentUser, problemId: string, input: AssessmentInput, actor: Actor) {
    await this.#change(user, problemId, actor, async (trx, problem, audit) => {
      const target = targetOf(problem);
      const comparison = comparisonOf(problem);
      if (!target || !comparison || problem.buffer_width_m === null) throw new ValidationFailed({ beforeStart: 'problems.errors.areasMissing' });
      const before = { start: input.beforeStart, end: input.beforeEnd };
      const after = { start: input.afterStart, end: input.afterEnd };
      const problems = periodProblems(before, after, londonToday());
      if (Object.keys(problems).length > 0) throw new ValidationFailed(problems);
      const counts = await this.#repository.countIncidents(
        trx,
        { target, comparison, bufferWidthMetres: problem.buffer_width_m },
        problem.category_codes,
        { from: startOfLondonDay(before.start), to: startOfLondonDay(dayAfter(before.end)) },
        { from: startOfLondonDay(after.start), to: startOfLondonDay(dayAfter(after.end)) },
      );
      const saved = await this.#repository.insertAssessment(trx, {
        problem_id: problem.id,
        category_codes: problem.category_codes,
        before_start: before.start,
        before_end: before.end,
        after_start: after.start,
        after_end: after.end,
        target_before: counts.target.before,
        target_after: counts.target.after,
        comparison_before: counts.comparison.before,
        comparison_after: counts.comparison.after,
        buffer_before: counts.buffer.before,
        buffer_after: counts.buffer.after,
        conclusion: input.conclusion,
        recorded_by: user.id,
      });
      await this.#repository.recordEvent(trx, { problemId: problem.id, kind: 'assessment_recorded', userId: user.id });
      audit({ action: 'PROBLEM_ASSESSMENT_RECORDED', recordType: 'problem', recordId: problem.id, details: { assessmentId: saved.id, counts } });
    });
  }

  /** Saves one stage's fields if nobody saved the problem since the form was opened. */
  async #update(user: CurrentUser, problemId: string, version: number, section: string, actor: Actor, changes: () => Promise<ProblemChanges>) {
    await this.#change(user, problemId, actor, async (trx, problem, audit) => {
      if (version !== problem.version) throw new StaleUpdate({}, problem.version);
      const update = await changes();
      const stored = problem as unknown as Record<string, unknown>;
      const changed = Object.entries(update).filter(([column, value]) => JSON.stringify(stored[column] ?? null) !== JSON.stringify(value ?? null)).map(([column]) => column);
      if (changed.length === 0) return;
      await this.#repository.updateProblem(trx, problem.id, update);
      audit({ action: 'PROBLEM_UPDATED', recordType: 'problem', recordId: problem.id, details: { section, changed } });
    });
  }

  /** A change to an open problem by someone who may edit it, with the problem locked. */
  async #change(user: CurrentUser, problemId: string, actor: Actor, work: (trx: Transaction<Database>, problem: ProblemRow, audit: RecordAudit) => Promise<void>) {
    await this.#audit.run(actor, async (trx, audit) => {
      const problem = await this.#repository.lockProblem(trx, problemId);
      if (!problem) throw new NotFound();
      if (!problemPolicy(user, problem).canEdit) throw new Conflict('problems.errors.closed');
      await work(trx, problem, audit);
    });
  }
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** How far from the target the map looks: out to the buffer's edge, or to the comparison area. */
function mapReach(target: Circle, bufferWidth: number | null, comparison: Circle | null): number {
  const outer = target.radiusMetres + (bufferWidth ?? 0);
  return comparison ? Math.max(outer, distanceMetres(target, comparison) + comparison.radiusMetres) : outer;
}
