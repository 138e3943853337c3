import { stringify } from 'csv-stringify/sync';
import { escapeHtml } from './escapeHtml.ts';

/**
 * Server-rendered charts: accessible SVG (role="img", <title>, <desc>) with the same figures as a
 * GOV.UK table beside it and a CSV download, so they read without JavaScript, with a screen
 * reader and on paper. No inline style anywhere (the CSP forbids it): presentation attributes
 * and classes only.
 */

/** One point of a series. `value` null = not shown (e.g. a small number suppressed); `display` is what the table says instead. */
export interface ChartPoint {
  label: string;
  value: number | null;
  display?: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export interface ChartText {
  /** Short title: the SVG <title>, the figure caption and the table caption. */
  title: string;
  /** One or two sentences saying what the chart shows (the SVG <desc>). */
  description: string;
  /** Column headings of the data table: the label column, then one per series. */
  labelHeading: string;
  /** "Show the figures as a table" */
  tableToggle: string;
  /** "Download the figures (CSV)" */
  csvLink: string;
}

export interface ChartOptions {
  id: string;
  text: ChartText;
  /** Where the CSV of these figures is served (omit to leave the link out). */
  csvHref?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1d70b8', '#d4351c', '#00703c', '#4c2c92'];
/** Dash patterns so that series differ by more than colour. */
const DASHES = ['', '8 4', '2 3', '12 3 2 3'];
const MARGIN = { top: 16, right: 16, bottom: 48, left: 56 };

export function lineChart(series: ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 280;
  const labels = series[0]?.points.map((point) => point.label) ?? [];
  const max = niceMax(maxOf(series));
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const x = (index: number) => MARGIN.left + (labels.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (labels.length - 1));
  const y = (value: number) => MARGIN.top + plotHeight - (value / max) * plotHeight;

  const lines = series.map((line, seriesIndex) => {
    const colour = PALETTE[seriesIndex % PALETTE.length]!;
    const dash = DASHES[seriesIndex % DASHES.length]!;
    const segments: string[] = [];
    let current: string[] = [];
    line.points.forEach((point, index) => {
      if (point.value === null) {
        if (current.length) segments.push(current.join(' '));
        current = [];
      } else current.push(`${round(x(index))},${round(y(point.value))}`);
    });
    if (current.length) segments.push(current.join(' '));
    const polylines = segments
      .map((points) => `<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`)
      .join('');
    const markers = line.points
      .map((point, index) => (point.value === null ? '' : `<circle cx="${round(x(index))}" cy="${round(y(point.value))}" r="3.5" fill="${colour}"/>`))
      .join('');
    return polylines + markers;
  });

  const body = axes(width, height, max, y) + xLabels(labels, x, height) + lines.join('') + legend(series, width);
  return figure(svg(width, height, options, body), series, options);
}

export function barChart(points: ChartPoint[], options: ChartOptions & { seriesName: string }): string {
  const width = options.width ?? 720;
  const barHeight = 22;
  const gap = 8;
  const labelWidth = 220;
  const height = Math.max(40, points.length * (barHeight + gap) + gap);
  const max = niceMax(Math.max(0, ...points.map((point) => point.value ?? 0)));
  const plotWidth = width - labelWidth - 80;
  const bars = points
    .map((point, index) => {
      const top = gap + index * (barHeight + gap);
      const length = point.value === null ? 0 : (point.value / max) * plotWidth;
      const valueText = point.display ?? (point.value === null ? '' : formatNumber(point.value));
      return (
        `<text x="${labelWidth - 8}" y="${top + barHeight / 2 + 5}" text-anchor="end" font-size="14" fill="#0b0c0c">${escapeHtml(truncate(point.label, 30))}</text>` +
        `<rect x="${labelWidth}" y="${top}" width="${round(length)}" height="${barHeight}" fill="${PALETTE[0]}"/>` +
        `<text x="${round(labelWidth + length + 6)}" y="${top + barHeight / 2 + 5}" font-size="14" fill="#0b0c0c">${escapeHtml(valueText)}</text>`
      );
    })
    .join('');
  return figure(svg(width, height, options, bars), [{ name: options.seriesName, points }], options);
}

/** The figures of one or more series as CSV: the label column, then one column per series. */
export function chartCsv(labelHeading: string, series: ChartSeries[]): string {
  const labels = series[0]?.points.map((point) => point.label) ?? [];
  const rows = labels.map((label, index) => [label, ...series.map((line) => cellText(line.points[index]))]);
  return stringify([[labelHeading, ...series.map((line) => line.name)], ...rows]);
}

function svg(width: number, height: number, options: ChartOptions, body: string): string {
  const titleId = `${options.id}-title`;
  const descId = `${options.id}-desc`;
  return (
    `<svg class="oneroof-chart__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" ` +
    `aria-label="${escapeHtml(options.text.title)}" aria-labelledby="${titleId} ${descId}" data-testid="${escapeHtml(options.id)}-svg">` +
    `<title id="${titleId}">${escapeHtml(options.text.title)}</title><desc id="${descId}">${escapeHtml(options.text.description)}</desc>` +
    body +
    '</svg>'
  );
}

function figure(svgMarkup: string, series: ChartSeries[], options: ChartOptions): string {
  const labels = series[0]?.points.map((point) => point.label) ?? [];
  const head = [options.text.labelHeading, ...series.map((line) => line.name)]
    .map((heading, index) => `<th scope="col" class="govuk-table__header${index > 0 ? ' govuk-table__header--numeric' : ''}">${escapeHtml(heading)}</th>`)
    .join('');
  const rows = labels
    .map(
      (label, index) =>
        `<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${escapeHtml(label)}</th>` +
        series.map((line) => `<td class="govuk-table__cell govuk-table__cell--numeric">${escapeHtml(cellText(line.points[index]))}</td>`).join('') +
        '</tr>',
    )
    .join('');
  const table =
    `<table class="govuk-table govuk-!-font-size-16" data-testid="${escapeHtml(options.id)}-table">` +
    `<caption class="govuk-table__caption govuk-table__caption--s">${escapeHtml(options.text.title)}</caption>` +
    `<thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead><tbody class="govuk-table__body">${rows}</tbody></table>`;
  const csv = options.csvHref ? `<p class="govuk-body govuk-!-margin-bottom-0"><a class="govuk-link" href="${escapeHtml(options.csvHref)}" download>${escapeHtml(options.text.csvLink)}</a></p>` : '';
  return (
    `<figure class="oneroof-chart" id="${escapeHtml(options.id)}">` +
    `<figcaption class="govuk-heading-s">${escapeHtml(options.text.title)}</figcaption>${svgMarkup}` +
    `<details class="govuk-details oneroof-chart__data"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${escapeHtml(options.text.tableToggle)}</span></summary>` +
    `<div class="govuk-details__text">${table}</div></details>${csv}</figure>`
  );
}

function axes(width: number, height: number, max: number, y: (value: number) => number): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => Math.round(max * share));
  const unique = [...new Set(ticks)];
  return unique
    .map(
      (tick) =>
        `<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${round(y(tick))}" y2="${round(y(tick))}" stroke="#b1b4b6" stroke-width="1"/>` +
        `<text x="${MARGIN.left - 8}" y="${round(y(tick)) + 5}" text-anchor="end" font-size="13" fill="#0b0c0c">${formatNumber(tick)}</text>`,
    )
    .join('');
}

