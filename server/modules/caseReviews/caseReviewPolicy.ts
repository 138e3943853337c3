import type { ApplicationStatus } from './caseReviewSchemas.ts';

/**
 * Which step of an ASB Case Review can be taken now, from the application's status (the
 * workflow as data). Who may take them is the route's permission, `case_review:manage`: the
 * review is the partnership's, not one agency's, so every holder sees every application.
 */
const stepsFrom = {
  acknowledge: ['received'],
  decideThreshold: ['received', 'acknowledged'],
  scheduleMeeting: ['threshold_met', 'review_scheduled'],
  addRecommendation: ['threshold_met', 'review_scheduled', 'outcome_sent'],
  recordOutcome: ['review_scheduled'],
  sendLetter: ['review_scheduled'],
  requestAppeal: ['threshold_not_met', 'outcome_sent'],
} as const satisfies Record<string, readonly ApplicationStatus[]>;

export type CaseReviewStep = keyof typeof stepsFrom;

export function canTake(step: CaseReviewStep, status: string): boolean {
  return (stepsFrom[step] as readonly string[]).includes(status);
}

export interface PolicySubject {
  status: string;
  outcome_summary: string | null;
}

export function caseReviewPolicy(application: PolicySubject, appeal: { status: string } | undefined) {
  return {
    canAcknowledge: canTake('acknowledge', application.status),
    canDecideThreshold: canTake('decideThreshold', application.status),
    canScheduleMeeting: canTake('scheduleMeeting', application.status),
    canAddRecommendation: canTake('addRecommendation', application.status),
    canRecordOutcome: canTake('recordOutcome', application.status),
    canSendLetter: canTake('sendLetter', application.status) && Boolean(application.outcome_summary),
    canDecideAppeal: appeal?.status === 'requested',
    /** The applicant, on the tracking page: once, after a decision they may disagree with. */
    canRequestAppeal: canTake('requestAppeal', application.status) && appeal === undefined,
  };
}

export type CaseReviewPolicy = ReturnType<typeof caseReviewPolicy>;
