import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OrganisationRow } from '../../db/schema.ts';
import type { Services } from '../../services.ts';
import { Conflict } from '../../shared/errors.ts';
import { formErrors, parseForm, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { organisationSchema, singleSignOnSchema } from './organisationsSchemas.ts';
import { organisationTypes } from './organisationTypes.ts';

const FORM_FIELDS = ['name', 'type', 'contactName', 'contactEmail', 'contactPhone', 'active'];

export async function organisationsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'organisation:manage' as const } };

  const renderForm = (request: FastifyRequest, reply: FastifyReply, organisation: OrganisationRow | undefined, values: FormValues, fieldErrors?: Record<string, string>) =>
    reply.render('organisations/views/form.njk', {
      pageTitle: request.t(organisation ? 'organisations.edit.title' : 'organisations.new.title'),
      organisation,
      values,
      typeItems: organisationTypes.map((type) => ({ value: type, text: request.t(`organisations.types.${type}`), checked: values.type === type })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, FORM_FIELDS) : undefined,
    });

  app.get(paths.admin.organisations.index.pattern, access, async (request, reply) =>
    reply.render('organisations/views/index.njk', {
      pageTitle: request.t('organisations.index.title'),
      organisations: await services.organisations.list(),
    }),
  );

  app.get(paths.admin.organisations.new.pattern, access, async (request, reply) => renderForm(request, reply, undefined, { active: 'yes' }));

  app.post(paths.admin.organisations.new.pattern, access, async (request, reply) => {
    const form = parseForm(organisationSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), undefined, form.values, form.fieldErrors);
    try {
      const organisation = await services.organisations.create(form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('organisations.new.done', { name: organisation.name }) };
      return reply.redirect(paths.admin.organisations.show({ organisationId: organisation.id }));
    } catch (error) {
      if (error instanceof Conflict) return renderForm(request, reply.status(409), undefined, request.body as FormValues, error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.admin.organisations.show.pattern, access, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const organisation = await services.organisations.get(organisationId);
    return reply.render('organisations/views/show.njk', { pageTitle: organisation.name, organisation });
  });

  app.get(paths.admin.organisations.edit.pattern, access, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const organisation = await services.organisations.get(organisationId);
    return renderForm(request, reply, organisation, {
      name: organisation.name,
      type: organisation.type,
      contactName: organisation.contact_name,
      contactEmail: organisation.contact_email,
      contactPhone: organisation.contact_phone,
      active: organisation.active ? 'yes' : undefined,
    });
  });

  app.post(paths.admin.organisations.edit.pattern, access, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const organisation = await services.organisations.get(organisationId);
    const form = parseForm(organisationSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), organisation, form.values, form.fieldErrors);
    try {
      await services.organisations.update(organisationId, form.data, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return renderForm(request, reply.status(409), organisation, request.body as FormValues, error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('organisations.edit.done') };
    return reply.redirect(paths.admin.organisations.show({ organisationId }));
  });

  const renderSignOn = (request: FastifyRequest, reply: FastifyReply, organisation: OrganisationRow, values: FormValues, fieldErrors?: Record<string, string>) =>
    reply.render('organisations/views/singleSignOn.njk', {
      pageTitle: request.t('organisations.sso.title'),
      organisation,
      values,
      callbackUrl: new URL(paths.auth.ssoCallback(), services.config.baseUrl).toString(),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['enabled', 'issuer', 'clientId', 'clientSecret']) : undefined,
    });

  app.get(paths.admin.organisations.signOn.pattern, access, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const organisation = await services.organisations.get(organisationId);
    return renderSignOn(request, reply, organisation, {
      enabled: organisation.sso_enabled ? 'yes' : undefined,
      issuer: organisation.oidc_issuer,
      clientId: organisation.oidc_client_id,
      satisfiesMfa: organisation.sso_satisfies_mfa ? 'yes' : undefined,
    });
  });

  app.post(paths.admin.organisations.signOn.pattern, access, async (request, reply) => {
    const { organisationId } = request.params as { organisationId: string };
    const organisation = await services.organisations.get(organisationId);
    const form = parseForm(singleSignOnSchema, request.body);
    if (!form.ok) return renderSignOn(request, reply.status(400), organisation, form.values, form.fieldErrors);
    await services.organisations.updateSingleSignOn(organisationId, form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('organisations.sso.done') };
    return reply.redirect(paths.admin.organisations.show({ organisationId }));
  });
}
