import type { Kysely, Transaction } from 'kysely';
import type { Database, PersonRow } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound, StaleUpdate } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { CaseViewer } from '../cases/caseAccess.ts';
import type { PersonInput } from './peopleSchemas.ts';
import { PeopleRepository } from './peopleRepository.ts';

export interface PersonDetails {
  person: PersonRow;
  names: Awaited<ReturnType<PeopleRepository['names']>>;
  markers: Awaited<ReturnType<PeopleRepository['markers']>>;
  cases: Awaited<ReturnType<PeopleRepository['visibleCases']>>;
}

export class PeopleService {
  readonly #repository: PeopleRepository;
  readonly #audit: AuditTrail;

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new PeopleRepository(db);
    this.#audit = audit;
  }

  /** Records a new person (inside the caller's transaction, e.g. while linking to a case). */
  async create(trx: Transaction<Database>, viewer: CaseViewer, input: PersonInput, record: (entry: { action: 'PERSON_CREATED'; recordType: string; recordId: string }) => void) {
    const person = await this.#repository.create(trx, input, { userId: viewer.userId, organisationId: viewer.organisationId });
    record({ action: 'PERSON_CREATED', recordType: 'person', recordId: person.id });
    return person;
  }

  async view(viewer: CaseViewer, personId: string, actor: Actor): Promise<PersonDetails> {
    return this.#audit.run(actor, async (trx, audit) => {
      if (!(await this.#repository.isVisible(personId, viewer, trx))) throw new NotFound();
      const person = (await this.#repository.findById(personId, trx))!;
      audit({ action: 'PERSON_VIEWED', recordType: 'person', recordId: personId });
      return {
        person,
        names: await this.#repository.names(personId, trx),
        markers: await this.#repository.markers(personId, trx),
        cases: await this.#repository.visibleCases(personId, viewer, trx),
      };
    });
  }

  async editable(viewer: CaseViewer, personId: string): Promise<{ person: PersonRow; aliases: string }> {
    if (!(await this.#repository.isEditable(personId, viewer))) throw new NotFound();
    const person = (await this.#repository.findById(personId))!;
    const aliases = (await this.#repository.names(personId))
      .filter((name) => name.kind === 'alias')
      .map((name) => `${name.given_name} ${name.family_name}`.trim())
      .join(', ');
    return { person, aliases };
  }

  async update(viewer: CaseViewer, personId: string, input: PersonInput, actor: Actor): Promise<void> {
    await this.editable(viewer, personId);
    await this.#audit.run(actor, async (trx, audit) => {
      const saved = await this.#repository.update(trx, personId, input, input.version ?? 0);
      if (!saved) {
        const current = (await this.#repository.findById(personId, trx))!;
        throw new StaleUpdate(differences(current, input), current.version);
      }
      audit({ action: 'PERSON_UPDATED', recordType: 'person', recordId: personId });
    });
  }

  async addMarker(viewer: CaseViewer, personId: string, marker: { marker: string; notes: string | null }, actor: Actor): Promise<void> {
    if (!(await this.#repository.isEditable(personId, viewer))) throw new NotFound();
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.addMarker(trx, personId, marker, { userId: viewer.userId, organisationId: viewer.organisationId });
      audit({ action: 'PERSON_MARKER_ADDED', recordType: 'person', recordId: personId, details: { marker: marker.marker } });
    });
  }
}

/** The stored values of the fields that differ from what was just submitted. */
function differences(current: PersonRow, input: PersonInput): Record<string, string> {
  const pairs: [string, unknown, unknown][] = [
    ['givenName', current.given_name, input.givenName],
    ['familyName', current.family_name, input.familyName],
    ['dateOfBirth', current.date_of_birth, input.dateOfBirth],
    ['approximateAge', current.approximate_age, input.approximateAge],
    ['gender', current.gender, input.gender],
    ['phone', current.phone, input.phone],
    ['email', current.email, input.email],
    ['preferredLanguage', current.preferred_language, input.preferredLanguage],
    ['ethnicity', current.ethnicity, input.ethnicity],
    ['disability', current.disability, input.disability],
    ['religion', current.religion, input.religion],
    ['sexuality', current.sexuality, input.sexuality],
  ];
  return Object.fromEntries(pairs.filter(([, now, typed]) => (now ?? null) !== (typed ?? null)).map(([field, now]) => [field, now === null || now === undefined ? '' : String(now)]));
}
