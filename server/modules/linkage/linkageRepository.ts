import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import type { StoredLinkageModel } from './engine/storedModel.ts';
import { isRestricted } from '../dataProtection/personFlagsRepository.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** A person record as a source (or OneRoof itself) holds it, before normalising. */
export interface SourcePersonRecord {
  givenName: string | null;
  familyName: string | null;
  dateOfBirth: string | null;
  address: string | null;
  town: string | null;
  postcode: string | null;
  phone: string | null;
  identifierKind: string | null;
  identifier: string | null;
}

export interface PendingPerson extends SourcePersonRecord {
  id: string;
  organisationId: string;
}

export interface ExistingPersonRecord extends SourcePersonRecord {
  personId: string;
  /** Whose record: the person's recording organisation, or the agency that sent the incident. */
  organisationId: string | null;
  source: 'person' | 'incident';
}

export interface LinkUpdate {
  id: string;
  personId: string | null;
  status: 'auto_linked' | 'in_review' | 'confirmed' | 'new_person' | 'unlinked';
  matchWeight: number | null;
  unlinkedReason?: 'too_little_to_link' | 'unlinked_by_reviewer' | null;
  linkedBy?: string | null;
}

export interface NewCandidate {
  incidentPersonId: string;
  candidatePersonId: string;
  candidateRecord: ExistingPersonRecord;
  matchWeight: number;
  matchProbability: number;
  explanation: unknown;
}

export interface NewLinkedPerson {
  id: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string | null;
  phone: string | null;
  organisationId: string;
}

/** Link statuses that make an incident person count as that person (alerts use the same list). */
export const LINKED_STATUSES = ['auto_linked', 'confirmed', 'new_person'] as const;

const DATE = (column: string) => sql<string | null>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

/** An agency's record of a person (incident_people with its incident) as the engine compares it. */
const AGENCY_RECORD_COLUMNS = [
  'incidents.source_organisation_id as organisationId',
  'incident_people.given_name as givenName',
  'incident_people.family_name as familyName',
  DATE('incident_people.date_of_birth').as('dateOfBirth'),
  'incident_people.address',
  sql<null>`null`.as('town'),
  'incident_people.postcode',
  'incident_people.phone',
  'incident_people.identifier_kind as identifierKind',
  'incident_people.identifier',
] as const;

