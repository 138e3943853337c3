import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import type { GeoPoint } from './hexagonCounts.ts';

/** A file that cannot be mapped, with a message an analyst can act on. */
export class HotspotInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HotspotInputError';
  }
}

export interface PointsRead {
  points: GeoPoint[];
  /** Rows left out, by reason. */
  skipped: { otherCrimeType: number; noLocation: number; duplicate: number };
  crimeTypesSeen: string[];
}

/**
 * Reads police.uk-style street-level CSV files (Longitude, Latitude, Crime type, …), streaming
 * each file. Unlike near-repeat work, no date is needed, so police.uk's own Month-only files do.
 * Rows without a location are skipped (police.uk publishes some); a row repeated with the same
 * Crime ID, month and place counts once (rows with an empty Crime ID, as ASB rows are, all count).
 */
export async function readHotspotCsv(files: readonly string[], crimeType?: string): Promise<PointsRead> {
  const read: PointsRead = { points: [], skipped: { otherCrimeType: 0, noLocation: 0, duplicate: 0 }, crimeTypesSeen: [] };
  const crimeTypes = new Set<string>();
  const seen = new Set<string>();
  for (const file of files) {
    const name = path.basename(file);
    const parser = parse({ columns: (header: string[]) => checkHeader(name, header, crimeType), bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
    // pipe() does not pass on the file's errors (a missing file would crash the process instead).
    createReadStream(file).on('error', (error) => parser.destroy(error)).pipe(parser);
    let line = 1;
    try {
      for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
        line += 1;
        const type = row['Crime type'] ?? '';
        if (type) crimeTypes.add(type);
        if (crimeType && type.toLowerCase() !== crimeType.toLowerCase()) {
          read.skipped.otherCrimeType += 1;
          continue;
        }
        const point = pointOf(row, `${name} line ${line}`);
        if (!point) {
          read.skipped.noLocation += 1;
          continue;
        }
        const id = row['Crime ID'];
        const key = id ? `${id}|${row.Month ?? row.Date ?? ''}|${point.longitude}|${point.latitude}` : '';
        if (key && seen.has(key)) {
          read.skipped.duplicate += 1;
          continue;
        }
        if (key) seen.add(key);
        read.points.push(point);
      }
    } catch (error) {
      throw asInputError(error, file, name);
    }
  }
  read.crimeTypesSeen = [...crimeTypes].sort();
  return read;
}

function asInputError(error: unknown, file: string, name: string): Error {
  if (error instanceof HotspotInputError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof HotspotInputError) return cause;
  if ((error as { code?: string }).code === 'ENOENT') return new HotspotInputError(`${file}: no such file.`);
  if ((error as { code?: string }).code === 'EISDIR') return new HotspotInputError(`${file} is a folder, not a CSV file.`);
  return new HotspotInputError(`${name} is not a readable CSV file: ${(error as Error).message}`);
}

function checkHeader(name: string, header: string[], crimeType: string | undefined): string[] {
  for (const column of ['Longitude', 'Latitude']) {
    if (!header.includes(column)) throw new HotspotInputError(`${name} has no ${column} column: hotspot analysis needs each incident's Longitude and Latitude (WGS84), as in police.uk street-level files.`);
  }
  if (crimeType && !header.includes('Crime type')) throw new HotspotInputError(`${name} has no Crime type column, so --crime-type "${crimeType}" cannot be applied: leave it out to use every row.`);
  return header;
}

function pointOf(row: Record<string, string | undefined>, where: string): GeoPoint | null {
  const longitudeText = row.Longitude ?? '';
  const latitudeText = row.Latitude ?? '';
  if (isMissing(longitudeText) || isMissing(latitudeText)) return null;
  const longitude = Number(longitudeText);
  const latitude = Number(latitudeText);
  if (!Number.isFinite(longitude) || !Number.isFinite(latitude) || Math.abs(longitude) > 180 || Math.abs(latitude) > 90) {
    throw new HotspotInputError(`${where}: Longitude "${longitudeText}" and Latitude "${latitudeText}" are not WGS84 degrees.`);
  }
  return { latitude, longitude };
}

function isMissing(text: string): boolean {
  return text === '' || text.toUpperCase() === 'NA';
}
