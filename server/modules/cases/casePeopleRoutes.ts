import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, parseForm, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { PeopleRepository } from '../people/peopleRepository.ts';
import { genders, personSchema } from '../people/peopleSchemas.ts';
import { PlacesRepository } from '../places/placesRepository.ts';
import { locationSchema, locationTypes } from '../places/placesSchemas.ts';
import { viewerOf, type OpenedCase } from './casesService.ts';
import { casePersonRoles, linkCaseSchema, linkPersonSchema, personRoleSchema } from './casesSchemas.ts';
import { caseContext } from './casesRoutes.ts';

const PERSON_FIELDS = ['givenName', 'familyName', 'dateOfBirth', 'approximateAge', 'gender', 'phone', 'email', 'role'];
const LOCATION_FIELDS = ['addressLine1', 'addressLine2', 'town', 'postcode', 'uprn', 'latitude', 'longitude', 'locationType', 'area'];

/** The people, places and other cases linked to a case. */
export async function casePeopleRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { cases } = services;
  const people = new PeopleRepository(services.db);
  const places = new PlacesRepository(services.db);
  const view = { config: { access: 'case:view' as const } };
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const caseIdOf = (request: FastifyRequest) => (request.params as { caseId: string }).caseId;
  const roleItems = (request: FastifyRequest, selected: unknown) =>
    casePersonRoles.map((role) => ({ value: role, text: request.t(`cases.personRoles.${role}`), checked: selected === role }));

  /**
   * The people tab. After a refused link the search is run again (its words come back with the
   * form), so that the person is still there to choose a part for, and the error points at them.
   */
  const renderPeople = async (request: FastifyRequest, reply: FastifyReply, opened: OpenedCase, refused?: { fieldErrors: FieldErrors; personId: unknown }) => {
    const source = (refused ? request.body : request.query) as Record<string, unknown> | undefined;
    const search = typeof source?.name === 'string' ? source.name : '';
    const linked = await people.forCase(opened.case.id);
    const candidates = search ? await people.searchVisible(viewerOf(me(request)), search) : [];
    const refusedCandidate = refused ? candidates.find((candidate) => candidate.id === refused.personId) : undefined;
    const errors = refused ? formErrors(refused.fieldErrors, request.t, ['personId', 'role']) : undefined;
    for (const item of errors?.list ?? []) {
      item.href = item.href === '#role' && refusedCandidate ? `#role-${refusedCandidate.id}` : '#name';
    }
    return reply.render('cases/views/people.njk', {
      ...caseContext(request, opened, 'people'),
      pageTitle: request.t('cases.people.title'),
      linked,
      restrictedPeople: await services.dataProtection.personFlags.restrictedAmong(linked.map((person) => person.id)),
      householdSuggestions: await services.households.suggestionsForCase(viewerOf(me(request)), opened),
      locations: await places.forCase(opened.case.id),
      search,
      candidates,
      roleItems: roleItems(request, undefined),
      errors,
      refusedPersonId: refusedCandidate?.id,
    });
  };

  app.get(paths.cases.people.pattern, view, async (request, reply) => {
    const opened = await cases.view(me(request), caseIdOf(request), request.actor, 'people');
    return renderPeople(request, reply, opened);
  });

  app.post(paths.cases.linkPerson.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    const opened = await cases.view(me(request), caseId, request.actor, 'people');
    const form = parseForm(linkPersonSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      await cases.linkPerson(me(request), caseId, form.data.personId, form.data.role, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderPeople(request, reply.status(400), opened, { fieldErrors: error.fieldErrors, personId: (request.body as FormValues | undefined)?.personId });
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('cases.people.linked') };
    return reply.redirect(paths.cases.people({ caseId }));
  });

  const renderNewPerson = async (request: FastifyRequest, reply: FastifyReply, opened: OpenedCase, values: FormValues, fieldErrors?: Record<string, string>) =>
    reply.render('cases/views/newPerson.njk', {
      ...caseContext(request, opened, 'people'),
      pageTitle: request.t('cases.people.newTitle'),
      values,
      roleItems: roleItems(request, values.role),
      genderItems: [{ value: '', text: request.t('people.genders.choose') }, ...genders.map((gender) => ({ value: gender, text: request.t(`people.genders.${gender}`), selected: values.gender === gender }))],
      errors: fieldErrors ? formErrors(fieldErrors, request.t, PERSON_FIELDS, { dateFields: ['dateOfBirth'] }) : undefined,
    });

  app.get(paths.cases.newPerson.pattern, edit, async (request, reply) => {
    const opened = await cases.view(me(request), caseIdOf(request), request.actor, 'new-person');
    return renderNewPerson(request, reply, opened, {});
  });

  app.post(paths.cases.newPerson.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    const opened = await cases.view(me(request), caseId, request.actor, 'new-person');
    const person = parseForm(personSchema, request.body);
    const role = parseForm(personRoleSchema, request.body);
    if (!person.ok || !role.ok) {
      const fieldErrors = { ...(person.ok ? {} : person.fieldErrors), ...(role.ok ? {} : role.fieldErrors) };
      return renderNewPerson(request, reply.status(400), opened, person.ok ? (request.body as FormValues) : person.values, fieldErrors);
    }
    await cases.createAndLinkPerson(me(request), caseId, person.data, role.data.role, request.actor);
    request.session.flash = { kind: 'success', text: request.t('cases.people.added', { name: `${person.data.givenName} ${person.data.familyName}` }) };
    return reply.redirect(paths.cases.people({ caseId }));
  });

  app.post(paths.cases.unlinkPerson.pattern, edit, async (request, reply) => {
    const { caseId, personId, role } = request.params as { caseId: string; personId: string; role: string };
    await cases.unlinkPerson(me(request), caseId, personId, role, request.actor);
    request.session.flash = { kind: 'success', text: request.t('cases.people.unlinked') };
    return reply.redirect(paths.cases.people({ caseId }));
  });

  const renderNewLocation = (request: FastifyRequest, reply: FastifyReply, opened: OpenedCase, values: FormValues, fieldErrors?: Record<string, string>) =>
    reply.render('cases/views/newLocation.njk', {
      ...caseContext(request, opened, 'people'),
      pageTitle: request.t('cases.locations.newTitle'),
      values,
      typeItems: locationTypes.map((type) => ({ value: type, text: request.t(`places.types.${type}`), checked: values.locationType === type })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, LOCATION_FIELDS) : undefined,
    });

  app.get(paths.cases.newLocation.pattern, edit, async (request, reply) => {
    const opened = await cases.view(me(request), caseIdOf(request), request.actor, 'new-location');
    return renderNewLocation(request, reply, opened, {});
  });

  app.post(paths.cases.newLocation.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    const opened = await cases.view(me(request), caseId, request.actor, 'new-location');
    const form = parseForm(locationSchema, request.body);
    if (!form.ok) return renderNewLocation(request, reply.status(400), opened, form.values, form.fieldErrors);
    await cases.addLocation(me(request), caseId, form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('cases.locations.added') };
    return reply.redirect(paths.cases.people({ caseId }));
  });

  app.post(paths.cases.links.pattern, edit, async (request, reply) => {
    const caseId = caseIdOf(request);
    const form = parseForm(linkCaseSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      await cases.linkCase(me(request), caseId, form.data.reference, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) {
        const overview = await cases.overview(me(request), caseId, request.actor);
        return reply.status(400).render('cases/views/show.njk', {
          ...caseContext(request, overview, 'overview'),
          pageTitle: overview.case.reference,
          overview,
          linkValues: request.body,
          errors: formErrors(error.fieldErrors, request.t),
        });
      }
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('cases.links.added') };
    return reply.redirect(paths.cases.show({ caseId }));
  });
}
