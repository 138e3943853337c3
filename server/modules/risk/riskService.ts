import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { addDays, londonToday } from '../../shared/dates.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import type { CurrentUser } from '../../types.ts';
import type { CaseWork, CasesService, OpenedCase } from '../cases/casesService.ts';
import type { RiskBand, RiskInstrument, RiskQuestion } from './riskInstruments.ts';
import { type AssessmentSummary, RiskRepository, type StoredAnswer } from './riskRepository.ts';
import { type AnswerValue, escalationCount, score } from './riskScoring.ts';
import { parseAssessment, type AssessmentInput } from './riskSchemas.ts';

export const HIGH_RISK_NOTIFICATION = 'high_risk_assessment';

export interface CompletedAssessment {
  opened: OpenedCase;
  assessment: AssessmentSummary;
  instrument: RiskInstrument;
  answers: Record<string, AnswerValue>;
}

/**
 * Risk assessments on a case: each completed instrument is kept (never overwritten), scored by
 * its own version's rules, and sets the case's risk level, review date and, when high, its
 * priority and a notification to the lead officer, all in the case's transaction.
 */
export class RiskService {
  readonly #repository: RiskRepository;
  readonly #cases: CasesService;

  constructor(db: Kysely<Database>, cases: CasesService) {
    this.#repository = new RiskRepository(db);
    this.#cases = cases;
  }

  /** The risk page: latest result, history and the instruments this user may start. */
  async overview(user: CurrentUser, caseId: string, actor: Actor) {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page: 'risk' } });
      const history = await this.#repository.forCase(caseId, trx);
      const instruments = opened.policy.canEdit ? await this.#repository.activeInstruments(trx) : [];
      const latest = history[0];
      const latestInstrument = latest ? await this.#repository.instrument(latest.instrument_code, latest.instrument_version, trx) : undefined;
      return { opened, history, instruments, latest, latestInstrument, today: londonToday() };
    });
  }

  /** What the form for a new assessment needs; only for those who may change the case. */
  async form(user: CurrentUser, caseId: string, code: string, actor: Actor) {
    const instrument = await this.#activeInstrument(code);
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      if (!opened.policy.canEdit) throw new NotFound();
      audit({ action: 'CASE_VIEWED', recordType: 'case', recordId: caseId, details: { page: 'new-assessment', instrument: code } });
      return { opened, instrument, people: await this.#repository.linkedPeople(caseId, trx) };
    });
  }

  /** Completes an assessment from the posted form. */
  async complete(user: CurrentUser, caseId: string, code: string, body: unknown, actor: Actor): Promise<{ assessmentId: string; band: RiskBand }> {
    const instrument = await this.#activeInstrument(code);
    return this.#cases.withCase(user, caseId, actor, async (work) => {
      if (!work.opened.policy.canEdit) throw new NotFound();
      const input = await this.#validated(work, instrument, body);
      return this.#record(user, work, instrument, input);
    });
  }

  /** One completed assessment of this case, with its answers, read under the version it used. */
  async assessment(user: CurrentUser, caseId: string, assessmentId: string, actor: Actor): Promise<CompletedAssessment> {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      const assessment = isUuid(assessmentId) ? await this.#repository.find(caseId, assessmentId, trx) : undefined;
      if (!assessment) throw new NotFound();
      const instrument = await this.#repository.instrument(assessment.instrument_code, assessment.instrument_version, trx);
      if (!instrument) throw new NotFound();
      const stored = await this.#repository.answers(assessmentId, trx);
      audit({ action: 'RISK_ASSESSMENT_VIEWED', recordType: 'case', recordId: caseId, details: { assessmentId, instrument: instrument.code } });
      return { opened, assessment, instrument, answers: answersFromRows(instrument, stored) };
    });
  }

  async #activeInstrument(code: string): Promise<RiskInstrument> {
    const instrument = await this.#repository.activeInstrument(code);
    if (!instrument) throw new NotFound();
    return instrument;
  }

  async #validated({ opened, trx }: CaseWork, instrument: RiskInstrument, body: unknown): Promise<AssessmentInput> {
    const parsed = parseAssessment(instrument, body);
    const fieldErrors = parsed.ok ? {} : { ...parsed.fieldErrors };
    const personId = parsed.ok ? parsed.data.personId : personIdOf(body);
    if (personId && !(isUuid(personId) && (await this.#repository.isPersonLinked(trx, opened.case.id, personId)))) {
      fieldErrors.personId = 'risk.errors.personInvalid';
    }
    if (!parsed.ok || Object.keys(fieldErrors).length > 0) throw new ValidationFailed(fieldErrors);
    return parsed.data;
  }

  async #record(user: CurrentUser, { opened, trx, audit, event }: CaseWork, instrument: RiskInstrument, input: AssessmentInput) {
    const caseId = opened.case.id;
    const result = score(instrument, input.answers, input.professionalJudgement, escalationCount(instrument, input.answers));
    const created = await this.#repository.insertAssessment(trx, {
      caseId,
      personId: input.personId,
      instrumentCode: instrument.code,
      instrumentVersion: instrument.version,
      score: result.score,
      band: result.band,
      bandReason: result.bandReason,
      professionalJudgement: input.professionalJudgement,
      professionalJudgementReason: input.professionalJudgementReason,
      completedBy: user.id,
      completedByOrganisationId: user.organisationId,
    });
    await this.#repository.insertAnswers(trx, created.id, answerRows(instrument, input.answers));
    const nextReviewDue = addDays(londonToday(), await this.#repository.reviewIntervalDays(trx, result.band));
    const { priority } = await this.#repository.applyRisk(trx, caseId, result.band, nextReviewDue);
    const leadOfficer = opened.case.lead_officer_id;
    if (result.band === 'high' && leadOfficer && leadOfficer !== user.id) {
      await this.#repository.notify(trx, { userId: leadOfficer, kind: HIGH_RISK_NOTIFICATION, caseId, details: { reference: opened.case.reference, instrument: instrument.code } });
    }
    const priorityRaised = priority !== opened.case.priority;
    await event('risk_assessment_completed', { instrument: instrument.code, band: result.band, score: result.score, assessmentId: created.id, priorityRaised });
    audit({
      action: 'RISK_ASSESSMENT_COMPLETED',
      recordType: 'case',
      recordId: caseId,
      details: { assessmentId: created.id, instrument: instrument.code, version: instrument.version, band: result.band, bandReason: result.bandReason },
    });
    return { assessmentId: created.id, band: result.band };
  }
}

