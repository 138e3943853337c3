import { englandAndWalesCalendar, type WorkingCalendar } from '../../shared/workingTime.ts';

/**
 * The same calendar date `months` later, or the last day of that month when it has no such date
 * (31 January + 1 month = 28 or 29 February), as the ICO counts a subject access request's time limit.
 */
export function addCalendarMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/**
 * When the answer is due: one calendar month after the day the request was received, plus any
 * extension (up to two further months for complex or numerous requests); a date that falls on a
 * weekend or bank holiday moves to the next working day.
 */
export function subjectAccessDueOn(receivedOn: string, extensionMonths = 0, calendar: WorkingCalendar = englandAndWalesCalendar()): string {
  return calendar.nextWorkingDay(addCalendarMonths(receivedOn, 1 + extensionMonths));
}
