import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, PersonRow } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';
import { parseNameQuery } from '../search/nameQuery.ts';
import { PersonSearchRepository } from '../search/personSearchRepository.ts';
import { personVisibleTo } from './personAccess.ts';
import type { PersonInput } from './peopleSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface PersonOnCase {
  id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string | null;
  approximate_age: number | null;
  role: string;
  markers: string[];
}

export class PeopleRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(trx: Transaction<Database>, input: PersonInput, createdBy: { userId: string; organisationId: string }): Promise<PersonRow> {
    const person = await trx
      .insertInto('people')
      .values({ ...columnsOf(input), created_by: createdBy.userId, created_by_organisation_id: createdBy.organisationId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.replaceAliases(trx, person.id, input.aliases);
    return person;
  }

  /** Saves only if nobody has saved since `expectedVersion`; undefined means someone has. */
  async update(trx: Transaction<Database>, id: string, input: PersonInput, expectedVersion: number): Promise<PersonRow | undefined> {
    const person = await trx
      .updateTable('people')
      .set({ ...columnsOf(input), updated_at: new Date(), version: sql`version + 1` })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
    if (person) await this.replaceAliases(trx, id, input.aliases);
    return person;
  }

  async replaceAliases(trx: Transaction<Database>, personId: string, aliases: PersonInput['aliases']): Promise<void> {
    await trx.deleteFrom('person_names').where('person_id', '=', personId).where('kind', '=', 'alias').execute();
    if (aliases.length > 0) {
      await trx
        .insertInto('person_names')
        .values(aliases.map((alias) => ({ person_id: personId, kind: 'alias' as const, given_name: alias.givenName, family_name: alias.familyName })))
        .execute();
    }
  }

  async findById(id: string, executor: Executor = this.#db): Promise<PersonRow | undefined> {
    if (!isUuid(id)) return undefined;
    return executor.selectFrom('people').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * A person is known to a viewer through a case they can see, or because their organisation
   * recorded them; otherwise the person does not exist for them.
   */
  async isVisible(id: string, viewer: CaseViewer, executor: Executor = this.#db): Promise<boolean> {
    if (!isUuid(id)) return false;
    const row = await executor.selectFrom('people').select('people.id').where('people.id', '=', id).where(personVisibleTo(viewer)).executeTakeFirst();
    return row !== undefined;
  }

  /** Whether the viewer may change the person: as `isVisible`, but not through a break-glass grant, which is for reading. */
  async isEditable(id: string, viewer: CaseViewer, executor: Executor = this.#db): Promise<boolean> {
    if (!isUuid(id)) return false;
    const row = await executor
      .selectFrom('people')
      .select('people.id')
      .where('people.id', '=', id)
      .where(personVisibleTo(viewer, { throughBreakGlass: false }))
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * People the viewer may see whose name is like `name` (typos, sound-alikes, nicknames, other
   * names, either order), best first: the same search as the "Find a person" page, unaudited,
   * for pickers inside a case that is itself audited.
   */
  async searchVisible(viewer: CaseViewer, name: string, limit = 20) {
    const query = parseNameQuery(name);
    if (!query) return [];
    return this.#db.transaction().execute((trx) => new PersonSearchRepository().search(trx, viewer, { name: query }, limit));
  }

  async names(personId: string, executor: Executor = this.#db): Promise<{ kind: string; given_name: string; family_name: string }[]> {
    return executor.selectFrom('person_names').select(['kind', 'given_name', 'family_name']).where('person_id', '=', personId).orderBy('created_at').execute();
  }

  async markers(personId: string, executor: Executor = this.#db) {
    return executor
      .selectFrom('person_markers')
      .leftJoin('organisations', 'organisations.id', 'person_markers.source_organisation_id')
      .select(['person_markers.id', 'person_markers.marker', 'person_markers.recorded_on', 'person_markers.notes', 'organisations.name as source_organisation'])
      .where('person_markers.person_id', '=', personId)
      .orderBy('person_markers.recorded_on', 'desc')
      .execute();
  }

  async addMarker(trx: Transaction<Database>, personId: string, marker: { marker: string; notes: string | null }, source: { userId: string; organisationId: string }) {
    await trx
      .insertInto('person_markers')
      .values({ person_id: personId, marker: marker.marker, notes: marker.notes, source_organisation_id: source.organisationId, recorded_by: source.userId })
      .execute();
  }

  /** The cases this person is on that the viewer can see (others stay invisible). */
  async visibleCases(personId: string, viewer: CaseViewer, executor: Executor = this.#db) {
    return executor
      .selectFrom('case_people')
      .innerJoin('cases', 'cases.id', 'case_people.case_id')
      .innerJoin('case_types', 'case_types.code', 'cases.case_type')
      .select(['cases.id', 'cases.reference', 'cases.case_type', 'case_types.name as case_type_name', 'case_types.name_translated as case_type_name_translated', 'cases.status', 'case_people.role'])
      .where('case_people.person_id', '=', personId)
      .where(visibleTo(viewer))
      .orderBy('cases.opened_at', 'desc')
      .execute();
  }

  async forCase(caseId: string, executor: Executor = this.#db): Promise<PersonOnCase[]> {
    const rows = await executor
      .selectFrom('case_people')
      .innerJoin('people', 'people.id', 'case_people.person_id')
      .select((eb) => [
        'people.id', 'people.given_name', 'people.family_name', 'people.date_of_birth', 'people.approximate_age', 'case_people.role',
        eb
          .selectFrom('person_markers')
          .select(sql<string[]>`coalesce(array_agg(distinct marker), '{}')`.as('markers'))
          .whereRef('person_markers.person_id', '=', 'people.id')
          .as('markers'),
      ])
      .where('case_people.case_id', '=', caseId)
      .orderBy('case_people.added_at')
      .execute();
    return rows.map((row) => ({ ...row, markers: row.markers ?? [] }));
  }
}

function columnsOf(input: PersonInput) {
  return {
    given_name: input.givenName,
    family_name: input.familyName,
    date_of_birth: input.dateOfBirth,
    approximate_age: input.approximateAge,
    age_recorded_on: input.approximateAge === null ? null : new Date().toISOString().slice(0, 10),
    gender: input.gender,
    ethnicity: input.ethnicity,
    disability: input.disability,
    religion: input.religion,
    sexuality: input.sexuality,
    phone: input.phone,
    email: input.email,
    preferred_language: input.preferredLanguage,
    interpreter_needed: input.interpreterNeeded,
  };
}
