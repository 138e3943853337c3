import type { Kysely, Transaction } from 'kysely';
import type { Database, PersonRow } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { londonToday } from '../../shared/dates.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { CaseViewer } from '../cases/caseAccess.ts';
import { PlacesRepository } from '../places/placesRepository.ts';
import { PeopleRepository } from './peopleRepository.ts';
import { type PersonAddress, PersonAddressesRepository } from './personAddressesRepository.ts';
import type { EndAddressInput, NewAddressInput } from './personAddressesSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Where a person has lived. Anyone who may see the person may read the history; it changes only
 * for people reached through the viewer's own work (break-glass access is for reading), and an
 * address that is not this person's is "not found". Every change is audited in its transaction.
 */
export class PersonAddressesService {
  readonly #db: Kysely<Database>;
  readonly #repository: PersonAddressesRepository;
  readonly #people: PeopleRepository;
  readonly #places: PlacesRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#repository = new PersonAddressesRepository(db);
    this.#people = new PeopleRepository(db);
    this.#places = new PlacesRepository(db);
    this.#audit = audit;
  }

  /** The address history of a person the viewer may see (their page checks and audits the person), and whether the viewer may change it. */
  async forPerson(viewer: CaseViewer, personId: string): Promise<{ addresses: PersonAddress[]; canChange: boolean }> {
    if (!(await this.#people.isVisible(personId, viewer))) throw new NotFound();
    return { addresses: await this.#repository.forPerson(personId), canChange: await this.#people.isEditable(personId, viewer) };
  }

  /** What the "add an address" form needs: the person and where they live now (which the new address may replace). */
  async newAddressForm(viewer: CaseViewer, personId: string): Promise<{ person: PersonRow; current: PersonAddress[] }> {
    const person = await this.#editablePerson(viewer, personId);
    return { person, current: (await this.#repository.forPerson(personId)).filter((address) => address.valid_to === null) };
  }

  async add(viewer: CaseViewer, personId: string, input: NewAddressInput, actor: Actor): Promise<string> {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#editablePerson(viewer, personId, trx);
      const replaced = input.replacesCurrent ? await this.#repository.lockCurrent(trx, personId) : [];
      // The old address ends the day they moved in to the new one, or today when that is not known.
      const movedOutOn = input.validFrom ?? londonToday();
      if (replaced.some((address) => address.valid_from !== null && address.valid_from > movedOutOn)) {
        throw new ValidationFailed({ validFrom: 'addresses.errors.validFrom.beforeCurrent' });
      }
      const location = await this.#places.create(trx, input.location);
      const addressId = await this.#repository.add(trx, personId, location.id, input);
      await this.#repository.end(trx, replaced.map((address) => address.id), movedOutOn);
      audit({ action: 'LOCATION_CREATED', recordType: 'location', recordId: location.id });
      audit({ action: 'PERSON_ADDRESS_ADDED', recordType: 'person', recordId: personId, details: { addressId, locationId: location.id, validFrom: input.validFrom, validTo: input.validTo } });
      for (const address of replaced) {
        audit({ action: 'PERSON_ADDRESS_ENDED', recordType: 'person', recordId: personId, details: { addressId: address.id, validTo: movedOutOn, replacedBy: addressId } });
      }
      return addressId;
    });
  }

  /** A current address of the person, for the "moved out" form; anything else is "not found". */
  async currentAddress(viewer: CaseViewer, personId: string, addressId: string): Promise<{ person: PersonRow; address: PersonAddress }> {
    const person = await this.#editablePerson(viewer, personId);
    const address = await this.#repository.findForPerson(personId, addressId);
    if (!address || address.valid_to !== null) throw new NotFound();
    return { person, address };
  }

  async end(viewer: CaseViewer, personId: string, addressId: string, input: EndAddressInput, actor: Actor): Promise<PersonAddress> {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#editablePerson(viewer, personId, trx);
      const address = await this.#repository.lock(trx, personId, addressId);
      if (!address || address.valid_to !== null) throw new NotFound();
      if (address.valid_from !== null && input.movedOutOn < address.valid_from) throw new ValidationFailed({ movedOutOn: 'addresses.errors.movedOutOn.beforeFrom' });
      await this.#repository.end(trx, [address.id], input.movedOutOn);
      audit({ action: 'PERSON_ADDRESS_ENDED', recordType: 'person', recordId: personId, details: { addressId, validTo: input.movedOutOn } });
      return (await this.#repository.findForPerson(personId, addressId, trx))!;
    });
  }

  // Break-glass access is for reading: addresses change only for people reached through the viewer's own work.
  async #editablePerson(viewer: CaseViewer, personId: string, executor: Executor = this.#db): Promise<PersonRow> {
    if (!(await this.#people.isEditable(personId, viewer, executor))) throw new NotFound();
    return (await this.#people.findById(personId, executor))!;
  }
}
