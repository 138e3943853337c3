import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { NotFound } from '../../shared/errors.ts';
import { paths } from '../../shared/paths.ts';
import { filterFormContext, filterFrom, filterValues, pageBasics } from './analyticsPage.ts';
import { mayViewRepeatVictims } from './analyticsPolicy.ts';
import { type DashboardFigure, dashboardCharts, dashboardCsv, dashboardFigureNames, filterQuery, percentChange, shownCount } from './analyticsViews.ts';
import { hotspotsRoutes } from './hotspotsRoutes.ts';
import { nearRepeatRoutes } from './nearRepeatRoutes.ts';
import { savedAnalysesRoutes } from './savedAnalysesRoutes.ts';

const view = { config: { access: 'analytics:view' as const } };

/**
 * The analytics pages: the counts-and-trends dashboard with its CSV downloads, and the repeat
 * tables here; hotspots, near repeats and saved analyses in their own files.
 */
export async function analyticsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { figures } = services.analytics;

  app.get(paths.analytics.dashboard.pattern, view, async (request, reply) => {
    const basics = await pageBasics(request, services);
    const resolved = await filterFrom(request.query, services);
    if (!resolved.ok) {
      return reply.status(400).render('analytics/views/dashboard.njk', { pageTitle: request.t('analytics.dashboard.title'), ...filterFormContext(request, basics, resolved.values, resolved.fieldErrors) });
    }
    const dashboard = await figures.dashboard(resolved.filter);
    const query = filterQuery(resolved.filter);
    const charts = dashboard.total > 0 ? dashboardCharts(dashboard, basics.style, basics.categoryName, (figure) => `${paths.analytics.dashboardCsv({ figure })}?${query}`) : undefined;
    return reply.render('analytics/views/dashboard.njk', {
      pageTitle: request.t('analytics.dashboard.title'),
      ...filterFormContext(request, basics, { ...filterValues(resolved.filter) }),
      filter: resolved.filter,
      total: shownCount(dashboard.total, basics.style).text,
      isEmpty: dashboard.total === 0,
      previousTotal: shownCount(dashboard.previousTotal, basics.style).text,
      change: percentChange(dashboard.total, dashboard.previousTotal, basics.style),
      withoutTime: shownCount(dashboard.withoutTime, basics.style).text,
      hasWithoutTime: dashboard.withoutTime > 0,
      charts,
      parameters: query,
    });
  });

  app.get(paths.analytics.dashboardCsv.pattern, view, async (request, reply) => {
    const figure = (request.params as { figure: string }).figure as DashboardFigure;
    if (!dashboardFigureNames.includes(figure)) throw new NotFound();
    const basics = await pageBasics(request, services);
    const resolved = await filterFrom(request.query, services);
    if (!resolved.ok) return reply.redirect(`${paths.analytics.dashboard()}?${new URLSearchParams(request.query as Record<string, string>).toString()}`);
    const dashboard = await figures.dashboard(resolved.filter);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="incidents-${figure}-${resolved.filter.from}-to-${resolved.filter.to}.csv"`)
      .send(dashboardCsv(figure, dashboard, basics.style, basics.categoryName));
  });

  app.get(paths.analytics.repeats.pattern, view, async (request: FastifyRequest, reply: FastifyReply) => {
    const basics = await pageBasics(request, services);
    const resolved = await filterFrom(request.query, services);
    if (!resolved.ok) {
      return reply.status(400).render('analytics/views/repeats.njk', { pageTitle: request.t('analytics.repeats.title'), ...filterFormContext(request, basics, resolved.values, resolved.fieldErrors) });
    }
    const locations = await figures.repeatLocations(resolved.filter);
    const victims = mayViewRepeatVictims(basics.user.role) ? await figures.repeatVictims(basics.user, resolved.filter, request.actor) : undefined;
    return reply.render('analytics/views/repeats.njk', {
      pageTitle: request.t('analytics.repeats.title'),
      ...filterFormContext(request, basics, filterValues(resolved.filter)),
      filter: resolved.filter,
      locations: locations.map((row) => ({ ...row, shown: shownCount(row.count, basics.style).text })),
      victims,
      parameters: filterQuery(resolved.filter),
    });
  });

  await app.register(hotspotsRoutes, { services });
  await app.register(nearRepeatRoutes, { services });
  await app.register(savedAnalysesRoutes, { services });
}
