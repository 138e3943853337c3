import type { z } from 'zod';
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
