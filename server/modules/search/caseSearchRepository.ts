import { CompiledQuery, expressionBuilder, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';
import type { NameQuery } from './nameQuery.ts';
import { nameMatchesSql, type NameSounds, type PostcodeFilter, postcodeMatchSql } from './personSearchRepository.ts';

export type LocationFilter = { kind: 'postcode'; postcode: PostcodeFilter } | { kind: 'address'; text: string };

export interface CaseSearchCriteria {
  /** Upper case, as typed: the whole reference or any part of it. */
  reference?: string | undefined;
  person?: { name: NameQuery; sounds: NameSounds } | undefined;
  location?: LocationFilter | undefined;
  caseType?: string | undefined;
  status?: string | undefined;
  leadOfficerId?: string | undefined;
}

export interface CaseSearchRow {
  id: string;
  reference: string;
  case_type: string;
  case_type_name: string;
  case_type_name_translated: boolean;
  status: string;
  priority: string;
  summary: string;
  opened_at: Date;
  lead_organisation_name: string;
  lead_officer_name: string | null;
  reference_match: 'exact' | 'start' | 'part' | null;
  matched_person: string | null;
  matched_place: string | null;
  score: number;
  total: string;
}

/** The same filters as the case list (`caseListQuerySchema`), for the download. */
export interface CaseExportFilters {
  view: 'mine' | 'organisation';
  status?: string | undefined;
  caseType?: string | undefined;
  priority?: string | undefined;
  includeClosed: boolean;
  sort: 'reference' | 'opened' | 'priority' | 'review';
  direction: 'asc' | 'desc';
}

export interface CaseExportRow {
  reference: string;
  case_type: string;
  case_type_name: string;
  case_type_name_translated: boolean;
  status: string;
  priority: string;
  risk_level: string | null;
  lead_organisation_name: string;
  lead_officer_name: string | null;
  area: string | null;
  opened_at: Date;
  next_review_due: string | null;
  closed_at: Date | null;
  outcome_code: string | null;
}

const REFERENCE_SCORE = { exact: 1, start: 0.8, part: 0.6 };
const PLACE_SCORE = 0.3;
const EXPORT_CURSOR = 'case_export';

/** Case search and the case list download, only ever over cases the viewer may see (`visibleTo`). */
export class CaseSearchRepository {
  /** Best first, one page; `total` on each row counts every match. Runs in the caller's transaction (trigram threshold). */
  async search(trx: Transaction<Database>, viewer: CaseViewer, criteria: CaseSearchCriteria, limit: number, offset: number): Promise<CaseSearchRow[]> {
    const cases = expressionBuilder<Database, 'cases'>();
    const referenceMatch = criteria.reference ? referenceMatchSql(criteria.reference) : sql`null::text`;
    const result = await sql<CaseSearchRow>`
      ${criteria.person ? sql`with person_matches as materialized (${nameMatchesSql(criteria.person.name, criteria.person.sounds)})` : sql``}
      select cases.id, cases.reference, cases.case_type, case_types.name as case_type_name, case_types.name_translated as case_type_name_translated, cases.status, cases.priority, cases.summary, cases.opened_at,
        lead.name as lead_organisation_name, officer.name as lead_officer_name,
        ${referenceMatch} as reference_match, ${criteria.person ? sql`person.name` : sql`null::text`} as matched_person,
        ${criteria.location ? sql`place.description` : sql`null::text`} as matched_place,
        (${referenceScoreSql(referenceMatch)} + ${criteria.person ? sql`coalesce(person.name_score, 0)` : sql`0`}
          + ${criteria.location ? sql`${PLACE_SCORE}::float8` : sql`0`})::float8 as score,
        count(*) over () as total
      from cases
      join case_types on case_types.code = cases.case_type
      join organisations lead on lead.id = cases.lead_organisation_id
      left join users officer on officer.id = cases.lead_officer_id
      ${criteria.person ? personLateralSql() : sql``}
      ${criteria.location ? placeLateralSql(criteria.location) : sql``}
      where ${visibleTo(viewer)(cases)}
        ${criteria.reference ? sql`and cases.reference ilike ${`%${escapeLike(criteria.reference)}%`}` : sql``}
        ${criteria.person ? sql`and cases.id in (select on_case.case_id from case_people on_case where on_case.person_id in (select id from person_matches))` : sql``}
        ${criteria.location ? sql`and cases.id in (select place.case_id from case_locations place join locations on locations.id = place.location_id where ${locationMatchSql(criteria.location)})` : sql``}
        ${criteria.caseType ? sql`and cases.case_type = ${criteria.caseType}` : sql``}
        ${criteria.status ? sql`and cases.status = ${criteria.status}` : sql``}
        ${criteria.leadOfficerId ? sql`and cases.lead_officer_id = ${criteria.leadOfficerId}::uuid` : sql``}
      order by score desc, cases.opened_at desc, cases.id
      limit ${limit} offset ${offset}`.execute(trx);
    return result.rows;
  }

  /**
   * Opens a cursor over the cases the list would show with these filters (every page), so the
   * download is read in batches inside one transaction instead of held in memory.
   */
  async openExport(trx: Transaction<Database>, viewer: CaseViewer, filters: CaseExportFilters): Promise<void> {
    const compiled = exportQuery(trx, viewer, filters).compile();
    await trx.executeQuery(CompiledQuery.raw(`declare ${EXPORT_CURSOR} no scroll cursor for ${compiled.sql}`, [...compiled.parameters]));
  }

  async nextExportBatch(trx: Transaction<Database>, size: number): Promise<CaseExportRow[]> {
    const result = await trx.executeQuery<CaseExportRow>(CompiledQuery.raw(`fetch forward ${Math.trunc(size)} from ${EXPORT_CURSOR}`));
    return result.rows;
  }
}

function exportQuery(trx: Transaction<Database>, viewer: CaseViewer, filters: CaseExportFilters) {
  let query = trx
    .selectFrom('cases')
    .innerJoin('case_types', 'case_types.code', 'cases.case_type')
    .innerJoin('organisations as lead', 'lead.id', 'cases.lead_organisation_id')
    .leftJoin('users as officer', 'officer.id', 'cases.lead_officer_id')
    .select([
      'cases.reference', 'cases.case_type', 'case_types.name as case_type_name', 'case_types.name_translated as case_type_name_translated', 'cases.status', 'cases.priority', 'cases.risk_level',
      'lead.name as lead_organisation_name', 'officer.name as lead_officer_name', 'cases.area', 'cases.opened_at', 'cases.next_review_due',
      'cases.closed_at', 'cases.outcome_code',
    ])
    .where(visibleTo(viewer));
  if (filters.view === 'mine') query = query.where('cases.lead_officer_id', '=', viewer.userId);
  if (filters.status) query = query.where('cases.status', '=', filters.status);
  else if (!filters.includeClosed) query = query.where('cases.status', '<>', 'closed');
  if (filters.caseType) query = query.where('cases.case_type', '=', filters.caseType);
  if (filters.priority) query = query.where('cases.priority', '=', filters.priority);
  const order = filters.direction;
  if (filters.sort === 'reference') return query.orderBy('cases.reference', order);
  if (filters.sort === 'priority') return query.orderBy(sql`array_position(array['low','medium','high','urgent'], cases.priority)`, order).orderBy('cases.opened_at', 'desc').orderBy('cases.id');
  if (filters.sort === 'review') return query.orderBy(sql`cases.next_review_due ${sql.raw(order)} nulls last`).orderBy('cases.reference');
  return query.orderBy('cases.opened_at', order).orderBy('cases.reference', order);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function referenceMatchSql(reference: string): RawBuilder<unknown> {
  return sql`case when upper(cases.reference) = ${reference} then 'exact' when cases.reference ilike ${`${escapeLike(reference)}%`} then 'start' else 'part' end`;
}

function referenceScoreSql(referenceMatch: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`case ${referenceMatch} when 'exact' then ${REFERENCE_SCORE.exact}::float8 when 'start' then ${REFERENCE_SCORE.start}::float8 when 'part' then ${REFERENCE_SCORE.part}::float8 else 0 end`;
}

/** The person on the case whose name matched best. */
function personLateralSql(): RawBuilder<unknown> {
  return sql`left join lateral (
    select people.given_name || ' ' || people.family_name as name, person_matches.name_score
    from case_people on_case join person_matches on person_matches.id = on_case.person_id join people on people.id = on_case.person_id
    where on_case.case_id = cases.id
    order by person_matches.name_score desc
    limit 1) person on true`;
}

function placeLateralSql(location: LocationFilter): RawBuilder<unknown> {
  return sql`left join lateral (
    select locations.address_line_1 || coalesce(', ' || locations.postcode, '') as description
    from case_locations place join locations on locations.id = place.location_id
    where place.case_id = cases.id and ${locationMatchSql(location)}
    limit 1) place on true`;
}

/** A postcode or district, or part of the first line of the address (trigram index, 3 or more letters). */
function locationMatchSql(location: LocationFilter): RawBuilder<unknown> {
  if (location.kind === 'postcode') return postcodeMatchSql(location.postcode);
  return sql`lower(locations.address_line_1) like ${`%${escapeLike(location.text.toLowerCase())}%`}`;
}
