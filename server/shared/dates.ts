export type CalendarDate =
  | { kind: 'blank' }
  | { kind: 'date'; iso: string }
  | { kind: 'problem'; problem: 'incomplete' | 'invalid' };

/** A GOV.UK date input's three boxes as an ISO calendar date, refusing dates like 31 February. */
export function calendarDate(day: string | undefined, month: string | undefined, year: string | undefined): CalendarDate {
  const parts = [day, month, year];
  if (parts.every((part) => !part)) return { kind: 'blank' };
  if (parts.some((part) => !part)) return { kind: 'problem', problem: 'incomplete' };
  if (!/^\d{1,2}$/.test(day!) || !/^\d{1,2}$/.test(month!) || !/^\d{4}$/.test(year!)) return { kind: 'problem', problem: 'invalid' };
  const [d, m, y] = [Number(day), Number(month), Number(year)];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return { kind: 'problem', problem: 'invalid' };
  return { kind: 'date', iso: date.toISOString().slice(0, 10) };
}

/** The calendar day after an ISO date: searches run up to the start of it. */
export function dayAfter(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

/** Today in England and Wales, as an ISO calendar date. */
export function londonToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** An ISO calendar date moved by a number of days. */
export function addDays(isoDate: string, days: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Whole years between a date of birth and a day. */
export function ageOn(dateOfBirth: string, onDay: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDay.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
