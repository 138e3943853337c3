import { describe, expect, it } from 'vitest';
import { barChart, chartCsv, heatTable, heatTableCsv, lineChart, niceMax } from './index.ts';

const text = { title: 'Incidents <by> month', description: 'A line for each month & year.', labelHeading: 'Month', tableToggle: 'Show the figures', csvLink: 'Download CSV' };

function tableCells(html: string, id: string): string[][] {
  const table = new RegExp(`data-testid="${id}-table">([\\s\\S]*?)</table>`).exec(html)![1]!;
  return [...table.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)].slice(1).map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((cell) => cell[1]!));
}

describe('server-rendered charts', () => {
  it('draws a line chart as an SVG image with title and description, escaped, and the same figures in a table and CSV', () => {
    const series = [
      { name: 'This year', points: [{ label: 'Jan', value: 3 }, { label: 'Feb', value: null, display: 'fewer than 5' }, { label: 'Mar', value: 12 }] },
      { name: 'Last year', points: [{ label: 'Jan', value: 1 }, { label: 'Feb', value: 2 }, { label: 'Mar', value: 0 }] },
    ];
    const html = lineChart(series, { id: 'trend', text, csvHref: '/csv?a=1&b=2' });
    expect(html).toMatch(/<svg [^>]*role="img"[^>]*aria-label="Incidents &lt;by&gt; month"[^>]*aria-labelledby="trend-title trend-desc"/);
    expect(html).toContain('<title id="trend-title">Incidents &lt;by&gt; month</title>');
    expect(html).toContain('<desc id="trend-desc">A line for each month &amp; year.</desc>');
    expect(html).not.toMatch(/style=/);
    // A hidden value breaks the line rather than being drawn as zero: two segments for this year.
    expect(html.match(/<polyline/g)).toHaveLength(3);
    // The second series differs by dash pattern as well as colour.
    expect(html).toContain('stroke-dasharray="8 4"');
    expect(tableCells(html, 'trend')).toEqual([
      ['Jan', '3', '1'],
      ['Feb', 'fewer than 5', '2'],
      ['Mar', '12', '0'],
    ]);
    expect(html).toContain('<span class="govuk-details__summary-text">Show the figures</span>');
    expect(html).toContain('href="/csv?a=1&amp;b=2" download');
    expect(chartCsv('Month', series)).toBe('Month,This year,Last year\nJan,3,1\nFeb,fewer than 5,2\nMar,12,0\n');
  });

  it('draws bars with their values written beside them and a matching table', () => {
    const points = [{ label: 'Burglary', value: 40 }, { label: 'Theft', value: 10 }];
    const html = barChart(points, { id: 'bars', text: { ...text, title: 'By category', labelHeading: 'Category' }, seriesName: 'Incidents' });
    expect(html).toContain('<title id="bars-title">By category</title>');
    const widths = [...html.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(widths[0]! / widths[1]!).toBeCloseTo(4, 5);
    expect(html).toMatch(/<text[^>]*>40<\/text>/);
    expect(tableCells(html, 'bars')).toEqual([
      ['Burglary', '40'],
      ['Theft', '10'],
    ]);
    expect(html).not.toContain('download');
  });

  it('shades a heat table by class only, always writing the number', () => {
    const html = heatTable({ id: 'heat', caption: 'Day and hour', cornerHeading: 'Day', rowLabels: ['Monday', 'Tuesday'], columnLabels: ['00', '01'], cells: [[{ value: 0 }, { value: 10 }], [{ value: 5 }, { value: null, display: 'fewer than 5' }]] });
    expect(html).toContain('oneroof-heat--0">0</td>');
    expect(html).toContain('oneroof-heat--5">10</td>');
    expect(html).toContain('oneroof-heat--3">5</td>');
    expect(html).toContain('oneroof-heat--0">fewer than 5</td>');
    expect(html).not.toMatch(/style=/);
    expect(heatTableCsv({ cornerHeading: 'Day', rowLabels: ['Monday'], columnLabels: ['00', '01'], cells: [[{ value: 0 }, { value: 10 }]] })).toBe('Day,00,01\nMonday,0,10\n');
  });

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 3, 12, 180, 4999].map(niceMax)).toEqual([1, 5, 20, 200, 5000]);
  });
});
