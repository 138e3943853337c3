import { readFileSync } from 'node:fs';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';

/** A district of the partnership area, with its bounding box for a quick first test. */
export interface District {
  name: string;
  code: string;
  geometry: Polygon | MultiPolygon;
  bbox: [number, number, number, number];
}

export interface PartnershipArea {
  districts: District[];
  bbox: [number, number, number, number];
  /** The boundaries as GeoJSON, coordinates rounded to about 1 m, for the map. */
  geoJson: FeatureCollection<Polygon | MultiPolygon, { name: string; code: string }>;
}

const BOUNDARIES = new URL('./boundaries/districts.geojson', import.meta.url);

let loaded: PartnershipArea | undefined;

/**
 * The partnership's districts (ONS boundaries, Open Government Licence), read once. Points
 * outside every district are counted and reported, never drawn.
 */
export function partnershipArea(): PartnershipArea {
  loaded ??= areaFrom(JSON.parse(readFileSync(BOUNDARIES, 'utf8')) as FeatureCollection<Polygon | MultiPolygon, Record<string, unknown>>);
  return loaded;
}

export function areaFrom(collection: FeatureCollection<Polygon | MultiPolygon, Record<string, unknown>>): PartnershipArea {
  const districts = collection.features.map((feature) => ({
    name: String(feature.properties?.district ?? feature.properties?.name ?? ''),
    code: String(feature.properties?.objectid ?? feature.properties?.code ?? ''),
    geometry: roundGeometry(feature.geometry),
    bbox: bboxOf(feature.geometry),
  }));
  const bbox = districts.reduce<[number, number, number, number]>(
    (box, district) => [Math.min(box[0], district.bbox[0]), Math.min(box[1], district.bbox[1]), Math.max(box[2], district.bbox[2]), Math.max(box[3], district.bbox[3])],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  const features: Feature<Polygon | MultiPolygon, { name: string; code: string }>[] = districts.map((district) => ({
    type: 'Feature',
    properties: { name: district.name, code: district.code },
    geometry: district.geometry,
  }));
  return { districts, bbox, geoJson: { type: 'FeatureCollection', features } };
}

/** The district holding a point, or null outside the partnership area. */
export function districtOf(area: PartnershipArea, longitude: number, latitude: number): District | null {
  if (!within(area.bbox, longitude, latitude)) return null;
  return area.districts.find((district) => within(district.bbox, longitude, latitude) && booleanPointInPolygon([longitude, latitude], district.geometry)) ?? null;
}

function within(bbox: [number, number, number, number], longitude: number, latitude: number): boolean {
  return longitude >= bbox[0] && latitude >= bbox[1] && longitude <= bbox[2] && latitude <= bbox[3];
}

function ringsOf(geometry: Polygon | MultiPolygon): Position[][] {
  return geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
}

function bboxOf(geometry: Polygon | MultiPolygon): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of ringsOf(geometry)) {
    for (const [longitude, latitude] of ring) {
      box[0] = Math.min(box[0], longitude!);
      box[1] = Math.min(box[1], latitude!);
      box[2] = Math.max(box[2], longitude!);
      box[3] = Math.max(box[3], latitude!);
    }
  }
  return box;
}

function roundRing(ring: Position[]): Position[] {
  const rounded: Position[] = [];
  for (const [longitude, latitude] of ring) {
    const point = [Math.round(longitude! * 1e5) / 1e5, Math.round(latitude! * 1e5) / 1e5];
    const last = rounded.at(-1);
    if (!last || last[0] !== point[0] || last[1] !== point[1]) rounded.push(point);
  }
  return rounded;
}

function roundGeometry(geometry: Polygon | MultiPolygon): Polygon | MultiPolygon {
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(roundRing) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((polygon) => polygon.map(roundRing)) };
}
