import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { fieldErrorsFrom, formErrors, type FormErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { isUuid } from '../../shared/ids.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { personSearchFields, personSearchSchema } from '../search/searchSchemas.ts';
import { thirdPartyItems } from './subjectAccessViews.ts';
import { approveSchema, extendSchema, newRequestSchema, personPickQuerySchema, redactionsSchema, requesterRelationships, requestListQuerySchema } from './dataProtectionSchemas.ts';

const SEARCH_KEYS = ['name', 'dateOfBirth-day', 'dateOfBirth-month', 'dateOfBirth-year', 'postcode'];
const REQUEST_FIELDS = ['personId', 'requesterName', 'requesterRelationship', 'identityVerified', 'receivedOn'];

/** Subject access requests: record, find everything, redact, approve for release, download. */
export async function subjectAccessRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { subjectAccess } = services.dataProtection;
  const access = { config: { access: 'subject_access:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const requestIdOf = (request: FastifyRequest) => (request.params as { requestId: string }).requestId;

  app.get(paths.dataProtection.requests.pattern, access, async (request, reply) => {
    const { status } = requestListQuerySchema.parse(request.query ?? {});
    const requests = await subjectAccess.list(status, request.actor);
    return reply.render('dataProtection/views/requests.njk', { pageTitle: request.t('dataProtection.requests.title'), requests, status });
  });

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors?: FormErrors) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const personId = isUuid(values.personId) ? values.personId : personPickQuerySchema.parse(query).personId;
    const context: Record<string, unknown> = { pageTitle: request.t('dataProtection.newRequest.title'), values, errors };
    if (personId) {
      context.person = await subjectAccess.chosenPerson(personId, request.actor);
      context.relationshipItems = requesterRelationships.map((value) => ({ value, text: request.t(`dataProtection.relationships.${value}`), checked: values.requesterRelationship === value }));
    } else if (SEARCH_KEYS.some((key) => key in query)) {
      context.searchValues = Object.fromEntries(SEARCH_KEYS.map((key) => [key, typeof query[key] === 'string' ? query[key] : '']));
      const parsed = personSearchSchema.safeParse(query);
      if (parsed.success) context.results = await subjectAccess.findPeople(parsed.data, request.actor);
      else {
        reply.status(400);
        context.errors = formErrors(fieldErrorsFrom(parsed.error), request.t, personSearchFields);
      }
    }
    return reply.render('dataProtection/views/newRequest.njk', context);
  };

  app.get(paths.dataProtection.newRequest.pattern, access, async (request, reply) => renderNew(request, reply, {}));

  app.post(paths.dataProtection.newRequest.pattern, access, async (request, reply) => {
    const failed = (values: FormValues, fieldErrors: FieldErrors) =>
      renderNew(request, reply.status(400), values, formErrors(fieldErrors, request.t, REQUEST_FIELDS, { dateFields: ['receivedOn'] }));
    const form = parseForm(newRequestSchema, request.body);
    if (!form.ok) return failed(form.values, form.fieldErrors);
    try {
      const requestId = await subjectAccess.create(me(request), form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('dataProtection.newRequest.created') };
      return reply.redirect(paths.dataProtection.request({ requestId }));
    } catch (error) {
      if (error instanceof ValidationFailed) return failed(request.body as FormValues, error.fieldErrors);
      throw error;
    }
  });

  const renderRequest = async (request: FastifyRequest, reply: FastifyReply, errors?: FormErrors, values: FormValues = {}) => {
    const found = await subjectAccess.view(requestIdOf(request), request.actor);
    return reply.render('dataProtection/views/request.njk', {
      pageTitle: request.t('dataProtection.request.title', { reference: found.request.reference }),
      ...found,
      thirdParties: thirdPartyItems(found.findings),
      candidates: found.findings.incidents.filter((incident) => incident.candidate),
      redacted: found.request.redactions,
      confirmed: found.request.confirmed_candidates,
      values,
      errors,
    });
  };

  app.get(paths.dataProtection.request.pattern, access, async (request, reply) => renderRequest(request, reply));

  /** A stale form or an approved request: back to the page with the message, nothing changed. */
  const onConflict = (request: FastifyRequest, reply: FastifyReply, error: Conflict) => {
    request.session.flash = { kind: 'important', text: request.t(error.message) };
    return reply.redirect(paths.dataProtection.request({ requestId: requestIdOf(request) }));
  };

  app.post(paths.dataProtection.redactions.pattern, access, async (request, reply) => {
    const form = parseForm(redactionsSchema, request.body);
    if (!form.ok) return renderRequest(request, reply.status(400), formErrors({ redact: 'dataProtection.errors.redactionsInvalid' }, request.t));
    try {
      await subjectAccess.saveDecisions(requestIdOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return onConflict(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('dataProtection.request.redactionsSaved') };
    return reply.redirect(`${paths.dataProtection.request({ requestId: requestIdOf(request) })}#export-preview`);
  });

  app.post(paths.dataProtection.extend.pattern, access, async (request, reply) => {
    const form = parseForm(extendSchema, request.body);
    const failed = (values: FormValues, fieldErrors: FieldErrors) => renderRequest(request, reply.status(400), formErrors(fieldErrors, request.t, ['extensionMonths', 'extensionReason']), values);
    if (!form.ok) return failed(form.values, form.fieldErrors);
    try {
      await subjectAccess.extend(requestIdOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return failed(request.body as FormValues, error.fieldErrors);
      if (error instanceof Conflict) return onConflict(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('dataProtection.request.extended') };
    return reply.redirect(paths.dataProtection.request({ requestId: requestIdOf(request) }));
  });

  app.post(paths.dataProtection.approve.pattern, access, async (request, reply) => {
    const form = parseForm(approveSchema, request.body);
    if (!form.ok) return renderRequest(request, reply.status(400), formErrors(form.fieldErrors, request.t));
    try {
      await subjectAccess.approve(me(request), requestIdOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderRequest(request, reply.status(400), formErrors(error.fieldErrors, request.t));
      if (error instanceof Conflict) return onConflict(request, reply, error);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('dataProtection.request.approved') };
    return reply.redirect(paths.dataProtection.request({ requestId: requestIdOf(request) }));
  });

  app.get(paths.dataProtection.exportHtml.pattern, access, async (request, reply) => {
    const released = await subjectAccess.download(requestIdOf(request), 'html', request.actor);
    return reply.render('dataProtection/views/export.njk', {
      pageTitle: request.t('dataProtection.export.title', { reference: released.request.reference }),
      request: released.request,
      data: released.export,
    });
  });

  app.get(paths.dataProtection.exportJson.pattern, access, async (request, reply) => {
    const released = await subjectAccess.download(requestIdOf(request), 'json', request.actor);
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${released.request.reference}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(released.export, null, 2));
  });
}
