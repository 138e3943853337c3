import type { Position } from 'geojson';
import { escapeHtml } from '../../shared/charts/index.ts';
import type { HotspotCell } from './hotspots/getisOrd.ts';
import type { PartnershipArea } from './partnershipArea.ts';

export interface StaticMapText {
  title: string;
  description: string;
  bandNames: Record<string, string>;
}

/** Fill and pattern of each band: hot and cold differ by hatching direction as well as colour. */
export const BAND_STYLES: Record<string, { fill: string; pattern: string | null }> = {
  hot_99: { fill: '#a50f15', pattern: 'hatch-dense' },
  hot_95: { fill: '#de2d26', pattern: 'hatch' },
  hot_90: { fill: '#fc9272', pattern: 'dots' },
  not_significant: { fill: '#f3f2f1', pattern: null },
  cold_90: { fill: '#9ecae1', pattern: 'dots' },
  cold_95: { fill: '#3182bd', pattern: 'back-hatch' },
  cold_99: { fill: '#08519c', pattern: 'back-hatch-dense' },
};

const WIDTH = 720;

/**
 * The hotspot map drawn on the server as SVG: district boundaries and the significant hexagons,
 * for pages without JavaScript and for print. An equirectangular projection scaled by the cosine
 * of the middle latitude is accurate enough at the scale of one police force area.
 */
export function staticHotspotMap(area: PartnershipArea, cells: readonly HotspotCell[], text: StaticMapText): string {
  const [west, south, east, north] = area.bbox;
  const scaleX = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const spanX = (east - west) * scaleX;
  const spanY = north - south;
  const height = Math.round((WIDTH * spanY) / spanX);
  const project = ([longitude, latitude]: Position): string =>
    `${(((longitude! - west) * scaleX * WIDTH) / spanX).toFixed(1)},${(((north - latitude!) * height) / spanY).toFixed(1)}`;
  const pathOf = (rings: Position[][]) =>
    rings
      .map((ring) => {
        const points: string[] = [];
        for (const position of ring) {
          const point = project(position);
          if (points.at(-1) !== point) points.push(point);
        }
        return `M${points.join('L')}Z`;
      })
      .join('');

  const boundaries = area.districts
    .map((district) => {
      const rings = district.geometry.type === 'Polygon' ? district.geometry.coordinates : district.geometry.coordinates.flat();
      return `<path d="${pathOf(rings)}" fill="none" stroke="#0b0c0c" stroke-width="1"><title>${escapeHtml(district.name)}</title></path>`;
    })
    .join('');
  const hexagons = cells
    .filter((cell) => cell.band !== 'not_significant')
    .map((cell) => {
      const style = BAND_STYLES[cell.band]!;
      const d = pathOf([cell.boundary]);
      const overlay = style.pattern ? `<path d="${d}" fill="url(#map-${style.pattern})"/>` : '';
      return `<g><title>${escapeHtml(`${text.bandNames[cell.band]}: ${cell.count}`)}</title><path d="${d}" fill="${style.fill}" stroke="#0b0c0c" stroke-width="0.5"/>${overlay}</g>`;
    })
    .join('');
  return (
    `<svg class="oneroof-map__static" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-labelledby="static-map-title static-map-desc" data-testid="static-map">` +
    `<title id="static-map-title">${escapeHtml(text.title)}</title><desc id="static-map-desc">${escapeHtml(text.description)}</desc>` +
    patterns('map-') +
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>${boundaries}${hexagons}</svg>`
  );
}

/** The patterns the legend swatches use, once on the page. */
export function legendPatterns(): string {
  return `<svg width="0" height="0" class="oneroof-map__defs" aria-hidden="true" focusable="false">${patterns('legend-')}</svg>`;
}

/** A legend swatch: the same fill and pattern as the map, beside each band's name. */
export function legendSwatch(band: string): string {
  const style = BAND_STYLES[band]!;
  return (
    `<svg width="28" height="20" viewBox="0 0 28 20" aria-hidden="true" focusable="false">` +
    `<rect x="1" y="1" width="26" height="18" fill="${style.fill}" stroke="#0b0c0c"/>` +
    (style.pattern ? `<rect x="1" y="1" width="26" height="18" fill="url(#legend-${style.pattern})"/>` : '') +
    '</svg>'
  );
}

function patterns(prefix: string): string {
  const hatch = (id: string, size: number, rotate: number) =>
    `<pattern id="${prefix}${id}" patternUnits="userSpaceOnUse" width="${size}" height="${size}" patternTransform="rotate(${rotate})"><line x1="0" y1="0" x2="0" y2="${size}" stroke="#ffffff" stroke-width="1.5"/></pattern>`;
  return (
    '<defs>' +
    hatch('hatch', 6, 45) +
    hatch('hatch-dense', 3.5, 45) +
    hatch('back-hatch', 6, -45) +
    hatch('back-hatch-dense', 3.5, -45) +
    `<pattern id="${prefix}dots" patternUnits="userSpaceOnUse" width="5" height="5"><circle cx="2.5" cy="2.5" r="1" fill="#0b0c0c"/></pattern>` +
    '</defs>'
  );
}
