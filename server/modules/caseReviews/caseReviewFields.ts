import type { FieldErrors } from '../../shared/errors.ts';
import type { FormValues } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';

/** One answer on a page of the public form; the page template draws it with the matching GOV.UK macro. */
export type FieldSpec =
  | { kind: 'text' | 'email' | 'tel'; name: string; autocomplete?: string; width?: string; hint?: boolean }
  | { kind: 'textarea'; name: string; hint?: boolean; maxLength: number }
  | { kind: 'radios'; name: string; options: readonly string[]; hint?: boolean; inline?: boolean }
  | { kind: 'checkboxes'; name: string; options: readonly string[]; hint?: boolean; exclusive?: string }
  | { kind: 'date'; name: string; hint?: boolean };

export interface FieldView {
  kind: FieldSpec['kind'];
  params: Record<string, unknown>;
}

const text = (value: unknown) => (typeof value === 'string' ? value : value == null ? '' : String(value));

/**
 * GOV.UK macro parameters for the fields of a page. A page with one field uses the question as
 * the field's label or legend, styled as the page heading (the one-question-per-page pattern).
 */
export function fieldViews(fields: FieldSpec[], options: { t: Translate; values: FormValues; errors?: FieldErrors; heading?: string; prefix?: string }): FieldView[] {
  const { t, values, errors } = options;
  const single = fields.length === 1 && options.heading !== undefined;
  return fields.map((field) => {
    const id = field.name;
    const labelText = single ? options.heading! : t(`caseReviews.fields.${field.name}.label`);
    const hint = field.hint ? { text: t(`caseReviews.fields.${field.name}.hint`) } : undefined;
    const errorMessage = errors?.[field.name] ? { text: t(errors[field.name]!) } : undefined;
    const label = single ? { text: labelText, isPageHeading: true, classes: 'govuk-label--l' } : { text: labelText, classes: 'govuk-label--s' };
    const legend = single ? { text: labelText, isPageHeading: true, classes: 'govuk-fieldset__legend--l' } : { text: labelText, classes: 'govuk-fieldset__legend--s' };
    switch (field.kind) {
      case 'text':
      case 'email':
      case 'tel':
        return {
          kind: field.kind,
          params: {
            id, name: field.name, type: field.kind, label, hint, errorMessage, value: text(values[field.name]),
            autocomplete: field.autocomplete, spellcheck: field.kind === 'text' ? undefined : false, classes: field.width,
          },
        };
      case 'textarea':
        return { kind: field.kind, params: { id, name: field.name, label, hint, errorMessage, value: text(values[field.name]), rows: 6 } };
      case 'radios':
        return {
          kind: field.kind,
          params: {
            idPrefix: id, name: field.name, fieldset: { legend }, hint, errorMessage, classes: field.inline ? 'govuk-radios--inline' : undefined,
            items: field.options.map((option) => ({ value: option, text: t(`caseReviews.options.${field.name}.${option}`), checked: text(values[field.name]) === option })),
          },
        };
      case 'checkboxes': {
        const chosen = new Set([values[field.name]].flat().filter((value) => value !== undefined && value !== null).map(String));
        const items: Record<string, unknown>[] = [];
        for (const option of field.options) {
          if (option === field.exclusive) items.push({ divider: t('caseReviews.options.or') });
          items.push({ value: option, text: t(`caseReviews.options.${field.name}.${option}`), checked: chosen.has(option), behaviour: option === field.exclusive ? 'exclusive' : undefined });
        }
        return { kind: field.kind, params: { idPrefix: id, name: field.name, fieldset: { legend }, hint, errorMessage, items } };
      }
      case 'date': {
        const box = (suffix: string) => text(values[`${field.name}-${suffix}`]);
        const wrong = errorMessage ? ' govuk-input--error' : '';
        return {
          kind: field.kind,
          params: {
            id, namePrefix: field.name, fieldset: { legend }, hint, errorMessage,
            items: [
              { name: 'day', label: t('common.date.day'), classes: `govuk-input--width-2${wrong}`, value: box('day'), inputmode: 'numeric' },
              { name: 'month', label: t('common.date.month'), classes: `govuk-input--width-2${wrong}`, value: box('month'), inputmode: 'numeric' },
              { name: 'year', label: t('common.date.year'), classes: `govuk-input--width-4${wrong}`, value: box('year'), inputmode: 'numeric' },
            ],
          },
        };
      }
    }
  });
}

/** Error summary links go to the first box of a date input, as GOV.UK asks; other fields' ids are their names. */
export function errorHref(field: string, fields: FieldSpec[]): string {
  return fields.find((candidate) => candidate.name === field)?.kind === 'date' ? `#${field}-day` : `#${field}`;
}
