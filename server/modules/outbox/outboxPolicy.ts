import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';

/**
 * Who may read which e-mails. The outbox holds account e-mails, so it follows account
 * administration: whoever manages every organisation's users reads every message; an
 * organisation administrator reads only their own organisation's.
 */
export function outboxPolicy(viewer: CurrentUser) {
  const anyOrganisation = hasPermission(viewer.role, 'user:manage_any_organisation');
  return {
    /** The organisation a list is limited to, or undefined for every message. */
    listScope: anyOrganisation ? undefined : viewer.organisationId,
    canSee: (message: { organisation_id: string | null }) =>
      hasPermission(viewer.role, 'outbox:view') && (anyOrganisation || message.organisation_id === viewer.organisationId),
  };
}
