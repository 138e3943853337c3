import { type Stringifier, stringify } from 'csv-stringify';
import { caseTypeNameOf } from '../../shared/caseTypeNames.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { londonToday } from '../../shared/dates.ts';
import type { CaseExportRow } from './caseSearchRepository.ts';

/** The download's columns, in order; headings are `search.export.columns.<column>`. */
export const caseExportColumns = ['reference', 'caseType', 'status', 'priority', 'risk', 'leadOrganisation', 'leadOfficer', 'area', 'opened', 'nextReview', 'closed', 'outcome'] as const;

/**
 * A CSV stream (RFC 4180, CRLF, with a byte order mark so spreadsheets read it as UTF-8) that
 * starts with the heading row. Cells a spreadsheet would run as a formula (starting with
 * = + - @, tab or carriage return) are prefixed with an apostrophe.
 */
export function caseExportCsv(t: Translate): Stringifier {
  const csv = stringify({ bom: true, record_delimiter: 'windows', escape_formulas: true });
  csv.write(caseExportColumns.map((column) => t(`search.export.columns.${column}`)));
  return csv;
}

/** One case as a row: labels in the reader's language, dates as YYYY-MM-DD (London). */
export function caseExportRecord(row: CaseExportRow, t: Translate): string[] {
  const label = (prefix: string, value: string | null) => (value ? t(`${prefix}.${value}`, { defaultValue: value }) : '');
  return [
    row.reference,
    caseTypeNameOf(t, row),
    label('cases.status', row.status),
    label('cases.priority', row.priority),
    label('cases.risk', row.risk_level),
    row.lead_organisation_name,
    row.lead_officer_name ?? '',
    row.area ?? '',
    londonToday(row.opened_at),
    row.next_review_due ?? '',
    row.closed_at ? londonToday(row.closed_at) : '',
    label('cases.outcomes', row.outcome_code),
  ];
}

/** A file name for the download, like cases-2026-03-27.csv. */
export function caseExportFileName(t: Translate): string {
  return `${t('search.export.fileName')}-${londonToday()}.csv`;
}
