import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';

/**
 * Who may manage which API keys. Partnership administrators manage every organisation's keys;
 * organisation administrators only their own organisation's. A key outside someone's reach is
 * "not found" to them.
 */
export function apiKeysPolicy(actor: CurrentUser) {
  const manages = hasPermission(actor.role, 'api_key:manage');
  const anyOrganisation = manages && hasPermission(actor.role, 'api_key:manage_any_organisation');
  const canManageOrganisation = (organisationId: string) => manages && (anyOrganisation || organisationId === actor.organisationId);
  return {
    anyOrganisation,
    /** The organisation a list is limited to, or undefined for every organisation. */
    listScope: anyOrganisation ? undefined : actor.organisationId,
    canManageOrganisation,
    canSee: (key: { organisation_id: string }) => canManageOrganisation(key.organisation_id),
  };
}

export type ApiKeysPolicy = ReturnType<typeof apiKeysPolicy>;
