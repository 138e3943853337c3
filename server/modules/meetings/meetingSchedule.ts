import { addDays } from '../../shared/dates.ts';
import { startOfLondonDay } from '../../shared/time.ts';

/**
 * A series meets every `everyWeeks` weeks on the weekday of its first meeting. The next `count`
 * dates on or after `from` (ISO calendar dates, London).
 */
export function nextOccurrences(series: { first_date: string; every_weeks: number }, from: string, count: number): string[] {
  const step = series.every_weeks * 7;
  let date = series.first_date;
  if (date < from) {
    const days = Math.round((Date.parse(`${from}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
    date = addDays(date, Math.ceil(days / step) * step);
  }
  const dates: string[] = [];
  for (let index = 0; index < count; index += 1) dates.push(addDays(date, index * step));
  return dates;
}

/** When a meeting on `heldOn` at `startTime` (HH:MM, London) starts, as an instant. */
export function startsAt(heldOn: string, startTime: string): Date {
  const [hours, minutes] = startTime.split(':').map(Number);
  return new Date(startOfLondonDay(heldOn).getTime() + ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000);
}
