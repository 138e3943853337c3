import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** One address in a person's history: the place and when they lived there (null when not known; no `valid_to` is where they live now). */
export interface PersonAddress {
  id: string;
  location_id: string;
  address_line_1: string;
  address_line_2: string | null;
  town: string | null;
  postcode: string | null;
  uprn: string | null;
  valid_from: string | null;
  valid_to: string | null;
}

/** A person's address history: the only code with SQL for it (the places themselves are the places module's). */
export class PersonAddressesRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Newest first: where they live now, then by the day they moved in, latest first; undated ones last. */
  async forPerson(personId: string, executor: Executor = this.#db): Promise<PersonAddress[]> {
    if (!isUuid(personId)) return [];
    return this.#addresses(executor)
      .where('person_addresses.person_id', '=', personId)
      .orderBy(sql`person_addresses.valid_to is null`, 'desc')
      .orderBy(sql`person_addresses.valid_from desc nulls last`)
      .orderBy(sql`person_addresses.valid_to desc nulls first`)
      .orderBy('person_addresses.created_at', 'desc')
      .execute();
  }

  /** This person's address with this id; undefined when it is anyone else's or does not exist. */
  async findForPerson(personId: string, addressId: string, executor: Executor = this.#db): Promise<PersonAddress | undefined> {
    if (!isUuid(personId) || !isUuid(addressId)) return undefined;
    return this.#addresses(executor).where('person_addresses.person_id', '=', personId).where('person_addresses.id', '=', addressId).executeTakeFirst();
  }

  /** Where the person lives now, held still until the transaction ends so two changes cannot both end it. */
  async lockCurrent(trx: Transaction<Database>, personId: string): Promise<{ id: string; valid_from: string | null }[]> {
    return trx
      .selectFrom('person_addresses')
      .select(['id', 'valid_from'])
      .where('person_id', '=', personId)
      .where('valid_to', 'is', null)
      .orderBy('created_at')
      .forUpdate()
      .execute();
  }

  /** Locks one of the person's addresses; undefined when it is not theirs. */
  async lock(trx: Transaction<Database>, personId: string, addressId: string): Promise<{ id: string; valid_from: string | null; valid_to: string | null } | undefined> {
    if (!isUuid(addressId)) return undefined;
    return trx
      .selectFrom('person_addresses')
      .select(['id', 'valid_from', 'valid_to'])
      .where('person_id', '=', personId)
      .where('id', '=', addressId)
      .forUpdate()
      .executeTakeFirst();
  }

  async add(trx: Transaction<Database>, personId: string, locationId: string, dates: { validFrom: string | null; validTo: string | null }): Promise<string> {
    const row = await trx
      .insertInto('person_addresses')
      .values({ person_id: personId, location_id: locationId, valid_from: dates.validFrom, valid_to: dates.validTo })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async end(trx: Transaction<Database>, addressIds: string[], validTo: string): Promise<void> {
    if (addressIds.length === 0) return;
    await trx.updateTable('person_addresses').set({ valid_to: validTo }).where('id', 'in', addressIds).execute();
  }

  #addresses(executor: Executor) {
    return executor
      .selectFrom('person_addresses')
      .innerJoin('locations', 'locations.id', 'person_addresses.location_id')
      .select([
        'person_addresses.id', 'person_addresses.location_id', 'locations.address_line_1', 'locations.address_line_2', 'locations.town', 'locations.postcode', 'locations.uprn',
        'person_addresses.valid_from', 'person_addresses.valid_to',
      ]);
  }
}
