import { readFileSync } from 'node:fs';
import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import { addDays } from './dates.ts';

const ZONE = 'Europe/London';
const MINUTES_PER_HOUR = 60;

/** The working day, as minutes after midnight London time (09:00–17:00 unless configured). */
export interface WorkingHours {
  startMinute: number;
  endMinute: number;
}

export const OFFICE_HOURS: WorkingHours = { startMinute: 9 * MINUTES_PER_HOUR, endMinute: 17 * MINUTES_PER_HOUR };

/** GOV.UK's own format (https://www.gov.uk/bank-holidays.json), so an operator can drop in a newer copy. */
const bankHolidaysFileSchema = z.object({
  'england-and-wales': z.object({
    events: z.array(z.object({ date: z.iso.date(), title: z.string() })),
  }),
});

export const BUNDLED_BANK_HOLIDAYS = new URL('./data/bank-holidays.json', import.meta.url);

/** The England and Wales bank holidays in a GOV.UK bank-holidays.json file, as ISO dates. */
export function loadBankHolidays(file: string | URL = BUNDLED_BANK_HOLIDAYS): Set<string> {
  const parsed = bankHolidaysFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  return new Set(parsed['england-and-wales'].events.map((event) => event.date));
}

/**
 * Working time in England and Wales: Monday to Friday within working hours, London local time
 * (so British Summer Time is followed), bank holidays excluded. Deadlines for referrals and ASB
 * Case Reviews are counted with it.
 */
export class WorkingCalendar {
  readonly #holidays: ReadonlySet<string>;
  readonly #hours: WorkingHours;

  constructor(holidays: ReadonlySet<string>, hours: WorkingHours = OFFICE_HOURS) {
    if (!(hours.startMinute >= 0 && hours.startMinute < hours.endMinute && hours.endMinute <= 24 * MINUTES_PER_HOUR)) {
      throw new Error('Working hours must start before they end, within one day');
    }
    this.#holidays = holidays;
    this.#hours = hours;
  }

  /** A weekday that is not a bank holiday. */
  isWorkingDay(isoDate: string): boolean {
    const weekday = new Date(`${isoDate}T12:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6 && !this.#holidays.has(isoDate);
  }

  /** The first working day on or after an ISO date. */
  nextWorkingDay(isoDate: string): string {
    let day = isoDate;
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }

  /**
   * Close of business on the `days`-th working day after the day `from` falls on (London time).
   * Zero days is the close of the current working day, or of the next one when `from` is not
   * in a working day or is after its close.
   */
  addWorkingDays(from: Date, days: number): Date {
    if (!Number.isInteger(days) || days < 0) throw new RangeError('Working days must be a whole number, zero or more');
    const { isoDate, minute } = londonWallClock(from);
    let day = this.isWorkingDay(isoDate) && minute < this.#hours.endMinute ? isoDate : this.nextWorkingDay(addDays(isoDate, 1));
    for (let counted = 0; counted < days; counted++) day = this.nextWorkingDay(addDays(day, 1));
    return instantAt(day, this.#hours.endMinute);
  }

  /** The moment `hours` of working time after `from` have passed (time outside working hours does not count). */
  addWorkingHours(from: Date, hours: number): Date {
    if (!(hours >= 0)) throw new RangeError('Working hours must be zero or more');
    let remaining = Math.round(hours * MINUTES_PER_HOUR);
    let { isoDate, minute } = this.#clampToWorkingTime(from);
    for (;;) {
      const leftToday = this.#hours.endMinute - minute;
      if (remaining <= leftToday) return instantAt(isoDate, minute + remaining);
      remaining -= leftToday;
      isoDate = this.nextWorkingDay(addDays(isoDate, 1));
      minute = this.#hours.startMinute;
    }
  }

  /** Working minutes between two moments; zero when `to` is not after `from`. */
  workingMinutesBetween(from: Date, to: Date): number {
    if (to <= from) return 0;
    const start = this.#clampToWorkingTime(from);
    const end = londonWallClock(to);
    let total = 0;
    for (let day = start.isoDate; day <= end.isoDate; day = addDays(day, 1)) {
      if (!this.isWorkingDay(day)) continue;
      const open = day === start.isoDate ? start.minute : this.#hours.startMinute;
      const close = day === end.isoDate ? Math.min(end.minute, this.#hours.endMinute) : this.#hours.endMinute;
      total += Math.max(0, close - Math.max(open, this.#hours.startMinute));
    }
    return total;
  }

  /** `from`, or the next start of working time when `from` falls outside it. */
  #clampToWorkingTime(from: Date): { isoDate: string; minute: number } {
    const { isoDate, minute } = londonWallClock(from);
    if (this.isWorkingDay(isoDate) && minute < this.#hours.endMinute) return { isoDate, minute: Math.max(minute, this.#hours.startMinute) };
    return { isoDate: this.nextWorkingDay(addDays(isoDate, 1)), minute: this.#hours.startMinute };
  }
}

/** The London calendar date and minute of the day (seconds dropped) of an instant. */
function londonWallClock(instant: Date): { isoDate: string; minute: number } {
  const local = new TZDate(instant.getTime(), ZONE);
  const isoDate = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`;
  return { isoDate, minute: local.getHours() * MINUTES_PER_HOUR + local.getMinutes() };
}

/** The instant a London wall clock shows `minute` past midnight on `isoDate`. */
function instantAt(isoDate: string, minute: number): Date {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const local = new TZDate(year, month - 1, day, Math.floor(minute / MINUTES_PER_HOUR), minute % MINUTES_PER_HOUR, ZONE);
  return new Date(local.getTime());
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

let englandAndWales: WorkingCalendar | undefined;

/** The calendar from the bundled GOV.UK file, read once. */
export function englandAndWalesCalendar(): WorkingCalendar {
  englandAndWales ??= new WorkingCalendar(loadBankHolidays());
  return englandAndWales;
}
