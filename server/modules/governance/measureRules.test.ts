import { describe, expect, it } from 'vitest';
import { validMeasure } from './agreementService.ts';
import { parseFigure, ragStatus } from './measureRules.ts';
import { lastCompleteQuarter, quarterDays, quarterOfDay, quarterRange, recentQuarters, shiftQuarter } from './quarters.ts';

const measure = { baseline: 60, target: 80, direction: 'higher_is_better' as const, startsOn: '2026-04-01', dueOn: '2028-04-01' };

describe('RAG status', () => {
  it('is green when the target is met, whatever the date', () => {
    expect(ragStatus({ ...measure, current: 81, today: '2026-05-01' })).toBe('green');
    expect(ragStatus({ ...measure, current: 80, today: '2030-01-01' })).toBe('green');
  });

  it('compares progress with the time elapsed: half-way through, half-way there is green, a little behind amber, far behind red', () => {
    const halfway = '2027-04-01';
    expect(ragStatus({ ...measure, current: 70, today: halfway })).toBe('green');
    expect(ragStatus({ ...measure, current: 66, today: halfway })).toBe('amber');
    expect(ragStatus({ ...measure, current: 63, today: halfway })).toBe('red');
  });

  it('is red when worse than the baseline, or due and not met; none without a figure', () => {
    expect(ragStatus({ ...measure, current: 59, today: '2026-05-01' })).toBe('red');
    expect(ragStatus({ ...measure, current: 79, today: '2028-04-02' })).toBe('red');
    expect(ragStatus({ ...measure, current: null, today: '2026-05-01' })).toBe('none');
  });

  it('reads "lower is better" the other way round', () => {
    const lower = { baseline: 20, target: 10, direction: 'lower_is_better' as const, startsOn: '2026-04-01', dueOn: '2028-04-01' };
    expect(ragStatus({ ...lower, current: 9, today: '2026-05-01' })).toBe('green');
    expect(ragStatus({ ...lower, current: 15, today: '2027-04-01' })).toBe('green');
    expect(ragStatus({ ...lower, current: 21, today: '2026-05-01' })).toBe('red');
  });
});

describe('figures and units', () => {
  it('reads a percentage with or without %, and refuses a % on a count', () => {
    expect(parseFigure('80%', 'percent')).toEqual({ ok: true, value: 80 });
    expect(parseFigure(' 12.5 ', 'percent')).toEqual({ ok: true, value: 12.5 });
    expect(parseFigure('80%', 'count')).toEqual({ ok: false, problem: 'percentOnNonPercent' });
    expect(parseFigure('1,204', 'count')).toEqual({ ok: true, value: 1204 });
    expect(parseFigure('12.5', 'count')).toEqual({ ok: false, problem: 'notWhole' });
    expect(parseFigure('120', 'percent')).toEqual({ ok: false, problem: 'overHundred' });
    expect(parseFigure('lots', 'days')).toEqual({ ok: false, problem: 'invalid' });
    expect(parseFigure('', 'days')).toEqual({ ok: false, problem: 'missing' });
  });

  const form = { title: 'Referrals decided on time', source: 'referral_deadline_compliance' as const, unit: 'percent' as const, direction: 'higher_is_better' as const, baseline: '70', target: '90%', dueOn: '2028-03-31' };

  it('accepts a consistent measure', () => {
    expect(validMeasure(form)).toMatchObject({ baseline: 70, target: 90, unit: 'percent' });
  });

  it('refuses inconsistent units with a message per field', () => {
    const errors = (input: typeof form | Record<string, unknown>) => {
      try {
        validMeasure(input as typeof form);
        return {};
      } catch (error) {
        return (error as { fieldErrors: Record<string, string> }).fieldErrors;
      }
    };
    expect(errors({ ...form, unit: 'count' })).toEqual({ unit: 'governance.errors.unit.source_referral_deadline_compliance', target: 'governance.errors.target.percentOnNonPercent' });
    expect(errors({ ...form, source: 'manual', unit: 'count', target: '90%' })).toEqual({ target: 'governance.errors.target.percentOnNonPercent' });
    expect(errors({ ...form, target: '60' })).toEqual({ target: 'governance.errors.target.wrongWay_higher_is_better' });
  });
});

describe('quarters (London time)', () => {
  it('names and bounds calendar quarters', () => {
    expect(quarterOfDay('2026-11-30')).toBe('2026-Q4');
    expect(shiftQuarter('2026-Q1', -1)).toBe('2025-Q4');
    expect(quarterDays('2026-Q4')).toEqual({ first: '2026-10-01', afterLast: '2027-01-01' });
    // 1 July is in British Summer Time: the quarter starts at 23:00 UTC the day before.
    expect(quarterRange('2026-Q3').from.toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(lastCompleteQuarter(new Date('2026-11-30T12:00:00Z'))).toBe('2026-Q3');
    expect(recentQuarters(new Date('2026-02-01T12:00:00Z'), 3)).toEqual(['2025-Q2', '2025-Q3', '2025-Q4']);
  });
});
