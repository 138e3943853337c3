import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, ValidationFailed } from '../../shared/errors.ts';
import { formErrors, parseForm, selectItems, type FormValues } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { isRole, type Role, roleRequiresMfa, roles } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { usersPolicy } from './usersPolicy.ts';
import { userListQuerySchema, userSchema, userStatusSchema } from './usersSchemas.ts';

const FORM_FIELDS = ['name', 'email', 'organisationId', 'role'];

export async function usersRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'user:manage' as const } };
  const signedIn = (request: FastifyRequest) => request.user as CurrentUser;

  const organisationChoices = async (actor: CurrentUser) => {
    const policy = usersPolicy(actor);
    const organisations = await services.organisations.list();
    return organisations.filter((organisation) => policy.canAssignOrganisation(organisation.id));
  };

  const renderForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    mode: { kind: 'new' } | { kind: 'edit'; userId: string },
    values: FormValues,
    fieldErrors?: Record<string, string>,
  ) => {
    const actor = signedIn(request);
    const organisations = await organisationChoices(actor);
    return reply.render('users/views/form.njk', {
      pageTitle: request.t(mode.kind === 'new' ? 'users.new.title' : 'users.edit.title'),
      mode,
      values,
      organisationItems: selectItems(organisations.map((o) => ({ value: o.id, text: o.name })), values.organisationId, request.t('users.form.chooseOrganisation')),
      roleItems: roleOptions(request, usersPolicy(actor).assignableRoles).map((item) => ({ ...item, checked: item.value === values.role })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, FORM_FIELDS) : undefined,
    });
  };

  app.get(paths.admin.users.index.pattern, access, async (request, reply) => {
    const actor = signedIn(request);
    const filters = userListQuerySchema.parse(request.query ?? {});
    const users = await services.users.list(actor, filters, request.actor);
    const organisations = usersPolicy(actor).anyOrganisation ? await services.organisations.list() : [];
    return reply.render('users/views/index.njk', {
      pageTitle: request.t('users.index.title'),
      users,
      filters,
      roleItems: selectItems(roleOptions(request, roles), filters.role, request.t('users.index.allRoles')),
      organisationItems: organisations.length
        ? selectItems(organisations.map((o) => ({ value: o.id, text: o.name })), filters.organisationId, request.t('users.index.allOrganisations'))
        : [],
    });
  });

  app.get(paths.admin.users.new.pattern, access, async (request, reply) =>
    renderForm(request, reply, { kind: 'new' }, { organisationId: signedIn(request).organisationId }),
  );

  app.post(paths.admin.users.new.pattern, access, async (request, reply) => {
    const form = parseForm(userSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), { kind: 'new' }, form.values, form.fieldErrors);
    try {
      const user = await services.users.create(signedIn(request), form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('users.new.done', { email: user.email }) };
      return reply.redirect(paths.admin.users.show({ userId: user.id }));
    } catch (error) {
      if (error instanceof ValidationFailed || error instanceof Conflict) {
        return renderForm(request, reply.status(error.status), { kind: 'new' }, form.data, error.fieldErrors);
      }
      throw error;
    }
  });

  app.get(paths.admin.users.show.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const actor = signedIn(request);
    const details = await services.users.view(actor, userId, request.actor);
    const policy = usersPolicy(actor);
    return reply.render('users/views/show.njk', {
      pageTitle: details.user.name,
      details,
      mfaRequired: isRole(details.user.role) && roleRequiresMfa(details.user.role),
      canEdit: policy.canEdit(details.user),
      isSelf: !policy.canChangeOwnAccess(details.user),
    });
  });

  app.get(paths.admin.users.edit.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const user = await services.users.editable(signedIn(request), userId);
    return renderForm(request, reply, { kind: 'edit', userId }, {
      name: user.name,
      email: user.email,
      organisationId: user.organisation_id,
      role: user.role,
    });
  });

  app.post(paths.admin.users.edit.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    await services.users.editable(signedIn(request), userId);
    const form = parseForm(userSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), { kind: 'edit', userId }, form.values, form.fieldErrors);
    try {
      await services.users.update(signedIn(request), userId, form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed || error instanceof Conflict) {
        return renderForm(request, reply.status(error.status), { kind: 'edit', userId }, form.data, error.fieldErrors);
      }
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('users.edit.done') };
    return reply.redirect(paths.admin.users.show({ userId }));
  });

  app.post(paths.admin.users.status.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    await services.users.editable(signedIn(request), userId);
    const form = userStatusSchema.safeParse(request.body);
    if (!form.success) throw new ValidationFailed({ disabled: 'validation.invalid' });
    await services.users.setDisabled(signedIn(request), userId, form.data.disabled, request.actor);
    request.session.flash = { kind: 'success', text: request.t(form.data.disabled ? 'users.status.disabled' : 'users.status.enabled') };
    return reply.redirect(paths.admin.users.show({ userId }));
  });

  app.post(paths.admin.users.resendInvite.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    await services.users.resendInvite(signedIn(request), userId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('users.actions.inviteSent') };
    return reply.redirect(paths.admin.users.show({ userId }));
  });

  app.post(paths.admin.users.passwordReset.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    await services.users.sendPasswordReset(signedIn(request), userId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('users.actions.resetSent') };
    return reply.redirect(paths.admin.users.show({ userId }));
  });

  app.post(paths.admin.users.resetVerification.pattern, access, async (request, reply) => {
    const { userId } = request.params as { userId: string };
    await services.users.resetVerification(signedIn(request), userId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('users.actions.verificationReset') };
    return reply.redirect(paths.admin.users.show({ userId }));
  });
}

function roleOptions(request: FastifyRequest, available: readonly Role[]) {
  return available.map((role) => ({ value: role, text: request.t(`roles.${role}`), hint: { text: request.t(`roleDescriptions.${role}`) } }));
}
