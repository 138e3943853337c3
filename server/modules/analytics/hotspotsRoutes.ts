import type { FastifyInstance, FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import type { Services } from '../../services.ts';
import { echoValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { FILTER_FIELDS, filterFormContext, filterFrom, filterValues, pageBasics, type PageBasics } from './analyticsPage.ts';
import { type AnalyticsFilter, type HotspotParameters, MAX_H3_RESOLUTION, MAX_RINGS, MIN_H3_RESOLUTION, parseHotspotParameters } from './analyticsSchemas.ts';
import { filterQuery, shownCount } from './analyticsViews.ts';
import { HOTSPOT_BANDS, type HotspotCell } from './hotspots/getisOrd.ts';
import { hotspotsGeoJson } from './hotspots/hotspotsGeoJson.ts';
import type { HotspotResult } from './hotspotService.ts';
import { partnershipArea } from './partnershipArea.ts';
import { legendPatterns, legendSwatch, staticHotspotMap } from './staticMap.ts';

const view = { config: { access: 'analytics:view' as const } };
const TABLE_ROWS = 200;

type Checked = { ok: true; filter: AnalyticsFilter; parameters: HotspotParameters } | { ok: false; fieldErrors: Record<string, string>; values: Record<string, unknown> };

async function checked(request: FastifyRequest, services: Services): Promise<Checked> {
  const resolved = await filterFrom(request.query, services);
  const parameters = parseHotspotParameters(request.query);
  if (!resolved.ok || !parameters.ok) {
    return { ok: false, fieldErrors: { ...(resolved.ok ? {} : resolved.fieldErrors), ...(parameters.ok ? {} : parameters.fieldErrors) }, values: echoValues(request.query) };
  }
  return { ok: true, filter: resolved.filter, parameters: parameters.data };
}

/** Significant cells first (hottest, then coldest), as the table and CSV list them. */
function significantCells(cells: readonly HotspotCell[]): HotspotCell[] {
  return cells.filter((cell) => cell.band !== 'not_significant').sort((a, b) => b.zScore - a.zScore);
}

/**
 * The hotspot map: H3 hexagons coloured (and patterned) by Getis–Ord Gi* band over the district
 * boundaries. Without JavaScript, a server-drawn SVG map and the table of cells; with it, Leaflet
 * draws the same cells, the boundaries and the incidents (clustered) from data.json.
 */
export async function hotspotsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { hotspots } = services.analytics;

  const bandNames = (request: FastifyRequest) => Object.fromEntries(HOTSPOT_BANDS.map((band) => [band, request.t(`analytics.hotspots.bands.${band}`)]));

  const parameterItems = (request: FastifyRequest, values: Record<string, unknown>) => ({
    resolutionItems: Array.from({ length: MAX_H3_RESOLUTION - MIN_H3_RESOLUTION + 1 }, (_, index) => {
      const value = String(MIN_H3_RESOLUTION + index);
      return { value, text: request.t(`analytics.hotspots.resolutions.r${value}`), selected: String(values.resolution ?? '8') === value };
    }),
    ringsItems: Array.from({ length: MAX_RINGS }, (_, index) => ({ value: String(index + 1), text: String(index + 1), selected: String(values.rings ?? '1') === String(index + 1) })),
  });

  const render = (request: FastifyRequest, basics: PageBasics, result: HotspotResult, filter: AnalyticsFilter, parameters: HotspotParameters) => {
    const query = filterQuery(filter, { resolution: parameters.resolution, rings: parameters.rings });
    const significant = significantCells(result.cells);
    const names = bandNames(request);
    const bandCounts = Object.fromEntries(HOTSPOT_BANDS.map((band) => [band, result.cells.filter((cell) => cell.band === band).length]));
    return {
      pageTitle: request.t('analytics.hotspots.title'),
      ...filterFormContext(request, basics, { ...filterValues(filter), resolution: String(parameters.resolution), rings: String(parameters.rings) }),
      ...parameterItems(request, { resolution: parameters.resolution, rings: parameters.rings }),
      filter,
      parameters: query,
      mapped: shownCount(result.mapped, basics.style).text,
      isEmpty: result.mapped === 0,
      outside: result.outside,
      withoutPosition: result.withoutPosition,
      hotCount: significant.filter((cell) => cell.band.startsWith('hot')).length,
      staticMap: staticHotspotMap(partnershipArea(), result.cells, {
        title: request.t('analytics.hotspots.mapTitle'),
        description: request.t('analytics.hotspots.mapDescription', { count: significant.length }),
        bandNames: names,
      }),
      legendPatterns: legendPatterns(),
      legend: HOTSPOT_BANDS.map((band) => ({ band, name: names[band], swatch: legendSwatch(band), cells: bandCounts[band] })),
      rows: significant.slice(0, TABLE_ROWS).map((cell) => ({
        cell: cell.cell,
        count: shownCount(cell.count, basics.style).text,
        zScore: cell.zScore.toFixed(2),
        pValue: cell.pValue < 0.001 ? '< 0.001' : cell.pValue.toFixed(3),
        band: cell.band,
        bandName: names[cell.band],
      })),
      moreRows: Math.max(0, significant.length - TABLE_ROWS),
      dataUrl: `${paths.analytics.hotspotsData()}?${query}`,
      csvUrl: `${paths.analytics.hotspotsCsv()}?${query}`,
      tileUrl: services.config.mapTileUrl,
      tileAttribution: services.config.mapTileAttribution,
      mapLabels: JSON.stringify({ ...names, incidents: request.t('analytics.hotspots.incidentsLabel'), boundaries: request.t('analytics.hotspots.boundariesLabel'), hexagons: request.t('analytics.hotspots.hexagonsLabel'), cellCount: request.t('analytics.hotspots.cellCount') }),
    };
  };

  app.get(paths.analytics.hotspots.pattern, view, async (request, reply) => {
    const basics = await pageBasics(request, services);
    const input = await checked(request, services);
    if (!input.ok) {
      return reply.status(400).render('analytics/views/hotspots.njk', {
        pageTitle: request.t('analytics.hotspots.title'),
        ...filterFormContext(request, basics, input.values, input.fieldErrors, [...FILTER_FIELDS, 'resolution', 'rings']),
        ...parameterItems(request, input.values),
      });
    }
    const result = await hotspots.analyse(input.filter, input.parameters);
    return reply.render('analytics/views/hotspots.njk', render(request, basics, result, input.filter, input.parameters));
  });

  app.get(paths.analytics.hotspotsData.pattern, view, async (request, reply) => {
    const input = await checked(request, services);
    if (!input.ok) return reply.status(400).send({ type: 'about:blank', title: 'Bad request', status: 400, errors: input.fieldErrors });
    const basics = await pageBasics(request, services);
    const result = await hotspots.analyse(input.filter, input.parameters);
    // Points are individual incidents: only the roles who see exact counts get them on the map.
    const cells = hotspotsGeoJson(result.cells.filter((cell) => cell.count > 0 || cell.band !== 'not_significant'));
    return reply.send({
      cells: {
        ...cells,
        features: cells.features.map((feature) => ({
          ...feature,
          properties: { ...feature.properties, count: basics.style.exact ? feature.properties.count : null, countText: shownCount(feature.properties.count, basics.style).text },
        })),
      },
      boundaries: partnershipArea().geoJson,
      points: basics.style.exact ? result.points : [],
      pointsCapped: result.pointsCapped,
    });
  });

  app.get(paths.analytics.hotspotsCsv.pattern, view, async (request, reply) => {
    const input = await checked(request, services);
    if (!input.ok) return reply.redirect(`${paths.analytics.hotspots()}?${new URLSearchParams(request.query as Record<string, string>).toString()}`);
    const basics = await pageBasics(request, services);
    const result = await hotspots.analyse(input.filter, input.parameters);
    const t = request.t;
    const rows = significantCells(result.cells).map((cell) => [cell.cell, shownCount(cell.count, basics.style).text, cell.zScore.toFixed(3), cell.pValue.toPrecision(3), t(`analytics.hotspots.bands.${cell.band}`)]);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="hotspots-h3r${input.parameters.resolution}-${input.filter.from}-to-${input.filter.to}.csv"`)
      .send(stringify([[t('analytics.hotspots.cell'), t('analytics.hotspots.count'), t('analytics.hotspots.zScore'), t('analytics.hotspots.pValue'), t('analytics.hotspots.band')], ...rows]));
  });
}