function xLabels(labels: string[], x: (index: number) => number, height: number): string {
  const every = Math.max(1, Math.ceil(labels.length / 12));
  return labels
    .map((label, index) =>
      index % every === 0 ? `<text x="${round(x(index))}" y="${height - MARGIN.bottom + 20}" text-anchor="middle" font-size="13" fill="#0b0c0c">${escapeHtml(truncate(label, 10))}</text>` : '',
    )
    .join('');
}

function legend(series: ChartSeries[], width: number): string {
  if (series.length < 2) return '';
  const baseline = 0;
  return series
    .map((line, index) => {
      const left = MARGIN.left + index * Math.min(220, (width - MARGIN.left) / series.length);
      const colour = PALETTE[index % PALETTE.length]!;
      const dash = DASHES[index % DASHES.length]!;
      return (
        `<line x1="${left}" x2="${left + 28}" y1="${baseline + 8}" y2="${baseline + 8}" stroke="${colour}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/>` +
        `<text x="${left + 34}" y="${baseline + 13}" font-size="13" fill="#0b0c0c">${escapeHtml(truncate(line.name, 26))}</text>`
      );
    })
    .join('');
}

function cellText(point: ChartPoint | undefined): string {
  if (!point) return '';
  return point.display ?? (point.value === null ? '' : formatNumber(point.value));
}

function maxOf(series: ChartSeries[]): number {
  return Math.max(0, ...series.flatMap((line) => line.points.map((point) => point.value ?? 0)));
}

/** A round upper bound for the axis (1, 2 or 5 × a power of ten), never 0. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((multiple) => multiple * power >= value)!;
  return step * power;
}

function formatNumber(value: number): string {
  return value.toLocaleString('en-GB');
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
