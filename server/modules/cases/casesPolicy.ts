import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import type { CaseRelationship } from './caseAccess.ts';
import type { CaseTransition } from './caseWorkflow.ts';

/**
 * What the signed-in user may do to one case they can see, computed once per request. Seeing
 * it at all is decided by `visibleTo` (need-to-know); this decides the actions.
 */
export function casePolicy(user: CurrentUser, relationship: CaseRelationship, status: string) {
  const may = (permission: Parameters<typeof hasPermission>[1]) => hasPermission(user.role, permission);
  const isLead = relationship === 'lead';
  const involved = relationship === 'lead' || relationship === 'participant';
  const open = status !== 'closed';
  return {
    relationship,
    /** Break-glass access reads; it never changes anything. */
    canEdit: involved && open && may('case:edit'),
    canEditDetails: isLead && open && may('case:edit'),
    canManageAgencies: isLead && may('case:manage'),
    canLinkRecords: involved && open && may('case:edit'),
    canTransition: (transition: CaseTransition) =>
      transition.from.includes(status as CaseTransition['from'][number]) &&
      may(transition.permission) &&
      (!transition.leadOnly || isLead),
  };
}

export type CasePolicy = ReturnType<typeof casePolicy>;
