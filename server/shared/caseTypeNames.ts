import type { Translate } from './i18n/index.ts';

/** A case type as the `case_types` table holds it. */
export interface NamedCaseType {
  code: string;
  name: string;
  name_translated: boolean;
}

/** A case (or a row about one) carrying its type's name, as the case queries select it. */
export interface RowWithCaseType {
  case_type: string;
  case_type_name: string;
  case_type_name_translated: boolean;
}

/**
 * What a case type is called in the reader's language: the catalogue's translation while the type
 * keeps its built-in name, otherwise the name the partnership gave it (which no catalogue knows).
 */
export function caseTypeName(t: Translate, type: NamedCaseType): string {
  return type.name_translated ? t(`cases.types.${type.code}`, { defaultValue: type.name }) : type.name;
}

export function caseTypeNameOf(t: Translate, row: RowWithCaseType): string {
  return caseTypeName(t, { code: row.case_type, name: row.case_type_name, name_translated: row.case_type_name_translated });
}
