import { stringify } from 'csv-stringify/sync';
import { escapeHtml } from './escapeHtml.ts';

export interface HeatCell {
  value: number | null;
  display?: string;
}

export interface HeatTableOptions {
  id: string;
  caption: string;
  /** Heading of the row-label column (e.g. "Day"). */
  cornerHeading: string;
  rowLabels: string[];
  columnLabels: string[];
  cells: HeatCell[][];
  csvHref?: string;
  csvLink?: string;
}

const SHADES = 6;

/**
 * A heat table: a GOV.UK table whose cells are shaded in six steps by class (no inline style),
 * with the number always written in the cell, so the shade is never the only way to read it.
 */
export function heatTable(options: HeatTableOptions): string {
  const max = Math.max(0, ...options.cells.flat().map((cell) => cell.value ?? 0));
  const head = [options.cornerHeading, ...options.columnLabels]
    .map((heading, index) => `<th scope="col" class="govuk-table__header${index > 0 ? ' govuk-table__header--numeric oneroof-heat__column' : ''}">${escapeHtml(heading)}</th>`)
    .join('');
  const rows = options.rowLabels
    .map((label, row) => {
      const cells = (options.cells[row] ?? [])
        .map((cell) => `<td class="govuk-table__cell govuk-table__cell--numeric oneroof-heat__cell oneroof-heat--${shadeOf(cell.value, max)}">${escapeHtml(cell.display ?? String(cell.value ?? ''))}</td>`)
        .join('');
      return `<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${escapeHtml(label)}</th>${cells}</tr>`;
    })
    .join('');
  const csv = options.csvHref && options.csvLink ? `<p class="govuk-body"><a class="govuk-link" href="${escapeHtml(options.csvHref)}" download>${escapeHtml(options.csvLink)}</a></p>` : '';
  return (
    // A wide table scrolls in its own box, which keyboard users must be able to reach.
    `<div class="oneroof-heat" id="${escapeHtml(options.id)}" tabindex="0" role="region" aria-label="${escapeHtml(options.caption)}"><table class="govuk-table oneroof-heat__table" data-testid="${escapeHtml(options.id)}-table">` +
    `<caption class="govuk-table__caption govuk-table__caption--s">${escapeHtml(options.caption)}</caption>` +
    `<thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead><tbody class="govuk-table__body">${rows}</tbody></table></div>${csv}`
  );
}

export function heatTableCsv(options: Pick<HeatTableOptions, 'cornerHeading' | 'rowLabels' | 'columnLabels' | 'cells'>): string {
  return stringify([
    [options.cornerHeading, ...options.columnLabels],
    ...options.rowLabels.map((label, row) => [label, ...(options.cells[row] ?? []).map((cell) => cell.display ?? String(cell.value ?? ''))]),
  ]);
}

function shadeOf(value: number | null, max: number): number {
  if (value === null || value <= 0 || max <= 0) return 0;
  return Math.max(1, Math.ceil((value / max) * (SHADES - 1)));
}
