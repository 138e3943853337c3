import type { FastifyRequest } from 'fastify';
import { type ChartPoint, type ChartSeries, barChart, chartCsv, heatTable, heatTableCsv, lineChart } from '../../shared/charts/index.ts';
import { intlLocales, type Translate } from '../../shared/i18n/index.ts';
import { suppressCount } from '../../shared/suppression.ts';
import type { CountRow } from './analyticsRepository.ts';
import type { Dashboard } from './analyticsService.ts';
import type { AnalyticsFilter } from './analyticsSchemas.ts';
import { monthsBetween, shiftYears } from './analyticsService.ts';

/** How counts are shown to this viewer: exactly, or small ones as "fewer than N". */
export interface CountStyle {
  exact: boolean;
  threshold: number;
  t: Translate;
  locale: string;
}

export function countStyleFor(request: FastifyRequest, exact: boolean, threshold: number): CountStyle {
  return { exact, threshold, t: request.t, locale: intlLocales[request.locale] };
}

/** A count as the viewer may see it. */
export function shownCount(count: number, style: CountStyle): { value: number | null; text: string } {
  if (style.exact) return { value: count, text: count.toLocaleString(style.locale) };
  const shown = suppressCount(count, style.threshold);
  return shown.suppressed
    ? { value: null, text: style.t('analytics.fewerThan', { threshold: style.threshold }) }
    : { value: count, text: count.toLocaleString(style.locale) };
}

function point(label: string, count: number, style: CountStyle): ChartPoint {
  const shown = shownCount(count, style);
  return { label, value: shown.value, display: shown.text };
}

export type CategoryNames = (code: string) => string;

export function categoryNamesFrom(t: Translate, categories: { code: string; name: string; name_translated: boolean }[]): CategoryNames {
  const byCode = new Map(categories.map((category) => [category.code, category]));
  return (code) => {
    const category = byCode.get(code);
    if (!category) return code;
    if (category.name_translated) {
      const key = `incidents.categories.${code}`;
      const translated = t(key);
      if (translated !== key) return translated;
    }
    return category.name;
  };
}

export function monthLabel(month: string, locale: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(year, monthNumber - 1, 1)));
}

function weekdayNames(locale: string): string[] {
  // 2024-01-01 was a Monday (ISO day 1).
  return Array.from({ length: 7 }, (_, index) => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + index))));
}

const counts = (rows: CountRow[]) => new Map(rows.map((row) => [row.key, row.count]));

/** The dashboard's figures, once, for both the page and its CSV downloads. */
export function dashboardFigures(dashboard: Dashboard, style: CountStyle, categoryName: CategoryNames) {
  const { t } = style;
  const months = monthsBetween(dashboard.filter.from, dashboard.filter.to);
  const thisPeriod = counts(dashboard.byMonth);
  const byMonth: ChartSeries[] = [
    { name: t('analytics.dashboard.thisPeriod'), points: months.map((month) => point(monthLabel(month, style.locale), thisPeriod.get(month) ?? 0, style)) },
  ];
  const previousByCategory = counts(dashboard.previousByCategory);
  const notRecorded = t('analytics.notRecorded');
  return {
    months,
    byMonth,
    byCategory: dashboard.byCategory.map((row) => point(categoryName(row.key), row.count, style)),
    byArea: dashboard.byArea.slice(0, 15).map((row) => point(row.key || notRecorded, row.count, style)),
    byLsoa: dashboard.byLsoa.slice(0, 15).map((row) => point(row.key || notRecorded, row.count, style)),
    comparison: dashboard.byCategory.map((row) => ({
      category: categoryName(row.key),
      current: shownCount(row.count, style).text,
      previous: shownCount(previousByCategory.get(row.key) ?? 0, style).text,
      change: percentChange(row.count, previousByCategory.get(row.key) ?? 0, style),
    })),
    heat: heatFigures(dashboard, style),
  };
}

/** "+12 %", or nothing when there is no base to compare with or the counts are hidden. */
export function percentChange(current: number, previous: number, style: CountStyle): string {
  if (previous === 0) return style.t('analytics.dashboard.noComparison');
  if (!style.exact && (suppressCount(current, style.threshold).suppressed || suppressCount(previous, style.threshold).suppressed)) return style.t('analytics.dashboard.noComparison');
  const change = Math.round(((current - previous) / previous) * 100);
  return `${change > 0 ? '+' : ''}${change.toLocaleString(style.locale)} %`;
}

