/**
 * The rules of outcome measures, as pure functions: which unit each live source gives, how a
 * typed figure is read ("80%", "12.5"), whether a target points the way the direction says, and
 * the RAG status (documented in docs/architecture.md, "Partnership governance").
 */

export const measureUnits = ['percent', 'count', 'rate_per_1000', 'days'] as const;
export type MeasureUnit = (typeof measureUnits)[number];

export const measureSources = ['manual', 'referral_deadline_compliance', 'case_review_outcomes', 'asb_incidents_per_1000', 'repeat_victim_rate'] as const;
export type MeasureSource = (typeof measureSources)[number];

export const measureDirections = ['higher_is_better', 'lower_is_better'] as const;
export type MeasureDirection = (typeof measureDirections)[number];

/** The unit each of OneRoof's own figures comes in; a manual measure may use any. */
export const unitOfSource: Record<Exclude<MeasureSource, 'manual'>, MeasureUnit> = {
  referral_deadline_compliance: 'percent',
  case_review_outcomes: 'count',
  asb_incidents_per_1000: 'rate_per_1000',
  repeat_victim_rate: 'percent',
};

export type FigureProblem = 'missing' | 'invalid' | 'percentOnNonPercent' | 'overHundred' | 'negative' | 'notWhole';

/** Reads a typed figure for a measure in `unit`: a "%" is allowed only on a percentage. */
export function parseFigure(input: string, unit: MeasureUnit): { ok: true; value: number } | { ok: false; problem: FigureProblem } {
  const text = input.trim().replace(/,/g, '');
  if (text === '') return { ok: false, problem: 'missing' };
  const percent = text.endsWith('%');
  const number = percent ? text.slice(0, -1).trim() : text;
  if (!/^-?\d+(\.\d+)?$/.test(number)) return { ok: false, problem: 'invalid' };
  if (percent && unit !== 'percent') return { ok: false, problem: 'percentOnNonPercent' };
  const value = Number(number);
  if (value < 0) return { ok: false, problem: 'negative' };
  if (unit === 'percent' && value > 100) return { ok: false, problem: 'overHundred' };
  if (unit === 'count' && !Number.isInteger(value)) return { ok: false, problem: 'notWhole' };
  return { ok: true, value };
}

/** True when `a` is at least as good as `b` in the measure's direction. */
export function atLeastAsGood(a: number, b: number, direction: MeasureDirection): boolean {
  return direction === 'higher_is_better' ? a >= b : a <= b;
}

export type Rag = 'green' | 'amber' | 'red' | 'none';

export interface RagInput {
  baseline: number;
  target: number;
  direction: MeasureDirection;
  current: number | null;
  startsOn: string;
  dueOn: string;
  today: string;
}

/** How much of the way from baseline to target the current figure has come (0 = baseline, 1 = target). */
export function progressTowards({ baseline, target, current }: Pick<RagInput, 'baseline' | 'target' | 'current'>): number | null {
  if (current === null) return null;
  if (target === baseline) return 1;
  return (current - baseline) / (target - baseline);
}

/** How much of the time from the agreement's start to the measure's due date has passed, 0 to 1. */
export function timeElapsed(startsOn: string, dueOn: string, today: string): number {
  const span = Date.parse(dueOn) - Date.parse(startsOn);
  if (span <= 0) return 1;
  return Math.min(1, Math.max(0, (Date.parse(today) - Date.parse(startsOn)) / span));
}

/** Within this share of the way behind where the time elapsed says it should be, a measure is amber rather than red. */
export const AMBER_TOLERANCE = 0.25;

/**
 * Green: the target is met, or progress is at least as far along as the time elapsed.
 * Amber: behind, by no more than AMBER_TOLERANCE of the way, and not yet due.
 * Red: further behind, worse than the baseline, or due and not met. None: no figure yet.
 */
export function ragStatus(input: RagInput): Rag {
  const { current, baseline, target, direction } = input;
  if (current === null) return 'none';
  if (atLeastAsGood(current, target, direction)) return 'green';
  if (!atLeastAsGood(current, baseline, direction)) return 'red';
  if (input.today > input.dueOn) return 'red';
  const progress = progressTowards(input) ?? 0;
  const expected = timeElapsed(input.startsOn, input.dueOn, input.today);
  if (progress >= expected) return 'green';
  if (progress >= expected - AMBER_TOLERANCE) return 'amber';
  return 'red';
}
