import { readFile } from 'node:fs/promises';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import type { GeoPoint } from './hexagonCounts.ts';
import type { Bounds } from './kernelDensity.ts';

/** A boundary to count incidents in (a local authority district, a ward…). */
export interface District {
  code: string;
  name: string;
  geometry: Polygon | MultiPolygon;
  /** Its bounding box, to rule most points out before the exact test. */
  bounds: Bounds;
}

export interface DistrictProperties {
  /** Property holding the code, e.g. the ONS code; default "objectid" as in the police.uk-asb file. */
  codeProperty?: string;
  /** Default "district". */
  nameProperty?: string;
}

/** Districts from a GeoJSON FeatureCollection of (Multi)Polygons in WGS84; other geometries are left out. */
export function districtsFromGeoJson(collection: FeatureCollection, properties: DistrictProperties = {}): District[] {
  const codeProperty = properties.codeProperty ?? 'objectid';
  const nameProperty = properties.nameProperty ?? 'district';
  const districts: District[] = [];
  for (const [index, feature] of collection.features.entries()) {
    const geometry = feature.geometry;
    if (geometry?.type !== 'Polygon' && geometry?.type !== 'MultiPolygon') continue;
    const code = String(feature.properties?.[codeProperty] ?? feature.id ?? index);
    const name = String(feature.properties?.[nameProperty] ?? code);
    districts.push({ code, name, geometry, bounds: boundsOf(geometry) });
  }
  return districts;
}

/** Reads a boundary file such as ../shared/data/police-uk-asb/northumbria_districts.geojson. */
export async function readDistrictsFile(file: string, properties: DistrictProperties = {}): Promise<District[]> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { type?: unknown; features?: unknown };
  if (parsed.type !== 'FeatureCollection' || !Array.isArray(parsed.features)) throw new Error(`${file} is not a GeoJSON FeatureCollection.`);
  return districtsFromGeoJson(parsed as FeatureCollection, properties);
}

/** Whether the point lies inside the district (a point on the boundary counts as inside). */
export function pointInDistrict(point: GeoPoint, district: District): boolean {
  const { latitude, longitude } = point;
  const { west, south, east, north } = district.bounds;
  if (longitude < west || longitude > east || latitude < south || latitude > north) return false;
  return booleanPointInPolygon([longitude, latitude], district.geometry);
}

/** The first district holding the point, or null when it is outside them all. */
export function districtOf(point: GeoPoint, districts: ReadonlyArray<District>): District | null {
  return districts.find((district) => pointInDistrict(point, district)) ?? null;
}

/** Incidents per district code (every district listed, 0 included) and how many fell outside them all. */
export function countByDistrict(points: ReadonlyArray<GeoPoint>, districts: ReadonlyArray<District>): { counts: Map<string, number>; outside: number } {
  const counts = new Map(districts.map((district) => [district.code, 0]));
  let outside = 0;
  for (const point of points) {
    const district = districtOf(point, districts);
    if (district) counts.set(district.code, counts.get(district.code)! + 1);
    else outside += 1;
  }
  return { counts, outside };
}

function boundsOf(geometry: Polygon | MultiPolygon): Bounds {
  const bounds = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  const rings: Position[][] = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  for (const ring of rings) {
    for (const [longitude, latitude] of ring) {
      bounds.west = Math.min(bounds.west, longitude!);
      bounds.east = Math.max(bounds.east, longitude!);
      bounds.south = Math.min(bounds.south, latitude!);
      bounds.north = Math.max(bounds.north, latitude!);
    }
  }
  return bounds;
}
