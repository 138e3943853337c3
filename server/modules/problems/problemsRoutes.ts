import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ProblemRow } from '../../db/schema.ts';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import { asArray, echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { londonToday } from '../../shared/dates.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { categoryItems, problemView } from './problemViews.ts';
import {
  analysisSchema,
  assessmentSchema,
  evidenceKinds,
  evidenceSchema,
  linkCaseSchema,
  listQuerySchema,
  newProblemSchema,
  objectiveSchema,
  prefillQuerySchema,
  scanningSchema,
  transitionSchema,
  triangleFields,
} from './problemsSchemas.ts';
import { problemStages } from './problemWorkflow.ts';

const NEW_FIELDS = ['title', 'leadOrganisationId', 'ownerUserId', 'categoryCodes', 'targetLatitude', 'targetLongitude', 'targetRadius'];
const SCANNING_FIELDS = ['scanningSummary', 'categoryCodes', 'targetLatitude', 'targetLongitude', 'targetRadius', 'bufferWidth', 'comparisonLatitude', 'comparisonLongitude', 'comparisonRadius'];
const ASSESSMENT_DATES = ['beforeStart', 'beforeEnd', 'afterStart', 'afterEnd'];

/** Stage forms: which template, which fields, and the stored values that fill them. */
const stageForms = {
  objective: { schema: objectiveSchema, fields: ['objective', 'objectiveMeasure'], values: (problem: ProblemRow) => ({ objective: problem.objective, objectiveMeasure: problem.objective_measure }) },
  scanning: {
    schema: scanningSchema,
    fields: SCANNING_FIELDS,
    values: (problem: ProblemRow) => ({
      scanningSummary: problem.scanning_summary,
      categoryCodes: problem.category_codes,
      targetLatitude: problem.target_latitude,
      targetLongitude: problem.target_longitude,
      targetRadius: problem.target_radius_m,
      comparisonLatitude: problem.comparison_latitude,
      comparisonLongitude: problem.comparison_longitude,
      comparisonRadius: problem.comparison_radius_m,
      bufferWidth: problem.buffer_width_m,
    }),
  },
  analysis: {
    schema: analysisSchema,
    fields: ['analysisSummary', ...triangleFields],
    values: (problem: ProblemRow) => ({ analysisSummary: problem.analysis_summary, ...Object.fromEntries(triangleFields.map((field) => [field, problem[field]])) }),
  },
} as const;

type StageName = keyof typeof stageForms;

/** Problem-solving pages: the list, a new problem (optionally prefilled), the overview, each stage's form, linking cases, moving stages, the report. */
export async function problemsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { problems } = services;
  const view = { config: { access: 'problem:view' as const } };
  const manage = { config: { access: 'problem:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const idOf = (request: FastifyRequest) => (request.params as { problemId: string }).problemId;
  const showPath = (request: FastifyRequest) => paths.problems.show({ problemId: idOf(request) });

  /** A refused change (a closed problem, a stage that cannot be left yet) comes back as a message on the problem's page. */
  const refused = (request: FastifyRequest, reply: FastifyReply, error: Conflict) => {
    request.session.flash = { kind: 'important', text: request.t(error.message) };
    return reply.redirect(showPath(request));
  };

  app.get(paths.problems.index.pattern, view, async (request, reply) => {
    const query = listQuerySchema.parse(request.query ?? {});
    const rows = await problems.list(me(request), query);
    return reply.render('problems/views/list.njk', { pageTitle: request.t('problems.list.title'), rows, query, stages: problemStages, columnWidth: 'full' });
  });

  app.get(paths.problems.responsesForMe.pattern, view, async (request, reply) => {
    const rows = await problems.responsesForMyOrganisation(me(request));
    return reply.render('problems/views/myResponses.njk', { pageTitle: request.t('problems.myResponses.title'), rows, columnWidth: 'full' });
  });

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, fieldErrors?: FieldErrors) => {
    const prefill = prefillQuerySchema.parse(request.query ?? {});
    const form = await problems.newProblemForm(me(request), prefill);
    const values: FormValues = typed ?? form.initial;
    return reply.render('problems/views/new.njk', {
      pageTitle: request.t('problems.new.title'),
      values,
      analysis: form.analysis,
      organisationItems: selectItems(form.organisations.map((organisation) => ({ value: organisation.id, text: organisation.name })), values.leadOrganisationId, request.t('problems.fields.choose')),
      ownerItems: selectItems(form.owners.map((owner) => ({ value: owner.id, text: `${owner.name} (${owner.organisation_name})` })), values.ownerUserId, request.t('problems.fields.choose')),
      categoryItems: categoryItems(form.categories, asArray(values.categoryCodes), request.t),
      formAction: request.url,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, NEW_FIELDS) : undefined,
    });
  };

  app.get(paths.problems.new.pattern, manage, async (request, reply) => renderNew(request, reply));

  app.post(paths.problems.new.pattern, manage, async (request, reply) => {
    const form = parseForm(newProblemSchema, request.body);
    if (!form.ok) return renderNew(request, reply.status(400), form.values, form.fieldErrors);
    try {
      const created = await problems.create(me(request), form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('problems.new.done', { reference: created.reference }) };
      return reply.redirect(paths.problems.show({ problemId: created.id }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNew(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.problems.show.pattern, view, async (request, reply) => {
    const details = await problems.problem(me(request), idOf(request), request.actor);
    return reply.render('problems/views/show.njk', { ...problemView(details, request.t, request.locale), pageTitle: `${details.problem.reference} ${details.problem.title}`, columnWidth: 'full' });
  });

  app.get(paths.problems.report.pattern, view, async (request, reply) => {
    const details = await problems.problem(me(request), idOf(request), request.actor, 'report');
    return reply.render('problems/views/report.njk', { ...problemView(details, request.t, request.locale), pageTitle: request.t('problems.report.title', { reference: details.problem.reference }), today: londonToday(), columnWidth: 'full' });
  });

  app.post(paths.problems.stage.pattern, manage, async (request, reply) => {
    const form = parseForm(transitionSchema, request.body);
    if (!form.ok) return refused(request, reply, new Conflict('problems.stage.notAllowed'));
    try {
      await problems.transition(me(request), idOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return refused(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('problems.stage.moved', { stage: request.t(`problems.stages.${form.data.to}`) }) };
    return reply.redirect(showPath(request));
  });

  // One edit page per stage: objective, scanning (with the areas), analysis (the triangle).
  for (const stage of Object.keys(stageForms) as StageName[]) {
    const definition = stageForms[stage];
    const render = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, problem?: FieldErrors | StaleUpdate) => {
      const form = await problems.problemToEdit(me(request), idOf(request));
      if (!form.can.canEdit) return reply.redirect(showPath(request), 302);
      const stored = Object.fromEntries(Object.entries(definition.values(form.problem)).map(([field, value]) => [field, Array.isArray(value) ? value : value === null ? '' : String(value)]));
      const values: FormValues = typed ?? { ...stored, version: form.problem.version };
      const errors = problem instanceof StaleUpdate
        ? { list: [{ text: request.t('problems.errors.stale'), href: `#${definition.fields[0]}` }], fields: {} }
        : problem ? formErrors(problem, request.t, [...definition.fields]) : undefined;
      return reply.render(`problems/views/${stage}.njk`, {
        pageTitle: request.t(`problems.${stage}.title`),
        problem: form.problem,
        values,
        categoryItems: categoryItems(form.categories, asArray(values.categoryCodes), request.t),
        triangleFields,
        errors,
      });
    };
    const stagePath = paths.problems[stage];
    app.get(stagePath.pattern, manage, async (request, reply) => render(request, reply));
    app.post(stagePath.pattern, manage, async (request, reply) => {
      const form = parseForm(definition.schema as z.ZodType, request.body);
      if (!form.ok) return render(request, reply.status(400), form.values, form.fieldErrors);
      try {
        if (stage === 'objective') await problems.updateObjective(me(request), idOf(request), form.data as z.output<typeof objectiveSchema>, request.actor);
        if (stage === 'scanning') await problems.updateScanning(me(request), idOf(request), form.data as z.output<typeof scanningSchema>, request.actor);
        if (stage === 'analysis') await problems.updateAnalysis(me(request), idOf(request), form.data as z.output<typeof analysisSchema>, request.actor);
      } catch (error) {
        if (error instanceof StaleUpdate) return render(request, reply.status(409), { ...echoValues(request.body), version: error.currentVersion }, error);
        if (error instanceof ValidationFailed) return render(request, reply.status(400), echoValues(request.body), error.fieldErrors);
        if (error instanceof Conflict) return refused(request, reply, error);
        throw error;
      }
      request.session.flash = { kind: 'success', text: request.t('problems.saved') };
      return reply.redirect(showPath(request));
    });
  }

  const renderEvidence = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const form = await problems.problemToEdit(me(request), idOf(request));
    if (!form.can.canEdit) return reply.redirect(showPath(request), 302);
    return reply.render('problems/views/evidence.njk', {
      pageTitle: request.t('problems.evidence.title'),
      problem: form.problem,
      values,
      kindItems: evidenceKinds.filter((kind) => kind !== 'saved_analysis').map((kind) => ({ value: kind, text: request.t(`problems.evidence.kinds.${kind}`), checked: values.kind === kind })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['kind', 'label', 'url', 'count']) : undefined,
    });
  };
  app.get(paths.problems.newEvidence.pattern, manage, async (request, reply) => renderEvidence(request, reply, {}));
  app.post(paths.problems.newEvidence.pattern, manage, async (request, reply) => {
    const form = parseForm(evidenceSchema, request.body);
    if (!form.ok) return renderEvidence(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await problems.addEvidence(me(request), idOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return refused(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('problems.evidence.added') };
    return reply.redirect(showPath(request));
  });

  app.post(paths.problems.linkCase.pattern, manage, async (request, reply) => {
    const form = parseForm(linkCaseSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      await problems.linkCase(me(request), idOf(request), form.data.reference, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) {
        const details = await problems.problem(me(request), idOf(request), request.actor);
        return reply.status(400).render('problems/views/show.njk', {
          ...problemView(details, request.t, request.locale),
          pageTitle: `${details.problem.reference} ${details.problem.title}`,
          columnWidth: 'full',
          linkValues: echoValues(request.body),
          errors: formErrors(error.fieldErrors, request.t, ['reference']),
        });
      }
      if (error instanceof Conflict) return refused(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('problems.cases.linked') };
    return reply.redirect(`${showPath(request)}#cases`);
  });

  const renderAssessment = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const form = await problems.problemToEdit(me(request), idOf(request));
    if (!form.can.canEdit) return reply.redirect(showPath(request), 302);
    return reply.render('problems/views/assessment.njk', {
      pageTitle: request.t('problems.assessment.title'),
      problem: form.problem,
      values,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, [...ASSESSMENT_DATES, 'conclusion'], { dateFields: ASSESSMENT_DATES }) : undefined,
    });
  };
  app.get(paths.problems.newAssessment.pattern, manage, async (request, reply) => renderAssessment(request, reply, {}));
  app.post(paths.problems.newAssessment.pattern, manage, async (request, reply) => {
    const form = parseForm(assessmentSchema, request.body);
    if (!form.ok) return renderAssessment(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await problems.recordAssessment(me(request), idOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderAssessment(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      if (error instanceof Conflict) return refused(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('problems.assessment.recorded') };
    return reply.redirect(`${showPath(request)}#assessment`);
  });
}
