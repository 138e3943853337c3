import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import type { SavedAnalysisKind } from '../../db/schema.ts';
import { type FieldErrors, Forbidden } from '../../shared/errors.ts';
import { echoValues, formErrors, parseForm, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { me, pageBasics } from './analyticsPage.ts';
import { maySaveAnalyses } from './analyticsPolicy.ts';
import { parseFilter, parseHotspotParameters, parseNearRepeatForm, saveAnalysisSchema } from './analyticsSchemas.ts';
import { nearRepeatSummaryFigures, type NearRepeatRunParameters, type StoredNearRepeatResult } from './nearRepeatRuns.ts';
import type { SavedAnalysisRow } from './savedAnalysesRepository.ts';

const view = { config: { access: 'analytics:view' as const } };

const PAGE_OF_KIND: Record<SavedAnalysisKind, () => string> = {
  dashboard: paths.analytics.dashboard,
  hotspots: paths.analytics.hotspots,
  near_repeat: paths.analytics.nearRepeat,
  repeats: paths.analytics.repeats,
};

function toParameters(queryString: string): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(queryString)) {
    if (key === '_csrf') continue;
    const held = parameters[key];
    parameters[key] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
  }
  return parameters;
}

export function toQueryString(parameters: Record<string, string | string[]>): string {
  return new URLSearchParams(Object.entries(parameters).flatMap(([key, value]): [string, string][] => (Array.isArray(value) ? value.map((one): [string, string] => [key, one]) : [[key, value]]))).toString();
}

/** Where a saved analysis opens: its page with its parameters. */
export function savedAnalysisHref(row: Pick<SavedAnalysisRow, 'kind' | 'parameters'>): string {
  return `${PAGE_OF_KIND[row.kind]()}?${toQueryString(row.parameters)}`;
}

/**
 * Saved analyses: saving any analytics page with its parameters, the list, re-running one on
 * today's data (which records what it found), and deleting one's own.
 */
export async function savedAnalysesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { saved, figures, hotspots, nearRepeat } = services.analytics;

  const renderSaveForm = (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors: FieldErrors) =>
    reply.status(400).render('analytics/views/saveAnalysis.njk', {
      pageTitle: request.t('analytics.saved.saveTitle'),
      values,
      errors: formErrors(fieldErrors, request.t, ['name', 'kind', 'parameters']),
    });

  /** What a run of the analysis found today, in a few figures, for the list. */
  const figuresNow = async (kind: SavedAnalysisKind, parameters: Record<string, string | string[]>): Promise<Record<string, number> | null> => {
    const requested = parseFilter(parameters);
    if (!requested.ok) return null;
    const filter = await figures.resolveFilter(requested.data).catch(() => null);
    if (!filter) return null;
    if (kind === 'dashboard') return { incidents: (await figures.dashboard(filter)).total };
    if (kind === 'repeats') return { repeatLocations: (await figures.repeatLocations(filter)).length };
    if (kind === 'hotspots') {
      const hotspotParameters = parseHotspotParameters(parameters);
      if (!hotspotParameters.ok) return null;
      const result = await hotspots.analyse(filter, hotspotParameters.data);
      return { incidents: result.mapped, hotCells: result.cells.filter((cell) => cell.band.startsWith('hot')).length };
    }
    return null;
  };

  app.get(paths.analytics.saved.pattern, view, async (request, reply) => {
    const basics = await pageBasics(request, services);
    const rows = await saved.list(basics.user);
    return reply.render('analytics/views/saved.njk', {
      pageTitle: request.t('analytics.saved.title'),
      rows: rows.map((row) => ({ ...row, href: savedAnalysisHref(row), mine: row.owner_user_id === basics.user.id, summary: row.last_run_summary ? Object.entries(row.last_run_summary) : [] })),
      maySave: maySaveAnalyses(basics.user.role),
    });
  });

  app.post(paths.analytics.saved.pattern, view, async (request, reply) => {
    if (!maySaveAnalyses(me(request).role)) throw new Forbidden();
    const form = parseForm(saveAnalysisSchema, request.body);
    if (!form.ok) return renderSaveForm(request, reply, form.values, form.fieldErrors);
    const parameters = toParameters(form.data.parameters);
    let lastRunSummary: Record<string, number> | null = null;
    if (form.data.kind === 'near_repeat') {
      if (!parseNearRepeatForm(parameters).ok) return renderSaveForm(request, reply, echoValues(request.body), { parameters: 'analytics.errors.parametersInvalid' });
      const run = form.data.runId ? await saved.findRun(me(request), form.data.runId).catch(() => undefined) : undefined;
      if (run?.status === 'finished') lastRunSummary = nearRepeatSummaryFigures(run.result as StoredNearRepeatResult);
    } else {
      lastRunSummary = await figuresNow(form.data.kind, parameters);
      if (!lastRunSummary) return renderSaveForm(request, reply, echoValues(request.body), { parameters: 'analytics.errors.parametersInvalid' });
    }
    await saved.save(me(request), { kind: form.data.kind, name: form.data.name, parameters, lastRunSummary }, request.actor);
    request.session.flash = { kind: 'success', text: request.t('analytics.saved.done', { name: form.data.name }) };
    return reply.redirect(paths.analytics.saved(), 303);
  });

  app.get(paths.analytics.savedShow.pattern, view, async (request, reply) => {
    const row = await saved.get(me(request), (request.params as { savedId: string }).savedId);
    return reply.redirect(savedAnalysisHref(row), 302);
  });

  app.post(paths.analytics.savedRun.pattern, view, async (request, reply) => {
    if (!maySaveAnalyses(me(request).role)) throw new Forbidden();
    const row = await saved.get(me(request), (request.params as { savedId: string }).savedId);
    if (row.kind !== 'near_repeat') {
      const summary = await figuresNow(row.kind, row.parameters);
      if (summary) await saved.recordRun(row.id, summary);
      return reply.redirect(savedAnalysisHref(row), 303);
    }
    const requested = parseFilter(row.parameters);
    const form = parseNearRepeatForm(row.parameters);
    const filter = requested.ok ? await figures.resolveFilter(requested.data).catch(() => null) : null;
    if (!filter || !form.ok) return reply.redirect(savedAnalysisHref(row), 303);
    const basics = await pageBasics(request, services);
    const parameters: NearRepeatRunParameters = { filter, form: form.data, query: row.parameters, eventLabel: `${basics.categoryName(form.data.category).toLocaleLowerCase('en-GB')} incidents` };
    const started = await nearRepeat.start(me(request).id, parameters, row.id);
    if ('reason' in started) {
      request.session.flash = { kind: 'important', text: request.t(started.reason === 'monthOnly' ? 'analytics.errors.monthOnly' : 'analytics.errors.tooFewEvents') };
      return reply.redirect(paths.analytics.saved(), 303);
    }
    return reply.redirect(paths.analytics.nearRepeatRun({ runId: started.runId }), 303);
  });

  app.post(paths.analytics.savedDelete.pattern, view, async (request, reply) => {
    const savedId = (request.params as { savedId: string }).savedId;
    const row = await saved.get(me(request), savedId);
    await saved.delete(me(request), savedId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('analytics.saved.deleted', { name: row.name }) };
    return reply.redirect(paths.analytics.saved(), 303);
  });
}
