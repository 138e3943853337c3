/**
 * Two-sided p-value of a standard normal z-score: P(|Z| ≥ |z|) = erfc(|z| / √2).
 * erfc by the Chebyshev fit of Numerical Recipes (erfcc), relative error below 1.2e-7 everywhere,
 * which is far finer than the 90/95/99 % bands the p-value is shown against.
 */
export function twoSidedPValue(zScore: number): number {
  if (Number.isNaN(zScore)) return Number.NaN;
  return Math.min(1, complementaryErrorFunction(Math.abs(zScore) / Math.SQRT2));
}

function complementaryErrorFunction(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const polynomial =
    -z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(polynomial);
  return x >= 0 ? value : 2 - value;
}