function heatFigures(dashboard: Dashboard, style: CountStyle) {
  const cells = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  for (const row of dashboard.heat) cells[row.dow - 1]![row.hour] = row.count;
  return {
    cornerHeading: style.t('analytics.dashboard.day'),
    rowLabels: weekdayNames(style.locale),
    columnLabels: Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0')),
    cells: cells.map((row) => row.map((count) => {
      const shown = shownCount(count, style);
      return { value: shown.value, display: shown.text };
    })),
  };
}

/** The month series of last year, placed under this period's months. */
export function withLastYear(figures: ReturnType<typeof dashboardFigures>, dashboard: Dashboard, style: CountStyle): ChartSeries[] {
  if (dashboard.previousTotal === 0) return figures.byMonth.slice(0, 1);
  const previous = counts(dashboard.previousByMonth);
  return [
    figures.byMonth[0]!,
    {
      name: style.t('analytics.dashboard.lastYear'),
      points: figures.months.map((month) => point(monthLabel(month, style.locale), previous.get(shiftYears(`${month}-01`, -1).slice(0, 7)) ?? 0, style)),
    },
  ];
}

export type DashboardFigure = 'byMonth' | 'byCategory' | 'byArea' | 'byLsoa' | 'heat';
export const dashboardFigureNames: DashboardFigure[] = ['byMonth', 'byCategory', 'byArea', 'byLsoa', 'heat'];

/** The dashboard's charts as HTML (SVG, table, CSV link). */
export function dashboardCharts(dashboard: Dashboard, style: CountStyle, categoryName: CategoryNames, csvHref: (figure: DashboardFigure) => string) {
  const { t } = style;
  const figures = dashboardFigures(dashboard, style, categoryName);
  const common = (id: DashboardFigure, labelHeading: string) => ({
    id: `chart-${id}`,
    csvHref: csvHref(id),
    text: {
      title: t(`analytics.dashboard.charts.${id}.title`),
      description: t(`analytics.dashboard.charts.${id}.description`, { from: dashboard.filter.from, to: dashboard.filter.to }),
      labelHeading,
      tableToggle: t('analytics.charts.showTable'),
      csvLink: t('analytics.charts.downloadCsv'),
    },
  });
  return {
    figures,
    byMonth: lineChart(withLastYear(figures, dashboard, style), common('byMonth', t('analytics.dashboard.month'))),
    byCategory: barChart(figures.byCategory, { ...common('byCategory', t('analytics.dashboard.category')), seriesName: t('analytics.dashboard.incidents') }),
    byArea: barChart(figures.byArea, { ...common('byArea', t('analytics.dashboard.area')), seriesName: t('analytics.dashboard.incidents') }),
    byLsoa: barChart(figures.byLsoa, { ...common('byLsoa', t('analytics.dashboard.lsoa')), seriesName: t('analytics.dashboard.incidents') }),
    heat: heatTable({
      id: 'chart-heat',
      caption: t('analytics.dashboard.charts.heat.title'),
      ...figures.heat,
      csvHref: csvHref('heat'),
      csvLink: t('analytics.charts.downloadCsv'),
    }),
  };
}

/** One dashboard figure as CSV, with the same (suppressed) numbers the page shows. */
export function dashboardCsv(figure: DashboardFigure, dashboard: Dashboard, style: CountStyle, categoryName: CategoryNames): string {
  const { t } = style;
  const figures = dashboardFigures(dashboard, style, categoryName);
  const incidents = t('analytics.dashboard.incidents');
  switch (figure) {
    case 'byMonth':
      return chartCsv(t('analytics.dashboard.month'), withLastYear(figures, dashboard, style));
    case 'byCategory':
      return chartCsv(t('analytics.dashboard.category'), [{ name: incidents, points: figures.byCategory }]);
    case 'byArea':
      return chartCsv(t('analytics.dashboard.area'), [{ name: incidents, points: figures.byArea }]);
    case 'byLsoa':
      return chartCsv(t('analytics.dashboard.lsoa'), [{ name: incidents, points: figures.byLsoa }]);
    case 'heat':
      return heatTableCsv(figures.heat);
  }
}

/** The filter as a query string, for CSV links, saving and re-running. */
export function filterQuery(filter: AnalyticsFilter, extra: Record<string, string | number> = {}): string {
  const query = new URLSearchParams();
  const date = (name: string, iso: string) => {
    const [year, month, day] = iso.split('-');
    query.set(`${name}-day`, String(Number(day)));
    query.set(`${name}-month`, String(Number(month)));
    query.set(`${name}-year`, year!);
  };
  date('from', filter.from);
  date('to', filter.to);
  for (const category of filter.categories) query.append('category', category);
  if (filter.area) query.set('area', filter.area);
  if (filter.lsoa) query.set('lsoa', filter.lsoa);
  for (const [key, value] of Object.entries(extra)) query.set(key, String(value));
  return query.toString();
}
