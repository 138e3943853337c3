import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { londonToday } from '../../shared/dates.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { type PublishedCell, type SuppressedTable, suppressTable } from '../../shared/suppression.ts';
import { startOfLondonDay } from '../../shared/time.ts';
import type { CaseReviewService } from '../caseReviews/caseReviewService.ts';
import type { EventsService } from './eventsService.ts';
import type { MeasuresService } from './measuresService.ts';
import { type Quarter, quarterRange, recentQuarters } from './quarters.ts';
import { TransparencyRepository } from './transparencyRepository.ts';

/** What every suppressed cell says, on the page and in the CSV (the ONS convention for "confidential"). */
export const SUPPRESSED_MARK = '[c]';

export const OPEN_GOVERNMENT_LICENCE = 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/';

export const harmGroups = ['asb', 'welfare', 'mental_health', 'exploitation', 'drugs', 'violence', 'domestic_abuse', 'hate', 'missed_contact', 'housing', 'environmental', 'crime', 'other'] as const;

export const PUBLISHED_QUARTERS = 8;

/**
 * The public transparency page and its open data: counts only, every table suppressed with
 * shared/suppression.suppressTable (no count from 1 to 4, and none recoverable by subtraction),
 * measures whose figures rest on such a count withheld.
 */
export class TransparencyService {
  readonly #db: Kysely<Database>;
  readonly #repository = new TransparencyRepository();
  readonly #measures: MeasuresService;
  readonly #caseReviews: CaseReviewService;
  readonly #events: EventsService;
  readonly #now: () => Date;

  constructor(db: Kysely<Database>, services: { measures: MeasuresService; caseReviews: CaseReviewService; events: EventsService }, options: { now?: () => Date } = {}) {
    this.#db = db;
    this.#measures = services.measures;
    this.#caseReviews = services.caseReviews;
    this.#events = services.events;
    this.#now = options.now ?? (() => new Date());
  }

  quarters(): Quarter[] {
    return recentQuarters(this.#now(), PUBLISHED_QUARTERS).reverse();
  }

  currentYear(): number {
    return Number(londonToday(this.#now()).slice(0, 4));
  }

  /** Incidents by area (rows) and harm group (columns) for a quarter, suppressed. */
  async incidentTable(quarter: Quarter, t: Translate): Promise<SuppressedTable> {
    const { from, to } = quarterRange(quarter);
    const counts = await this.#repository.incidentCounts(this.#db, from, to);
    const areas = [...new Set(counts.map((row) => row.area))].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
    const groups = harmGroups.filter((group) => counts.some((row) => row.harmGroup === group));
    const grid = areas.map((area) => groups.map((group) => counts.find((row) => row.area === area && row.harmGroup === group)?.count ?? 0));
    return suppressTable(
      areas.map((area) => area || t('transparency.incidents.areaNotRecorded')),
      groups.map((group) => t(`transparency.harmGroups.${group}`)),
      grid,
    );
  }

  async caseReviewStatistics(year: number) {
    const statistics = await this.#caseReviews.annualStatistics(year);
    const reviewsWithRecommendations = await this.#repository.reviewsWithRecommendations(this.#db, startOfLondonDay(`${year}-01-01`), startOfLondonDay(`${year + 1}-01-01`));
    return { year, applications: statistics.applications, thresholdNotMet: statistics.thresholdNotMet, reviewsHeld: statistics.reviewsHeld, reviewsWithRecommendations };
  }

  /** The published agreement's measures, each with its latest figure unless that figure rests on a small number. */
  async progress() {
    const dashboard = await this.#measures.dashboard();
    return {
      agreement: dashboard.agreement,
      priorities: dashboard.priorities.map(({ priority, measures }) => ({
        title: priority.title,
        description: priority.description,
        measures: measures.map((progress) => ({
          title: progress.measure.title,
          unit: progress.measure.unit,
          baseline: progress.measure.baseline,
          target: progress.measure.target,
          dueOn: progress.measure.due_on,
          direction: progress.measure.direction,
          latest: progress.latest ? { quarter: progress.latest.quarter, value: progress.latest.small ? null : progress.latest.value, suppressed: progress.latest.small } : null,
          rag: progress.latest?.small ? 'none' : progress.rag,
        })),
      })),
    };
  }

  async followUps() {
    return this.#events.publicFollowUps();
  }

  async partnershipName() {
    return this.#repository.partnershipName(this.#db);
  }

  incidentsCsv(table: SuppressedTable, t: Translate): string {
    const cell = (published: PublishedCell) => (published.value === null ? SUPPRESSED_MARK : String(published.value));
    return stringify([
      [t('transparency.incidents.areaHeading'), ...table.columnLabels, t('transparency.incidents.total')],
      ...table.rowLabels.map((label, r) => [label, ...(table.cells[r] ?? []).map(cell), cell(table.rowTotals[r]!)]),
      [t('transparency.incidents.total'), ...table.columnTotals.map(cell), cell(table.grandTotal)],
    ]);
  }

  async measuresCsv(t: Translate): Promise<string> {
    const progress = await this.progress();
    const rows = progress.priorities.flatMap((priority) =>
      priority.measures.map((measure) => [
        priority.title,
        measure.title,
        t(`governance.units.${measure.unit}`),
        String(measure.baseline),
        String(measure.target),
        measure.dueOn,
        measure.latest?.quarter ?? '',
        measure.latest ? (measure.latest.value === null ? SUPPRESSED_MARK : String(measure.latest.value)) : '',
        t(`governance.rag.${measure.rag}`),
      ]),
    );
    return stringify([[t('transparency.csv.priority'), t('transparency.csv.measure'), t('transparency.csv.unit'), t('transparency.csv.baseline'), t('transparency.csv.target'), t('transparency.csv.dueOn'), t('transparency.csv.quarter'), t('transparency.csv.latest'), t('transparency.csv.status')], ...rows]);
  }

  async caseReviewsCsv(years: number[], t: Translate): Promise<string> {
    const rows = [];
    for (const year of years) {
      const statistics = await this.caseReviewStatistics(year);
      rows.push([String(year), String(statistics.applications), String(statistics.thresholdNotMet), String(statistics.reviewsHeld), String(statistics.reviewsWithRecommendations)]);
    }
    return stringify([[t('transparency.caseReviews.year'), t('transparency.caseReviews.applications'), t('transparency.caseReviews.thresholdNotMet'), t('transparency.caseReviews.reviewsHeld'), t('transparency.caseReviews.reviewsWithRecommendations')], ...rows]);
  }
}
