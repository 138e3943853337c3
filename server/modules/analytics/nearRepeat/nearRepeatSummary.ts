import type { Matrix, NearRepeatParameters } from './nearRepeatAnalysis.ts';

export const SIGNIFICANCE_LEVEL = 0.05;

interface Figures {
  parameters: NearRepeatParameters;
  observed: Matrix<number>;
  expected: Matrix<number>;
  ratio: Matrix<number | null>;
  p: Matrix<number>;
}

/** What the summary says, as facts, so the command can word it in English and pages in the reader's language. */
export type NearRepeatFinding =
  | { found: false }
  | {
      found: true;
      /** null for the first band (from 0). */
      distanceFrom: number | null;
      distanceTo: number;
      timeFrom: number | null;
      timeTo: number;
      ratio: string;
      observed: number;
      expected: string;
      p: string;
      otherSignificantBands: number;
    };

/**
 * The most significant cell with more pairs than chance (lowest p; then the highest ratio; then
 * the closest in space and time) and how many others are significant too.
 */
export function nearRepeatFinding(figures: Figures): NearRepeatFinding {
  const significant = figures.p
    .flatMap((row, distance) => row.map((p, time) => ({ distance, time, p, ratio: figures.ratio[distance]![time]! })))
    .filter((cell) => cell.p < SIGNIFICANCE_LEVEL && cell.ratio !== null && cell.ratio > 1)
    .sort((a, b) => a.p - b.p || b.ratio! - a.ratio! || a.distance - b.distance || a.time - b.time);
  const best = significant[0];
  if (!best) return { found: false };
  const { distanceBands, timeBands } = figures.parameters;
  return {
    found: true,
    distanceFrom: best.distance === 0 ? null : distanceBands[best.distance - 1]!,
    distanceTo: distanceBands[best.distance]!,
    timeFrom: best.time === 0 ? null : timeBands[best.time - 1]! + 1,
    timeTo: timeBands[best.time]!,
    ratio: best.ratio!.toFixed(2),
    observed: figures.observed[best.distance]![best.time]!,
    expected: figures.expected[best.distance]![best.time]!.toFixed(1),
    p: formatP(best.p),
    otherSignificantBands: significant.length - 1,
  };
}

/** The finding in one or two English sentences (the command's output and the stored result). */
export function summariseNearRepeat(figures: Figures, eventLabel: string): string {
  const finding = nearRepeatFinding(figures);
  if (!finding.found) {
    return `No distance and time band has significantly more pairs of ${eventLabel} than chance (p < ${SIGNIFICANCE_LEVEL}): no near-repeat pattern was found.`;
  }
  const where = finding.distanceFrom === null ? `within ${finding.distanceTo} m` : `more than ${finding.distanceFrom} m and up to ${finding.distanceTo} m apart`;
  const when = finding.timeFrom === null ? `within ${finding.timeTo} days of each other` : `${finding.timeFrom} to ${finding.timeTo} days apart`;
  const others = finding.otherSignificantBands;
  return (
    `Pairs of ${eventLabel} ${where} and ${when} are ${finding.ratio} times more common than chance ` +
    `(observed ${finding.observed}, expected ${finding.expected}, p = ${finding.p}).` +
    (others > 0 ? ` ${others} other band${others === 1 ? ' is' : 's are'} also significantly above chance (p < ${SIGNIFICANCE_LEVEL}).` : '')
  );
}

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** The finding in the reader's language, from the catalogue's analytics.nearRepeat.finding messages. */
export function describeNearRepeatFinding(figures: Figures, t: Translate, events: string): string {
  const finding = nearRepeatFinding(figures);
  if (!finding.found) return t('analytics.nearRepeat.finding.none', { events, level: SIGNIFICANCE_LEVEL });
  const where = finding.distanceFrom === null ? t('analytics.nearRepeat.finding.within', { to: finding.distanceTo }) : t('analytics.nearRepeat.finding.between', { from: finding.distanceFrom, to: finding.distanceTo });
  const when = finding.timeFrom === null ? t('analytics.nearRepeat.finding.withinDays', { to: finding.timeTo }) : t('analytics.nearRepeat.finding.betweenDays', { from: finding.timeFrom, to: finding.timeTo });
  const sentence = t('analytics.nearRepeat.finding.found', { events, where, when, ratio: finding.ratio, observed: finding.observed, expected: finding.expected, p: finding.p });
  if (finding.otherSignificantBands === 0) return sentence;
  return `${sentence} ${t('analytics.nearRepeat.finding.others', { count: finding.otherSignificantBands, level: SIGNIFICANCE_LEVEL })}`;
}

export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}
