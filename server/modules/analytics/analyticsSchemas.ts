import { z } from 'zod';
import { calendarDate } from '../../shared/dates.ts';
import type { FieldErrors } from '../../shared/errors.ts';
import { asArray } from '../../shared/forms.ts';

/** What every analytics page filters on. Dates are ISO calendar days in England and Wales, `to` included. */
export interface AnalyticsFilter {
  from: string;
  to: string;
  categories: string[];
  area: string | null;
  lsoa: string | null;
}

/** The filter as typed, before defaults: blank dates are filled in by the service. */
export interface RequestedFilter {
  from: string | null;
  to: string | null;
  categories: string[];
  area: string | null;
  lsoa: string | null;
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; fieldErrors: FieldErrors };

const MAX_RANGE_DAYS = 366 * 10;
const LSOA_CODE = /^[EW]01\d{6}$/;

type Query = Record<string, unknown>;

const text = (query: Query, name: string) => {
  const value = query[name];
  return typeof value === 'string' ? value.trim() : '';
};

function dateField(query: Query, name: string, fieldErrors: FieldErrors): string | null {
  const parsed = calendarDate(text(query, `${name}-day`) || undefined, text(query, `${name}-month`) || undefined, text(query, `${name}-year`) || undefined);
  if (parsed.kind === 'date') return parsed.iso;
  if (parsed.kind === 'problem') fieldErrors[name] = parsed.problem === 'incomplete' ? `analytics.errors.${name}Incomplete` : `analytics.errors.${name}Invalid`;
  return null;
}

/** The filter part of any analytics page's query string (or form). */
export function parseFilter(query: unknown): Parsed<RequestedFilter> {
  const values = query && typeof query === 'object' ? (query as Query) : {};
  const fieldErrors: FieldErrors = {};
  const from = dateField(values, 'from', fieldErrors);
  const to = dateField(values, 'to', fieldErrors);
  if (from && to && from > to) fieldErrors.to = 'analytics.errors.fromAfterTo';
  if (from && to && (Date.parse(to) - Date.parse(from)) / 86_400_000 > MAX_RANGE_DAYS) fieldErrors.to = 'analytics.errors.rangeTooLong';
  const categories = asArray(values.category).filter((code) => code !== '');
  if (categories.some((code) => !/^[a-z][a-z0-9_]{1,59}$/.test(code))) fieldErrors.category = 'analytics.errors.categoryUnknown';
  const area = text(values, 'area') || null;
  if (area && area.length > 200) fieldErrors.area = 'analytics.errors.areaUnknown';
  const lsoa = text(values, 'lsoa').toUpperCase() || null;
  if (lsoa && !LSOA_CODE.test(lsoa)) fieldErrors.lsoa = 'analytics.errors.lsoaInvalid';
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, data: { from, to, categories: [...new Set(categories)], area, lsoa } };
}

export const MIN_H3_RESOLUTION = 7;
export const MAX_H3_RESOLUTION = 10;
export const MAX_RINGS = 5;

export interface HotspotParameters {
  resolution: number;
  rings: number;
}

function wholeNumber(query: Query, name: string, min: number, max: number, fallback: number, message: string, fieldErrors: FieldErrors): number {
  const raw = text(query, name);
  if (raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    fieldErrors[name] = message;
    return fallback;
  }
  return value;
}

export function parseHotspotParameters(query: unknown): Parsed<HotspotParameters> {
  const values = query && typeof query === 'object' ? (query as Query) : {};
  const fieldErrors: FieldErrors = {};
  const resolution = wholeNumber(values, 'resolution', MIN_H3_RESOLUTION, MAX_H3_RESOLUTION, 8, 'analytics.errors.resolutionRange', fieldErrors);
  const rings = wholeNumber(values, 'rings', 1, MAX_RINGS, 1, 'analytics.errors.ringsRange', fieldErrors);
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, data: { resolution, rings } };
}

export const MAX_ITERATIONS = 9999;
const MAX_BANDS = 10;

export interface NearRepeatForm {
  category: string;
  distanceBands: number[];
  timeBands: number[];
  iterations: number;
  seed: number;
}

function bands(raw: string, field: string, wholeNumbers: boolean, fieldErrors: FieldErrors): number[] {
  const parts = raw.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  const problem = (key: string) => {
    fieldErrors[field] = `analytics.errors.${field}.${key}`;
    return [];
  };
  if (raw === '') return problem('required');
  if (parts.some((part) => part === '') || numbers.some((value) => !Number.isFinite(value))) return problem('notNumbers');
  if (numbers.some((value) => value <= 0)) return problem('notPositive');
  if (wholeNumbers && numbers.some((value) => !Number.isInteger(value))) return problem('notWhole');
  if (numbers.some((value, index) => index > 0 && value <= numbers[index - 1]!)) return problem('notIncreasing');
  if (numbers.length > MAX_BANDS) return problem('tooMany');
  if (!wholeNumbers && numbers.at(-1)! > 5000) return problem('tooFar');
  if (wholeNumbers && numbers.at(-1)! > 365) return problem('tooLong');
  return numbers;
}

/** The near-repeat form's own fields (its period comes from parseFilter). */
export function parseNearRepeatForm(body: unknown): Parsed<NearRepeatForm> {
  const values = body && typeof body === 'object' ? (body as Query) : {};
  const fieldErrors: FieldErrors = {};
  const category = text(values, 'nrCategory');
  if (!/^[a-z][a-z0-9_]{1,59}$/.test(category)) fieldErrors.nrCategory = 'analytics.errors.nrCategoryRequired';
  const distanceBands = bands(text(values, 'distanceBands'), 'distanceBands', false, fieldErrors);
  const timeBands = bands(text(values, 'timeBands'), 'timeBands', true, fieldErrors);
  const iterations = wholeNumber(values, 'iterations', 1, MAX_ITERATIONS, 0, 'analytics.errors.iterationsRange', fieldErrors);
  if (text(values, 'iterations') === '') fieldErrors.iterations = 'analytics.errors.iterationsRange';
  const seed = wholeNumber(values, 'seed', 0, 4_294_967_295, 1, 'analytics.errors.seedRange', fieldErrors);
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, data: { category, distanceBands, timeBands, iterations, seed } };
}

export const savedAnalysisKinds = ['dashboard', 'hotspots', 'near_repeat', 'repeats'] as const;
export type SavedAnalysisKind = (typeof savedAnalysisKinds)[number];

export const saveAnalysisSchema = z.object({
  kind: z.enum(savedAnalysisKinds, { message: 'analytics.errors.kindUnknown' }),
  name: z.string().trim().min(1, 'analytics.errors.nameRequired').max(200, 'analytics.errors.nameTooLong'),
  /** The page's query string, as the page was shown. */
  parameters: z.string().max(4000, 'analytics.errors.parametersInvalid'),
  runId: z.string().optional(),
});

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
