import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import type { NearRepeatEvent } from './knox.ts';

/** A file that cannot be analysed, with a message an analyst can act on. */
export class NearRepeatInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NearRepeatInputError';
  }
}

export interface EventsRead {
  events: NearRepeatEvent[];
  /** Rows left out, by reason. */
  skipped: { otherCrimeType: number; noLocation: number; duplicate: number };
  crimeTypesSeen: string[];
}

const DAY_MS = 86_400_000;
// YYYY-MM-DD, optionally followed by a time: the day is the date as written (where the event happened).
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whole days since 1970-01-01, or null when `text` is not a real YYYY-MM-DD date (with an optional time). */
export function dayOf(text: string): number | null {
  const match = DATE.exec(text.trim());
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return time / DAY_MS;
}

/**
 * Reads police.uk-style street-level CSV files (Longitude, Latitude, Crime type, …) that also carry
 * a day-level `Date` column, streaming each file. Rows without a location are skipped, as police.uk
 * publishes some; a row repeated with the same Crime ID, date and place counts once.
 */
export async function readNearRepeatCsv(files: readonly string[], crimeType?: string): Promise<EventsRead> {
  const read: EventsRead = { events: [], skipped: { otherCrimeType: 0, noLocation: 0, duplicate: 0 }, crimeTypesSeen: [] };
  const crimeTypes = new Set<string>();
  const seen = new Set<string>();
  for (const file of files) {
    const name = path.basename(file);
    const parser = parse({ columns: (header: string[]) => checkHeader(name, header, crimeType), bom: true, skip_empty_lines: true, trim: true, relax_column_count: true });
    // pipe() does not pass on the file's errors: a missing file would crash the process instead.
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
        const event = eventOf(row, `${name} line ${line}`);
        if (!event) {
          read.skipped.noLocation += 1;
          continue;
        }
        const id = row['Crime ID'];
        const key = id ? `${id}|${event.day}|${event.longitude}|${event.latitude}` : '';
        if (key && seen.has(key)) {
          read.skipped.duplicate += 1;
          continue;
        }
        if (key) seen.add(key);
        read.events.push(event);
      }
    } catch (error) {
      if (error instanceof NearRepeatInputError) throw error;
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof NearRepeatInputError) throw cause;
      if ((error as { code?: string }).code === 'ENOENT') throw new NearRepeatInputError(`${file}: no such file.`);
      throw new NearRepeatInputError(`${name} is not a readable CSV file: ${(error as Error).message}`);
    }
  }
  read.crimeTypesSeen = [...crimeTypes].sort();
  return read;
}

function checkHeader(name: string, header: string[], crimeType: string | undefined): string[] {
  const has = (column: string) => header.includes(column);
  for (const column of ['Longitude', 'Latitude']) {
    if (!has(column)) throw new NearRepeatInputError(`${name} has no ${column} column: near-repeat analysis needs each event's Longitude and Latitude (WGS84), as in police.uk street-level files.`);
  }
  if (!has('Date')) {
    throw new NearRepeatInputError(
      has('Month')
        ? `${name} has only a Month column, no Date: near-repeat analysis needs the day of each event, because its time bands are counted in days (e.g. within 7 or 14 days) and a month cannot tell events 1 day apart from events 30 days apart. police.uk's own files carry only the month; use a file with a Date column (YYYY-MM-DD or ISO date-time).`
        : `${name} has no Date column: near-repeat analysis needs the day of each event (YYYY-MM-DD or ISO date-time).`,
    );
  }
  if (crimeType && !has('Crime type')) throw new NearRepeatInputError(`${name} has no Crime type column, so --crime-type "${crimeType}" cannot be applied: leave it out to use every row.`);
  return header;
}

function eventOf(row: Record<string, string | undefined>, where: string): NearRepeatEvent | null {
  const longitudeText = row.Longitude ?? '';
  const latitudeText = row.Latitude ?? '';
  if (isMissing(longitudeText) || isMissing(latitudeText)) return null;
  const longitude = Number(longitudeText);
  const latitude = Number(latitudeText);
  if (!Number.isFinite(longitude) || !Number.isFinite(latitude) || Math.abs(longitude) > 180 || Math.abs(latitude) > 90) {
    throw new NearRepeatInputError(`${where}: Longitude "${longitudeText}" and Latitude "${latitudeText}" are not WGS84 degrees.`);
  }
  const dateText = row.Date ?? '';
  const day = dayOf(dateText);
  if (day === null) throw new NearRepeatInputError(`${where}: Date "${dateText}" is not a date (YYYY-MM-DD or ISO date-time).`);
  return { longitude, latitude, day };
}

function isMissing(text: string): boolean {
  return text === '' || text.toUpperCase() === 'NA';
}
