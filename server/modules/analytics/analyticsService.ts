import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { ValidationFailed } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { AnalyticsRepository, type CountRow, type DashboardAggregates } from './analyticsRepository.ts';
import type { AnalyticsFilter, RequestedFilter } from './analyticsSchemas.ts';
import { TtlCache } from './ttlCache.ts';

export interface Dashboard extends DashboardAggregates {
  filter: AnalyticsFilter;
  previousFilter: AnalyticsFilter;
  previousByCategory: CountRow[];
  previousByMonth: CountRow[];
  previousTotal: number;
}

/**
 * Counts, trends and repeat tables over the partnership's incidents. Aggregates are cached for a
 * minute per filter: incidents arrive in imports, and ten people opening the same dashboard in a
 * meeting should cost one scan, not ten.
 */
export class AnalyticsService {
  readonly #repository: AnalyticsRepository;
  readonly #audit: AuditTrail;
  readonly #cache = new TtlCache(60);

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new AnalyticsRepository(db);
    this.#audit = audit;
  }

  get repository(): AnalyticsRepository {
    return this.#repository;
  }

  categories() {
    return this.#cached('categories', () => this.#repository.categories());
  }

  areas() {
    return this.#cached('areas', () => this.#repository.areas());
  }

  /**
   * The filter with its blanks filled in (the twelve months up to the latest incident) and its
   * categories and area checked against what exists.
   */
  async resolveFilter(requested: RequestedFilter): Promise<AnalyticsFilter> {
    const fieldErrors = await this.unknownChoices(requested);
    if (Object.keys(fieldErrors).length > 0) throw new ValidationFailed(fieldErrors);
    const latest = requested.to ?? (await this.#cached('latest', () => this.#repository.latestIncidentDay())) ?? todayInLondon();
    const to = requested.to ?? latest;
    const from = requested.from ?? firstOfMonth(shiftMonths(to, -11));
    if (from > to) throw new ValidationFailed({ from: 'analytics.errors.fromAfterTo' });
    return { from, to, categories: requested.categories, area: requested.area, lsoa: requested.lsoa };
  }

  /** Categories and areas that do not exist, as field errors. */
  async unknownChoices(requested: { categories: string[]; area: string | null }): Promise<Record<string, string>> {
    const [categories, areas] = await Promise.all([this.categories(), this.areas()]);
    const fieldErrors: Record<string, string> = {};
    const known = new Set(categories.map((category) => category.code));
    if (requested.categories.some((code) => !known.has(code))) fieldErrors.category = 'analytics.errors.categoryUnknown';
    if (requested.area && !areas.includes(requested.area)) fieldErrors.area = 'analytics.errors.areaUnknown';
    return fieldErrors;
  }

  async dashboard(filter: AnalyticsFilter): Promise<Dashboard> {
    return this.#cached(`dashboard:${JSON.stringify(filter)}`, async () => {
      const previousFilter = { ...filter, from: shiftYears(filter.from, -1), to: shiftYears(filter.to, -1) };
      const aggregates = await this.#repository.dashboard(filter);
      const previous = await this.#repository.periodCounts(previousFilter);
      const previousTotal = previous.byCategory.reduce((sum, row) => sum + row.count, 0);
      return { ...aggregates, filter, previousFilter, previousByCategory: previous.byCategory, previousByMonth: previous.byMonth, previousTotal };
    });
  }

  repeatLocations(filter: AnalyticsFilter) {
    return this.#repository.repeatLocations(filter);
  }

  /** The repeat-victims table: people the viewer may see, audited as a read of personal data. */
  async repeatVictims(user: CurrentUser, filter: AnalyticsFilter, actor: Actor) {
    return this.#audit.run(actor, async (trx, audit) => {
      const rows = await this.#repository.repeatVictims(trx, { userId: user.id, organisationId: user.organisationId, role: user.role }, filter);
      audit({ action: 'ANALYTICS_REPEAT_VICTIMS_VIEWED', recordType: 'analytics', details: { filter, people: rows.map((row) => row.id) } });
      return rows;
    });
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.#cache.get(key, load);
  }

  /** Forgets cached figures (after an import, and in tests that add incidents). */
  forget(): void {
    this.#cache.clear();
  }
}

export function todayInLondon(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

function parts(isoDate: string): [number, number, number] {
  return isoDate.split('-').map(Number) as [number, number, number];
}

export function shiftMonths(isoDate: string, months: number): string {
  const [year, month, day] = parts(isoDate);
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/** The same day a number of years away; 29 February becomes 28 February. */
export function shiftYears(isoDate: string, years: number): string {
  return shiftMonths(isoDate, years * 12);
}

export function firstOfMonth(isoDate: string): string {
  return `${isoDate.slice(0, 7)}-01`;
}

/** Every month from one ISO date's month to another's, as YYYY-MM. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let current = firstOfMonth(from);
  while (current.slice(0, 7) <= to.slice(0, 7)) {
    months.push(current.slice(0, 7));
    current = shiftMonths(current, 1);
  }
  return months;
}
