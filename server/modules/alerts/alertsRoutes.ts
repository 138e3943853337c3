import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Services } from '../../services.ts';
import { caseTypeName } from '../../shared/caseTypeNames.ts';
import { Conflict, type FieldErrors, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { casePriorities } from '../cases/caseWorkflow.ts';
import { caseSchema } from '../cases/casesSchemas.ts';
import { alertRuleCodes, isAlertRuleCode, ruleSettings } from './alertRules.ts';
import { addToCaseSchema, alertListQuerySchema, alertStatuses, assignSchema, dismissReasons, dismissSchema, harmGroups, ruleSchema, vulnerabilityMarkers } from './alertsSchemas.ts';
import { ALERTS_PAGE_SIZE } from './alertsRepository.ts';
import { alertReason, incidentCategoryName, ruleName, STATUS_TAG_CLASSES } from './alertViews.ts';

type TriageForm = 'assign' | 'openCase' | 'addToCase' | 'dismiss';
const FIELD_ORDER = ['assigneeId', 'caseType', 'priority', 'summary', 'area', 'reference', 'reason', 'detail'];

/**
 * The alert triage queue (`/alerts`), one alert with its evidence and the triage decisions,
 * the rules' statistics, and the partnership's rule settings (`/admin/alert-rules`).
 */
export async function alertsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { alerts } = services;
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const alertIdOf = (request: FastifyRequest) => (request.params as { alertId: string }).alertId;
  const view = { config: { access: 'alert:view' as const } };
  const triage = { config: { access: 'alert:triage' as const } };
  const manageRules = { config: { access: 'alert_rules:manage' as const } };

  app.get(paths.alerts.index.pattern, view, async (request, reply) => {
    const query = alertListQuerySchema.parse(request.query ?? {});
    const list = await alerts.list(me(request), query, request.actor);
    const t = request.t;
    const filterQuery = (page: number) =>
      new URLSearchParams({ ...(query.rule ? { rule: query.rule } : {}), status: query.status, ...(query.mine ? { mine: 'yes' } : {}), page: String(page) }).toString();
    return reply.render('alerts/views/list.njk', {
      pageTitle: t('alerts.list.title'),
      query,
      total: list.total,
      pages: Math.ceil(list.total / ALERTS_PAGE_SIZE),
      pageLinks: Array.from({ length: Math.ceil(list.total / ALERTS_PAGE_SIZE) }, (_, index) => ({ number: index + 1, href: `${paths.alerts.index()}?${filterQuery(index + 1)}`, current: index + 1 === query.page })),
      ruleItems: selectItems(alertRuleCodes.map((code) => ({ value: code, text: ruleName(code, t) })), query.rule, t('alerts.list.anyRule')),
      statusItems: selectItems([...alertStatuses, 'all'].map((status) => ({ value: status, text: t(`alerts.status.${status}`) })), query.status),
      rows: list.rows.map((row) => ({
        ...row,
        ruleText: ruleName(row.rule_code, t),
        subject: row.subject_kind === 'person' ? `${row.person_given_name ?? ''} ${row.person_family_name ?? ''}`.trim() : row.location_text,
        place: row.subject_kind === 'person' ? row.location_text : null,
        reason: alertReason(row.rule_code, row.facts, t),
        statusText: t(`alerts.status.${row.status}`),
        statusClass: STATUS_TAG_CLASSES[row.status],
      })),
      canSeeStatistics: hasPermission(me(request).role, 'alert:statistics'),
    });
  });

  app.get(paths.alerts.statistics.pattern, { config: { access: 'alert:statistics' as const } }, async (request, reply) => {
    const statistics = await alerts.statistics();
    const t = request.t;
    return reply.render('alerts/views/statistics.njk', {
      pageTitle: t('alerts.statistics.title'),
      rows: statistics.byStatus.map((row) => ({ ...row, name: ruleName(row.code, t) })),
      reasons: dismissReasons.map((reason) => ({
        reason,
        text: t(`alerts.dismissReasons.${reason}`),
        counts: alertRuleCodes.map((code) => statistics.reasons.find((entry) => entry.rule_code === code && entry.dismiss_reason === reason)?.count ?? 0),
      })),
      ruleNames: alertRuleCodes.map((code) => ruleName(code, t)),
      canManageRules: hasPermission(me(request).role, 'alert_rules:manage'),
    });
  });

  /** One alert, its evidence and, while it is open, the triage forms; `problem` re-renders one of them. */
  const renderShow = async (request: FastifyRequest, reply: FastifyReply, problem?: { form: TriageForm; fieldErrors: FieldErrors; values: FormValues }) => {
    const shown = await alerts.view(me(request), alertIdOf(request), request.actor);
    const t = request.t;
    const { alert } = shown;
    const values = problem?.values ?? {};
    const caseTypes = alert.status === 'open' ? await services.cases.caseTypes() : [];
    const subject = alert.person_given_name ? `${alert.person_given_name} ${alert.person_family_name}` : (alert.location_text ?? '');
    const summaryDefault = `${ruleName(alert.rule_code, t)}: ${subject}. ${alertReason(alert.rule_code, alert.facts, t)}`;
    const incidents = shown.incidents.map((incident) => ({ ...incident, categoryText: incidentCategoryName(incident, t) }));
    return reply.render('alerts/views/show.njk', {
      pageTitle: `${ruleName(alert.rule_code, t)}: ${subject}`,
      alert,
      subject,
      ruleText: ruleName(alert.rule_code, t),
      reason: alertReason(alert.rule_code, alert.facts, t),
      statusText: t(`alerts.status.${alert.status}`),
      statusClass: STATUS_TAG_CLASSES[alert.status],
      dismissReasonText: alert.dismiss_reason ? t(`alerts.dismissReasons.${alert.dismiss_reason}`) : undefined,
      incidents,
      timeline: [...incidents].sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime()),
      people: shown.people,
      hiddenPeople: shown.hiddenPeople,
      agencies: shown.agencies,
      canTriage: alert.status === 'open' && hasPermission(me(request).role, 'alert:triage'),
      canOpenCase: hasPermission(me(request).role, 'case:create'),
      openForm: problem?.form,
      values: { summary: summaryDefault, priority: 'medium', ...values },
      assigneeItems: selectItems(shown.assignable.map((user) => ({ value: user.id, text: user.name })), values.assigneeId ?? alert.assigned_to, t('alerts.triage.chooseAssignee')),
      caseTypeItems: selectItems(caseTypes.map((type) => ({ value: type.code, text: caseTypeName(t, type) })), values.caseType, t('alerts.triage.chooseCaseType')),
      priorityItems: casePriorities.map((value) => ({ value, text: t(`cases.priority.${value}`), checked: (values.priority ?? 'medium') === value })),
      reasonItems: dismissReasons.map((value) => ({ value, text: t(`alerts.dismissReasons.${value}`), checked: values.reason === value })),
      errors: problem ? formErrors(problem.fieldErrors, t, FIELD_ORDER) : undefined,
    });
  };

  app.get(paths.alerts.show.pattern, view, async (request, reply) => renderShow(request, reply));

  /** Posts one triage decision: a form error re-renders the alert, an alert no longer open says so. */
  const decision = <T>(form: TriageForm, schema: z.ZodType<T>, act: (request: FastifyRequest, input: T) => Promise<string>, doneKey: string) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const parsed = parseForm(schema, request.body);
      // renderShow answers "not found" before any form problem to someone who may not see the alert.
      if (!parsed.ok) return renderShow(request, reply.status(400), { form, fieldErrors: parsed.fieldErrors, values: parsed.values });
      try {
        const target = await act(request, parsed.data);
        request.session.flash = { kind: 'success', text: request.t(doneKey) };
        return reply.redirect(target);
      } catch (error) {
        if (error instanceof ValidationFailed) return renderShow(request, reply.status(400), { form, fieldErrors: error.fieldErrors, values: echoValues(request.body) });
        if (error instanceof Conflict) {
          request.session.flash = { kind: 'important', text: request.t('alerts.errors.notOpen') };
          return reply.redirect(paths.alerts.show({ alertId: alertIdOf(request) }));
        }
        throw error;
      }
    };

  app.post(paths.alerts.assign.pattern, triage, decision('assign', assignSchema, async (request, input: { assigneeId: string }) => {
    await alerts.assign(me(request), alertIdOf(request), input.assigneeId, request.actor);
    return paths.alerts.show({ alertId: alertIdOf(request) });
  }, 'alerts.done.assigned'));

  app.post(paths.alerts.dismiss.pattern, triage, decision('dismiss', dismissSchema, async (request, input) => {
    await alerts.dismiss(me(request), alertIdOf(request), input, request.actor);
    return paths.alerts.show({ alertId: alertIdOf(request) });
  }, 'alerts.done.dismissed'));

  app.post(paths.alerts.openCase.pattern, triage, async (request, reply) => {
    if (!hasPermission(me(request).role, 'case:create')) throw new NotFound();
    return decision('openCase', caseSchema, async (inner, input) => paths.cases.show({ caseId: await alerts.openCase(me(inner), alertIdOf(inner), input, inner.actor) }), 'alerts.done.caseOpened')(request, reply);
  });

  app.post(paths.alerts.addToCase.pattern, triage, decision('addToCase', addToCaseSchema, async (request, input: { reference: string }) => paths.cases.show({ caseId: await alerts.addToCase(me(request), alertIdOf(request), input.reference, request.actor) }), 'alerts.done.addedToCase'));

  // The partnership's rule settings.
  app.get(paths.alerts.rules.pattern, manageRules, async (request, reply) => {
    const t = request.t;
    const rules = await alerts.rules();
    return reply.render('alerts/views/rules.njk', {
      pageTitle: t('alerts.admin.title'),
      rules: rules.map((rule) => ({
        ...rule,
        name: ruleName(rule.code, t),
        description: t(`alerts.rules.${rule.code}.description`),
        harmGroupsText: rule.harm_groups.length ? rule.harm_groups.map((group) => t(`alerts.harmGroups.${group}`)).join(', ') : t('alerts.admin.allHarmGroups'),
      })),
    });
  });

  app.post(paths.alerts.runRules.pattern, manageRules, async (request, reply) => {
    const result = await alerts.runRules(new Date(), request.actor);
    const raised = result.rules.reduce((sum, rule) => sum + rule.raised, 0);
    request.session.flash = { kind: 'success', text: request.t('alerts.admin.ran', { count: raised, seconds: (result.totalMs / 1000).toFixed(1) }) };
    return reply.redirect(paths.alerts.rules());
  });

  const renderRule = async (request: FastifyRequest, reply: FastifyReply, values?: FormValues, fieldErrors?: FieldErrors) => {
    const { ruleCode } = request.params as { ruleCode: string };
    if (!isAlertRuleCode(ruleCode)) throw new NotFound();
    const rule = await alerts.rule(ruleCode);
    const t = request.t;
    const shown: FormValues = values ?? {
      enabled: rule.enabled ? 'yes' : undefined,
      windowDays: rule.window_days,
      threshold: rule.threshold,
      harmGroups: rule.harm_groups,
      markers: rule.markers,
      factor: rule.factor === null ? '' : Number(rule.factor),
      gridMetres: rule.grid_metres ?? '',
    };
    const chosen = (field: string) => {
      const value = shown[field];
      return new Set(Array.isArray(value) ? value.map(String) : value ? [String(value)] : []);
    };
    return reply.render('alerts/views/editRule.njk', {
      pageTitle: t('alerts.admin.editTitle', { rule: ruleName(rule.code, t) }),
      rule,
      name: ruleName(rule.code, t),
      description: t(`alerts.rules.${rule.code}.description`),
      thresholdHint: t(`alerts.rules.${rule.code}.threshold`),
      settings: ruleSettings[ruleCode],
      values: shown,
      harmGroupItems: harmGroups.map((group) => ({ value: group, text: t(`alerts.harmGroups.${group}`), checked: chosen('harmGroups').has(group) })),
      markerItems: vulnerabilityMarkers.map((marker) => ({ value: marker, text: t(`people.markers.${marker}`), checked: chosen('markers').has(marker) })),
      errors: fieldErrors ? formErrors(fieldErrors, t, ['windowDays', 'threshold', 'harmGroups', 'markers', 'factor', 'gridMetres']) : undefined,
    });
  };

  app.get(paths.alerts.editRule.pattern, manageRules, async (request, reply) => renderRule(request, reply));

  app.post(paths.alerts.editRule.pattern, manageRules, async (request, reply) => {
    const { ruleCode } = request.params as { ruleCode: string };
    if (!isAlertRuleCode(ruleCode)) throw new NotFound();
    const parsed = parseForm(ruleSchema, request.body);
    if (!parsed.ok) return renderRule(request, reply.status(400), parsed.values, parsed.fieldErrors);
    try {
      await alerts.updateRule(me(request), ruleCode, parsed.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderRule(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('alerts.admin.saved', { rule: ruleName(ruleCode, request.t) }) };
    return reply.redirect(paths.alerts.rules());
  });
}
