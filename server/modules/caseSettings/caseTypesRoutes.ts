import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { caseTypeName } from '../../shared/caseTypeNames.ts';
import { Conflict, type FieldErrors } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CaseTypeWithUse } from './caseTypesRepository.ts';
import { CASE_TYPE_NAME_MAX, caseTypeUpdateSchema, moveSchema, newCaseTypeSchema } from './caseTypesSchemas.ts';

const FIELD_ORDER = ['name', 'referencePrefix', 'active'];

/** The partnership's case types: list, add, rename, re-prefix (while unused), reorder, stop or restart offering. */
export async function caseTypesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'case_settings:manage' as const } };
  const codeOf = (request: FastifyRequest) => (request.params as { code: string }).code;

  const renderForm = (request: FastifyRequest, reply: FastifyReply, type: CaseTypeWithUse | undefined, values: FormValues, fieldErrors?: FieldErrors) =>
    reply.render('caseSettings/views/caseTypeForm.njk', {
      pageTitle: request.t(type ? 'caseSettings.types.edit.title' : 'caseSettings.types.new.title'),
      type,
      shownName: type ? caseTypeName(request.t, type) : undefined,
      values,
      nameMax: CASE_TYPE_NAME_MAX,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, FIELD_ORDER) : undefined,
    });

  app.get(paths.admin.caseTypes.index.pattern, access, async (request, reply) => {
    const types = await services.caseTypes.list();
    return reply.render('caseSettings/views/caseTypes.njk', {
      pageTitle: request.t('caseSettings.types.title'),
      types: types.map((type, index) => ({ ...type, shownName: caseTypeName(request.t, type), first: index === 0, last: index === types.length - 1 })),
    });
  });

  app.get(paths.admin.caseTypes.new.pattern, access, async (request, reply) => renderForm(request, reply, undefined, {}));

  app.post(paths.admin.caseTypes.new.pattern, access, async (request, reply) => {
    const form = parseForm(newCaseTypeSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), undefined, form.values, form.fieldErrors);
    try {
      const created = await services.caseTypes.create(form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('caseSettings.types.new.done', { name: created.name, prefix: created.reference_prefix }) };
      return reply.redirect(paths.admin.caseTypes.index());
    } catch (error) {
      if (error instanceof Conflict) return renderForm(request, reply.status(409), undefined, echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  app.get(paths.admin.caseTypes.edit.pattern, access, async (request, reply) => {
    const type = await services.caseTypes.get(codeOf(request));
    return renderForm(request, reply, type, { name: type.name, referencePrefix: type.reference_prefix, active: type.active ? 'yes' : 'no' });
  });

  app.post(paths.admin.caseTypes.edit.pattern, access, async (request, reply) => {
    const type = await services.caseTypes.get(codeOf(request));
    const form = parseForm(caseTypeUpdateSchema, request.body);
    if (!form.ok) return renderForm(request, reply.status(400), type, form.values, form.fieldErrors);
    try {
      const saved = await services.caseTypes.update(type.code, form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('caseSettings.types.edit.done', { name: saved.name }) };
      return reply.redirect(paths.admin.caseTypes.index());
    } catch (error) {
      if (error instanceof Conflict) return renderForm(request, reply.status(409), type, echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  app.post(paths.admin.caseTypes.move.pattern, access, async (request, reply) => {
    const code = codeOf(request);
    const form = parseForm(moveSchema, request.body);
    // Only the buttons on the list post here; anything else just shows the list again.
    if (form.ok) await services.caseTypes.move(code, form.data.direction, request.actor);
    else await services.caseTypes.get(code);
    return reply.redirect(`${paths.admin.caseTypes.index()}#type-${encodeURIComponent(code)}`);
  });
}
