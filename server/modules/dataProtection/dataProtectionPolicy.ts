import type { RequestSummary } from './subjectAccessRepository.ts';

export const MAX_EXTENSION_MONTHS = 2;

/**
 * What the DPO may do with a subject access request in its current state. Holding
 * `subject_access:manage` is the route's check; this is the record's. An approved export is
 * frozen: nothing about it changes after release.
 */
export function subjectAccessPolicy(request: Pick<RequestSummary, 'status' | 'extension_months' | 'identity_verified'>) {
  const open = request.status === 'open';
  return {
    canChangeDecisions: open,
    canExtend: open && request.extension_months < MAX_EXTENSION_MONTHS,
    canApprove: open,
    /** Approval also needs the requester's identity verified, on record or confirmed with the approval. */
    needsIdentityConfirmation: open && !request.identity_verified,
    canDownload: request.status === 'approved',
  };
}

export type SubjectAccessPolicy = ReturnType<typeof subjectAccessPolicy>;
