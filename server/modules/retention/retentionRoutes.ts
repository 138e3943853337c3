import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { RetentionRecordType } from '../../db/schema.ts';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { retentionPolicy } from './retentionPolicy.ts';
import { actionsFor, legalHoldSubjects, retentionLawfulBases } from './retentionRules.ts';
import {
  approveSchema,
  HOLD_DATE_FIELDS,
  HOLD_FIELDS,
  holdParams,
  holdSchema,
  recordTypeParams,
  rejectSchema,
  releaseSchema,
  runParams,
  SCHEDULE_FIELDS,
  scheduleSchema,
} from './retentionSchemas.ts';

/**
 * Retention at /admin/retention: schedules and their history, legal holds, and runs. Everything
 * is `retention:manage` (partnership administrators, the data-protection officer) except deciding
 * a run, which is `retention:approve` (the data-protection officer only).
 */
export async function retentionRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { retention } = services;
  const manage = { config: { access: 'retention:manage' as const } };
  const approve = { config: { access: 'retention:approve' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const who = (request: FastifyRequest) => ({ id: me(request).id, role: me(request).role });
  const params = <S extends z.ZodType>(schema: S, request: FastifyRequest): z.output<S> => {
    const parsed = schema.safeParse(request.params);
    if (!parsed.success) throw new NotFound();
    return parsed.data;
  };

  app.get(paths.admin.retention.index.pattern, manage, async (request, reply) =>
    reply.render('retention/views/index.njk', {
      pageTitle: request.t('retention.index.title'),
      schedules: await retention.schedules(),
      history: (await retention.history()).slice(0, 20),
      waiting: await retention.openProposal(),
    }),
  );

  const renderSchedule = async (request: FastifyRequest, reply: FastifyReply, recordType: RetentionRecordType, values: FormValues, fieldErrors?: FieldErrors) =>
    reply.render('retention/views/schedule.njk', {
      pageTitle: request.t('retention.schedule.title', { recordType: request.t(`retention.recordTypes.${recordType}`) }),
      recordType,
      values,
      unitItems: ['years', 'months'].map((value) => ({ value, text: request.t(`retention.schedule.units.${value}`), selected: values.periodUnit === value })),
      actionItems: actionsFor(recordType).map((value) => ({ value, text: request.t(`retention.actions.${value}`), hint: { text: request.t(`retention.actionHints.${value}`) }, checked: values.action === value })),
      basisItems: [{ value: '', text: request.t('retention.schedule.chooseBasis') }, ...retentionLawfulBases.map((value) => ({ value, text: request.t(`retention.lawfulBases.${value}`), selected: values.lawfulBasis === value }))],
      enabledItems: ['yes', 'no'].map((value) => ({ value, text: request.t(`retention.schedule.enabled.${value}`), checked: values.enabled === value })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, SCHEDULE_FIELDS) : undefined,
    });

  app.get(paths.admin.retention.schedule.pattern, manage, async (request, reply) => {
    const { recordType } = params(recordTypeParams, request);
    const schedule = await retention.schedule(recordType);
    const inYears = schedule && schedule.period_months % 12 === 0;
    const values: FormValues = schedule
      ? {
          periodNumber: String(inYears ? schedule.period_months / 12 : schedule.period_months),
          periodUnit: inYears ? 'years' : 'months',
          action: schedule.action,
          lawfulBasis: schedule.lawful_basis,
          legalReason: schedule.legal_reason,
          enabled: schedule.enabled ? 'yes' : 'no',
        }
      : { periodUnit: 'years', action: actionsFor(recordType)[0], enabled: 'yes' };
    return renderSchedule(request, reply, recordType, values);
  });

  app.post(paths.admin.retention.schedule.pattern, manage, async (request, reply) => {
    const { recordType } = params(recordTypeParams, request);
    const form = parseForm(scheduleSchema, request.body);
    if (!form.ok) return renderSchedule(request, reply.status(400), recordType, form.values, form.fieldErrors);
    try {
      await retention.saveSchedule(who(request), recordType, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderSchedule(request, reply.status(400), recordType, echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('retention.schedule.done', { recordType: request.t(`retention.recordTypes.${recordType}`) }) };
    return reply.redirect(paths.admin.retention.index());
  });

  // Legal holds

  app.get(paths.admin.retention.holds.pattern, manage, async (request, reply) => {
    const showReleased = (request.query as { show?: string }).show === 'all';
    return reply.render('retention/views/holds.njk', {
      pageTitle: request.t('retention.holds.title'),
      holds: await retention.holds(showReleased),
      showReleased,
    });
  });

  const renderNewHold = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) =>
    reply.render('retention/views/newHold.njk', {
      pageTitle: request.t('retention.newHold.title'),
      values,
      kindItems: legalHoldSubjects.map((value) => ({ value, text: request.t(`retention.subjects.${value}`), hint: { text: request.t(`retention.subjectHints.${value}`) }, checked: values.subjectKind === value })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, HOLD_FIELDS, { dateFields: HOLD_DATE_FIELDS }) : undefined,
    });

  app.get(paths.admin.retention.newHold.pattern, manage, async (request, reply) => renderNewHold(request, reply, {}));

  app.post(paths.admin.retention.newHold.pattern, manage, async (request, reply) => {
    const form = parseForm(holdSchema, request.body);
    if (!form.ok) return renderNewHold(request, reply.status(400), echoValues(request.body), form.fieldErrors);
    try {
      await retention.placeHold(who(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNewHold(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('retention.newHold.done') };
    return reply.redirect(paths.admin.retention.holds());
  });

  const renderRelease = async (request: FastifyRequest, reply: FastifyReply, holdId: string, values: FormValues, fieldErrors?: FieldErrors) => {
    const hold = (await retention.holds(true)).find((candidate) => candidate.id === holdId);
    if (!hold) throw new NotFound();
    return reply.render('retention/views/releaseHold.njk', {
      pageTitle: request.t('retention.release.title'),
      hold,
      values,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['releaseReason']) : undefined,
    });
  };

  app.get(paths.admin.retention.releaseHold.pattern, manage, async (request, reply) => renderRelease(request, reply, params(holdParams, request).legalHoldId, {}));

  app.post(paths.admin.retention.releaseHold.pattern, manage, async (request, reply) => {
    const { legalHoldId } = params(holdParams, request);
    const form = parseForm(releaseSchema, request.body);
    if (!form.ok) return renderRelease(request, reply.status(400), legalHoldId, form.values, form.fieldErrors);
    try {
      await retention.releaseHold(who(request), legalHoldId, form.data.releaseReason, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return renderRelease(request, reply.status(409), legalHoldId, echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('retention.release.done') };
    return reply.redirect(paths.admin.retention.holds());
  });

  // Runs

  const renderRuns = async (request: FastifyRequest, reply: FastifyReply, fieldErrors?: FieldErrors) =>
    reply.render('retention/views/runs.njk', {
      pageTitle: request.t('retention.runs.title'),
      runs: await retention.runs(),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['form']) : undefined,
    });

  app.get(paths.admin.retention.runs.pattern, manage, async (request, reply) => renderRuns(request, reply));

  app.post(paths.admin.retention.plan.pattern, manage, async (request, reply) => {
    try {
      const runId = await retention.plan({ id: me(request).id, label: me(request).email }, request.actor);
      request.session.flash = { kind: 'success', text: request.t('retention.runs.proposed') };
      return reply.redirect(paths.admin.retention.run({ retentionRunId: runId }));
    } catch (error) {
      if (error instanceof Conflict) return renderRuns(request, reply.status(409), error.fieldErrors);
      throw error;
    }
  });

  const renderRun = async (request: FastifyRequest, reply: FastifyReply, runId: string, values: FormValues = {}, fieldErrors?: FieldErrors) => {
    const { run, items } = await retention.showRun(runId, request.actor);
    const user = me(request);
    return reply.render('retention/views/run.njk', {
      pageTitle: request.t('retention.run.title'),
      run,
      items,
      values,
      canDecide: retentionPolicy.isUndecided(run) && retentionPolicy.mayDecide(user.role),
      undecided: retentionPolicy.isUndecided(run),
      totals: totalsOf(items),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['confirm', 'note']) : undefined,
    });
  };

  app.get(paths.admin.retention.run.pattern, manage, async (request, reply) => renderRun(request, reply, params(runParams, request).retentionRunId));

  app.post(paths.admin.retention.approve.pattern, approve, async (request, reply) => {
    const { retentionRunId } = params(runParams, request);
    const form = parseForm(approveSchema, request.body);
    if (!form.ok) return renderRun(request, reply.status(400), retentionRunId, form.values, form.fieldErrors);
    let completed: boolean;
    try {
      ({ completed } = await retention.approve(who(request), retentionRunId, form.data.note, request.actor));
    } catch (error) {
      if (error instanceof Conflict) return renderRun(request, reply.status(409), retentionRunId, echoValues(request.body), error.fieldErrors);
      throw error;
    }
    // A failed record type is shown on the run page ("What went wrong"); earlier ones stay done.
    request.session.flash = completed ? { kind: 'success', text: request.t('retention.run.approved') } : { kind: 'important', text: request.t('retention.run.failed') };
    return reply.redirect(paths.admin.retention.run({ retentionRunId }));
  });

  app.post(paths.admin.retention.reject.pattern, approve, async (request, reply) => {
    const { retentionRunId } = params(runParams, request);
    const form = parseForm(rejectSchema, request.body);
    if (!form.ok) return renderRun(request, reply.status(400), retentionRunId, form.values, form.fieldErrors);
    try {
      await retention.reject(who(request), retentionRunId, form.data.note, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return renderRun(request, reply.status(409), retentionRunId, echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('retention.run.rejected') };
    return reply.redirect(paths.admin.retention.run({ retentionRunId }));
  });
}

function totalsOf(items: { proposed: number; held: number; deleted: number; anonymised: number; skipped_hold: number; skipped_other: number }[]) {
  const sum = (pick: (item: (typeof items)[number]) => number) => items.reduce((total, item) => total + pick(item), 0);
  return {
    proposed: sum((item) => item.proposed),
    held: sum((item) => item.held),
    deleted: sum((item) => item.deleted),
    anonymised: sum((item) => item.anonymised),
    skippedHold: sum((item) => item.skipped_hold),
    skippedOther: sum((item) => item.skipped_other),
  };
}
