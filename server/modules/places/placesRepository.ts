import type { Kysely, Transaction } from 'kysely';
import type { Database, LocationRow } from '../../db/schema.ts';
import type { LocationInput } from './placesSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export class PlacesRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(executor: Executor, input: LocationInput): Promise<LocationRow> {
    return executor
      .insertInto('locations')
      .values({
        address_line_1: input.addressLine1,
        address_line_2: input.addressLine2,
        town: input.town,
        postcode: input.postcode,
        uprn: input.uprn,
        latitude: input.latitude,
        longitude: input.longitude,
        location_type: input.locationType,
        area: input.area,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async forCase(caseId: string, executor: Executor = this.#db): Promise<LocationRow[]> {
    return executor
      .selectFrom('locations')
      .innerJoin('case_locations', 'case_locations.location_id', 'locations.id')
      .selectAll('locations')
      .where('case_locations.case_id', '=', caseId)
      .orderBy('case_locations.added_at')
      .execute();
  }
}
