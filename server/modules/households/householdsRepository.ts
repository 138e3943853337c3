import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';
import { personVisibleTo } from '../people/personAccess.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface HouseholdMember {
  id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string | null;
  approximate_age: number | null;
  relationship: string | null;
}

export interface Household {
  id: string;
  name: string;
  address: HouseholdAddress | null;
  /** Only the members the viewer may see: anyone else is left out, uncounted. */
  members: HouseholdMember[];
}

export interface HouseholdAddress {
  id: string;
  address_line_1: string;
  address_line_2: string | null;
  town: string | null;
  postcode: string | null;
}

/** A household member of someone on a case who is not on the case themselves. */
export interface HouseholdSuggestion extends HouseholdMember {
  household_name: string;
  linked_given_name: string;
  linked_family_name: string;
}

/** Households and their members: the only code with SQL for them. */
export class HouseholdsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The households this person belongs to, with the members the viewer may see. */
  async forPerson(personId: string, viewer: CaseViewer, executor: Executor = this.#db): Promise<Household[]> {
    if (!isUuid(personId)) return [];
    const households = await executor
      .selectFrom('households')
      .innerJoin('household_members', 'household_members.household_id', 'households.id')
      .leftJoin('locations', 'locations.id', 'households.location_id')
      .select([
        'households.id', 'households.name', 'locations.id as location_id', 'locations.address_line_1', 'locations.address_line_2', 'locations.town', 'locations.postcode',
      ])
      .where('household_members.person_id', '=', personId)
      .orderBy('households.created_at')
      .execute();
    if (households.length === 0) return [];
    const members = await this.#visibleMembers(households.map((household) => household.id), viewer, executor);
    return households.map((household) => ({
      id: household.id,
      name: household.name,
      address: household.location_id && household.address_line_1
        ? { id: household.location_id, address_line_1: household.address_line_1, address_line_2: household.address_line_2, town: household.town, postcode: household.postcode }
        : null,
      members: members.filter((member) => member.household_id === household.id).map(({ household_id: _householdId, ...member }) => member),
    }));
  }

  async #visibleMembers(householdIds: string[], viewer: CaseViewer, executor: Executor) {
    return executor
      .selectFrom('household_members')
      .innerJoin('people', 'people.id', 'household_members.person_id')
      .select(['household_members.household_id', 'people.id', 'people.given_name', 'people.family_name', 'people.date_of_birth', 'people.approximate_age', 'household_members.relationship'])
      .where('household_members.household_id', 'in', householdIds)
      .where(personVisibleTo(viewer))
      .orderBy('household_members.added_at')
      .orderBy('people.family_name')
      .orderBy('people.given_name')
      .execute();
  }

  async isMember(householdId: string, personId: string, executor: Executor = this.#db): Promise<boolean> {
    if (!isUuid(householdId) || !isUuid(personId)) return false;
    const row = await executor
      .selectFrom('household_members')
      .select('person_id')
      .where('household_id', '=', householdId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Holds the household still while its members change (a household emptied by a removal is deleted). */
  async lock(trx: Transaction<Database>, householdId: string): Promise<boolean> {
    if (!isUuid(householdId)) return false;
    return (await trx.selectFrom('households').select('id').where('id', '=', householdId).forUpdate().executeTakeFirst()) !== undefined;
  }

  /**
   * Addresses a household of this person may have: their own addresses and the places on the
   * cases they are on that the viewer can see.
   */
  async addressesFor(personId: string, viewer: CaseViewer, executor: Executor = this.#db): Promise<HouseholdAddress[]> {
    return executor
      .selectFrom('locations')
      .select(['locations.id', 'locations.address_line_1', 'locations.address_line_2', 'locations.town', 'locations.postcode'])
      .where((eb) =>
        eb.or([
          eb('locations.id', 'in', eb.selectFrom('person_addresses').select('person_addresses.location_id').where('person_addresses.person_id', '=', personId)),
          eb(
            'locations.id',
            'in',
            eb
              .selectFrom('case_locations')
              .innerJoin('case_people', 'case_people.case_id', 'case_locations.case_id')
              .innerJoin('cases', 'cases.id', 'case_locations.case_id')
              .select('case_locations.location_id')
              .where('case_people.person_id', '=', personId)
              .where(visibleTo(viewer)),
          ),
        ]),
      )
      .orderBy('locations.address_line_1')
      .execute();
  }

  async create(trx: Transaction<Database>, name: string, locationId: string | null): Promise<string> {
    const row = await trx.insertInto('households').values({ name, location_id: locationId }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  /** False when the person was already a member. */
  async addMember(trx: Transaction<Database>, householdId: string, personId: string, relationship: string | null): Promise<boolean> {
    const added = await trx
      .insertInto('household_members')
      .values({ household_id: householdId, person_id: personId, relationship })
      .onConflict((conflict) => conflict.columns(['household_id', 'person_id']).doNothing())
      .returning('person_id')
      .executeTakeFirst();
    return added !== undefined;
  }

  /** Removes the member; a household left with nobody in it is deleted. Says whether it was. */
  async removeMember(trx: Transaction<Database>, householdId: string, personId: string): Promise<{ removed: boolean; householdDeleted: boolean }> {
    const removed = await trx.deleteFrom('household_members').where('household_id', '=', householdId).where('person_id', '=', personId).returning('person_id').executeTakeFirst();
    if (!removed) return { removed: false, householdDeleted: false };
    const deleted = await trx
      .deleteFrom('households')
      .where('id', '=', householdId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('household_members').select(sql`1`.as('one')).where('household_members.household_id', '=', householdId))))
      .returning('id')
      .executeTakeFirst();
    return { removed: true, householdDeleted: deleted !== undefined };
  }

  /**
   * Members of the households of the people on a case who are not on the case themselves, and
   * whom the viewer may see; each person once.
   */
  async suggestionsForCase(caseId: string, viewer: CaseViewer, executor: Executor = this.#db): Promise<HouseholdSuggestion[]> {
    const rows = await executor
      .selectFrom('case_people as on_case')
      .innerJoin('household_members as linked_membership', 'linked_membership.person_id', 'on_case.person_id')
      .innerJoin('households', 'households.id', 'linked_membership.household_id')
      .innerJoin('household_members', (join) =>
        join.onRef('household_members.household_id', '=', 'households.id').onRef('household_members.person_id', '<>', 'on_case.person_id'),
      )
      .innerJoin('people', 'people.id', 'household_members.person_id')
      .innerJoin('people as linked', 'linked.id', 'on_case.person_id')
      .distinctOn('people.id')
      .select([
        'people.id', 'people.given_name', 'people.family_name', 'people.date_of_birth', 'people.approximate_age', 'household_members.relationship',
        'households.name as household_name', 'linked.given_name as linked_given_name', 'linked.family_name as linked_family_name',
      ])
      .where('on_case.case_id', '=', caseId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('case_people').select(sql`1`.as('one')).where('case_people.case_id', '=', caseId).whereRef('case_people.person_id', '=', 'people.id'))))
      .where(personVisibleTo(viewer))
      .orderBy('people.id')
      .orderBy('on_case.added_at')
      .execute();
    return rows.sort((a, b) => a.family_name.localeCompare(b.family_name) || a.given_name.localeCompare(b.given_name));
  }
}
