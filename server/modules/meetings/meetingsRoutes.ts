import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { asArray, echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { isLocale } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { hasPermission } from '../../shared/permissions.ts';
import { formatDate } from '../../shared/time.ts';
import type { CurrentUser } from '../../types.ts';
import { caseContext } from '../cases/casesRoutes.ts';
import { sharingPurposes } from '../sharingAgreements/sharingPurposes.ts';
import { acceptSchema, flagSchema, meetingKinds, MINUTES_FIELDS, minutesSchema, SERIES_FIELDS, seriesSchema } from './meetingsSchemas.ts';
import { ConfidentialityNotAccepted } from './meetingsService.ts';

/**
 * Multi-agency meetings: the series the user's organisation belongs to, a new series
 * (`meeting:manage`), a meeting (statement first, then the agenda), the minutes and action form
 * for one agenda item, the printable pack, and flagging a case for a meeting from the case.
 */
export async function meetingsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { meetings } = services;
  const attend = { config: { access: 'meeting:attend' as const } };
  const manage = { config: { access: 'meeting:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const params = (request: FastifyRequest) => request.params as { meetingId: string; itemId: string; seriesId: string; caseId: string };

  app.get(paths.meetings.index.pattern, attend, async (request, reply) =>
    reply.render('meetings/views/index.njk', {
      pageTitle: request.t('meetings.index.title'),
      series: await meetings.overview(me(request)),
      canManage: hasPermission(me(request).role, 'meeting:manage'),
    }),
  );

  const renderNewSeries = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const organisations = await meetings.organisations();
    const members = asArray(values.members);
    return reply.render('meetings/views/newSeries.njk', {
      pageTitle: request.t('meetings.newSeries.title'),
      values,
      kindItems: meetingKinds.map((value) => ({ value, text: request.t(`meetings.kinds.${value}`), checked: values.kind === value })),
      purposeItems: selectItems(sharingPurposes.map((value) => ({ value, text: request.t(`sharingAgreements.purposes.${value}`) })), values.purpose, request.t('meetings.fields.choosePurpose')),
      memberItems: organisations.map((organisation) => ({ value: organisation.id, text: organisation.name, checked: members.includes(organisation.id) })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, SERIES_FIELDS, { dateFields: ['firstDate'] }) : undefined,
    });
  };

  app.get(paths.meetings.newSeries.pattern, manage, async (request, reply) =>
    renderNewSeries(request, reply, { everyWeeks: '4', startTime: '10:00', confidentialityStatement: request.t('meetings.newSeries.defaultStatement'), members: [me(request).organisationId] }),
  );

  app.post(paths.meetings.newSeries.pattern, manage, async (request, reply) => {
    const form = parseForm(seriesSchema, request.body);
    if (!form.ok) return renderNewSeries(request, reply.status(400), form.values, form.fieldErrors);
    try {
      const series = await meetings.createSeries(me(request), form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('meetings.newSeries.done', { name: series.name }) };
      return reply.redirect(paths.meetings.series({ seriesId: series.id }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNewSeries(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.meetings.series.pattern, attend, async (request, reply) => {
    const detail = await meetings.series(me(request), params(request).seriesId);
    return reply.render('meetings/views/series.njk', { pageTitle: detail.series.name, ...detail, canManage: hasPermission(me(request).role, 'meeting:manage') });
  });

  app.post(paths.meetings.schedule.pattern, manage, async (request, reply) => {
    const added = await meetings.schedule(me(request), params(request).seriesId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('meetings.series.scheduled', { count: added }) };
    return reply.redirect(paths.meetings.series({ seriesId: params(request).seriesId }));
  });

  const renderMeeting = async (request: FastifyRequest, reply: FastifyReply, fieldErrors?: FieldErrors) => {
    const detail = await meetings.meeting(me(request), params(request).meetingId, request.actor);
    return reply.render('meetings/views/meeting.njk', {
      pageTitle: request.t('meetings.meeting.title', { name: detail.meeting.series_name, date: formatDate(detail.meeting.held_on, isLocale(request.locale) ? request.locale : 'en') }),
      ...detail,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['accept']) : undefined,
    });
  };

  app.get(paths.meetings.show.pattern, attend, async (request, reply) => renderMeeting(request, reply));

  app.post(paths.meetings.confidentiality.pattern, attend, async (request, reply) => {
    const form = parseForm(acceptSchema, request.body);
    if (!form.ok) return renderMeeting(request, reply.status(400), form.fieldErrors);
    await meetings.accept(me(request), params(request).meetingId, request.actor);
    return reply.redirect(paths.meetings.show({ meetingId: params(request).meetingId }));
  });

  app.get(paths.meetings.pack.pattern, attend, async (request, reply) => {
    const pack = await meetings.pack(me(request), params(request).meetingId, request.actor);
    if (!pack.accepted) return reply.redirect(paths.meetings.show({ meetingId: params(request).meetingId }));
    return reply.render('meetings/views/pack.njk', { pageTitle: request.t('meetings.pack.title', { name: pack.meeting.series_name }), ...pack, organisationName: me(request).organisationName });
  });

  const renderItem = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { meetingId, itemId } = params(request);
    const detail = await meetings.item(me(request), meetingId, itemId, request.actor);
    return reply.render('meetings/views/item.njk', {
      ...caseContext(request, detail.opened, 'meetings'),
      pageTitle: request.t('meetings.item.title', { reference: detail.opened.case.reference }),
      meeting: detail.meeting,
      item: detail.item,
      values,
      agencyItems: selectItems(detail.agencies.map((agency) => ({ value: agency.id, text: agency.name })), values.actionOwnerOrganisationId, request.t('meetings.fields.chooseAgency')),
      officerItems: selectItems(detail.officers.map((officer) => ({ value: officer.id, text: `${officer.name} (${detail.agencies.find((agency) => agency.id === officer.organisation_id)?.name ?? ''})` })), values.actionOwnerUserId, request.t('meetings.fields.noOfficer')),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, MINUTES_FIELDS, { dateFields: ['actionDueDate'] }) : undefined,
    });
  };

  const toStatement = (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (error instanceof ConfidentialityNotAccepted) return reply.redirect(paths.meetings.show({ meetingId: error.meetingId }));
    throw error;
  };

  app.get(paths.meetings.item.pattern, attend, async (request, reply) => {
    try {
      return await renderItem(request, reply, {});
    } catch (error) {
      return toStatement(request, reply, error);
    }
  });

  app.post(paths.meetings.item.pattern, attend, async (request, reply) => {
    const { meetingId, itemId } = params(request);
    try {
      const form = parseForm(minutesSchema, request.body);
      if (!form.ok) return await renderItem(request, reply.status(400), form.values, form.fieldErrors);
      const meeting = await meetings.meeting(me(request), meetingId, request.actor);
      const locale = isLocale(request.locale) ? request.locale : 'en';
      const heading = request.t('meetings.item.noteHeading', { name: meeting.meeting.series_name, date: formatDate(meeting.meeting.held_on, locale) });
      try {
        await meetings.recordMinutes(me(request), meetingId, itemId, form.data, heading, request.actor);
      } catch (error) {
        if (error instanceof ValidationFailed) return await renderItem(request, reply.status(400), echoValues(request.body), renamedActionErrors(error.fieldErrors));
        throw error;
      }
      request.session.flash = { kind: 'success', text: request.t('meetings.item.done') };
      return reply.redirect(paths.meetings.show({ meetingId }));
    } catch (error) {
      return toStatement(request, reply, error);
    }
  });

  const renderFlag = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const detail = await meetings.caseMeetings(me(request), params(request).caseId, request.actor);
    return reply.render('meetings/views/caseMeetings.njk', {
      ...caseContext(request, detail.opened, 'meetings'),
      pageTitle: request.t('meetings.flag.title'),
      ...detail,
      values,
      seriesItems: selectItems(detail.series.map((series) => ({ value: series.id, text: series.name })), values.seriesId, request.t('meetings.fields.chooseSeries')),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['seriesId', 'reason']) : undefined,
    });
  };

  app.get(paths.meetings.flagCase.pattern, attend, async (request, reply) => renderFlag(request, reply, {}));

  app.post(paths.meetings.flagCase.pattern, attend, async (request, reply) => {
    const { caseId } = params(request);
    // The case check comes first, so that a case the user may not see is "not found" whatever was posted.
    await meetings.caseMeetings(me(request), caseId, request.actor);
    const form = parseForm(flagSchema, request.body);
    if (!form.ok) return renderFlag(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await meetings.flag(me(request), caseId, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed || error instanceof Conflict) return renderFlag(request, reply.status(error.status), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('meetings.flag.done') };
    return reply.redirect(paths.meetings.flagCase({ caseId }));
  });
}

/** The actions module names its fields for its own form; here they sit under "action". */
function renamedActionErrors(fieldErrors: FieldErrors): FieldErrors {
  const names: Record<string, string> = { title: 'actionTitle', ownerOrganisationId: 'actionOwnerOrganisationId', ownerUserId: 'actionOwnerUserId', dueDate: 'actionDueDate' };
  return Object.fromEntries(Object.entries(fieldErrors).map(([field, message]) => [names[field] ?? field, message]));
}