/** The only SQL of incremental linking, the review queue and unlinking. */
export class LinkageRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The next `limit` pending incident people after `afterId` (keyset, so a million never sit in memory at once). */
  async pendingChunk(afterId: string | null, limit: number): Promise<PendingPerson[]> {
    let query = this.#db
      .selectFrom('incident_people')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .select(['incident_people.id', ...AGENCY_RECORD_COLUMNS])
      .where('incident_people.link_status', '=', 'pending')
      .orderBy('incident_people.id')
      .limit(limit);
    if (afterId) query = query.where('incident_people.id', '>', afterId);
    return query.execute();
  }

  /**
   * Every OneRoof person as records: the person's own row with their current address, and each
   * distinct version of them that agencies' linked records hold.
   */
  async existingRecords(executor: Executor = this.#db): Promise<ExistingPersonRecord[]> {
    const own = await executor
      .selectFrom('people')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('person_addresses')
            .innerJoin('locations', 'locations.id', 'person_addresses.location_id')
            .distinctOn('person_addresses.person_id')
            .select(['person_addresses.person_id', 'locations.address_line_1', 'locations.town', 'locations.postcode'])
            .where((w) => w.or([w('person_addresses.valid_to', 'is', null), w('person_addresses.valid_to', '>=', sql<string>`current_date`)]))
            .orderBy('person_addresses.person_id')
            .orderBy(sql`person_addresses.valid_from desc nulls last`)
            .orderBy('person_addresses.created_at', 'desc')
            .as('current_address'),
        (join) => join.onRef('current_address.person_id', '=', 'people.id'),
      )
      .select([
        'people.id as personId',
        'people.created_by_organisation_id as organisationId',
        'people.given_name as givenName',
        'people.family_name as familyName',
        DATE('people.date_of_birth').as('dateOfBirth'),
        'current_address.address_line_1 as address',
        'current_address.town',
        'current_address.postcode',
        'people.phone',
        sql<null>`null`.as('identifierKind'),
        sql<null>`null`.as('identifier'),
      ])
      // A person whose processing the DPO restricted is not a candidate for new links (ADR 0027).
      .where(sql<boolean>`not ${isRestricted(sql`people.id`)}`)
      .execute();
    const linked = await executor
      .selectFrom('incident_people')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .distinctOn(['incident_people.person_id', 'incident_people.given_name', 'incident_people.family_name', 'incident_people.date_of_birth', 'incident_people.address', 'incident_people.postcode', 'incident_people.phone', 'incident_people.identifier_kind', 'incident_people.identifier'])
      .select([sql<string>`incident_people.person_id`.as('personId'), ...AGENCY_RECORD_COLUMNS])
      .where('incident_people.person_id', 'is not', null)
      .where('incident_people.link_status', 'in', LINKED_STATUSES)
      .where(sql<boolean>`not ${isRestricted(sql`incident_people.person_id`)}`)
      .execute();
    return [...own.map((row) => ({ ...row, source: 'person' as const })), ...linked.map((row) => ({ ...row, source: 'incident' as const }))];
  }

  /** For each (kind, identifier) among `keys`, the people already linked to records holding it. */
  async peopleByIdentifier(keys: { kind: string; identifier: string }[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    if (keys.length === 0) return found;
    const rows = await sql<{ identifier_kind: string; identifier: string; people: string[] }>`
      select ip.identifier_kind, ip.identifier, array_agg(distinct ip.person_id) as people
      from incident_people ip
      join unnest(${keys.map((key) => key.kind)}::text[], ${keys.map((key) => key.identifier)}::text[]) as wanted(kind, identifier)
        on ip.identifier_kind = wanted.kind and ip.identifier = wanted.identifier
      where ip.person_id is not null and ip.link_status in ('auto_linked', 'confirmed', 'new_person')
      group by ip.identifier_kind, ip.identifier`.execute(this.#db);
    for (const row of rows.rows) found.set(identifierKey(row.identifier_kind, row.identifier), row.people);
    return found;
  }

  async createPeople(trx: Transaction<Database>, people: NewLinkedPerson[]): Promise<void> {
    if (people.length === 0) return;
    await trx
      .insertInto('people')
      .values(people.map((person) => ({ id: person.id, given_name: person.givenName, family_name: person.familyName, date_of_birth: person.dateOfBirth, phone: person.phone, created_by_organisation_id: person.organisationId })))
      .execute();
  }

  /** Applies link decisions; a record that is no longer in `fromStatuses` is left alone. */
  async applyLinks(trx: Transaction<Database>, updates: LinkUpdate[], fromStatuses: readonly string[]): Promise<string[]> {
    if (updates.length === 0) return [];
    const column = <T>(pick: (update: LinkUpdate) => T) => updates.map(pick);
    const result = await sql<{ id: string }>`
      update incident_people ip set
        person_id = u.person_id, link_status = u.status, match_weight = u.weight,
        linked_at = case when u.person_id is null then null else now() end,
        unlinked_reason = u.reason, linked_by = u.linked_by
      from unnest(${column((u) => u.id)}::uuid[], ${column((u) => u.personId)}::uuid[], ${column((u) => u.status)}::text[],
                  ${column((u) => u.matchWeight)}::float8[], ${column((u) => u.unlinkedReason ?? null)}::text[], ${column((u) => u.linkedBy ?? null)}::uuid[])
        as u(id, person_id, status, weight, reason, linked_by)
      where ip.id = u.id and ip.link_status = any(${[...fromStatuses]}::text[])
      returning ip.id`.execute(trx);
    return result.rows.map((row) => row.id);
  }

  async insertCandidates(trx: Transaction<Database>, candidates: NewCandidate[]): Promise<void> {
    if (candidates.length === 0) return;
    await trx
      .insertInto('link_candidates')
      .values(
        candidates.map((candidate) => ({
          incident_person_id: candidate.incidentPersonId,
          candidate_person_id: candidate.candidatePersonId,
          candidate_record: JSON.stringify(candidate.candidateRecord),
          candidate_organisation_id: candidate.candidateRecord.organisationId,
          match_weight: candidate.matchWeight,
          match_probability: candidate.matchProbability,
          explanation: JSON.stringify(candidate.explanation),
        })),
      )
      .onConflict((conflict) => conflict.columns(['incident_person_id', 'candidate_person_id']).doNothing())
      .execute();
  }

  async latestModel(): Promise<StoredLinkageModel | undefined> {
    const row = await this.#db.selectFrom('linkage_models').select('parameters').orderBy('trained_at', 'desc').limit(1).executeTakeFirst();
    return row ? (row.parameters as StoredLinkageModel) : undefined;
  }

  async storeModel(trx: Transaction<Database>, model: StoredLinkageModel, counts: { pending: number; existing: number; pairs: number }): Promise<string> {
    const row = await trx
      .insertInto('linkage_models')
      .values({ parameters: JSON.stringify(model), pending_records: counts.pending, existing_records: counts.existing, compared_pairs: counts.pairs })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  // Review queue --------------------------------------------------------------------------------

  /** Open candidates whose incoming record came from `organisationId` and whose candidate record it may see. */
  async openCandidates(organisationId: string, candidateOrganisations: string[], page: { limit: number; offset: number; sort: ReviewSort }) {
    const base = this.#db
      .selectFrom('link_candidates')
      .innerJoin('incident_people', 'incident_people.id', 'link_candidates.incident_person_id')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .where('link_candidates.status', '=', 'open')
      .where('incidents.source_organisation_id', '=', organisationId)
      .where('link_candidates.candidate_organisation_id', 'in', candidateOrganisations.length > 0 ? candidateOrganisations : ['00000000-0000-0000-0000-000000000000']);
    const ordered = page.sort === 'weight' ? base.orderBy('link_candidates.match_weight', 'desc') : base.orderBy('link_candidates.created_at', 'asc');
    const [rows, total] = await Promise.all([
      ordered
        .select([
          'link_candidates.id',
          'link_candidates.match_weight',
          'link_candidates.match_probability',
          'link_candidates.created_at',
          'link_candidates.candidate_record',
          'incident_people.given_name',
          'incident_people.family_name',
          DATE('incident_people.date_of_birth').as('date_of_birth'),
          'incidents.source_reference',
        ])
        .orderBy('link_candidates.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.count) };
  }

  async candidate(executor: Executor, candidateId: string, options: { lock?: boolean } = {}) {
    if (!isUuid(candidateId)) return undefined;
    let query = executor
      .selectFrom('link_candidates')
      .innerJoin('incident_people', 'incident_people.id', 'link_candidates.incident_person_id')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .innerJoin('organisations', 'organisations.id', 'incidents.source_organisation_id')
      .select([
        'link_candidates.id',
        'link_candidates.status',
        'link_candidates.candidate_person_id',
        'link_candidates.candidate_record',
        'link_candidates.candidate_organisation_id',
        'link_candidates.match_weight',
        'link_candidates.match_probability',
        'link_candidates.explanation',
        'link_candidates.decided_at',
        'link_candidates.decision_reason',
        'incident_people.id as incident_person_id',
        'incident_people.link_status',
        'incident_people.given_name',
        'incident_people.family_name',
        DATE('incident_people.date_of_birth').as('date_of_birth'),
        'incident_people.address',
        'incident_people.postcode',
        'incident_people.phone',
        'incident_people.identifier_kind',
        'incident_people.identifier',
        'incident_people.role',
        'incidents.id as incident_id',
        'incidents.source_reference',
        'incidents.source_organisation_id',
        'organisations.name as source_organisation_name',
      ])
      .where('link_candidates.id', '=', candidateId);
    if (options.lock) query = query.forUpdate('link_candidates');
    return query.executeTakeFirst();
  }

  async organisationName(executor: Executor, organisationId: string | null): Promise<string | null> {
    if (!organisationId) return null;
    const row = await executor.selectFrom('organisations').select('name').where('id', '=', organisationId).executeTakeFirst();
    return row?.name ?? null;
  }

  async decideCandidate(trx: Transaction<Database>, candidateId: string, status: 'confirmed' | 'rejected', userId: string | null, reason: string | null): Promise<void> {
    await trx.updateTable('link_candidates').set({ status, decided_by: userId, decided_at: new Date(), decision_reason: reason }).where('id', '=', candidateId).execute();
  }

  /** Closes the other open candidates of a record once one is confirmed. */
  async rejectOtherCandidates(trx: Transaction<Database>, incidentPersonId: string, keptId: string, userId: string | null, reason: string): Promise<string[]> {
    const rows = await trx
      .updateTable('link_candidates')
      .set({ status: 'rejected', decided_by: userId, decided_at: new Date(), decision_reason: reason })
      .where('incident_person_id', '=', incidentPersonId)
      .where('id', '<>', keptId)
      .where('status', '=', 'open')
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async openCandidateCount(trx: Transaction<Database>, incidentPersonId: string): Promise<number> {
    const row = await trx.selectFrom('link_candidates').select((eb) => eb.fn.countAll<string>().as('count')).where('incident_person_id', '=', incidentPersonId).where('status', '=', 'open').executeTakeFirstOrThrow();
    return Number(row.count);
  }

  // Linked records of a person (unmerge) ----------------------------------------------------------

  async linkedRecords(executor: Executor, personId: string) {
    return executor
      .selectFrom('incident_people')
      .innerJoin('incidents', 'incidents.id', 'incident_people.incident_id')
      .innerJoin('organisations', 'organisations.id', 'incidents.source_organisation_id')
      .select([
        'incident_people.id',
        'incident_people.link_status',
        'incident_people.match_weight',
        'incident_people.linked_at',
        'incident_people.role',
        'incident_people.given_name',
        'incident_people.family_name',
        DATE('incident_people.date_of_birth').as('date_of_birth'),
        'incident_people.postcode',
        'incidents.id as incident_id',
        'incidents.source_reference',
        'incidents.occurred_at',
        'incidents.source_organisation_id',
        'organisations.name as organisation_name',
      ])
      .where('incident_people.person_id', '=', personId)
      .where('incident_people.link_status', 'in', LINKED_STATUSES)
      .orderBy('incidents.occurred_at', 'desc')
      .orderBy('incident_people.id')
      .execute();
  }

  async linkedRecord(trx: Transaction<Database>, personId: string, incidentPersonId: string) {
    if (!isUuid(incidentPersonId)) return undefined;
    return trx
      .selectFrom('incident_people')
      .select(['id', 'link_status', 'person_id'])
      .where('id', '=', incidentPersonId)
      .where('person_id', '=', personId)
      .where('link_status', 'in', LINKED_STATUSES)
      .forUpdate()
      .executeTakeFirst();
  }
}

export type ReviewSort = 'oldest' | 'weight';

export function identifierKey(kind: string, identifier: string): string {
  return `${kind}\u0000${identifier}`;
}
