import type { Kysely } from 'kysely';
import type { ApiKeyRow, Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { constantTimeEqual } from '../../shared/crypto.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import { apiScopes, type Permission } from '../../shared/permissions.ts';
import type { ApiClient, CurrentUser } from '../../types.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { OrganisationsRepository } from '../organisations/organisationsRepository.ts';
import { generateApiKey, hashApiKeySecret, parseApiKey, type PresentedApiKey } from './apiKeyFormat.ts';
import { apiKeysPolicy } from './apiKeysPolicy.ts';
import type { ApiKeyInput } from './apiKeysSchemas.ts';
import { type ApiKeyCredentials, type ApiKeyListItem, ApiKeysRepository } from './apiKeysRepository.ts';
import { OncePerInterval } from './oncePerInterval.ts';

// Each use would otherwise be a database write.
const LAST_USED_INTERVAL_MS = 60_000;
// A misconfigured client retries every few seconds; one audit event a minute is enough to see it.
const REFUSAL_AUDIT_INTERVAL_MS = 60_000;
// Compared against when no key has the prefix, so an unknown prefix takes as long as a wrong secret.
const NO_KEY_HASH = hashApiKeySecret('no key has this prefix');

export type ApiKeyRefusal = 'malformed' | 'unknown' | 'wrong_secret' | 'revoked' | 'organisation_inactive' | 'missing_permission';

export interface CreatedApiKey {
  apiKey: ApiKeyRow;
  /** The only time the whole key exists outside the client: it is not stored. */
  fullKey: string;
}

export class ApiKeysService {
  readonly #repository: ApiKeysRepository;
  readonly #organisations: OrganisationsRepository;
  readonly #audit: AuditTrail;
  readonly #refusalAudits = new OncePerInterval(REFUSAL_AUDIT_INTERVAL_MS);

  constructor(db: Kysely<Database>, audit: AuditTrail) {
    this.#repository = new ApiKeysRepository(db);
    this.#organisations = new OrganisationsRepository(db);
    this.#audit = audit;
  }

  list(viewer: CurrentUser): Promise<ApiKeyListItem[]> {
    return this.#repository.list(apiKeysPolicy(viewer).listScope);
  }

  /** One key, if the viewer may manage its organisation's keys; otherwise "not found". */
  async get(viewer: CurrentUser, id: string): Promise<ApiKeyListItem> {
    const key = await this.#repository.findById(id);
    if (!key || !apiKeysPolicy(viewer).canSee(key)) throw new NotFound();
    return key;
  }

  async create(viewer: CurrentUser, input: ApiKeyInput, actor: Actor): Promise<CreatedApiKey> {
    const organisationId = await this.#organisationFor(viewer, input.organisationId);
    const generated = generateApiKey();
    const apiKey = await this.#audit.run(actor, async (trx, audit) => {
      const created = await this.#repository.create(trx, {
        organisation_id: organisationId,
        name: input.name,
        key_prefix: generated.prefix,
        secret_hash: generated.secretHash,
        permissions: input.scopes,
        created_by: viewer.id,
      });
      audit({
        action: 'API_KEY_CREATED',
        recordType: 'api_key',
        recordId: created.id,
        organisationId,
        details: { name: input.name, prefix: generated.prefix, permissions: input.scopes },
      });
      return created;
    });
    return { apiKey, fullKey: generated.fullKey };
  }

  /** Revokes a key the viewer may manage. Revoking a revoked key changes nothing. */
  async revoke(viewer: CurrentUser, id: string, actor: Actor): Promise<void> {
    const key = await this.get(viewer, id);
    await this.#audit.run(actor, async (trx, audit) => {
      if (!(await this.#repository.revoke(trx, key.id, viewer.id))) return;
      audit({ action: 'API_KEY_REVOKED', recordType: 'api_key', recordId: key.id, organisationId: key.organisation_id, details: { name: key.name } });
    });
  }

  /** The client a bearer token stands for, or undefined when it is refused (and the refusal audited). */
  async authenticate(token: string, actor: Actor): Promise<ApiClient | undefined> {
    const presented = parseApiKey(token);
    const key = presented ? await this.#repository.findCredentials(presented.prefix) : undefined;
    const refusal = refusalFor(presented, key);
    if (refusal || !key) {
      await this.#recordRefusal(actor, refusal ?? 'unknown', key, { prefix: presented?.prefix ?? null });
      return undefined;
    }
    if (!key.last_used_at || Date.now() - key.last_used_at.getTime() >= LAST_USED_INTERVAL_MS) {
      await this.#repository.markUsed(key.id, new Date(), LAST_USED_INTERVAL_MS);
    }
    return { keyId: key.id, name: key.name, organisationId: key.organisation_id, permissions: key.permissions.filter(isApiScope) };
  }

  /** Audits a valid key used for something its scopes do not cover. */
  async recordMissingPermission(client: ApiClient, permission: Permission, actor: Actor): Promise<void> {
    const key = { id: client.keyId, organisation_id: client.organisationId };
    await this.#recordRefusal(actor, 'missing_permission', key, { permission });
  }

  async #recordRefusal(
    actor: Actor,
    reason: ApiKeyRefusal,
    key: Pick<ApiKeyCredentials, 'id' | 'organisation_id'> | undefined,
    details: Record<string, unknown>,
  ): Promise<void> {
    // Unknown keys are grouped by address: a caller inventing prefixes must not flood the log.
    if (!this.#refusalAudits.allow(`${key?.id ?? `ip:${actor.ip}`}:${reason}`)) return;
    await this.#audit.record(actor, {
      action: 'API_KEY_USED_REJECTED',
      recordType: 'api_key',
      recordId: key?.id,
      organisationId: key?.organisation_id ?? null,
      details: { reason, ...details },
    });
  }

  async #organisationFor(viewer: CurrentUser, requested: string | undefined): Promise<string> {
    const policy = apiKeysPolicy(viewer);
    const organisationId = policy.anyOrganisation ? requested : (requested ?? viewer.organisationId);
    const organisation = organisationId ? await this.#organisations.findById(organisationId) : undefined;
    if (!organisation || !policy.canManageOrganisation(organisation.id)) throw new ValidationFailed({ organisationId: 'apiKeys.errors.organisationMissing' });
    if (!organisation.active) throw new ValidationFailed({ organisationId: 'apiKeys.errors.organisationInactive' });
    return organisation.id;
  }
}

function refusalFor(presented: PresentedApiKey | undefined, key: ApiKeyCredentials | undefined): ApiKeyRefusal | undefined {
  if (!presented) return 'malformed';
  const secretMatches = constantTimeEqual(hashApiKeySecret(presented.secret), key?.secret_hash ?? NO_KEY_HASH);
  if (!key) return 'unknown';
  if (!secretMatches) return 'wrong_secret';
  if (key.revoked_at) return 'revoked';
  if (!key.organisation_active) return 'organisation_inactive';
  return undefined;
}

function isApiScope(value: string): value is Permission {
  return (apiScopes as readonly string[]).includes(value);
}
