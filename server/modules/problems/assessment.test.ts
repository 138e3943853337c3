import { describe, expect, it } from 'vitest';
import { areasOverlap, differenceInDifferences, distanceMetres, periodProblems, totalNetEffect, weightedDisplacementQuotient } from './assessment.ts';

// Worked by hand: the target halves (100 → 50) while the comparison area stays at 200.
// RR = (50/100)/(200/200) = 0.5; SE = sqrt(1/50 + 1/100 + 1/200 + 1/200) = sqrt(0.04) = 0.2;
// interval 0.5 × exp(±1.96 × 0.2) = 0.5 × (0.67571, 1.47991) = (0.33785, 0.73996).
const halved = { target: { before: 100, after: 50 }, comparison: { before: 200, after: 200 }, buffer: { before: 40, after: 30 } };

describe('difference in differences', () => {
  it('gives the ratio of ratios, its Poisson standard error and 95 % interval', () => {
    const estimate = differenceInDifferences(halved);
    expect(estimate.kind).toBe('estimate');
    if (estimate.kind !== 'estimate') return;
    expect(estimate.ratio).toBeCloseTo(0.5, 10);
    expect(estimate.standardError).toBeCloseTo(0.2, 10);
    expect(estimate.lower).toBeCloseTo(0.33785, 4);
    expect(estimate.upper).toBeCloseTo(0.74, 3);
    expect(estimate.expectedTargetAfter).toBe(100);
    expect(estimate.verdict).toBe('reduction');
  });

  it('takes the comparison trend out: both areas falling by half is no change', () => {
    const estimate = differenceInDifferences({ target: { before: 80, after: 40 }, comparison: { before: 400, after: 200 }, buffer: { before: 0, after: 0 } });
    if (estimate.kind !== 'estimate') throw new Error('expected an estimate');
    expect(estimate.ratio).toBeCloseTo(1, 10);
    expect(estimate.verdict).toBe('noClearChange');
    expect(estimate.expectedTargetAfter).toBe(40);
  });

  it('calls a small change on small counts unclear, and a large rise an increase', () => {
    const small = differenceInDifferences({ target: { before: 10, after: 8 }, comparison: { before: 10, after: 10 }, buffer: { before: 1, after: 1 } });
    expect(small.kind === 'estimate' && small.verdict).toBe('noClearChange');
    const rise = differenceInDifferences({ target: { before: 50, after: 150 }, comparison: { before: 100, after: 100 }, buffer: { before: 1, after: 1 } });
    expect(rise.kind === 'estimate' && rise.verdict).toBe('increase');
  });

  it('gives no estimate, and says which count, when a count is zero', () => {
    expect(differenceInDifferences({ ...halved, target: { before: 12, after: 0 } })).toEqual({ kind: 'noEstimate', reason: 'targetAfterZero' });
    expect(differenceInDifferences({ ...halved, target: { before: 0, after: 3 } })).toEqual({ kind: 'noEstimate', reason: 'targetBeforeZero' });
    expect(differenceInDifferences({ ...halved, comparison: { before: 0, after: 0 } })).toEqual({ kind: 'noEstimate', reason: 'comparisonBeforeZero' });
  });
});

describe('weighted displacement quotient', () => {
  it('measures the buffer against the success in the target (worked by hand)', () => {
    // Buffer 40 → 30: (30/200 − 40/200) = −0.05; target (50/200 − 100/200) = −0.25; WDQ = 0.2.
    const displacement = weightedDisplacementQuotient(halved);
    expect(displacement).toMatchObject({ kind: 'wdq', verdict: 'diffusion' });
    if (displacement.kind !== 'wdq') return;
    expect(displacement.wdq).toBeCloseTo(0.2, 10);
    expect(displacement.bufferMeasure).toBeCloseTo(-0.05, 10);
    expect(displacement.successMeasure).toBeCloseTo(-0.25, 10);
  });

  it('names displacement smaller and larger than the benefit', () => {
    const smaller = weightedDisplacementQuotient({ ...halved, buffer: { before: 40, after: 60 } });
    expect(smaller).toMatchObject({ kind: 'wdq', verdict: 'displacementSmaller' });
    if (smaller.kind === 'wdq') expect(smaller.wdq).toBeCloseTo(-0.4, 10);
    expect(weightedDisplacementQuotient({ ...halved, buffer: { before: 40, after: 120 } })).toMatchObject({ kind: 'wdq', verdict: 'displacementGreater' });
    expect(weightedDisplacementQuotient({ ...halved, buffer: { before: 40, after: 40 } })).toMatchObject({ kind: 'wdq', wdq: 0, verdict: 'none' });
  });

  it('has no meaning without success in the target or without comparison incidents', () => {
    expect(weightedDisplacementQuotient({ ...halved, target: { before: 50, after: 60 } })).toEqual({ kind: 'noWdq', reason: 'noSuccessInTarget' });
    expect(weightedDisplacementQuotient({ ...halved, comparison: { before: 10, after: 0 } })).toEqual({ kind: 'noWdq', reason: 'comparisonZero' });
  });

  it('adds what target and buffer would have counted on the comparison trend into a net effect', () => {
    // Target 100 expected, 50 seen: 50 prevented; buffer 40 expected, 30 seen: 10 more.
    expect(totalNetEffect(halved)).toBe(60);
    expect(totalNetEffect({ ...halved, comparison: { before: 0, after: 5 } })).toBeUndefined();
  });
});

describe('periods and areas', () => {
  it('refuses an after period that does not follow the before period, or ends before it starts', () => {
    const today = '2026-11-30';
    expect(periodProblems({ start: '2026-01-01', end: '2026-03-31' }, { start: '2026-04-01', end: '2026-06-30' }, today)).toEqual({});
    expect(periodProblems({ start: '2026-04-01', end: '2026-06-30' }, { start: '2026-01-01', end: '2026-03-31' }, today)).toEqual({ afterStart: 'problems.errors.afterNotAfterBefore' });
    expect(periodProblems({ start: '2026-03-01', end: '2026-01-01' }, { start: '2026-04-01', end: '2026-03-01' }, today)).toEqual({
      beforeEnd: 'problems.errors.periodEndsBeforeStart',
      afterEnd: 'problems.errors.periodEndsBeforeStart',
    });
    expect(periodProblems({ start: '2026-01-01', end: '2026-03-31' }, { start: '2026-04-01', end: '2026-12-31' }, today)).toEqual({ afterEnd: 'problems.errors.afterEndInFuture' });
  });

  it('measures distances on the sphere and refuses a comparison area touching the target or its buffer', () => {
    // One degree of latitude is about 111.2 km.
    expect(distanceMetres({ latitude: 55, longitude: -1.6 }, { latitude: 56, longitude: -1.6 })).toBeCloseTo(111_195, -1);
    const target = { latitude: 54.97, longitude: -1.61, radiusMetres: 300 };
    const twoKmNorth = { latitude: 54.97 + 2000 / 111_195, longitude: -1.61, radiusMetres: 500 };
    expect(areasOverlap(target, 400, twoKmNorth)).toBe(false);
    expect(areasOverlap(target, 1300, twoKmNorth)).toBe(true);
    expect(areasOverlap(target, 0, { ...target, radiusMetres: 100 })).toBe(true);
  });
});
