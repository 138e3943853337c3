import { assignableRoles, hasPermission, type Role } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';

/**
 * What an administrator may do to user accounts. Partnership administrators act on every
 * organisation; organisation administrators only on their own, and never create partnership
 * administrators. Nobody disables or demotes themselves (that is how partnerships lock themselves out).
 */
export function usersPolicy(actor: CurrentUser) {
  const anyOrganisation = hasPermission(actor.role, 'user:manage_any_organisation');
  const canSee = (target: { organisation_id: string }) =>
    hasPermission(actor.role, 'user:manage') && (anyOrganisation || target.organisation_id === actor.organisationId);
  return {
    anyOrganisation,
    /** The organisation a list is limited to, or undefined for all of them. */
    listScope: anyOrganisation ? undefined : actor.organisationId,
    canSee,
    canEdit: (target: { organisation_id: string; role: string }) =>
      canSee(target) && (anyOrganisation || target.role !== 'partnership_admin'),
    canAssignRole: (role: Role) => assignableRoles(actor.role).includes(role),
    canAssignOrganisation: (organisationId: string) => anyOrganisation || organisationId === actor.organisationId,
    canChangeOwnAccess: (target: { id: string }) => target.id !== actor.id,
    assignableRoles: assignableRoles(actor.role),
  };
}

export type UsersPolicy = ReturnType<typeof usersPolicy>;
