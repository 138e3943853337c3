/** The SARA / OSARA stages of a problem, in order, then closed. */
export const problemStages = ['objective', 'scanning', 'analysis', 'response', 'assessment', 'closed'] as const;
export type ProblemStage = (typeof problemStages)[number];

/** What a stage needs before the problem may leave it (checked on the stored problem). */
export type StageRequirement = 'objective' | 'area' | 'analysis' | 'response' | 'assessment' | 'reason';

export interface ProblemTransition {
  name: 'advance' | 'back' | 'close' | 'reopen';
  from: ProblemStage;
  to: ProblemStage;
  requires: readonly StageRequirement[];
}

/**
 * The workflow as data: forward one stage at a time once the stage's work is recorded, back one
 * stage with a reason (new evidence reopens the analysis), close after an assessment, reopen with
 * a reason. Who may move a problem is the route's permission, `problem:manage`.
 */
export const problemTransitions: readonly ProblemTransition[] = [
  { name: 'advance', from: 'objective', to: 'scanning', requires: ['objective'] },
  { name: 'advance', from: 'scanning', to: 'analysis', requires: ['area'] },
  { name: 'advance', from: 'analysis', to: 'response', requires: ['analysis'] },
  { name: 'advance', from: 'response', to: 'assessment', requires: ['response'] },
  { name: 'close', from: 'assessment', to: 'closed', requires: ['assessment'] },
  { name: 'back', from: 'scanning', to: 'objective', requires: ['reason'] },
  { name: 'back', from: 'analysis', to: 'scanning', requires: ['reason'] },
  { name: 'back', from: 'response', to: 'analysis', requires: ['reason'] },
  { name: 'back', from: 'assessment', to: 'response', requires: ['reason'] },
  { name: 'reopen', from: 'closed', to: 'assessment', requires: ['reason'] },
];

export function transitionBetween(from: string, to: string): ProblemTransition | undefined {
  return problemTransitions.find((transition) => transition.from === from && transition.to === to);
}

export function transitionsFrom(stage: string): ProblemTransition[] {
  return problemTransitions.filter((transition) => transition.from === stage);
}

/** What is recorded on a problem, as far as the stage requirements care. */
export interface StageFacts {
  hasObjective: boolean;
  hasArea: boolean;
  hasAnalysis: boolean;
  responses: number;
  assessments: number;
  reason: string | null;
}

const requirementMet: Record<StageRequirement, (facts: StageFacts) => boolean> = {
  objective: (facts) => facts.hasObjective,
  area: (facts) => facts.hasArea,
  analysis: (facts) => facts.hasAnalysis,
  response: (facts) => facts.responses > 0,
  assessment: (facts) => facts.assessments > 0,
  reason: (facts) => Boolean(facts.reason),
};

/** The requirements a transition still lacks, as i18n keys (empty: it may be made). */
export function unmetRequirements(transition: ProblemTransition, facts: StageFacts): string[] {
  return transition.requires.filter((requirement) => !requirementMet[requirement](facts)).map((requirement) => `problems.stage.needs.${requirement}`);
}
