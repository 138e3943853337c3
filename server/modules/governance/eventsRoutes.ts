import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { hasPermission } from '../../shared/permissions.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { eventKinds, eventSchema, followUpSchema, followUpStatuses, followUpStatusSchema, guestSchema } from './governanceSchemas.ts';

/** Events and the Community Safety Assembly: the list, one event, registering, guests, "you said, we did". */
export async function eventsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { events } = services.governance;
  const view = { config: { access: 'governance:view' as const } };
  const manage = { config: { access: 'governance:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const eventIdOf = (request: FastifyRequest) => (request.params as { eventId: string }).eventId;
  const backToEvent = (request: FastifyRequest, reply: FastifyReply, kind: 'success' | 'important', text: string) => {
    request.session.flash = { kind, text };
    return reply.redirect(paths.governance.event({ eventId: eventIdOf(request) }));
  };

  app.get(paths.governance.events.pattern, view, async (request, reply) =>
    reply.render('governance/views/events.njk', { pageTitle: request.t('governance.events.title'), events: await events.list(), canManage: hasPermission(me(request).role, 'governance:manage') }),
  );

  const renderNew = (request: FastifyRequest, reply: FastifyReply, values: FormValues = { kind: 'assembly' }, errors?: FieldErrors) =>
    reply.render('governance/views/eventForm.njk', {
      pageTitle: request.t('governance.events.newTitle'),
      values,
      kinds: eventKinds,
      errors: errors ? formErrors(errors, request.t, ['title', 'kind', 'description', 'venue', 'eventDate', 'startTime', 'endTime', 'capacity', 'agenda', 'workshops'], { dateFields: ['eventDate'] }) : undefined,
    });
  app.get(paths.governance.newEvent.pattern, manage, async (request, reply) => renderNew(request, reply));
  app.post(paths.governance.newEvent.pattern, manage, async (request, reply) => {
    const parsed = parseForm(eventSchema, request.body);
    if (!parsed.ok) return renderNew(request, reply.status(400), parsed.values, parsed.fieldErrors);
    const eventId = await events.create(me(request), parsed.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('governance.events.created') };
    return reply.redirect(paths.governance.event({ eventId }));
  });

  app.get(paths.governance.event.pattern, view, async (request, reply) => {
    const canManage = hasPermission(me(request).role, 'governance:manage');
    const details = await events.event(eventIdOf(request), me(request), request.actor, { manage: canManage });
    return reply.render('governance/views/event.njk', {
      pageTitle: details.event.title,
      ...details,
      canManage,
      followUpStatuses,
      surveyUrl: `${services.config.baseUrl}${paths.eventFeedback.survey({ token: details.event.survey_token })}`,
      columnWidth: 'full',
    });
  });

  app.post(paths.governance.register.pattern, view, async (request, reply) => {
    try {
      await events.registerSelf(me(request), eventIdOf(request), request.actor);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      return backToEvent(request, reply, 'important', request.t(error.message));
    }
    return backToEvent(request, reply, 'success', request.t('governance.events.registered'));
  });

  const renderGuest = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: { fieldErrors: FieldErrors; form?: string }) => {
    const details = await events.event(eventIdOf(request), me(request), request.actor, { manage: false });
    const summary = errors ? formErrors(errors.fieldErrors, request.t, ['name', 'email', 'organisationName']) : undefined;
    if (summary && errors?.form) summary.list.unshift({ text: request.t(errors.form), href: '#name' });
    return reply.render('governance/views/guestForm.njk', { pageTitle: request.t('governance.events.guestTitle'), event: details.event, registered: details.registered, values, errors: summary });
  };
  app.get(paths.governance.newGuest.pattern, manage, async (request, reply) => renderGuest(request, reply));
  app.post(paths.governance.newGuest.pattern, manage, async (request, reply) => {
    const parsed = parseForm(guestSchema, request.body);
    if (!parsed.ok) return renderGuest(request, reply.status(400), parsed.values, { fieldErrors: parsed.fieldErrors });
    try {
      await events.registerGuest(me(request), eventIdOf(request), parsed.data, request.actor);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      // Duplicate or full: the form comes back with what was typed and the reason.
      const fieldErrors = error.fieldErrors;
      return renderGuest(request, reply.status(409), request.body as FormValues, Object.keys(fieldErrors).length > 0 ? { fieldErrors } : { fieldErrors: {}, form: error.message });
    }
    return backToEvent(request, reply, 'success', request.t('governance.events.guestRegistered', { name: parsed.data.name }));
  });

  const renderFollowUp = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: FieldErrors) => {
    const details = await events.event(eventIdOf(request), me(request), request.actor, { manage: false });
    return reply.render('governance/views/followUpForm.njk', {
      pageTitle: request.t('governance.followUps.newTitle'),
      event: details.event,
      values,
      organisationItems: selectItems(
        (await events.organisations()).map((organisation) => ({ value: organisation.id, text: organisation.name })),
        values.ownerOrganisationId,
        request.t('governance.fields.chooseOrganisation'),
      ),
      errors: errors ? formErrors(errors, request.t, ['youSaid', 'weWill', 'ownerOrganisationId']) : undefined,
    });
  };
  app.get(paths.governance.newFollowUp.pattern, manage, async (request, reply) => renderFollowUp(request, reply));
  app.post(paths.governance.newFollowUp.pattern, manage, async (request, reply) => {
    const parsed = parseForm(followUpSchema, request.body);
    if (!parsed.ok) return renderFollowUp(request, reply.status(400), parsed.values, parsed.fieldErrors);
    try {
      await events.addFollowUp(me(request), eventIdOf(request), parsed.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderFollowUp(request, reply.status(400), request.body as FormValues, error.fieldErrors);
      throw error;
    }
    return backToEvent(request, reply, 'success', request.t('governance.followUps.added'));
  });

  app.post(paths.governance.followUp.pattern, manage, async (request, reply) => {
    const parsed = parseForm(followUpStatusSchema, request.body);
    if (!parsed.ok) return backToEvent(request, reply, 'important', request.t(Object.values(parsed.fieldErrors)[0] ?? 'governance.errors.followUpStatus.missing'));
    const { followUpId } = request.params as { followUpId: string };
    await events.updateFollowUp(eventIdOf(request), followUpId, parsed.data, request.actor);
    return backToEvent(request, reply, 'success', request.t('governance.followUps.updated'));
  });
}
