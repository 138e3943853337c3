import type { Kysely, Transaction } from 'kysely';
import type { Database, PersonRow } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { CaseViewer } from '../cases/caseAccess.ts';
import type { OpenedCase } from '../cases/casesService.ts';
import { PeopleRepository } from '../people/peopleRepository.ts';
import { type Household, type HouseholdAddress, HouseholdsRepository, type HouseholdSuggestion } from './householdsRepository.ts';
import type { AddMemberInput, NewHouseholdInput } from './householdsSchemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Households: who lives with whom. A household is reached through a person the viewer may see
 * who belongs to it; its other members are shown only when the viewer may see them too, and
 * anyone else is left out entirely, not counted. Every change is audited in its transaction.
 */
export class HouseholdsService {
  readonly #db: Kysely<Database>;
  readonly #repository: HouseholdsRepository;
  readonly #people: PeopleRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#db = db;
    this.#repository = new HouseholdsRepository(db);
    this.#people = new PeopleRepository(db);
    this.#audit = audit;
  }

  /** The households of a person the viewer may see (their page checks and audits the person). */
  async forPerson(viewer: CaseViewer, personId: string): Promise<Household[]> {
    await this.#visiblePerson(viewer, personId);
    return this.#repository.forPerson(personId, viewer);
  }

  /** What the "set up a household" form needs: the person and the addresses it may have. */
  async newHouseholdForm(viewer: CaseViewer, personId: string): Promise<{ person: PersonRow; addresses: HouseholdAddress[] }> {
    const person = await this.#editablePerson(viewer, personId);
    return { person, addresses: await this.#repository.addressesFor(personId, viewer) };
  }

  async create(viewer: CaseViewer, personId: string, input: NewHouseholdInput, actor: Actor): Promise<string> {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#editablePerson(viewer, personId, trx);
      if (input.locationId && !(await this.#repository.addressesFor(personId, viewer, trx)).some((address) => address.id === input.locationId)) {
        throw new ValidationFailed({ locationId: 'households.errors.addressUnknown' });
      }
      const householdId = await this.#repository.create(trx, input.name, input.locationId);
      await this.#repository.addMember(trx, householdId, personId, null);
      audit({ action: 'HOUSEHOLD_CREATED', recordType: 'household', recordId: householdId, details: { personId, locationId: input.locationId } });
      return householdId;
    });
  }

  /** A person's household as the viewer may see it, for the "add a member" page. */
  async household(viewer: CaseViewer, personId: string, householdId: string): Promise<{ person: PersonRow; household: Household }> {
    const person = await this.#editablePerson(viewer, personId);
    const household = (await this.#repository.forPerson(personId, viewer)).find((candidate) => candidate.id === householdId);
    if (!household) throw new NotFound();
    return { person, household };
  }

  /** People the viewer may see who match the name and are not in the household yet. */
  async candidates(viewer: CaseViewer, household: Household, name: string) {
    if (!name.trim()) return [];
    const members = new Set(household.members.map((member) => member.id));
    return (await this.#people.searchVisible(viewer, name)).filter((candidate) => !members.has(candidate.id));
  }

  async addMember(viewer: CaseViewer, personId: string, householdId: string, input: AddMemberInput, actor: Actor): Promise<PersonRow> {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#householdOf(viewer, personId, householdId, trx);
      // Someone the viewer may not see is "not found", exactly like someone who does not exist.
      if (!(await this.#people.isEditable(input.memberId, viewer, trx))) throw new ValidationFailed({ memberId: 'households.errors.personMissing' });
      if (!(await this.#repository.addMember(trx, householdId, input.memberId, input.relationship))) {
        throw new ValidationFailed({ memberId: 'households.errors.alreadyMember' });
      }
      audit({ action: 'HOUSEHOLD_MEMBER_ADDED', recordType: 'household', recordId: householdId, details: { personId: input.memberId, relationship: input.relationship } });
      return (await this.#people.findById(input.memberId, trx))!;
    });
  }

  async removeMember(viewer: CaseViewer, personId: string, householdId: string, memberId: string, actor: Actor): Promise<PersonRow> {
    return this.#audit.run(actor, async (trx, audit) => {
      await this.#householdOf(viewer, personId, householdId, trx);
      if (!(await this.#people.isEditable(memberId, viewer, trx))) throw new NotFound();
      const { removed, householdDeleted } = await this.#repository.removeMember(trx, householdId, memberId);
      if (!removed) throw new NotFound();
      audit({ action: 'HOUSEHOLD_MEMBER_REMOVED', recordType: 'household', recordId: householdId, details: { personId: memberId, householdDeleted } });
      return (await this.#people.findById(memberId, trx))!;
    });
  }

  /** For a case already opened (its need-to-know checked and audited): household members not on it. */
  async suggestionsForCase(viewer: CaseViewer, opened: OpenedCase): Promise<HouseholdSuggestion[]> {
    return this.#repository.suggestionsForCase(opened.case.id, viewer);
  }

  async #visiblePerson(viewer: CaseViewer, personId: string, executor: Executor = this.#db): Promise<PersonRow> {
    if (!(await this.#people.isVisible(personId, viewer, executor))) throw new NotFound();
    return (await this.#people.findById(personId, executor))!;
  }

  // Break-glass access is for reading: households change only for people reached through the viewer's own work.
  async #editablePerson(viewer: CaseViewer, personId: string, executor: Executor = this.#db): Promise<PersonRow> {
    if (!(await this.#people.isEditable(personId, viewer, executor))) throw new NotFound();
    return (await this.#people.findById(personId, executor))!;
  }

  /** The person must be editable and in the household; otherwise the household is not found. */
  async #householdOf(viewer: CaseViewer, personId: string, householdId: string, trx: Transaction<Database>): Promise<void> {
    await this.#editablePerson(viewer, personId, trx);
    if (!(await this.#repository.lock(trx, householdId)) || !(await this.#repository.isMember(householdId, personId, trx))) throw new NotFound();
  }
}
