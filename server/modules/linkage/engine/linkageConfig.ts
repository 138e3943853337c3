/**
 * OneRoof's one linkage configuration: the same thresholds for every source and data set (see
 * docs/adr on the linkage model). Probabilities are of a compared (blocked) pair being the same
 * person, given everything the model knows.
 */
export const linkageThresholds = {
  /** At or above: linked without a person looking. */
  autoLinkProbability: 0.95,
  /** At or above (and below auto-link): a reviewer decides. Below: a different person. */
  reviewProbability: 0.5,
} as const;

export type LinkDecision = 'auto-link' | 'review' | 'no-match';

export function decisionFor(probability: number): LinkDecision {
  if (probability >= linkageThresholds.autoLinkProbability) return 'auto-link';
  if (probability >= linkageThresholds.reviewProbability) return 'review';
  return 'no-match';
}

export function probabilityOf(matchWeight: number): number {
  return 1 / (1 + 2 ** -matchWeight);
}
