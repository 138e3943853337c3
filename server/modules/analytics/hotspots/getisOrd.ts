import { cellToBoundary, gridDisk, isValidCell } from 'h3-js';
import { twoSidedPValue } from './normalDistribution.ts';

export const HOTSPOT_BANDS = ['hot_99', 'hot_95', 'hot_90', 'not_significant', 'cold_90', 'cold_95', 'cold_99'] as const;
export type HotspotBand = (typeof HOTSPOT_BANDS)[number];

/** |z| at or above which a cell is significant at 99, 95 and 90 % (two-sided normal). */
export const Z_THRESHOLDS = { 99: 2.576, 95: 1.96, 90: 1.645 } as const;

export interface HotspotCell {
  /** H3 cell index. */
  cell: string;
  count: number;
  zScore: number;
  /** Two-sided, from the normal distribution. */
  pValue: number;
  band: HotspotBand;
  /** The hexagon as a closed GeoJSON ring of [longitude, latitude]. */
  boundary: Array<[number, number]>;
}

export interface GiStarOptions {
  /** Neighbours are the cells within this many rings (1 = the 6 touching hexagons). Default 1. */
  neighbourRings?: number;
  /**
   * Default true: the study area is every cell holding incidents plus the empty cells within
   * 2 × `neighbourRings` of one. False: only the cells given in `counts` (see hotspotStudyArea).
   */
  includeZeroCells?: boolean;
}

export const MAX_NEIGHBOUR_RINGS = 10;

/**
 * Getis–Ord Gi* for each cell of the study area, sorted by z-score, highest first.
 *
 * Weights are binary contiguity: w_ij = 1 when cell j is within `neighbourRings` of cell i
 * (the cell itself included, which makes it Gi* rather than Gi) and j is in the study area.
 * With n cells, mean x̄ and S = √(Σx²/n − x̄²):
 *
 *   Gi* = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √((n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)))
 *
 * which is itself the z-score. When every cell has the same count (S = 0) or the neighbourhood
 * is the whole study area, there is nothing to compare and z is 0.
 */
export function getisOrdGiStar(counts: ReadonlyMap<string, number>, options: GiStarOptions = {}): HotspotCell[] {
  const rings = options.neighbourRings ?? 1;
  if (!Number.isInteger(rings) || rings < 1 || rings > MAX_NEIGHBOUR_RINGS) {
    throw new RangeError(`The neighbour rings must be a whole number from 1 to ${MAX_NEIGHBOUR_RINGS} (got ${rings}).`);
  }
  const area = hotspotStudyArea(counts, { neighbourRings: rings, includeZeroCells: options.includeZeroCells ?? true });
  const n = area.size;
  let sum = 0;
  for (const count of area.values()) sum += count;
  const mean = n > 0 ? sum / n : 0;
  // Two passes (Σ(x − x̄)² rather than Σx² − n·x̄²) so that equal counts give S = 0 exactly.
  let squaredDeviations = 0;
  for (const count of area.values()) squaredDeviations += (count - mean) ** 2;
  const spread = n > 0 ? Math.sqrt(squaredDeviations / n) : 0;

  const cells: HotspotCell[] = [];
  for (const [cell, count] of area) {
    let weightSum = 0;
    let localSum = 0;
    for (const neighbour of gridDisk(cell, rings)) {
      const neighbourCount = area.get(neighbour);
      if (neighbourCount === undefined) continue;
      weightSum += 1;
      localSum += neighbourCount;
    }
    const denominator = spread * Math.sqrt((n * weightSum - weightSum * weightSum) / (n - 1));
    const zScore = denominator > 0 ? (localSum - mean * weightSum) / denominator : 0;
    cells.push({ cell, count, zScore, pValue: twoSidedPValue(zScore), band: bandOf(zScore), boundary: cellToBoundary(cell, true) as Array<[number, number]> });
  }
  return cells.sort((a, b) => b.zScore - a.zScore || (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0));
}

/**
 * The cells Gi* compares (cell → count, 0 for the empty ones).
 *
 * Why incident cells plus the empty cells around them, and not a bounding box or the force area:
 * a box fills the mean with empty moor, sea and parkland, so every populated street looks "hot";
 * incident cells alone (includeZeroCells false) never see the empty cells around a cluster, so a
 * cluster next to nothing looks less unusual than it is.
 *
 * Why 2 × rings of empty cells and not just `rings`: every cell whose neighbourhood holds an
 * incident is then surrounded by its full set of neighbours inside the study area. With only
 * `rings` of padding the empty cells on the rim have fewer neighbours, so the same incidents
 * weigh more in their smaller neighbourhood and the rim around a cluster comes out hotter than
 * the cluster itself. The price of any padding: the mean, and so the z-scores, depend on the
 * rings, so compare maps made with the same settings.
 */
export function hotspotStudyArea(counts: ReadonlyMap<string, number>, options: { neighbourRings: number; includeZeroCells: boolean }): Map<string, number> {
  const area = new Map<string, number>();
  for (const [cell, count] of counts) {
    if (!isValidCell(cell)) throw new RangeError(`"${cell}" is not an H3 cell index.`);
    if (!Number.isFinite(count) || count < 0) throw new RangeError(`The count of cell ${cell} must be 0 or more (got ${count}).`);
    area.set(cell, count);
  }
  if (!options.includeZeroCells) return area;
  for (const [cell, count] of counts) {
    if (count === 0) continue;
    for (const neighbour of gridDisk(cell, 2 * options.neighbourRings)) {
      if (!area.has(neighbour)) area.set(neighbour, 0);
    }
  }
  return area;
}

export function bandOf(zScore: number): HotspotBand {
  const size = Math.abs(zScore);
  const level = size >= Z_THRESHOLDS[99] ? '99' : size >= Z_THRESHOLDS[95] ? '95' : size >= Z_THRESHOLDS[90] ? '90' : null;
  if (level === null) return 'not_significant';
  return zScore > 0 ? `hot_${level}` : `cold_${level}`;
}
