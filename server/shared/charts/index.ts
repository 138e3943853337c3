export { barChart, chartCsv, lineChart, niceMax, type ChartOptions, type ChartPoint, type ChartSeries, type ChartText } from './charts.ts';
export { heatTable, heatTableCsv, type HeatCell, type HeatTableOptions } from './heatTable.ts';
export { escapeHtml } from './escapeHtml.ts';
