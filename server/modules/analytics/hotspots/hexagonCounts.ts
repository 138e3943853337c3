import { latLngToCell } from 'h3-js';

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

export const MIN_H3_RESOLUTION = 0;
export const MAX_H3_RESOLUTION = 15;

/**
 * Incidents per H3 hexagon (cell index → count). Only cells holding at least one point appear;
 * the Gi* step adds the empty neighbours it needs. At resolution 9 a hexagon is about 0.1 km²
 * (174 m edge), at 8 about 0.7 km², at 10 about 0.015 km².
 */
export function hexagonCounts(points: ReadonlyArray<GeoPoint>, options: { h3Resolution: number }): Map<string, number> {
  checkResolution(options.h3Resolution);
  const counts = new Map<string, number>();
  for (const { latitude, longitude } of points) {
    checkPoint(latitude, longitude);
    const cell = latLngToCell(latitude, longitude, options.h3Resolution);
    counts.set(cell, (counts.get(cell) ?? 0) + 1);
  }
  return counts;
}

/** As hexagonCounts, for coordinates packed as [latitude, longitude, latitude, …] (already checked). */
export function hexagonCountsOfPacked(coordinates: Float64Array, h3Resolution: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let index = 0; index < coordinates.length; index += 2) {
    const cell = latLngToCell(coordinates[index]!, coordinates[index + 1]!, h3Resolution);
    counts.set(cell, (counts.get(cell) ?? 0) + 1);
  }
  return counts;
}

export function checkResolution(resolution: number): void {
  if (!Number.isInteger(resolution) || resolution < MIN_H3_RESOLUTION || resolution > MAX_H3_RESOLUTION) {
    throw new RangeError(`The H3 resolution must be a whole number from ${MIN_H3_RESOLUTION} to ${MAX_H3_RESOLUTION} (got ${resolution}).`);
  }
}

export function checkPoint(latitude: number, longitude: number): void {
  if (!isWgs84(latitude, longitude)) throw new RangeError(`Latitude ${latitude} and longitude ${longitude} are not WGS84 degrees.`);
}

export function isWgs84(latitude: number, longitude: number): boolean {
  return Number.isFinite(latitude) && Number.isFinite(longitude) && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180;
}
