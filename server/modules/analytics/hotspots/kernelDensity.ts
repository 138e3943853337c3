import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { type GeoPoint, isWgs84 } from './hexagonCounts.ts';

export interface Bounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface DensitySurface {
  /** grid[row][column], row 0 along the south edge, column 0 along the west edge; incidents per km². */
  grid: number[][];
  /** The grid's own extent: `bounds` as asked for, widened to a whole number of cells. */
  bounds: Bounds;
  cellSizeMetres: number;
  bandwidthMetres: number;
  rows: number;
  columns: number;
  /** Highest density in the grid (incidents per km²), 0 when there are no points. */
  max: number;
}

export interface KernelDensityOptions {
  cellSizeMetres: number;
  /** Search radius of the quartic kernel: a point adds nothing beyond it. */
  bandwidthMetres: number;
  /** Default: the points' extent widened by the bandwidth on every side. */
  bounds?: Bounds;
}

export const MAX_DENSITY_CELLS = 4_000_000;
const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;

/**
 * Kernel density surface with the quartic (biweight) kernel, K(d) = 3/(πh²) · (1 − d²/h²)² for
 * d < h, as in ArcGIS and CrimeStat. Each cell holds the density at its centre in incidents per
 * km², so Σ density × cell area ≈ the number of points whose kernel lies inside the bounds.
 * Distances are measured on a flat projection around the bounds' middle latitude, which is well
 * within a metre over a force area.
 */
export function kernelDensity(points: ReadonlyArray<GeoPoint>, options: KernelDensityOptions): DensitySurface {
  const { cellSizeMetres: cell, bandwidthMetres: bandwidth } = options;
  if (!(Number.isFinite(cell) && cell > 0)) throw new RangeError(`The cell size must be more than 0 metres (got ${cell}).`);
  if (!(Number.isFinite(bandwidth) && bandwidth > 0)) throw new RangeError(`The bandwidth must be more than 0 metres (got ${bandwidth}).`);
  const asked = options.bounds ?? paddedExtent(points, bandwidth);
  if (!asked) throw new RangeError('A density surface needs at least one point, or bounds to cover.');
  if (!(asked.east > asked.west && asked.north > asked.south)) throw new RangeError('The bounds must have east > west and north > south.');

  const metresPerDegreeLongitude = METRES_PER_DEGREE * Math.cos((((asked.south + asked.north) / 2) * Math.PI) / 180);
  const columns = Math.max(1, Math.ceil(((asked.east - asked.west) * metresPerDegreeLongitude) / cell));
  const rows = Math.max(1, Math.ceil(((asked.north - asked.south) * METRES_PER_DEGREE) / cell));
  if (rows * columns > MAX_DENSITY_CELLS) {
    throw new RangeError(`A ${cell} m grid over this area has ${(rows * columns).toLocaleString('en-GB')} cells, more than ${MAX_DENSITY_CELLS.toLocaleString('en-GB')}: choose larger cells or a smaller area.`);
  }
  const bounds = { west: asked.west, south: asked.south, east: asked.west + (columns * cell) / metresPerDegreeLongitude, north: asked.south + (rows * cell) / METRES_PER_DEGREE };

  const sums = new Float64Array(rows * columns);
  const bandwidthSquared = bandwidth * bandwidth;
  for (const { latitude, longitude } of points) {
    if (!isWgs84(latitude, longitude)) throw new RangeError(`Latitude ${latitude} and longitude ${longitude} are not WGS84 degrees.`);
    const x = (longitude - bounds.west) * metresPerDegreeLongitude;
    const y = (latitude - bounds.south) * METRES_PER_DEGREE;
    const firstColumn = Math.max(0, Math.ceil((x - bandwidth) / cell - 0.5));
    const lastColumn = Math.min(columns - 1, Math.floor((x + bandwidth) / cell - 0.5));
    const firstRow = Math.max(0, Math.ceil((y - bandwidth) / cell - 0.5));
    const lastRow = Math.min(rows - 1, Math.floor((y + bandwidth) / cell - 0.5));
    for (let row = firstRow; row <= lastRow; row += 1) {
      const dy = (row + 0.5) * cell - y;
      for (let column = firstColumn; column <= lastColumn; column += 1) {
        const dx = (column + 0.5) * cell - x;
        const share = 1 - (dx * dx + dy * dy) / bandwidthSquared;
        if (share > 0) sums[row * columns + column]! += share * share;
      }
    }
  }

  const perSquareKilometre = (3 / (Math.PI * bandwidthSquared)) * 1e6;
  const grid: number[][] = [];
  let max = 0;
  for (let row = 0; row < rows; row += 1) {
    const line = Array.from(sums.subarray(row * columns, (row + 1) * columns), (value) => value * perSquareKilometre);
    for (const value of line) if (value > max) max = value;
    grid.push(line);
  }
  return { grid, bounds, cellSizeMetres: cell, bandwidthMetres: bandwidth, rows, columns, max };
}

function paddedExtent(points: ReadonlyArray<GeoPoint>, bandwidth: number): Bounds | null {
  if (points.length === 0) return null;
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (const { latitude, longitude } of points) {
    if (!isWgs84(latitude, longitude)) throw new RangeError(`Latitude ${latitude} and longitude ${longitude} are not WGS84 degrees.`);
    west = Math.min(west, longitude);
    east = Math.max(east, longitude);
    south = Math.min(south, latitude);
    north = Math.max(north, latitude);
  }
  const padLatitude = bandwidth / METRES_PER_DEGREE;
  const padLongitude = bandwidth / (METRES_PER_DEGREE * Math.cos((((south + north) / 2) * Math.PI) / 180));
  return { west: west - padLongitude, south: south - padLatitude, east: east + padLongitude, north: north + padLatitude };
}

export interface DensityCellProperties {
  /** Incidents per km² at the cell's centre. */
  density: number;
  /** density ÷ the surface's max, 0–1, for a colour ramp. */
  share: number;
}

/**
 * The surface as square cells for a map layer (no contouring): only cells whose density is at
 * least `minimumShare` of the max (default: any density above 0), to keep the layer small.
 */
export function densityGeoJson(surface: DensitySurface, options: { minimumShare?: number } = {}): FeatureCollection<Polygon, DensityCellProperties> {
  const minimumShare = options.minimumShare ?? 0;
  const { bounds, rows, columns, grid, max } = surface;
  const width = (bounds.east - bounds.west) / columns;
  const height = (bounds.north - bounds.south) / rows;
  const features: Feature<Polygon, DensityCellProperties>[] = [];
  if (max <= 0) return { type: 'FeatureCollection', features };
  for (let row = 0; row < rows; row += 1) {
    for (let column = 0; column < columns; column += 1) {
      const density = grid[row]![column]!;
      const share = density / max;
      if (density <= 0 || share < minimumShare) continue;
      const west = bounds.west + column * width;
      const south = bounds.south + row * height;
      const ring: Array<[number, number]> = [[west, south], [west + width, south], [west + width, south + height], [west, south + height], [west, south]];
      features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { density, share } });
    }
  }
  return { type: 'FeatureCollection', features };
}
