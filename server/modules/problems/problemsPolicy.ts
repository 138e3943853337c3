import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';

/**
 * What the signed-in user may do with one problem. A problem is the partnership's, so every
 * holder of `problem:view` sees every problem; changes need `problem:manage` and an open problem.
 * Linked cases are shown and linked only through case:view and need-to-know (`visibleTo`), and
 * the incident map only to holders of incident:view.
 */
export function problemPolicy(user: CurrentUser, problem: { stage: string }) {
  const manage = hasPermission(user.role, 'problem:manage');
  const open = problem.stage !== 'closed';
  return {
    canEdit: manage && open,
    canTransition: manage,
    canLinkCases: manage && open && hasPermission(user.role, 'case:view'),
    canSeeCases: hasPermission(user.role, 'case:view'),
    canSeeIncidentMap: hasPermission(user.role, 'incident:view'),
  };
}

export type ProblemPolicy = ReturnType<typeof problemPolicy>;
