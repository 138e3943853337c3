import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { caseTypeName } from '../../shared/caseTypeNames.ts';
import { NotFound, StaleUpdate, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, parseForm, selectItems, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { caseTransitions, casePriorities, caseStatuses, outcomeCodes } from './caseWorkflow.ts';
import type { OpenedCase } from './casesService.ts';
import { agencySchema, caseListFilters, caseListQuerySchema, caseSchema, transitionSchema } from './casesSchemas.ts';
import { caseTabs, staleErrors } from './caseViews.ts';

const PAGE_SIZE = 50;

/** Case lists, opening a case, its overview, details, workflow and agencies. */
export async function casesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { cases } = services;
  const view = { config: { access: 'case:view' as const } };
  const create = { config: { access: 'case:create' as const } };
  const edit = { config: { access: 'case:edit' as const } };
  const manage = { config: { access: 'case:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const caseIdOf = (request: FastifyRequest) => (request.params as { caseId: string }).caseId;

  app.get(paths.cases.index.pattern, view, async (request, reply) => {
    const query = caseListQuerySchema.parse(request.query ?? {});
    const { cases: rows, total } = await cases.list(
      me(request),
      { ...caseListFilters(query), limit: PAGE_SIZE, offset: (query.page - 1) * PAGE_SIZE },
      request.actor,
    );
    const caseTypes = await cases.allCaseTypes();
    return reply.render('cases/views/index.njk', {
      pageTitle: request.t(query.view === 'mine' ? 'cases.index.mine' : 'cases.index.organisation'),
      query,
      rows,
      total,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      statusItems: selectItems(caseStatuses.map((status) => ({ value: status, text: request.t(`cases.status.${status}`) })), query.status, request.t('cases.filters.anyStatus')),
      typeItems: selectItems(caseTypes.map((type) => ({ value: type.code, text: caseTypeName(request.t, type) })), query.caseType, request.t('cases.filters.anyType')),
      priorityItems: selectItems(casePriorities.map((priority) => ({ value: priority, text: request.t(`cases.priority.${priority}`) })), query.priority, request.t('cases.filters.anyPriority')),
      canExport: hasPermission(me(request).role, 'case:export'),
      canCreate: hasPermission(me(request).role, 'case:create'),
    });
  });

  app.get(paths.cases.reviewsDue.pattern, view, async (request, reply) => {
    const { cases: rows, today } = await cases.reviewsDue(me(request), request.actor);
    return reply.render('cases/views/reviewsDue.njk', { pageTitle: request.t('cases.reviewsDue.title'), rows, today });
  });

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: Record<string, string>) => {
    const caseTypes = await cases.caseTypes();
    const officers = await cases.officers(me(request).organisationId);
    return reply.render('cases/views/new.njk', {
      pageTitle: request.t('cases.new.title'),
      values,
      typeItems: caseTypes.map((type) => ({ value: type.code, text: caseTypeName(request.t, type), checked: values.caseType === type.code })),
      priorityItems: casePriorities.map((priority) => ({ value: priority, text: request.t(`cases.priority.${priority}`), checked: values.priority === priority })),
      officerItems: selectItems(officers.map((officer) => ({ value: officer.id, text: officer.name })), values.leadOfficerId ?? me(request).id),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['caseType', 'priority', 'summary', 'area', 'leadOfficerId']) : undefined,
    });
  };

  app.get(paths.cases.new.pattern, create, async (request, reply) => renderNew(request, reply, { priority: 'medium' }));

  app.post(paths.cases.new.pattern, create, async (request, reply) => {
    const form = parseForm(caseSchema, request.body);
    if (!form.ok) return renderNew(request, reply.status(400), form.values, form.fieldErrors);
    try {
      const created = await cases.create(me(request), form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('cases.new.done', { reference: created.reference }) };
      return reply.redirect(paths.cases.show({ caseId: created.id }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNew(request, reply.status(400), request.body as FormValues, error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.cases.show.pattern, view, async (request, reply) => {
    const overview = await cases.overview(me(request), caseIdOf(request), request.actor);
    return reply.render('cases/views/show.njk', {
      ...caseContext(request, overview, 'overview'),
      pageTitle: overview.case.reference,
      overview,
    });
  });

  const renderEdit = async (request: FastifyRequest, reply: FastifyReply, opened: OpenedCase, values: FormValues, errors?: ReturnType<typeof formErrors>) => {
    // A type no longer offered stays available to the case that already has it.
    const caseTypes = (await cases.allCaseTypes()).filter((type) => type.active || type.code === opened.case.case_type);
    const officers = await cases.officers(opened.case.lead_organisation_id);
    return reply.render('cases/views/edit.njk', {
      ...caseContext(request, opened, 'overview'),
      pageTitle: request.t('cases.edit.title'),
      values,
      typeItems: selectItems(caseTypes.map((type) => ({ value: type.code, text: caseTypeName(request.t, type) })), values.caseType),
      priorityItems: casePriorities.map((priority) => ({ value: priority, text: request.t(`cases.priority.${priority}`), checked: values.priority === priority })),
      officerItems: selectItems(officers.map((officer) => ({ value: officer.id, text: officer.name })), values.leadOfficerId, request.t('cases.edit.noOfficer')),
      errors,
    });
  };

  app.get(paths.cases.edit.pattern, edit, async (request, reply) => {
    const opened = await cases.view(me(request), caseIdOf(request), request.actor, 'edit');
    if (!opened.policy.canEditDetails) return reply.redirect(paths.cases.show({ caseId: opened.case.id }));
    const current = opened.case;
    return renderEdit(request, reply, opened, {
      caseType: current.case_type,
      priority: current.priority,
      summary: current.summary,
      area: current.area,
      leadOfficerId: current.lead_officer_id,
      version: current.version,
    });
  });

  app.post(paths.cases.edit.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    const opened = await cases.view(me(request), caseId, request.actor, 'edit');
    if (!opened.policy.canEditDetails) throw new NotFound();
    const form = parseForm(caseSchema, request.body);
    if (!form.ok) return renderEdit(request, reply.status(400), opened, form.values, formErrors(form.fieldErrors, request.t));
    try {
      await cases.update(me(request), caseId, form.data, request.actor);
    } catch (error) {
      if (error instanceof StaleUpdate) {
        return renderEdit(request, reply.status(409), opened, { ...(request.body as FormValues), version: error.currentVersion }, staleErrors(error, request.t, 'cases.fields'));
      }
      if (error instanceof ValidationFailed) return renderEdit(request, reply.status(400), opened, request.body as FormValues, formErrors(error.fieldErrors, request.t));
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('cases.edit.done') };
    return reply.redirect(paths.cases.show({ caseId }));
  });

  const renderStatus = async (request: FastifyRequest, reply: FastifyReply, opened: OpenedCase, values: FormValues, errors?: ReturnType<typeof formErrors>) => {
    const allowed = caseTransitions.filter((transition) => opened.policy.canTransition(transition));
    return reply.render('cases/views/status.njk', {
      ...caseContext(request, opened, 'overview'),
      pageTitle: request.t('cases.status.title'),
      values,
      allowed,
      outcomeItems: outcomeCodes.map((code) => ({ value: code, text: request.t(`cases.outcomes.${code}`), checked: values.outcome === code })),
      errors,
    });
  };

  app.get(paths.cases.status.pattern, edit, async (request, reply) => {
    const opened = await cases.view(me(request), caseIdOf(request), request.actor, 'status');
    return renderStatus(request, reply, opened, { version: opened.case.version });
  });

  app.post(paths.cases.status.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    const opened = await cases.view(me(request), caseId, request.actor, 'status');
    const form = parseForm(transitionSchema, request.body);
    if (!form.ok) return renderStatus(request, reply.status(400), opened, form.values, formErrors(form.fieldErrors, request.t, ['transition', 'outcome', 'closureReason', 'reason']));
    try {
      await cases.transition(me(request), caseId, form.data, request.actor);
    } catch (error) {
      if (error instanceof StaleUpdate) {
        return renderStatus(request, reply.status(409), opened, { ...(request.body as FormValues), version: error.currentVersion }, formErrors({ transition: 'cases.errors.stale' }, request.t));
      }
      if (error instanceof ValidationFailed) return renderStatus(request, reply.status(400), opened, request.body as FormValues, formErrors(error.fieldErrors, request.t));
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('cases.status.done', { status: request.t(`cases.status.${transitionTarget(form.data.transition)}`) }) };
    return reply.redirect(paths.cases.show({ caseId }));
  });

  const renderAgencies = async (request: FastifyRequest, reply: FastifyReply, opened: OpenedCase, fieldErrors?: Record<string, string>) => {
    const participants = await cases.participants(opened.case.id);
    const organisations = (await services.organisations.list()).filter(
      (organisation) => organisation.active && organisation.id !== opened.case.lead_organisation_id && !participants.some((p) => p.id === organisation.id),
    );
    return reply.render('cases/views/agencies.njk', {
      ...caseContext(request, opened, 'agencies'),
      pageTitle: request.t('cases.agencies.title'),
      participants,
      organisationItems: selectItems(organisations.map((o) => ({ value: o.id, text: o.name })), undefined, request.t('cases.agencies.choose')),
      errors: fieldErrors ? formErrors(fieldErrors, request.t) : undefined,
    });
  };

  app.get(paths.cases.agencies.pattern, view, async (request, reply) => {
    const opened = await cases.view(me(request), caseIdOf(request), request.actor, 'agencies');
    return renderAgencies(request, reply, opened);
  });

  app.post(paths.cases.agencies.pattern, manage, async (request, reply) => {
    const caseId = caseIdOf(request);
    const opened = await cases.view(me(request), caseId, request.actor, 'agencies');
    if (!opened.policy.canManageAgencies) throw new NotFound();
    const form = parseForm(agencySchema, request.body);
    if (!form.ok) return renderAgencies(request, reply.status(400), opened, form.fieldErrors);
    try {
      await cases.addAgency(me(request), caseId, form.data.organisationId, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderAgencies(request, reply.status(400), opened, error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('cases.agencies.added') };
    return reply.redirect(paths.cases.agencies({ caseId }));
  });

  app.post(paths.cases.removeAgency.pattern, manage, async (request, reply) => {
    const { caseId, organisationId } = request.params as { caseId: string; organisationId: string };
    await cases.removeAgency(me(request), caseId, organisationId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('cases.agencies.removed') };
    return reply.redirect(paths.cases.agencies({ caseId }));
  });
}

function transitionTarget(name: string): string {
  return caseTransitions.find((transition) => transition.name === name)?.to ?? 'open';
}

/** What every case page's frame needs: the case, the tabs, what the user may do. */
export function caseContext(request: FastifyRequest, opened: OpenedCase, tab: string) {
  return { kase: opened.case, policy: opened.policy, relationship: opened.relationship, tabs: caseTabs(request, opened.case.id, tab) };
}
