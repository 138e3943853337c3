import { intlLocales, type Locale } from './i18n/index.ts';

/** OneRoof stores UTC and shows the time in England and Wales. */
export const DISPLAY_TIME_ZONE = 'Europe/London';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}:${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(intlLocales[locale], { timeZone: DISPLAY_TIME_ZONE, ...options });
    formatters.set(key, cached);
  }
  return cached;
}

function toDate(value: Date | string | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** 25 November 2026 */
export function formatDate(value: Date | string | null | undefined, locale: Locale): string {
  const date = toDate(value);
  return date ? formatter(locale, { day: 'numeric', month: 'long', year: 'numeric' }).format(date) : '';
}

/** 25 November 2026, 14:05 */
export function formatDateTime(value: Date | string | null | undefined, locale: Locale): string {
  const date = toDate(value);
  return date
    ? formatter(locale, { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date)
    : '';
}

/** ISO 8601 for <time datetime>. */
export function isoDateTime(value: Date | string | null | undefined): string {
  return toDate(value)?.toISOString() ?? '';
}

/**
 * The UTC instant at which a calendar day starts in England and Wales, for date filters typed
 * by users (a search "from 31 March" means from midnight London time, whatever the offset).
 */
export function startOfLondonDay(isoDate: string): Date {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(year, month - 1, day);
  const offsetMinutes = londonOffsetMinutes(new Date(utcMidnight));
  return new Date(utcMidnight - offsetMinutes * 60_000);
}

function londonOffsetMinutes(at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: DISPLAY_TIME_ZONE, timeZoneName: 'shortOffset' }).formatToParts(at);
  const name = parts.find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-]\d+)?(?::(\d+))?/.exec(name);
  const hours = Number(match?.[1] ?? 0);
  const minutes = Number(match?.[2] ?? 0);
  return hours * 60 + Math.sign(hours) * minutes;
}