function personIdOf(body: unknown): string | null {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).personId : undefined;
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Answers as typed rows; a blank optional answer is not stored. */
export function answerRows(instrument: RiskInstrument, answers: Record<string, AnswerValue>): StoredAnswer[] {
  return instrument.questions.flatMap((question) => {
    const value = answers[question.id];
    return value === null || value === undefined ? [] : [storedAnswer(question, value)];
  });
}

function storedAnswer(question: RiskQuestion, value: Exclude<AnswerValue, null>): StoredAnswer {
  const row: StoredAnswer = { question_id: question.id, answer_boolean: null, answer_number: null, answer_text: null, answer_choice: null };
  if (typeof value === 'boolean') return { ...row, answer_boolean: value };
  if (typeof value === 'number') return { ...row, answer_number: value };
  if (question.type === 'text') return { ...row, answer_text: value };
  // "Don't know" is a choice, not a missing boolean: a blank row would read as "not asked".
  return { ...row, answer_choice: value };
}

export function answersFromRows(instrument: RiskInstrument, rows: StoredAnswer[]): Record<string, AnswerValue> {
  const byQuestion = new Map(rows.map((row) => [row.question_id, row]));
  return Object.fromEntries(instrument.questions.map((question) => [question.id, answerOf(byQuestion.get(question.id))]));
}

function answerOf(row: StoredAnswer | undefined): AnswerValue {
  if (!row) return null;
  if (row.answer_boolean !== null) return row.answer_boolean;
  if (row.answer_number !== null) return row.answer_number;
  if (row.answer_choice === 'not_known') return 'not_known';
  return row.answer_text ?? row.answer_choice;
}
