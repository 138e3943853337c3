/**
 * Before/after assessment of a problem's response, as pure functions on counts (ADR 0020).
 *
 * - Difference-in-differences on the log scale: the ratio of ratios
 *   RR = (target after / target before) / (comparison after / comparison before), with the
 *   Poisson standard error of log RR, sqrt(1/Ta + 1/Tb + 1/Ca + 1/Cb), and a 95 % interval
 *   exp(log RR ± 1.96 SE). The periods are the same for both areas, so their lengths cancel.
 * - Displacement in the buffer: the Weighted Displacement Quotient of Bowers and Johnson (2003),
 *   WDQ = (Ba/Ca − Bb/Cb) / (Ta/Ca − Tb/Cb), and their total net effect.
 */

export interface AreaCounts {
  before: number;
  after: number;
}

export interface AssessmentCounts {
  target: AreaCounts;
  comparison: AreaCounts;
  buffer: AreaCounts;
}

/** The two-sided 95 % point of the standard normal distribution. */
export const Z_95 = 1.959963984540054;

export type NoEstimateReason = 'targetBeforeZero' | 'targetAfterZero' | 'comparisonBeforeZero' | 'comparisonAfterZero';

export type ChangeEstimate =
  | {
      kind: 'estimate';
      /** The ratio of ratios: below 1 means the target fell relative to the comparison area. */
      ratio: number;
      lower: number;
      upper: number;
      standardError: number;
      /** What the target would have counted after, had it changed as the comparison area did. */
      expectedTargetAfter: number;
      verdict: 'reduction' | 'increase' | 'noClearChange';
    }
  | { kind: 'noEstimate'; reason: NoEstimateReason };

/**
 * The relative change in the target beyond the comparison area's, with its 95 % interval. A zero
 * count has no logarithm and an infinite variance: no estimate, and the reason says which count.
 */
export function differenceInDifferences(counts: AssessmentCounts, z = Z_95): ChangeEstimate {
  const { target, comparison } = counts;
  const zero: [number, NoEstimateReason][] = [
    [target.before, 'targetBeforeZero'],
    [target.after, 'targetAfterZero'],
    [comparison.before, 'comparisonBeforeZero'],
    [comparison.after, 'comparisonAfterZero'],
  ];
  const firstZero = zero.find(([count]) => count <= 0);
  if (firstZero) return { kind: 'noEstimate', reason: firstZero[1] };
  const logRatio = Math.log(target.after / target.before) - Math.log(comparison.after / comparison.before);
  const standardError = Math.sqrt(1 / target.after + 1 / target.before + 1 / comparison.after + 1 / comparison.before);
  const lower = Math.exp(logRatio - z * standardError);
  const upper = Math.exp(logRatio + z * standardError);
  return {
    kind: 'estimate',
    ratio: Math.exp(logRatio),
    lower,
    upper,
    standardError,
    expectedTargetAfter: (target.before * comparison.after) / comparison.before,
    verdict: upper < 1 ? 'reduction' : lower > 1 ? 'increase' : 'noClearChange',
  };
}

export type DisplacementVerdict = 'diffusionGreater' | 'diffusion' | 'none' | 'displacementSmaller' | 'displacementGreater';

export type Displacement =
  | {
      kind: 'wdq';
      wdq: number;
      /** Change in the buffer relative to the comparison area (Ba/Ca − Bb/Cb). */
      bufferMeasure: number;
      /** Change in the target relative to the comparison area (Ta/Ca − Tb/Cb); negative is success. */
      successMeasure: number;
      verdict: DisplacementVerdict;
    }
  | { kind: 'noWdq'; reason: 'comparisonZero' | 'noSuccessInTarget' };

/**
 * The Weighted Displacement Quotient. It only means something when the target improved relative
 * to the comparison area (a negative success measure); then a positive WDQ is a diffusion of
 * benefit to the buffer, a negative one displacement, below −1 displacement larger than the gain.
 */
export function weightedDisplacementQuotient(counts: AssessmentCounts): Displacement {
  const { target, comparison, buffer } = counts;
  if (comparison.before <= 0 || comparison.after <= 0) return { kind: 'noWdq', reason: 'comparisonZero' };
  const successMeasure = target.after / comparison.after - target.before / comparison.before;
  if (successMeasure >= 0) return { kind: 'noWdq', reason: 'noSuccessInTarget' };
  const bufferMeasure = buffer.after / comparison.after - buffer.before / comparison.before;
  // Adding zero turns a negative zero (no change in the buffer) into zero.
  const wdq = bufferMeasure / successMeasure + 0;
  return { kind: 'wdq', wdq, bufferMeasure, successMeasure, verdict: displacementVerdict(wdq) };
}

function displacementVerdict(wdq: number): DisplacementVerdict {
  if (wdq > 1) return 'diffusionGreater';
  if (wdq > 0) return 'diffusion';
  if (wdq === 0) return 'none';
  if (wdq >= -1) return 'displacementSmaller';
  return 'displacementGreater';
}

/**
 * Incidents prevented in the target and buffer together (Bowers and Johnson's total net effect):
 * what each would have counted had it changed as the comparison area did, less what it counted.
 * Undefined without comparison incidents before.
 */
export function totalNetEffect(counts: AssessmentCounts): number | undefined {
  const { target, comparison, buffer } = counts;
  if (comparison.before <= 0) return undefined;
  const trend = comparison.after / comparison.before;
  return target.before * trend - target.after + (buffer.before * trend - buffer.after);
}

export interface Period {
  /** ISO dates, both days included. */
  start: string;
  end: string;
}

/** Field errors (i18n keys) for a before and an after period; empty when they are usable. */
export function periodProblems(before: Period, after: Period, today: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (before.end < before.start) problems.beforeEnd = 'problems.errors.periodEndsBeforeStart';
  if (after.end < after.start) problems.afterEnd = 'problems.errors.periodEndsBeforeStart';
  if (after.start <= before.end) problems.afterStart = 'problems.errors.afterNotAfterBefore';
  if (after.end > today) problems.afterEnd ??= 'problems.errors.afterEndInFuture';
  return problems;
}

export interface Circle {
  latitude: number;
  longitude: number;
  radiusMetres: number;
}

const EARTH_RADIUS_METRES = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = toRadians(b.latitude - a.latitude);
  const dLon = toRadians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The comparison area must lie wholly outside the target and its displacement buffer: an
 * incident counted twice, or a response reaching the comparison area, would bias the estimate.
 */
export function areasOverlap(target: Circle, bufferWidthMetres: number, comparison: Circle): boolean {
  return distanceMetres(target, comparison) < target.radiusMetres + bufferWidthMetres + comparison.radiusMetres;
}
