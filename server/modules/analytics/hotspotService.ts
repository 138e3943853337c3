import type { AnalyticsRepository } from './analyticsRepository.ts';
import type { AnalyticsFilter, HotspotParameters } from './analyticsSchemas.ts';
import { getisOrdGiStar, type HotspotCell } from './hotspots/getisOrd.ts';
import { hexagonCounts } from './hotspots/hexagonCounts.ts';
import { districtOf, partnershipArea } from './partnershipArea.ts';
import { TtlCache } from './ttlCache.ts';

/** Points sent to the interactive map; beyond this the map shows the hexagons only. */
export const MAP_POINT_LIMIT = 20_000;

export interface HotspotResult {
  cells: HotspotCell[];
  /** Incidents inside the partnership area, counted into the grid. */
  mapped: number;
  /** Incidents with a position outside every district: counted and reported, not drawn. */
  outside: number;
  withoutPosition: number;
  points: [number, number][];
  pointsCapped: boolean;
}

/** Hotspots of the filtered incidents: H3 grid, Getis–Ord Gi* (the hotspots engine), district check. */
export class HotspotService {
  readonly #repository: AnalyticsRepository;
  readonly #cache = new TtlCache(60, 50);

  constructor(repository: AnalyticsRepository) {
    this.#repository = repository;
  }

  analyse(filter: AnalyticsFilter, parameters: HotspotParameters): Promise<HotspotResult> {
    return this.#cache.get(JSON.stringify([filter, parameters]), () => this.#analyse(filter, parameters));
  }

  async #analyse(filter: AnalyticsFilter, parameters: HotspotParameters): Promise<HotspotResult> {
    const [points, withoutPosition] = await Promise.all([this.#repository.points(filter), this.#repository.countWithoutPosition(filter)]);
    const area = partnershipArea();
    // police.uk positions are snap points shared by many incidents: test each place once.
    const insideByPlace = new Map<string, boolean>();
    const inside: { latitude: number; longitude: number }[] = [];
    for (const point of points) {
      const place = `${point.latitude},${point.longitude}`;
      let isInside = insideByPlace.get(place);
      if (isInside === undefined) {
        isInside = districtOf(area, point.longitude, point.latitude) !== null;
        insideByPlace.set(place, isInside);
      }
      if (isInside) inside.push(point);
    }
    const cells = inside.length > 0 ? getisOrdGiStar(hexagonCounts(inside, { h3Resolution: parameters.resolution }), { neighbourRings: parameters.rings }) : [];
    return {
      cells,
      mapped: inside.length,
      outside: points.length - inside.length,
      withoutPosition,
      points: inside.slice(0, MAP_POINT_LIMIT).map((point) => [round(point.latitude), round(point.longitude)]),
      pointsCapped: inside.length > MAP_POINT_LIMIT,
    };
  }

  clear(): void {
    this.#cache.clear();
  }
}

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}
