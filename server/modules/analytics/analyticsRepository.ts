import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CaseViewer } from '../cases/caseAccess.ts';
import { personVisibleTo } from '../people/personAccess.ts';
import type { AnalyticsFilter } from './analyticsSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface CountRow {
  key: string;
  count: number;
}

export interface DashboardAggregates {
  total: number;
  byMonth: CountRow[];
  byCategory: CountRow[];
  byArea: CountRow[];
  byLsoa: CountRow[];
  /** Minute-precision records by ISO day of week (1 = Monday) and hour (0–23), London time. */
  heat: { dow: number; hour: number; count: number }[];
  /** Records left out of the heat table because only their day or month is known. */
  withoutTime: number;
}

const LONDON = sql.lit('Europe/London');

/**
 * The SQL of the analytics pages: aggregates computed by PostgreSQL (one pass over the period
 * through the occurred_at indexes), never rows brought into the app to be counted.
 */
export class AnalyticsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async categories() {
    return this.#db
      .selectFrom('incident_categories')
      .select(['code', 'name', 'name_translated', 'harm_group'])
      .orderBy('sort_order')
      .orderBy('code')
      .execute();
  }

  /** Areas named on incidents (districts or wards), for the filter. */
  async areas(): Promise<string[]> {
    const rows = await sql<{ area: string }>`select distinct area from incidents where area is not null order by area limit 500`.execute(this.#db);
    return rows.rows.map((row) => row.area);
  }

  /** The London calendar day of the latest incident, or null when there are none. */
  async latestIncidentDay(): Promise<string | null> {
    const row = await sql<{ day: string | null }>`select to_char(max(occurred_at) at time zone ${LONDON}, 'YYYY-MM-DD') as day from incidents`.execute(this.#db);
    return row.rows[0]?.day ?? null;
  }

  async dashboard(filter: AnalyticsFilter): Promise<DashboardAggregates> {
    const result = await sql<{ set: number; month: string | null; category_code: string | null; area: string | null; lsoa_code: string | null; dow: number | null; hour: number | null; n: number }>`
      with filtered as (
        select
          to_char(occurred_at at time zone ${LONDON}, 'YYYY-MM') as month,
          category_code,
          coalesce(area, '') as area,
          coalesce(lsoa_code, '') as lsoa_code,
          case when occurred_precision = 'minute' then extract(isodow from occurred_at at time zone ${LONDON})::int else 0 end as dow,
          case when occurred_precision = 'minute' then extract(hour from occurred_at at time zone ${LONDON})::int else -1 end as hour
        from incidents
        where ${whereFilter(filter)}
      )
      select grouping(month, category_code, area, lsoa_code, dow, hour)::int as set,
        month, category_code, area, lsoa_code, dow, hour, count(*)::int as n
      from filtered
      group by grouping sets ((), (month), (category_code), (area), (lsoa_code), (dow, hour))
    `.execute(this.#db);
    const aggregates: DashboardAggregates = { total: 0, byMonth: [], byCategory: [], byArea: [], byLsoa: [], heat: [], withoutTime: 0 };
    // grouping() sets a bit for each column left out, month being the highest of six bits.
    const only = (column: number) => 0b111111 ^ (1 << (5 - column));
    for (const row of result.rows) {
      if (row.set === 0b111111) aggregates.total = row.n;
      else if (row.set === only(0)) aggregates.byMonth.push({ key: row.month!, count: row.n });
      else if (row.set === only(1)) aggregates.byCategory.push({ key: row.category_code!, count: row.n });
      else if (row.set === only(2)) aggregates.byArea.push({ key: row.area!, count: row.n });
      else if (row.set === only(3)) aggregates.byLsoa.push({ key: row.lsoa_code!, count: row.n });
      else if (row.hour === -1) aggregates.withoutTime += row.n;
      else aggregates.heat.push({ dow: row.dow!, hour: row.hour!, count: row.n });
    }
    const byCount = (a: CountRow, b: CountRow) => b.count - a.count || a.key.localeCompare(b.key);
    aggregates.byMonth.sort((a, b) => a.key.localeCompare(b.key));
    aggregates.byCategory.sort(byCount);
    aggregates.byArea.sort(byCount);
    aggregates.byLsoa.sort(byCount);
    return aggregates;
  }

  /** Counts by category and by month over a period: the same period last year, for the comparison. */
  async periodCounts(filter: AnalyticsFilter): Promise<{ byCategory: CountRow[]; byMonth: CountRow[] }> {
    const result = await sql<{ category_code: string | null; month: string | null; count: number }>`
      select category_code, month, count(*)::int as count
      from (select category_code, to_char(occurred_at at time zone ${LONDON}, 'YYYY-MM') as month from incidents where ${whereFilter(filter)}) as filtered
      group by grouping sets ((category_code), (month))
    `.execute(this.#db);
    return {
      byCategory: result.rows.filter((row) => row.category_code !== null).map((row) => ({ key: row.category_code!, count: row.count })),
      byMonth: result.rows.filter((row) => row.month !== null).map((row) => ({ key: row.month!, count: row.count })),
    };
  }

  /** Incidents with a position, for the hotspot grid and the map. */
  async points(filter: AnalyticsFilter): Promise<{ latitude: number; longitude: number }[]> {
    const result = await sql<{ latitude: number; longitude: number }>`
      select latitude, longitude from incidents where ${whereFilter(filter)} and latitude is not null
    `.execute(this.#db);
    return result.rows;
  }

  /** Incidents in the filter without a position (they cannot be mapped). */
  async countWithoutPosition(filter: AnalyticsFilter): Promise<number> {
    const result = await sql<{ n: number }>`select count(*)::int as n from incidents where ${whereFilter(filter)} and latitude is null`.execute(this.#db);
    return result.rows[0]?.n ?? 0;
  }

  /** Events for the near-repeat test: position and London day number (days since 1970-01-01). */
  async nearRepeatEvents(filter: AnalyticsFilter): Promise<{ events: { latitude: number; longitude: number; day: number }[]; monthOnly: number; withoutPosition: number }> {
    const events = await sql<{ latitude: number; longitude: number; day: number }>`
      select latitude, longitude, ((occurred_at at time zone ${LONDON})::date - date '1970-01-01')::int as day
      from incidents
      where ${whereFilter(filter)} and occurred_precision in ('minute', 'day') and latitude is not null
    `.execute(this.#db);
    const left = await sql<{ month_only: number; without_position: number }>`
      select count(*) filter (where occurred_precision = 'month')::int as month_only,
        count(*) filter (where occurred_precision <> 'month' and latitude is null)::int as without_position
      from incidents where ${whereFilter(filter)}
    `.execute(this.#db);
    return { events: events.rows, monthOnly: left.rows[0]?.month_only ?? 0, withoutPosition: left.rows[0]?.without_position ?? 0 };
  }

  /** Places with two or more incidents: by address, else postcode, else position to about 10 m. */
  async repeatLocations(filter: AnalyticsFilter, limit = 50) {
    const result = await sql<{ place: string; area: string | null; count: number; first_at: Date; last_at: Date }>`
      select coalesce(nullif(btrim(address), ''), postcode, round(latitude::numeric, 4) || ', ' || round(longitude::numeric, 4)) as place,
        min(area) as area, count(*)::int as count, min(occurred_at) as first_at, max(occurred_at) as last_at
      from incidents
      where ${whereFilter(filter)} and (address is not null or postcode is not null or latitude is not null)
      group by 1 having count(*) >= 2
      order by count desc, place limit ${limit}
    `.execute(this.#db);
    return result.rows;
  }

  /**
   * People recorded as the victim (or complainant, or person at risk) in two or more incidents,
   * limited to the people the viewer may see (need-to-know): anyone else is not counted at all.
   */
  async repeatVictims(trx: Executor, viewer: CaseViewer, filter: AnalyticsFilter, limit = 50) {
    return trx
      .selectFrom('incident_people')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .innerJoin('people', 'people.id', 'incident_people.person_id')
      .where('incident_people.role', 'in', ['victim', 'complainant', 'person_at_risk'])
      .where(() => whereFilter(filter))
      .where(personVisibleTo(viewer))
      .groupBy(['people.id', 'people.given_name', 'people.family_name'])
      .having(sql`count(distinct incident_people.incident_id)`, '>=', 2)
      .select([
        'people.id',
        'people.given_name',
        'people.family_name',
        sql<number>`count(distinct incident_people.incident_id)::int`.as('count'),
        sql<Date>`max(incidents.occurred_at)`.as('last_at'),
      ])
      .orderBy('count', 'desc')
      .orderBy('people.family_name')
      .limit(limit)
      .execute();
  }
}

/** The period (London days, `to` included), categories and area as one SQL condition on `incidents`. */
export function whereFilter(filter: AnalyticsFilter) {
  const conditions = [
    sql`incidents.occurred_at >= (${filter.from}::date)::timestamp at time zone ${LONDON}`,
    sql`incidents.occurred_at < ((${filter.to}::date + 1)::timestamp at time zone ${LONDON})`,
  ];
  if (filter.categories.length > 0) conditions.push(sql`incidents.category_code in (${sql.join(filter.categories)})`);
  if (filter.area) conditions.push(sql`incidents.area = ${filter.area}`);
  if (filter.lsoa) conditions.push(sql`incidents.lsoa_code = ${filter.lsoa}`);
  return sql<boolean>`${sql.join(conditions, sql` and `)}`;
}
