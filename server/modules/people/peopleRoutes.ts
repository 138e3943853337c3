import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { StaleUpdate } from '../../shared/errors.ts';
import { formErrors, parseForm, type FormErrors, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { staleErrors } from '../cases/caseViews.ts';
import { viewerOf } from '../cases/casesService.ts';
import { genders, markerSchema, personFormValues, personSchema, vulnerabilityMarkers } from './peopleSchemas.ts';

/** A person's record, correcting it, and vulnerability markers (finding people is in the search module). */
export async function peopleRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'person:view' as const } };
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const personIdOf = (request: FastifyRequest) => (request.params as { personId: string }).personId;

  const renderShow = async (request: FastifyRequest, reply: FastifyReply, errors?: FormErrors, markerValues: FormValues = {}) => {
    const details = await services.people.view(viewerOf(me(request)), personIdOf(request), request.actor);
    return reply.render('people/views/show.njk', {
      pageTitle: `${details.person.given_name} ${details.person.family_name}`,
      details,
      households: await services.households.forPerson(viewerOf(me(request)), personIdOf(request)),
      addressHistory: await services.personAddresses.forPerson(viewerOf(me(request)), personIdOf(request)),
      dataProtectionFlags: await services.dataProtection.personFlags.flagsFor(personIdOf(request)),
      markerItems: [{ value: '', text: request.t('people.markers.choose') }, ...vulnerabilityMarkers.map((marker) => ({ value: marker, text: request.t(`people.markers.${marker}`), selected: markerValues.marker === marker }))],
      markerValues,
      errors,
    });
  };

  app.get(paths.people.show.pattern, access, async (request, reply) => renderShow(request, reply));

  app.post(paths.people.markers.pattern, edit, async (request, reply) => {
    const form = parseForm(markerSchema, request.body);
    if (!form.ok) return renderShow(request, reply.status(400), formErrors(form.fieldErrors, request.t), form.values);
    await services.people.addMarker(viewerOf(me(request)), personIdOf(request), form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('people.markers.added') };
    return reply.redirect(paths.people.show({ personId: personIdOf(request) }));
  });

  const renderEdit = (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors?: FormErrors) =>
    reply.render('people/views/edit.njk', {
      pageTitle: request.t('people.edit.title'),
      personId: personIdOf(request),
      values,
      genderItems: [{ value: '', text: request.t('people.genders.choose') }, ...genders.map((gender) => ({ value: gender, text: request.t(`people.genders.${gender}`), selected: values.gender === gender }))],
      errors,
    });

  app.get(paths.people.edit.pattern, edit, async (request, reply) => {
    const { person, aliases } = await services.people.editable(viewerOf(me(request)), personIdOf(request));
    return renderEdit(request, reply, personFormValues(person, aliases));
  });

  app.post(paths.people.edit.pattern, edit, async (request, reply) => {
    await services.people.editable(viewerOf(me(request)), personIdOf(request));
    const form = parseForm(personSchema, request.body);
    if (!form.ok) return renderEdit(request, reply.status(400), form.values, formErrors(form.fieldErrors, request.t));
    try {
      await services.people.update(viewerOf(me(request)), personIdOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof StaleUpdate) {
        return renderEdit(request, reply.status(409), { ...(request.body as FormValues), version: error.currentVersion }, staleErrors(error, request.t, 'people.fields'));
      }
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('people.edit.done') };
    return reply.redirect(paths.people.show({ personId: personIdOf(request) }));
  });
}
