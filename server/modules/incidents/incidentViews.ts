import type { IncidentRowError } from '../../db/schema.ts';
import type { Translate } from '../../shared/i18n/index.ts';

/** A field path (occurredAt, or a person's field such as people.1.dateOfBirth) in words: "Date", "Person 2: date of birth". */
export function fieldLabel(field: string | undefined, t: Translate): string {
  if (!field) return t('incidents.fieldNames.row');
  const person = /^(?:people\.|person)(\d+)\.(\w+)$/.exec(field);
  if (person) {
    const number = field.startsWith('people.') ? Number(person[1]) + 1 : Number(person[1]);
    return t('incidents.fieldNames.personField', { number, field: t(`incidents.personFieldNames.${person[2]}`) });
  }
  return t(`incidents.fieldNames.${field}`, { defaultValue: field });
}

/** One refused row's problem, in the reader's language. */
export function rowErrorText(error: Pick<IncidentRowError, 'message' | 'value'>, t: Translate): string {
  return t(error.message, { value: error.value ?? '' });
}

/** A category's name: the catalogue's for a built-in one, else as the partnership wrote it. */
export function categoryName(category: { code: string; name: string; name_translated: boolean } | undefined, code: string, t: Translate): string {
  if (!category) return code;
  return category.name_translated ? t(`incidents.categories.${code}`, { defaultValue: category.name }) : category.name;
}
