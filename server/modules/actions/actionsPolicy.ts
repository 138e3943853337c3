import type { CasePolicy } from '../cases/casesPolicy.ts';

/**
 * Who may work on a case's action plan and interventions. Unlike the case details, this is not
 * the lead's alone: every involved agency with case:edit may add and update actions, because an
 * action is usually owned by a participant, which must be able to report on it. Break-glass
 * access and closed cases only read (both already false in `canEdit`).
 */
export function actionPlanPolicy(policy: CasePolicy) {
  return {
    canAddAction: policy.canEdit,
    canUpdateAction: policy.canEdit,
    canRecordIntervention: policy.canEdit,
    canUpdateIntervention: policy.canEdit,
  };
}

export type ActionPlanPolicy = ReturnType<typeof actionPlanPolicy>;
