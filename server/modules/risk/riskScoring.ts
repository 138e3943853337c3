import type { BandReason, RiskBand, RiskInstrument, RiskQuestion, ScoringRules } from './riskInstruments.ts';

/** An answer as the rules see it: yes/no as a boolean, "don't know", a number, or text. */
export type AnswerValue = boolean | 'not_known' | number | string | null;
export type Answers = Readonly<Record<string, AnswerValue | undefined>>;

export interface RiskResult {
  score: number;
  band: RiskBand;
  bandReason: BandReason;
}

/**
 * Scores one completed instrument. The score counts "yes" answers to scored questions and gives
 * a band; then, in this order, a "yes" to a critical question, an escalation count at or over
 * its threshold, or the assessor's professional judgement each make the band high. The reason
 * names the first rule that decided the band.
 */
export function score(definition: RiskInstrument, answers: Answers, judgement: boolean, escalation: number | null): RiskResult {
  const total = definition.questions.filter((question) => question.scored && answers[question.id] === true).length;
  const byScore = bandForScore(definition.scoring, total);
  if (byScore === 'high') return { score: total, band: 'high', bandReason: 'score' };
  if (definition.questions.some((question) => question.critical && answers[question.id] === true)) {
    return { score: total, band: 'high', bandReason: 'critical-question' };
  }
  if (isEscalated(definition.scoring, escalation)) return { score: total, band: 'high', bandReason: 'escalation' };
  if (judgement && definition.scoring.professionalJudgement) return { score: total, band: 'high', bandReason: 'professional-judgement' };
  return { score: total, band: byScore, bandReason: 'score' };
}

export function bandForScore(scoring: ScoringRules, total: number): RiskBand {
  const reached = scoring.bands.filter((band) => total >= band.from);
  return reached.at(-1)?.band ?? 'standard';
}

function isEscalated(scoring: ScoringRules, escalation: number | null): boolean {
  return scoring.escalation !== undefined && escalation !== null && escalation >= scoring.escalation.threshold;
}

/** The escalation count among the answers (e.g. police call-outs), if the instrument has one. */
export function escalationCount(definition: RiskInstrument, answers: Answers): number | null {
  const id = definition.scoring.escalation?.question;
  const value = id === undefined ? undefined : answers[id];
  return typeof value === 'number' ? value : null;
}

/** How many questions can score: the most a score can be. */
export function maximumScore(definition: RiskInstrument): number {
  return definition.questions.filter((question: RiskQuestion) => question.scored).length;
}
