import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { lineChart } from '../../shared/charts/index.ts';
import { formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { hasPermission } from '../../shared/permissions.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { figureHelpers, formatFigure, formatQuarter } from './figures.ts';
import { figureSchema, settingsSchema } from './governanceSchemas.ts';
import type { MeasureProgress } from './measuresService.ts';

/**
 * The priorities dashboard (progress against each target, RAG status, a chart per measure with
 * its figures as a table), the printable annual report, manual quarterly figures and the
 * partnership's population for rates.
 */
export async function measuresRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { measures, agreement, events, transparency } = services.governance;
  const view = { config: { access: 'governance:view' as const } };
  const manage = { config: { access: 'governance:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;

  const chartOf = (request: FastifyRequest, progress: MeasureProgress) => {
    const { t, locale } = request;
    const unit = progress.measure.unit;
    const label = (value: number | null) => (value === null ? t('governance.dashboard.noFigure') : formatFigure(value, unit, locale, t));
    return lineChart(
      [
        { name: t('governance.dashboard.actual'), points: progress.series.map((figure) => ({ label: formatQuarter(figure.quarter, t), value: figure.value, display: label(figure.value) })) },
        { name: t('governance.dashboard.target'), points: progress.series.map((figure) => ({ label: formatQuarter(figure.quarter, t), value: progress.measure.target, display: label(progress.measure.target) })) },
      ],
      {
        id: `measure-${progress.measure.code}`,
        height: 220,
        text: {
          title: progress.measure.title,
          description: t('governance.dashboard.chartDescription', { measure: progress.measure.title, target: label(progress.measure.target) }),
          labelHeading: t('governance.dashboard.quarter'),
          tableToggle: t('governance.dashboard.tableToggle'),
          csvLink: t('governance.dashboard.csvLink'),
        },
      },
    );
  };

  app.get(paths.governance.dashboard.pattern, view, async (request, reply) => {
    const dashboard = await measures.dashboard();
    const overview = await agreement.overview();
    const user = me(request);
    return reply.render('governance/views/dashboard.njk', {
      pageTitle: request.t('governance.dashboard.title'),
      ...dashboard,
      charts: Object.fromEntries(dashboard.priorities.flatMap((priority) => priority.measures.map((progress) => [progress.measure.code, chartOf(request, progress)]))),
      signatures: overview.signatures,
      awaiting: overview.awaiting,
      mustSign: Boolean(overview.published) && hasPermission(user.role, 'agreement:sign') && !overview.signatures.some((signature) => signature.organisation_id === user.organisationId),
      canManage: hasPermission(user.role, 'governance:manage'),
      ...figureHelpers(request.locale, request.t),
      columnWidth: 'full',
    });
  });

  app.get(paths.governance.report.pattern, view, async (request, reply) => {
    const year = Number(measures.today().slice(0, 4));
    const [dashboard, overview, eventList, caseReviews] = await Promise.all([measures.dashboard(), agreement.overview(), events.list(), transparency.caseReviewStatistics(year)]);
    return reply.render('governance/views/report.njk', {
      pageTitle: request.t('governance.report.title', { year }),
      year,
      ...dashboard,
      signatures: overview.signatures,
      events: eventList.filter((event) => event.starts_at.getUTCFullYear() === year),
      followUps: await transparency.followUps(),
      caseReviews,
      ...figureHelpers(request.locale, request.t),
      columnWidth: 'full',
    });
  });

  const renderFigures = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: FieldErrors) => {
    const { measureCode } = request.params as { measureCode: string };
    const manual = await measures.manualMeasure(measureCode);
    return reply.render('governance/views/figures.njk', {
      pageTitle: request.t('governance.figures.title'),
      ...manual,
      values,
      errors: errors ? formErrors(errors, request.t, ['quarter', 'value', 'note']) : undefined,
      ...figureHelpers(request.locale, request.t),
    });
  };
  app.get(paths.governance.measureFigures.pattern, manage, async (request, reply) => renderFigures(request, reply));
  app.post(paths.governance.measureFigures.pattern, manage, async (request, reply) => {
    const { measureCode } = request.params as { measureCode: string };
    const parsed = parseForm(figureSchema, request.body);
    if (!parsed.ok) return renderFigures(request, reply.status(400), parsed.values, parsed.fieldErrors);
    try {
      await measures.recordFigure(me(request), measureCode, parsed.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderFigures(request, reply.status(400), request.body as FormValues, error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('governance.figures.saved') };
    return reply.redirect(paths.governance.measureFigures({ measureCode }));
  });

  const renderSettings = async (request: FastifyRequest, reply: FastifyReply, values?: FormValues, errors?: FieldErrors) => {
    const population = await measures.population();
    return reply.render('governance/views/settings.njk', {
      pageTitle: request.t('governance.settings.title'),
      values: values ?? { population: population === null ? '' : String(population) },
      errors: errors ? formErrors(errors, request.t, ['population']) : undefined,
    });
  };
  app.get(paths.governance.settings.pattern, manage, async (request, reply) => renderSettings(request, reply));
  app.post(paths.governance.settings.pattern, manage, async (request, reply) => {
    const parsed = parseForm(settingsSchema, request.body);
    if (!parsed.ok) return renderSettings(request, reply.status(400), parsed.values, parsed.fieldErrors);
    await measures.savePopulation(parsed.data.population, request.actor);
    request.session.flash = { kind: 'success', text: request.t('governance.settings.saved') };
    return reply.redirect(paths.governance.dashboard());
  });
}
