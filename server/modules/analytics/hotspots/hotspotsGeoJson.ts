import type { Feature, FeatureCollection, Polygon } from 'geojson';
import type { HotspotBand, HotspotCell } from './getisOrd.ts';

export interface HotspotFeatureProperties {
  cell: string;
  count: number;
  zScore: number;
  pValue: number;
  band: HotspotBand;
}

/** Gi* cells as hexagon polygons for a map layer, coloured by `band`. */
export function hotspotsGeoJson(cells: ReadonlyArray<HotspotCell>): FeatureCollection<Polygon, HotspotFeatureProperties> {
  return {
    type: 'FeatureCollection',
    features: cells.map(
      ({ cell, count, zScore, pValue, band, boundary }): Feature<Polygon, HotspotFeatureProperties> => ({
        type: 'Feature',
        id: cell,
        geometry: { type: 'Polygon', coordinates: [boundary] },
        properties: { cell, count, zScore, pValue, band },
      }),
    ),
  };
}
