import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import type { FieldErrors } from '../../shared/errors.ts';
import { echoValues, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { FILTER_FIELDS, filterFormContext, filterFrom, me, pageBasics } from './analyticsPage.ts';
import { maySaveAnalyses } from './analyticsPolicy.ts';
import { MAX_ITERATIONS, parseNearRepeatForm } from './analyticsSchemas.ts';
import { describeNearRepeatFinding, SIGNIFICANCE_LEVEL, formatP } from './nearRepeat/nearRepeatSummary.ts';
import type { NearRepeatRunParameters, StoredNearRepeatResult } from './nearRepeatRuns.ts';
import { toQueryString } from './savedAnalysesRoutes.ts';

const view = { config: { access: 'analytics:view' as const } };
const FORM_FIELDS = ['nrCategory', ...FILTER_FIELDS, 'distanceBands', 'timeBands', 'iterations', 'seed'];
const DEFAULTS = { distanceBands: '100,200,300,400,500', timeBands: '7,14,21,28,35', iterations: '99', seed: '1' };
const REFRESH_SECONDS = 3;

/** The Knox table for the page: each cell's figures, and whether it is significantly above chance. */
export function nearRepeatTable(result: StoredNearRepeatResult, t: FastifyRequest['t']) {
  const { distanceBands, timeBands } = result.parameters;
  const band = (bands: number[], index: number, key: string, offset: number) =>
    t(key, { from: index === 0 ? 0 : bands[index - 1]! + offset, to: bands[index] });
  return {
    columns: timeBands.map((_, index) => band(timeBands, index, 'analytics.nearRepeat.timeBand', 1)),
    rows: distanceBands.map((_, row) => ({
      label: band(distanceBands, row, 'analytics.nearRepeat.distanceBand', 0),
      cells: timeBands.map((_, column) => {
        const ratio = result.ratio[row]![column]!;
        const p = result.p[row]![column]!;
        return {
          observed: result.observed[row]![column]!,
          expected: result.expected[row]![column]!.toFixed(1),
          ratio: ratio === null ? '–' : ratio.toFixed(2),
          p: formatP(p),
          significant: p < SIGNIFICANCE_LEVEL && ratio !== null && ratio > 1,
        };
      }),
    })),
  };
}

/**
 * Near-repeat analysis of the partnership's incidents (Knox test, Monte Carlo permutations of the
 * dates): a form, then a run in the background with a progress page that refreshes itself
 * (meta refresh without JavaScript; polling with it), then the table and a plain summary.
 */
export async function nearRepeatRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { nearRepeat, saved } = services.analytics;

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const basics = await pageBasics(request, services);
    const category = typeof values.nrCategory === 'string' ? values.nrCategory : '';
    return reply.render('analytics/views/nearRepeat.njk', {
      pageTitle: request.t('analytics.nearRepeat.title'),
      ...filterFormContext(request, basics, values, fieldErrors, FORM_FIELDS),
      nrCategoryItems: [{ value: '', text: request.t('analytics.nearRepeat.chooseCategory'), selected: category === '' }, ...basics.categories.map((row) => ({ value: row.code, text: basics.categoryName(row.code), selected: row.code === category }))],
      maxIterations: MAX_ITERATIONS,
    });
  };

  app.get(paths.analytics.nearRepeat.pattern, view, async (request, reply) => {
    const query = echoValues(request.query);
    return renderForm(request, reply, { ...DEFAULTS, ...query });
  });

  app.post(paths.analytics.nearRepeat.pattern, view, async (request, reply) => {
    const values = echoValues(request.body);
    const resolved = await filterFrom(request.body, services);
    const form = parseNearRepeatForm(request.body);
    if (!resolved.ok || !form.ok) {
      return renderForm(request, reply.status(400), values, { ...(form.ok ? {} : form.fieldErrors), ...(resolved.ok ? {} : resolved.fieldErrors) });
    }
    const basics = await pageBasics(request, services);
    const query = Object.fromEntries(Object.entries(values).filter(([key]) => key !== '_csrf').map(([key, value]) => [key, Array.isArray(value) ? value.map(String) : String(value)]));
    const parameters: NearRepeatRunParameters = {
      filter: resolved.filter,
      form: form.data,
      query,
      eventLabel: `${basics.categoryName(form.data.category).toLocaleLowerCase('en-GB')} incidents`,
    };
    const started = await nearRepeat.start(me(request).id, parameters);
    if ('reason' in started) {
      const key = started.reason === 'monthOnly' ? 'analytics.errors.monthOnly' : 'analytics.errors.tooFewEvents';
      return renderForm(request, reply.status(400), values, { nrCategory: key });
    }
    return reply.redirect(paths.analytics.nearRepeatRun({ runId: started.runId }), 303);
  });

  app.get(paths.analytics.nearRepeatRun.pattern, view, async (request, reply) => {
    const run = await saved.findRun(me(request), (request.params as { runId: string }).runId);
    const parameters = run.parameters as NearRepeatRunParameters;
    const basics = await pageBasics(request, services);
    const result = run.status === 'finished' ? (run.result as StoredNearRepeatResult) : undefined;
    return reply.render('analytics/views/nearRepeatRun.njk', {
      pageTitle: request.t(run.status === 'running' ? 'analytics.nearRepeat.runningTitle' : 'analytics.nearRepeat.resultTitle'),
      run,
      category: basics.categoryName(parameters.form.category),
      filter: parameters.filter,
      form: parameters.form,
      result,
      table: result ? nearRepeatTable(result, request.t) : undefined,
      summary: result ? describeNearRepeatFinding(result, request.t, request.t('analytics.nearRepeat.finding.events', { category: basics.categoryName(parameters.form.category).toLocaleLowerCase(request.locale) })) : undefined,
      refreshSeconds: REFRESH_SECONDS,
      statusUrl: paths.analytics.nearRepeatRunStatus({ runId: run.id }),
      parameters: toQueryString(parameters.query),
      maySave: maySaveAnalyses(basics.user.role) && !run.saved_analysis_id,
      againHref: `${paths.analytics.nearRepeat()}?${new URLSearchParams(Object.entries(parameters.query).filter(([, value]) => typeof value === 'string') as [string, string][]).toString()}`,
    });
  });

  app.get(paths.analytics.nearRepeatRunStatus.pattern, view, async (request, reply) => {
    const run = await saved.findRun(me(request), (request.params as { runId: string }).runId);
    return reply.send({ status: run.status });
  });
}
