import type { Permission } from '../../shared/permissions.ts';

export const caseStatuses = ['open', 'assessed', 'in_progress', 'under_review', 'closed'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export const casePriorities = ['low', 'medium', 'high', 'urgent'] as const;
export type CasePriority = (typeof casePriorities)[number];

export const outcomeCodes = [
  'resolved',
  'partially_resolved',
  'no_further_action',
  'referred_elsewhere',
  'enforcement_completed',
  'victim_disengaged',
  'duplicate',
  'other',
] as const;
export type OutcomeCode = (typeof outcomeCodes)[number];

export interface CaseTransition {
  name: 'assess' | 'start' | 'review' | 'resume' | 'close' | 'reopen';
  from: readonly CaseStatus[];
  to: CaseStatus;
  /** The permission the user's role needs. */
  permission: Permission;
  /** Only people in the lead organisation may make it. */
  leadOnly: boolean;
  /** What the form must also capture. */
  requires: readonly ('outcome' | 'closureReason' | 'reason')[];
}

/** The case workflow as data: open → assessed → in progress → under review → closed, and reopen. */
export const caseTransitions: readonly CaseTransition[] = [
  { name: 'assess', from: ['open'], to: 'assessed', permission: 'case:edit', leadOnly: true, requires: [] },
  { name: 'start', from: ['assessed'], to: 'in_progress', permission: 'case:edit', leadOnly: true, requires: [] },
  { name: 'review', from: ['in_progress'], to: 'under_review', permission: 'case:edit', leadOnly: true, requires: [] },
  { name: 'resume', from: ['under_review'], to: 'in_progress', permission: 'case:edit', leadOnly: true, requires: [] },
  {
    name: 'close',
    from: ['open', 'assessed', 'in_progress', 'under_review'],
    to: 'closed',
    permission: 'case:manage',
    leadOnly: true,
    requires: ['outcome', 'closureReason'],
  },
  { name: 'reopen', from: ['closed'], to: 'in_progress', permission: 'case:manage', leadOnly: true, requires: ['reason'] },
];

export function transitionNamed(name: string): CaseTransition | undefined {
  return caseTransitions.find((transition) => transition.name === name);
}

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (caseStatuses as readonly string[]).includes(value);
}
