import { londonToday } from '../../shared/dates.ts';
import { startOfLondonDay } from '../../shared/time.ts';

/** A calendar quarter, '2026-Q3' (July to September 2026), counted in London time. */
export type Quarter = `${number}-Q${1 | 2 | 3 | 4}`;

export const QUARTER_PATTERN = /^(\d{4})-Q([1-4])$/;

export function isQuarter(value: unknown): value is Quarter {
  return typeof value === 'string' && QUARTER_PATTERN.test(value);
}

export function quarterOfDay(isoDate: string): Quarter {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return `${year}-Q${(Math.floor((month - 1) / 3) + 1) as 1 | 2 | 3 | 4}`;
}

export function quarterParts(quarter: Quarter): { year: number; number: number } {
  const [, year, number] = QUARTER_PATTERN.exec(quarter) ?? [];
  return { year: Number(year), number: Number(number) };
}

export function shiftQuarter(quarter: Quarter, by: number): Quarter {
  const { year, number } = quarterParts(quarter);
  const index = year * 4 + (number - 1) + by;
  return `${Math.floor(index / 4)}-Q${((index % 4) + 1) as 1 | 2 | 3 | 4}`;
}

/** The first and the day after the last calendar day of the quarter, as ISO dates. */
export function quarterDays(quarter: Quarter): { first: string; afterLast: string } {
  const { year, number } = quarterParts(quarter);
  const month = (number - 1) * 3 + 1;
  const first = `${year}-${String(month).padStart(2, '0')}-01`;
  const afterLast = number === 4 ? `${year + 1}-01-01` : `${year}-${String(month + 3).padStart(2, '0')}-01`;
  return { first, afterLast };
}

/** The quarter as instants: from midnight London time on its first day, up to (not including) the next quarter's. */
export function quarterRange(quarter: Quarter): { from: Date; to: Date } {
  const { first, afterLast } = quarterDays(quarter);
  return { from: startOfLondonDay(first), to: startOfLondonDay(afterLast) };
}

/** The last quarter that has ended by `now`. */
export function lastCompleteQuarter(now: Date): Quarter {
  return shiftQuarter(quarterOfDay(londonToday(now)), -1);
}

/** `count` complete quarters up to and including the last complete one, oldest first. */
export function recentQuarters(now: Date, count: number): Quarter[] {
  const last = lastCompleteQuarter(now);
  return Array.from({ length: count }, (_, index) => shiftQuarter(last, index - count + 1));
}
