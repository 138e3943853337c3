import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, parseForm, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { viewerOf } from '../cases/casesService.ts';
import type { HouseholdAddress } from './householdsRepository.ts';
import { addMemberSchema, householdRelationships, newHouseholdSchema } from './householdsSchemas.ts';

/** Setting up a person's household and changing who is in it (reading it is on the person's page). */
export async function householdsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { households } = services;
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const paramsOf = (request: FastifyRequest) => request.params as { personId: string; householdId?: string; memberId?: string };

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { personId } = paramsOf(request);
    const { person, addresses } = await households.newHouseholdForm(viewerOf(me(request)), personId);
    return reply.render('households/views/new.njk', {
      pageTitle: request.t('households.new.title'),
      person,
      values: { name: request.t('households.new.defaultName', { familyName: person.family_name }), ...values },
      addressItems: addressItems(request, addresses, values.locationId),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['name', 'locationId']) : undefined,
    });
  };

  app.get(paths.households.new.pattern, edit, async (request, reply) => renderNew(request, reply, {}));

  app.post(paths.households.new.pattern, edit, async (request, reply) => {
    const { personId } = paramsOf(request);
    const form = parseForm(newHouseholdSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      await households.create(viewerOf(me(request)), personId, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNew(request, reply.status(400), valuesOf(request), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('households.new.done', { name: form.data.name }) };
    return reply.redirect(paths.people.show({ personId }));
  });

  /** The household and a search for people to add; after a refused add, the search is run again with what was chosen. */
  const renderMembers = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { personId, householdId } = paramsOf(request);
    const viewer = viewerOf(me(request));
    const { person, household } = await households.household(viewer, personId, householdId!);
    const search = typeof values.name === 'string' ? values.name.trim().slice(0, 200) : '';
    const candidates = await households.candidates(viewer, household, search);
    const errors = fieldErrors ? formErrors(fieldErrors, request.t, ['memberId', 'relationship']) : undefined;
    for (const item of errors?.list ?? []) {
      // With nobody to choose from, the summary points at the search box.
      if (item.href === '#memberId' && candidates.length === 0) item.href = '#name';
    }
    return reply.render('households/views/members.njk', {
      pageTitle: request.t('households.members.title', { name: household.name }),
      person,
      household,
      // Relationships are to the person the household was set up for, when the viewer may see them.
      mainPerson: household.members.find((member) => member.relationship === null),
      search,
      candidates,
      chosenMemberId: values.memberId,
      relationshipItems: [
        { value: '', text: request.t('households.relationships.choose') },
        ...householdRelationships.map((relationship) => ({ value: relationship, text: request.t(`households.relationships.${relationship}`), selected: values.relationship === relationship })),
      ],
      errors,
    });
  };

  app.get(paths.households.members.pattern, edit, async (request, reply) => renderMembers(request, reply, (request.query ?? {}) as FormValues));

  app.post(paths.households.members.pattern, edit, async (request, reply) => {
    const { personId, householdId } = paramsOf(request);
    const form = parseForm(addMemberSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      const added = await households.addMember(viewerOf(me(request)), personId, householdId!, form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('households.members.added', { name: `${added.given_name} ${added.family_name}` }) };
    } catch (error) {
      if (error instanceof ValidationFailed) return renderMembers(request, reply.status(400), valuesOf(request), error.fieldErrors);
      throw error;
    }
    return reply.redirect(paths.people.show({ personId }));
  });

  app.post(paths.households.removeMember.pattern, edit, async (request, reply) => {
    const { personId, householdId, memberId } = paramsOf(request);
    const removed = await households.removeMember(viewerOf(me(request)), personId, householdId!, memberId!, request.actor);
    request.session.flash = { kind: 'success', text: request.t('households.members.removed', { name: `${removed.given_name} ${removed.family_name}` }) };
    return reply.redirect(paths.people.show({ personId }));
  });
}

function valuesOf(request: FastifyRequest): FormValues {
  const { _csrf: _token, ...values } = (request.body ?? {}) as FormValues;
  return values;
}

function addressItems(request: FastifyRequest, addresses: HouseholdAddress[], selected: unknown) {
  return [
    ...addresses.map((address) => ({
      value: address.id,
      text: [address.address_line_1, address.address_line_2, address.town, address.postcode].filter(Boolean).join(', '),
      checked: selected === address.id,
    })),
    ...(addresses.length > 0 ? [{ divider: request.t('households.new.or') }] : []),
    { value: 'none', text: request.t('households.new.noAddress'), checked: !selected || selected === 'none' },
  ];
}
