import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { RiskBand, RiskInstrument } from './riskInstruments.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface NewAssessment {
  caseId: string;
  personId: string | null;
  instrumentCode: string;
  instrumentVersion: number;
  score: number;
  band: RiskBand;
  bandReason: string;
  professionalJudgement: boolean;
  professionalJudgementReason: string | null;
  completedBy: string;
  completedByOrganisationId: string;
}

/** One answer as stored: at most one of the typed columns is set. */
export interface StoredAnswer {
  question_id: string;
  answer_boolean: boolean | null;
  answer_number: number | null;
  answer_text: string | null;
  answer_choice: string | null;
}

export interface AssessmentSummary {
  id: string;
  instrument_code: string;
  instrument_version: number;
  instrument_name: string;
  score: number;
  band: RiskBand;
  band_reason: string;
  professional_judgement: boolean;
  professional_judgement_reason: string | null;
  completed_at: Date;
  completed_by_name: string | null;
  completed_by_organisation_name: string | null;
  person_id: string | null;
  person_name: string | null;
}

export class RiskRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Stores a definition unless its version is there already; false if the stored one differs. */
  async storeInstrument(instrument: RiskInstrument, name: string): Promise<boolean> {
    const definition = JSON.stringify(instrument);
    await this.#db
      .insertInto('risk_instruments')
      .values({ code: instrument.code, version: instrument.version, name, definition })
      .onConflict((conflict) => conflict.columns(['code', 'version']).doNothing())
      .execute();
    const row = await this.#db
      .selectFrom('risk_instruments')
      .select(sql<boolean>`definition = cast(${definition} as jsonb)`.as('same'))
      .where('code', '=', instrument.code)
      .where('version', '=', instrument.version)
      .executeTakeFirstOrThrow();
    return row.same;
  }

  /** Only the newest version of each instrument is offered for new assessments. */
  async retireSupersededInstruments(): Promise<void> {
    await this.#db
      .updateTable('risk_instruments as older')
      .set({ active: false })
      .where('older.active', '=', true)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('risk_instruments as newer')
            .select(sql`1`.as('one'))
            .whereRef('newer.code', '=', 'older.code')
            .whereRef('newer.version', '>', 'older.version'),
        ),
      )
      .execute();
  }

  async activeInstruments(executor: Executor = this.#db): Promise<RiskInstrument[]> {
    const rows = await executor
      .selectFrom('risk_instruments')
      .select('definition')
      .distinctOn('code')
      .where('active', '=', true)
      .orderBy('code')
      .orderBy('version', 'desc')
      .execute();
    return rows.map((row) => asInstrument(row.definition));
  }

  async activeInstrument(code: string, executor: Executor = this.#db): Promise<RiskInstrument | undefined> {
    const row = await executor
      .selectFrom('risk_instruments')
      .select('definition')
      .where('code', '=', code)
      .where('active', '=', true)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? asInstrument(row.definition) : undefined;
  }

  async instrument(code: string, version: number, executor: Executor = this.#db): Promise<RiskInstrument | undefined> {
    const row = await executor.selectFrom('risk_instruments').select('definition').where('code', '=', code).where('version', '=', version).executeTakeFirst();
    return row ? asInstrument(row.definition) : undefined;
  }

  /** People linked to the case in any role, once each, for "about which person". */
  async linkedPeople(caseId: string, executor: Executor = this.#db) {
    return executor
      .selectFrom('case_people')
      .innerJoin('people', 'people.id', 'case_people.person_id')
      .select(['people.id', 'people.given_name', 'people.family_name'])
      .distinct()
      .where('case_people.case_id', '=', caseId)
      .orderBy('people.family_name')
      .orderBy('people.given_name')
      .orderBy('people.id')
      .execute();
  }

  async isPersonLinked(trx: Transaction<Database>, caseId: string, personId: string): Promise<boolean> {
    const row = await trx.selectFrom('case_people').select('person_id').where('case_id', '=', caseId).where('person_id', '=', personId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async insertAssessment(trx: Transaction<Database>, assessment: NewAssessment): Promise<{ id: string; completed_at: Date }> {
    return trx
      .insertInto('risk_assessments')
      .values({
        case_id: assessment.caseId,
        person_id: assessment.personId,
        instrument_code: assessment.instrumentCode,
        instrument_version: assessment.instrumentVersion,
        score: assessment.score,
        band: assessment.band,
        band_reason: assessment.bandReason,
        professional_judgement: assessment.professionalJudgement,
        professional_judgement_reason: assessment.professionalJudgementReason,
        completed_by: assessment.completedBy,
        completed_by_organisation_id: assessment.completedByOrganisationId,
      })
      .returning(['id', 'completed_at'])
      .executeTakeFirstOrThrow();
  }

  async insertAnswers(trx: Transaction<Database>, assessmentId: string, answers: StoredAnswer[]): Promise<void> {
    if (answers.length === 0) return;
    await trx
      .insertInto('risk_assessment_answers')
      .values(answers.map((answer) => ({ assessment_id: assessmentId, ...answer })))
      .execute();
  }

  async reviewIntervalDays(trx: Transaction<Database>, band: RiskBand): Promise<number> {
    const row = await trx.selectFrom('review_intervals').select('days').where('risk_level', '=', band).executeTakeFirstOrThrow();
    return row.days;
  }

  /**
   * The case takes the band of its latest assessment and its next review date; a high band
   * raises the priority to high unless it is urgent already. The version is not bumped, as
   * this is the system's change and must not make a person's open edit form stale.
   */
  async applyRisk(trx: Transaction<Database>, caseId: string, band: RiskBand, nextReviewDue: string): Promise<{ priority: string }> {
    return trx
      .updateTable('cases')
      .set({
        risk_level: band,
        next_review_due: nextReviewDue,
        updated_at: new Date(),
        ...(band === 'high' ? { priority: sql<string>`case when priority = 'urgent' then priority else 'high' end` } : {}),
      })
      .where('id', '=', caseId)
      .returning('priority')
      .executeTakeFirstOrThrow();
  }

  async notify(trx: Transaction<Database>, notification: { userId: string; kind: string; caseId: string; details: Record<string, unknown> }): Promise<void> {
    await trx
      .insertInto('notifications')
      .values({ user_id: notification.userId, kind: notification.kind, case_id: notification.caseId, details: JSON.stringify(notification.details) })
      .execute();
  }

  /** The case's assessments, newest first. */
  async forCase(caseId: string, executor: Executor = this.#db): Promise<AssessmentSummary[]> {
    return this.#summaries(executor).where('risk_assessments.case_id', '=', caseId).orderBy('risk_assessments.completed_at', 'desc').orderBy('risk_assessments.id').execute();
  }

  async find(caseId: string, assessmentId: string, executor: Executor = this.#db): Promise<AssessmentSummary | undefined> {
    return this.#summaries(executor).where('risk_assessments.case_id', '=', caseId).where('risk_assessments.id', '=', assessmentId).executeTakeFirst();
  }

  async answers(assessmentId: string, executor: Executor = this.#db): Promise<StoredAnswer[]> {
    const rows = await executor
      .selectFrom('risk_assessment_answers')
      .select(['question_id', 'answer_boolean', 'answer_number', 'answer_text', 'answer_choice'])
      .where('assessment_id', '=', assessmentId)
      .execute();
    return rows.map((row) => ({ ...row, answer_number: row.answer_number === null ? null : Number(row.answer_number) }));
  }

  #summaries(executor: Executor) {
    return executor
      .selectFrom('risk_assessments')
      .innerJoin('risk_instruments', (join) =>
        join.onRef('risk_instruments.code', '=', 'risk_assessments.instrument_code').onRef('risk_instruments.version', '=', 'risk_assessments.instrument_version'),
      )
      .leftJoin('users', 'users.id', 'risk_assessments.completed_by')
      .leftJoin('organisations', 'organisations.id', 'risk_assessments.completed_by_organisation_id')
      .leftJoin('people', 'people.id', 'risk_assessments.person_id')
      .select([
        'risk_assessments.id',
        'risk_assessments.instrument_code',
        'risk_assessments.instrument_version',
        sql<string>`risk_instruments.definition ->> 'name'`.as('instrument_name'),
        'risk_assessments.score',
        sql<RiskBand>`risk_assessments.band`.as('band'),
        'risk_assessments.band_reason',
        'risk_assessments.professional_judgement',
        'risk_assessments.professional_judgement_reason',
        'risk_assessments.completed_at',
        'users.name as completed_by_name',
        'organisations.name as completed_by_organisation_name',
        'risk_assessments.person_id',
        sql<string | null>`people.given_name || ' ' || people.family_name`.as('person_name'),
      ]);
  }
}

// Definitions are written only by ensureInstruments, from the typed data in riskInstruments.ts.
function asInstrument(definition: unknown): RiskInstrument {
  return definition as RiskInstrument;
}
