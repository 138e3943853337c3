import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { londonToday } from '../../shared/dates.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import { suppressCount } from '../../shared/suppression.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { AgreementContent, AgreementService } from './agreementService.ts';
import { parseFigure, progressTowards, type Rag, ragStatus } from './measureRules.ts';
import { type LiveFigure, MeasuresRepository } from './measuresRepository.ts';
import { type Quarter, quarterRange, recentQuarters } from './quarters.ts';

export type AgreementMeasure = AgreementContent['priorities'][number]['measures'][number];

export interface QuarterFigure {
  quarter: Quarter;
  value: number | null;
  /** True when publishing the figure could reveal a number from 1 to 4 (see publicFigure). */
  small: boolean;
  enteredBy: string | null;
}

export interface MeasureProgress {
  measure: AgreementMeasure;
  series: QuarterFigure[];
  latest: QuarterFigure | null;
  rag: Rag;
  progress: number | null;
}

export const DASHBOARD_QUARTERS = 4;

/** A figure may be published only if neither the number counted nor what it is a share of is between 1 and 4. */
export function isSmall(figure: Pick<LiveFigure, 'numerator' | 'denominator'>): boolean {
  return suppressCount(figure.numerator).suppressed || (figure.denominator !== null && suppressCount(figure.denominator).suppressed);
}

/**
 * Outcome measures: each quarter's figure, from OneRoof's own records where the measure has a
 * live source and from the figures partners enter otherwise; the latest against the target; the
 * RAG status (measureRules.ragStatus).
 */
export class MeasuresService {
  readonly #db: Kysely<Database>;
  readonly #audit: AuditTrail;
  readonly #agreement: AgreementService;
  readonly #repository = new MeasuresRepository();
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, audit: AuditTrail, agreement: AgreementService, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#audit = audit;
    this.#agreement = agreement;
    this.#now = options.now ?? (() => new Date());
  }

  today(): string {
    return londonToday(this.#now());
  }

  quarters(count = DASHBOARD_QUARTERS): Quarter[] {
    return recentQuarters(this.#now(), count);
  }

  /** The published agreement's priorities, each measure with its figures for the recent quarters. */
  async dashboard(count = DASHBOARD_QUARTERS) {
    const agreement = await this.#agreement.published();
    const quarters = this.quarters(count);
    const population = await this.#repository.population(this.#db);
    if (!agreement) return { agreement, quarters, population, priorities: [] };
    const allMeasures = agreement.priorities.flatMap((priority) => priority.measures);
    const manual = await this.#repository.manualFigures(this.#db, allMeasures.map((measure) => measure.code));
    const priorities = [];
    for (const priority of agreement.priorities) {
      const measures: MeasureProgress[] = [];
      for (const measure of priority.measures) {
        const series: QuarterFigure[] = [];
        for (const quarter of quarters) {
          if (measure.source === 'manual') {
            const entered = manual.find((figure) => figure.measure_code === measure.code && figure.quarter === quarter);
            const value = entered ? Number(entered.value) : null;
            series.push({ quarter, value, small: value !== null && measure.unit === 'count' && suppressCount(value).suppressed, enteredBy: entered?.entered_by_name ?? null });
          } else {
            const live = await this.liveFigure(measure.source, quarter, population);
            series.push({ quarter, value: live.value, small: isSmall(live), enteredBy: null });
          }
        }
        const latest = [...series].reverse().find((figure) => figure.value !== null) ?? null;
        const current = latest?.value ?? null;
        const ragInput = { baseline: measure.baseline, target: measure.target, direction: measure.direction, current, startsOn: agreement.version.starts_on, dueOn: measure.due_on, today: this.today() };
        measures.push({ measure, series, latest, rag: ragStatus(ragInput), progress: progressTowards(ragInput) });
      }
      priorities.push({ priority, measures });
    }
    return { agreement, quarters, population, priorities };
  }

  async liveFigure(source: Exclude<AgreementMeasure['source'], 'manual'>, quarter: Quarter, population: number | null): Promise<LiveFigure> {
    const { from, to } = quarterRange(quarter);
    switch (source) {
      case 'referral_deadline_compliance':
        return this.#repository.referralDeadlineCompliance(this.#db, from, to, this.#now());
      case 'case_review_outcomes':
        return this.#repository.caseReviewOutcomes(this.#db, from, to);
      case 'asb_incidents_per_1000':
        return this.#repository.asbIncidentsPer1000(this.#db, from, to, population);
      case 'repeat_victim_rate':
        return this.#repository.repeatVictimRate(this.#db, from, to);
    }
  }

  /** A manual measure of the published agreement, with the figures entered so far. */
  async manualMeasure(code: string) {
    const agreement = await this.#agreement.published();
    const measure = agreement?.priorities.flatMap((priority) => priority.measures).find((candidate) => candidate.code === code && candidate.source === 'manual');
    if (!measure) throw new NotFound();
    const figures = await this.#repository.manualFigures(this.#db, [code]);
    return { measure, figures: figures.map((figure) => ({ ...figure, value: Number(figure.value) })).reverse(), quarters: this.quarters(8).reverse() };
  }

  async recordFigure(user: CurrentUser, code: string, input: { quarter: string; value: string; note: string | null }, actor: Actor) {
    const { measure } = await this.manualMeasure(code);
    const figure = parseFigure(input.value, measure.unit);
    if (!figure.ok) throw new ValidationFailed({ value: `governance.errors.value.${figure.problem}` });
    await this.#audit.run(actor, async (trx, audit) => {
      const saved = await this.#repository.saveManualFigure(trx, { code, quarter: input.quarter, value: figure.value, note: input.note, userId: user.id, userName: user.name });
      audit({ action: 'MEASURE_FIGURE_RECORDED', recordType: 'measure_figure', recordId: saved.id, details: { measure: code, quarter: input.quarter, value: figure.value } });
    });
  }

  async population(): Promise<number | null> {
    return this.#repository.population(this.#db);
  }

  async savePopulation(population: number, actor: Actor) {
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.savePopulation(trx, population);
      audit({ action: 'GOVERNANCE_SETTINGS_UPDATED', recordType: 'governance_settings', details: { population } });
    });
  }
}
