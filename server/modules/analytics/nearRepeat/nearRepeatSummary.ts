import type { Matrix, NearRepeatParameters } from './nearRepeatAnalysis.ts';

export const SIGNIFICANCE_LEVEL = 0.05;

interface Figures {
  parameters: NearRepeatParameters;
  observed: Matrix<number>;
  expected: Matrix<number>;
  ratio: Matrix<number | null>;
  p: Matrix<number>;
}

/**
 * One or two sentences for partners: the most significant cell with more pairs than chance
 * (lowest p; then the highest ratio; then the closest in space and time) and how many others are.
 */
export function summariseNearRepeat(figures: Figures, eventLabel: string): string {
  const significant = figures.p
    .flatMap((row, distance) => row.map((p, time) => ({ distance, time, p, ratio: figures.ratio[distance]![time]! })))
    .filter((cell) => cell.p < SIGNIFICANCE_LEVEL && cell.ratio !== null && cell.ratio > 1)
    .sort((a, b) => a.p - b.p || b.ratio! - a.ratio! || a.distance - b.distance || a.time - b.time);
  const best = significant[0];
  if (!best) {
    return `No distance and time band has significantly more pairs of ${eventLabel} than chance (p < ${SIGNIFICANCE_LEVEL}): no near-repeat pattern was found.`;
  }
  const { distanceBands, timeBands } = figures.parameters;
  const where = best.distance === 0 ? `within ${distanceBands[0]} m` : `more than ${distanceBands[best.distance - 1]} m and up to ${distanceBands[best.distance]} m apart`;
  const when = best.time === 0 ? `within ${timeBands[0]} days of each other` : `${timeBands[best.time - 1]! + 1} to ${timeBands[best.time]} days apart`;
  const others = significant.length - 1;
  return (
    `Pairs of ${eventLabel} ${where} and ${when} are ${best.ratio!.toFixed(2)} times more common than chance ` +
    `(observed ${figures.observed[best.distance]![best.time]}, expected ${figures.expected[best.distance]![best.time]!.toFixed(1)}, p = ${formatP(best.p)}).` +
    (others > 0 ? ` ${others} other band${others === 1 ? ' is' : 's are'} also significantly above chance (p < ${SIGNIFICANCE_LEVEL}).` : '')
  );
}

export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}
