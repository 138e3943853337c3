import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { englandAndWalesCalendar, loadBankHolidays, WorkingCalendar } from './workingTime.ts';

const calendar = englandAndWalesCalendar();
const at = (iso: string) => new Date(iso);

describe('working time in England and Wales', () => {
  it('reads the bundled GOV.UK file, including one-off bank holidays', () => {
    const holidays = loadBankHolidays();
    for (const day of ['2022-06-03', '2022-09-19', '2023-05-08', '2020-05-08', '2026-12-28', '2027-03-29']) expect(holidays.has(day), day).toBe(true);
    // Christmas 2027 falls on a Saturday: the file lists the substitute days, not the weekend.
    expect(holidays.has('2027-12-25')).toBe(false);
    expect(holidays.has('2027-12-27')).toBe(true);
    expect(holidays.has('2027-12-28')).toBe(true);
  });

  it('refuses a holidays file that is not in the GOV.UK format', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'holidays-')), 'bank-holidays.json');
    writeFileSync(file, JSON.stringify({ 'england-and-wales': { events: [{ date: '31/12/2026', title: 'x' }] } }));
    expect(() => loadBankHolidays(file)).toThrow();
  });

  it('skips weekends and bank holidays', () => {
    expect(calendar.isWorkingDay('2026-12-24')).toBe(true);
    expect(calendar.isWorkingDay('2026-12-25')).toBe(false);
    expect(calendar.isWorkingDay('2026-12-26')).toBe(false);
    expect(calendar.isWorkingDay('2026-12-28')).toBe(false);
    expect(calendar.nextWorkingDay('2026-12-25')).toBe('2026-12-29');
  });

  it('counts working days to the close of business, over Christmas and New Year', () => {
    // Thursday 24 December 2026, 10:00 → 2 working days: 29th, 30th.
    expect(calendar.addWorkingDays(at('2026-12-24T10:00:00Z'), 2).toISOString()).toBe('2026-12-30T17:00:00.000Z');
    // Received after close on Thursday 31 December 2026: Friday 1 January is a bank holiday.
    expect(calendar.addWorkingDays(at('2026-12-31T17:30:00Z'), 0).toISOString()).toBe('2027-01-04T17:00:00.000Z');
    // Easter 2027: Thursday 25 March + 1 working day skips Good Friday and Easter Monday.
    expect(calendar.addWorkingDays(at('2027-03-25T11:00:00Z'), 1).toISOString()).toBe('2027-03-30T16:00:00.000Z');
  });

  it('follows the clock changes: 17:00 London is 16:00 UTC in summer', () => {
    // Friday 27 March 2026 (GMT) + 1 working day = Monday 30 March (BST).
    expect(calendar.addWorkingDays(at('2026-03-27T12:00:00Z'), 1).toISOString()).toBe('2026-03-30T16:00:00.000Z');
    // Friday 23 October 2026 (BST) 16:00 London + 2 working hours = Monday 26 October 10:00 (GMT).
    expect(calendar.addWorkingHours(at('2026-10-23T15:00:00Z'), 2).toISOString()).toBe('2026-10-26T10:00:00.000Z');
  });

  it('counts working hours from the next opening when received out of hours', () => {
    // Saturday night → Monday 09:00 + 1 hour.
    expect(calendar.addWorkingHours(at('2026-11-28T22:00:00Z'), 1).toISOString()).toBe('2026-11-30T10:00:00.000Z');
    // Early on a working day → from 09:00.
    expect(calendar.addWorkingHours(at('2026-11-30T06:00:00Z'), 8).toISOString()).toBe('2026-11-30T17:00:00.000Z');
    expect(calendar.addWorkingHours(at('2026-11-30T06:00:00Z'), 8.5).toISOString()).toBe('2026-12-01T09:30:00.000Z');
  });

  it('measures the working time between two moments', () => {
    // Friday 16:00 → Monday 10:00: one hour on Friday, one on Monday.
    expect(calendar.workingMinutesBetween(at('2026-11-27T16:00:00Z'), at('2026-11-30T10:00:00Z'))).toBe(120);
    expect(calendar.workingMinutesBetween(at('2026-11-30T10:00:00Z'), at('2026-11-30T09:00:00Z'))).toBe(0);
    // Over a bank holiday weekend: Friday 24 December 17:00 to Tuesday 29 December 09:30.
    expect(calendar.workingMinutesBetween(at('2026-12-24T17:00:00Z'), at('2026-12-29T09:30:00Z'))).toBe(30);
  });

  it('takes other working hours, and refuses nonsense', () => {
    const longDays = new WorkingCalendar(new Set(), { startMinute: 8 * 60, endMinute: 20 * 60 });
    expect(longDays.addWorkingDays(at('2026-11-30T12:00:00Z'), 0).toISOString()).toBe('2026-11-30T20:00:00.000Z');
    expect(() => new WorkingCalendar(new Set(), { startMinute: 18 * 60, endMinute: 9 * 60 })).toThrow();
    expect(() => calendar.addWorkingDays(at('2026-11-30T12:00:00Z'), -1)).toThrow(RangeError);
  });
});
