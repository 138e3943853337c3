import type { Kysely } from 'kysely';
import type { Database, OrganisationRow } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import type { SecretBox } from '../../shared/crypto.ts';
import { Conflict, NotFound } from '../../shared/errors.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { OrganisationInput, SingleSignOnInput } from './organisationsSchemas.ts';
import { OrganisationsRepository } from './organisationsRepository.ts';

export interface SingleSignOnSettings {
  organisationId: string;
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  satisfiesMfa: boolean;
}

export class OrganisationsService {
  readonly #repository: OrganisationsRepository;
  readonly #audit: AuditTrail;
  readonly #secrets: SecretBox;

  constructor(db: Kysely<Database>, audit: AuditTrail, secrets: SecretBox) {
    this.#repository = new OrganisationsRepository(db);
    this.#audit = audit;
    this.#secrets = secrets;
  }

  list() {
    return this.#repository.list();
  }

  async get(id: string): Promise<OrganisationRow> {
    const organisation = await this.#repository.findById(id);
    if (!organisation) throw new NotFound();
    return organisation;
  }

  find(id: string): Promise<OrganisationRow | undefined> {
    return this.#repository.findById(id);
  }

  withSingleSignOn() {
    return this.#repository.withSingleSignOn();
  }

  async create(input: OrganisationInput, actor: Actor): Promise<OrganisationRow> {
    if (await this.#repository.nameTaken(input.name)) throw new Conflict('name taken', { name: 'organisations.errors.nameTaken' });
    return this.#audit.run(actor, async (trx, audit) => {
      const organisation = await this.#repository.create(trx, {
        name: input.name,
        type: input.type,
        contact_name: input.contactName,
        contact_email: input.contactEmail,
        contact_phone: input.contactPhone,
        active: input.active,
      });
      audit({ action: 'ORGANISATION_CREATED', recordType: 'organisation', recordId: organisation.id, details: { name: input.name, type: input.type } });
      return organisation;
    });
  }

  async update(id: string, input: OrganisationInput, actor: Actor): Promise<void> {
    const before = await this.get(id);
    if (await this.#repository.nameTaken(input.name, id)) throw new Conflict('name taken', { name: 'organisations.errors.nameTaken' });
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.update(trx, id, {
        name: input.name,
        type: input.type,
        contact_name: input.contactName,
        contact_email: input.contactEmail,
        contact_phone: input.contactPhone,
        active: input.active,
      });
      audit({
        action: 'ORGANISATION_UPDATED',
        recordType: 'organisation',
        recordId: id,
        details: { changed: changedFields(before, input) },
      });
    });
  }

  async updateSingleSignOn(id: string, input: SingleSignOnInput, actor: Actor): Promise<void> {
    const before = await this.get(id);
    // Leaving the secret box empty keeps the stored secret (it is never shown back).
    const sealedSecret = input.clientSecret ? this.#secrets.seal(input.clientSecret) : before.oidc_client_secret_encrypted;
    await this.#audit.run(actor, async (trx, audit) => {
      await this.#repository.update(trx, id, {
        sso_enabled: input.enabled,
        oidc_issuer: input.issuer,
        oidc_client_id: input.clientId,
        oidc_client_secret_encrypted: sealedSecret,
        sso_satisfies_mfa: input.satisfiesMfa,
      });
      audit({
        action: 'ORGANISATION_SSO_UPDATED',
        recordType: 'organisation',
        recordId: id,
        details: { enabled: input.enabled, issuer: input.issuer, clientId: input.clientId, secretChanged: Boolean(input.clientSecret), satisfiesMfa: input.satisfiesMfa },
      });
    });
  }

  /** Decrypted single sign-on settings for an organisation that has it switched on. */
  async singleSignOnSettings(id: string): Promise<SingleSignOnSettings | undefined> {
    const organisation = await this.#repository.findById(id);
    if (!organisation?.active || !organisation.sso_enabled || !organisation.oidc_issuer || !organisation.oidc_client_id) return undefined;
    return {
      organisationId: organisation.id,
      issuer: organisation.oidc_issuer,
      clientId: organisation.oidc_client_id,
      clientSecret: organisation.oidc_client_secret_encrypted ? this.#secrets.open(organisation.oidc_client_secret_encrypted) : null,
      satisfiesMfa: organisation.sso_satisfies_mfa,
    };
  }
}

function changedFields(before: OrganisationRow, input: OrganisationInput): string[] {
  const pairs: [string, unknown, unknown][] = [
    ['name', before.name, input.name],
    ['type', before.type, input.type],
    ['contactName', before.contact_name, input.contactName],
    ['contactEmail', before.contact_email, input.contactEmail],
    ['contactPhone', before.contact_phone, input.contactPhone],
    ['active', before.active, input.active],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([name]) => name);
}
