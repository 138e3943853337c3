import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, parseForm, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { viewerOf } from '../cases/casesService.ts';
import type { PersonAddress } from './personAddressesRepository.ts';
import { END_ADDRESS_DATE_FIELDS, endAddressSchema, NEW_ADDRESS_DATE_FIELDS, NEW_ADDRESS_FIELDS, newAddressSchema } from './personAddressesSchemas.ts';

/** Adding to a person's address history and recording that they moved out (reading it is on the person's page). */
export async function personAddressesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { personAddresses } = services;
  const edit = { config: { access: 'case:edit' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const paramsOf = (request: FastifyRequest) => request.params as { personId: string; addressId?: string };

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { person, current } = await personAddresses.newAddressForm(viewerOf(me(request)), paramsOf(request).personId);
    return reply.render('people/views/newAddress.njk', {
      pageTitle: request.t('addresses.new.title'),
      person,
      current,
      currentAddresses: current.map(oneLine).join('; '),
      values,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, NEW_ADDRESS_FIELDS, { dateFields: NEW_ADDRESS_DATE_FIELDS }) : undefined,
    });
  };

  app.get(paths.people.newAddress.pattern, edit, async (request, reply) => renderNew(request, reply, {}));

  app.post(paths.people.newAddress.pattern, edit, async (request, reply) => {
    const { personId } = paramsOf(request);
    const form = parseForm(newAddressSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      await personAddresses.add(viewerOf(me(request)), personId, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNew(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('addresses.new.done') };
    return reply.redirect(paths.people.show({ personId }));
  });

  const renderEnd = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const { personId, addressId } = paramsOf(request);
    const { person, address } = await personAddresses.currentAddress(viewerOf(me(request)), personId, addressId!);
    return reply.render('people/views/endAddress.njk', {
      pageTitle: request.t('addresses.end.title'),
      person,
      address,
      values,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, [...END_ADDRESS_DATE_FIELDS], { dateFields: END_ADDRESS_DATE_FIELDS }) : undefined,
    });
  };

  app.get(paths.people.endAddress.pattern, edit, async (request, reply) => renderEnd(request, reply, {}));

  app.post(paths.people.endAddress.pattern, edit, async (request, reply) => {
    const { personId, addressId } = paramsOf(request);
    const form = parseForm(endAddressSchema, request.body);
    try {
      if (!form.ok) throw new ValidationFailed(form.fieldErrors);
      await personAddresses.end(viewerOf(me(request)), personId, addressId!, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderEnd(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('addresses.end.done') };
    return reply.redirect(paths.people.show({ personId }));
  });
}

function oneLine(address: PersonAddress): string {
  return [address.address_line_1, address.address_line_2, address.town, address.postcode].filter(Boolean).join(', ');
}
