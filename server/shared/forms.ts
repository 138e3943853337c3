import { z } from 'zod';
import { calendarDate } from './dates.ts';
import type { FieldErrors } from './errors.ts';
import type { Translate } from './i18n/index.ts';

/** What the GOV.UK error summary and each field's error message need. */
export interface FormErrors {
  list: { text: string; href: string }[];
  fields: Record<string, { text: string }>;
}

export type FormValues = Record<string, unknown>;

export type FormParse<T> =
  | { ok: true; data: T }
  | { ok: false; fieldErrors: FieldErrors; values: FormValues };

/** Fields that are never sent back into a re-rendered form. */
const NEVER_ECHOED = new Set(['_csrf', 'password', 'newPassword', 'confirmPassword', 'currentPassword', 'code', 'clientSecret']);

/**
 * Validates a posted form with its zod schema. Schema messages are i18n keys; the first problem
 * with each field wins, in the order the fields appear in the schema's issues.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormParse<z.output<S>> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, fieldErrors: fieldErrorsFrom(result.error), values: echoValues(body) };
}

export function fieldErrorsFrom(error: z.ZodError): FieldErrors {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'form';
    if (!(field in fieldErrors)) fieldErrors[field] = isMessageKey(issue.message) ? issue.message : 'validation.invalid';
  }
  return fieldErrors;
}

export function echoValues(body: unknown): FormValues {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([key]) => !NEVER_ECHOED.has(key)));
}

/**
 * Turns field errors (i18n keys) into the error summary and per-field messages, in field order.
 * A GOV.UK date input's error links to its day box (`<field>-day`): the summary must take the
 * person to a box they can type in, and the date input's own id is on a wrapper that cannot
 * take focus.
 */
export function formErrors(fieldErrors: FieldErrors, t: Translate, fieldOrder: string[] = [], options: { dateFields?: readonly string[] } = {}): FormErrors {
  const ordered = Object.keys(fieldErrors).sort((a, b) => rank(a, fieldOrder) - rank(b, fieldOrder));
  const fields: FormErrors['fields'] = {};
  const list: FormErrors['list'] = [];
  for (const field of ordered) {
    const text = t(fieldErrors[field] as string);
    fields[field] = { text };
    const anchor = options.dateFields?.includes(field) ? `${field}-day` : field.replace(/\./g, '-');
    list.push({ text, href: `#${anchor}` });
  }
  return { list, fields };
}

function rank(field: string, order: string[]): number {
  const index = order.indexOf(field);
  return index === -1 ? order.length : index;
}

function isMessageKey(message: string): boolean {
  return /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/.test(message);
}

/** HTML checkboxes post nothing, one string or several; this always gives an array. */
export function asArray(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export interface SelectItem {
  value: string;
  text: string;
  selected?: boolean;
}

/** Items for a GOV.UK select, with an optional first "choose…" item. */
export function selectItems(options: { value: string; text: string }[], selected: unknown, placeholder?: string): SelectItem[] {
  const items = options.map((option) => ({ ...option, selected: option.value === selected }));
  return placeholder === undefined ? items : [{ value: '', text: placeholder, selected: !selected }, ...items];
}

/** A text box that may be left empty: trimmed, at most `max` characters (else the `tooLong` key); empty is null. */
export const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .optional()
    .transform((value) => (value ? value : null));

/** A choice of record (a select or hidden field) that may be left empty: empty is null. */
export const optionalId = z
  .string()
  .optional()
  .transform((value) => (value ? value : null));

/**
 * Adds each GOV.UK date input's three boxes (`<field>-day`, `-month`, `-year`) to a posted body as
 * one calendar date under `<field>`, so that the date is checked as a field, alongside the others
 * (use with `z.preprocess`).
 */
export function withCalendarDates(fields: readonly string[]) {
  return (body: unknown) => {
    const form = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const box = (name: string) => {
      const value = form[name];
      return typeof value === 'string' ? value.trim() : undefined;
    };
    return { ...form, ...Object.fromEntries(fields.map((field) => [field, calendarDate(box(`${field}-day`), box(`${field}-month`), box(`${field}-year`))])) };
  };
}
