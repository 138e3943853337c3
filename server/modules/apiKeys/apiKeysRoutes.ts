import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { ValidationFailed } from '../../shared/errors.ts';
import { asArray, echoValues, formErrors, parseForm, selectItems, type FormValues } from '../../shared/forms.ts';
import type { Translate } from '../../shared/i18n/index.ts';
import { paths } from '../../shared/paths.ts';
import { apiScopes } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { maskedApiKey } from './apiKeyFormat.ts';
import { apiKeysPolicy } from './apiKeysPolicy.ts';
import type { ApiKeyListItem } from './apiKeysRepository.ts';
import { apiKeySchema, scopeLabelKey } from './apiKeysSchemas.ts';

const FORM_FIELDS = ['name', 'organisationId', 'scopes'];

export async function apiKeysRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'api_key:manage' as const } };
  const signedIn = (request: FastifyRequest) => request.user as CurrentUser;

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: Record<string, string>) => {
    const viewer = signedIn(request);
    const chooseOrganisation = apiKeysPolicy(viewer).anyOrganisation;
    const organisations = chooseOrganisation ? (await services.organisations.list()).filter((organisation) => organisation.active) : [];
    const chosenScopes = asArray(values.scopes);
    return reply.render('apiKeys/views/form.njk', {
      pageTitle: request.t('apiKeys.new.title'),
      values,
      chooseOrganisation,
      organisationName: viewer.organisationName,
      organisationItems: selectItems(
        organisations.map((organisation) => ({ value: organisation.id, text: organisation.name })),
        values.organisationId,
        request.t('apiKeys.form.chooseOrganisation'),
      ),
      scopeItems: apiScopes.map((scope) => ({
        value: scope,
        text: request.t(scopeLabelKey(scope)),
        hint: { text: scope },
        checked: chosenScopes.includes(scope),
      })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, FORM_FIELDS) : undefined,
    });
  };

  app.get(paths.admin.apiKeys.index.pattern, access, async (request, reply) => {
    const keys = await services.apiKeys.list(signedIn(request));
    return reply.render('apiKeys/views/index.njk', { pageTitle: request.t('apiKeys.index.title'), keys: keys.map((key) => asShown(key, request.t)) });
  });

  app.get(paths.admin.apiKeys.new.pattern, access, async (request, reply) => renderForm(request, reply, { organisationId: signedIn(request).organisationId }));

  app.post(paths.admin.apiKeys.new.pattern, access, async (request, reply) => {
    const form = parseForm(apiKeySchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), form.values, form.fieldErrors);
    try {
      const { apiKey, fullKey } = await services.apiKeys.create(signedIn(request), form.data, request.actor);
      const key = await services.apiKeys.get(signedIn(request), apiKey.id);
      // The key is rendered into this response only: it is not stored, flashed or redirected with.
      return reply.render('apiKeys/views/created.njk', { pageTitle: request.t('apiKeys.created.title'), key: asShown(key, request.t), fullKey });
    } catch (error) {
      if (error instanceof ValidationFailed) return renderForm(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.admin.apiKeys.show.pattern, access, async (request, reply) => {
    const { apiKeyId } = request.params as { apiKeyId: string };
    const key = await services.apiKeys.get(signedIn(request), apiKeyId);
    return reply.render('apiKeys/views/show.njk', { pageTitle: key.name, key: asShown(key, request.t) });
  });

  app.get(paths.admin.apiKeys.revoke.pattern, access, async (request, reply) => {
    const { apiKeyId } = request.params as { apiKeyId: string };
    const key = await services.apiKeys.get(signedIn(request), apiKeyId);
    if (key.revoked_at) return reply.redirect(paths.admin.apiKeys.show({ apiKeyId }));
    return reply.render('apiKeys/views/revoke.njk', { pageTitle: request.t('apiKeys.revoke.title', { name: key.name }), key: asShown(key, request.t) });
  });

  app.post(paths.admin.apiKeys.revoke.pattern, access, async (request, reply) => {
    const { apiKeyId } = request.params as { apiKeyId: string };
    await services.apiKeys.revoke(signedIn(request), apiKeyId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('apiKeys.revoke.done') };
    return reply.redirect(paths.admin.apiKeys.show({ apiKeyId }));
  });
}

/** A key as the pages show it: never its secret or hash. */
function asShown(key: ApiKeyListItem, t: Translate) {
  return {
    id: key.id,
    name: key.name,
    maskedKey: maskedApiKey(key.key_prefix),
    organisationName: key.organisation_name,
    scopes: key.permissions.map((scope) => ({ code: scope, label: t(scopeLabelKey(scope)) })),
    createdAt: key.created_at,
    lastUsedAt: key.last_used_at,
    revokedAt: key.revoked_at,
  };
}
