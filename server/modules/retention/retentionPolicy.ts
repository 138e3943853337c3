import { hasPermission, type Role } from '../../shared/permissions.ts';

type RunStatus = 'proposed' | 'rejected' | 'completed' | 'failed';

/**
 * Who may do what with retention. Setting schedules and holds and asking for a run is
 * `retention:manage` (partnership administrators and the data-protection officer); deciding a
 * run is `retention:approve`, which only the data-protection officer holds.
 */
export const retentionPolicy = {
  mayManage: (role: Role | null) => role !== null && hasPermission(role, 'retention:manage'),
  mayDecide: (role: Role | null) => role !== null && hasPermission(role, 'retention:approve'),
  /** A run is decided once: while it waits, and nobody has started approving it. */
  isUndecided: (run: { status: RunStatus; decided_at: Date | null }) => run.status === 'proposed' && run.decided_at === null,
};
