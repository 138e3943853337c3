import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, NotFound, ValidationFailed } from '../../shared/errors.ts';
import { type FormErrors, formErrors, type FormParse, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { hasPermission } from '../../shared/permissions.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { AgreementChanged } from './agreementService.ts';
import { figureHelpers } from './figures.ts';
import { commitmentSchema, draftDetailsSchema, measureSchema, prioritySchema, publishSchema, signSchema } from './governanceSchemas.ts';
import { measureDirections, measureSources, measureUnits } from './measureRules.ts';

/**
 * The Community Safety Agreement: the published version with its signatories and the sign form
 * (an authorised user signs for their own organisation), past versions, and the draft that the
 * partnership edits and publishes.
 */
export async function agreementRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { agreement } = services.governance;
  const view = { config: { access: 'governance:view' as const } };
  const manage = { config: { access: 'governance:manage' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const helpers = (request: FastifyRequest) => figureHelpers(request.locale, request.t);

  const renderAgreement = async (request: FastifyRequest, reply: FastifyReply, values: FormValues = {}, errors?: FormErrors) => {
    const overview = await agreement.overview();
    const user = me(request);
    const signedByMine = overview.signatures.some((signature) => signature.organisation_id === user.organisationId);
    return reply.render('governance/views/agreement.njk', {
      pageTitle: request.t('governance.agreement.title'),
      ...overview,
      canSign: Boolean(overview.published) && hasPermission(user.role, 'agreement:sign') && !signedByMine,
      signedByMine,
      canManage: hasPermission(user.role, 'governance:manage'),
      values,
      errors,
      ...helpers(request),
    });
  };

  app.get(paths.governance.agreement.pattern, view, async (request, reply) => renderAgreement(request, reply));

  app.post(paths.governance.sign.pattern, { config: { access: 'agreement:sign' as const } }, async (request, reply) => {
    const { versionId } = request.params as { versionId: string };
    const parsed = parseForm(signSchema, request.body);
    if (!parsed.ok) return renderAgreement(request, reply.status(400), parsed.values, formErrors(parsed.fieldErrors, request.t, ['jobTitle', 'confirm']));
    try {
      await agreement.sign(me(request), versionId, parsed.data.jobTitle, request.actor);
    } catch (error) {
      if (error instanceof AgreementChanged) {
        // Nothing was signed; the page now shows the current version, with what was typed kept.
        const text = error.currentVersion === null ? request.t('governance.agreement.withdrawn') : request.t('governance.agreement.changed', { signed: error.signedVersion, current: error.currentVersion });
        return renderAgreement(request, reply.status(409), { jobTitle: parsed.data.jobTitle }, { list: [{ text, href: '#jobTitle' }], fields: {} });
      }
      if (!(error instanceof Conflict)) throw error;
      request.session.flash = { kind: 'important', text: request.t(error.message) };
      return reply.redirect(paths.governance.agreement());
    }
    request.session.flash = { kind: 'success', text: request.t('governance.agreement.signed', { organisation: me(request).organisationName }) };
    return reply.redirect(paths.governance.agreement());
  });

  app.get(paths.governance.versions.pattern, view, async (request, reply) =>
    reply.render('governance/views/versions.njk', { pageTitle: request.t('governance.versions.title'), versions: await agreement.versions() }),
  );

  app.get(paths.governance.version.pattern, view, async (request, reply) => {
    const { versionId } = request.params as { versionId: string };
    const version = await agreement.version(versionId);
    return reply.render('governance/views/version.njk', { pageTitle: request.t('governance.versions.versionTitle', { number: version.version.version_number }), ...version, ...helpers(request) });
  });

  // The draft -------------------------------------------------------------------------------------

  app.get(paths.governance.draft.pattern, manage, async (request, reply) => {
    const draft = await agreement.draft();
    return reply.render('governance/views/draft.njk', { pageTitle: request.t('governance.draft.title'), draft, ...helpers(request), columnWidth: 'full' });
  });

  app.post(paths.governance.startDraft.pattern, manage, async (request, reply) => {
    await agreement.startDraft(me(request), request.actor);
    return reply.redirect(paths.governance.draft());
  });

  const draftOrNotFound = async () => {
    const draft = await agreement.draft();
    if (!draft) throw new NotFound();
    return draft;
  };

  /** A draft form: shown, and re-shown with what was typed and the errors; a saved change goes back to the draft. */
  const draftForm = <T>(options: {
    template: string;
    title: string;
    fieldOrder: string[];
    initial?: (draft: Awaited<ReturnType<typeof draftOrNotFound>>, request: FastifyRequest) => FormValues;
    extra?: (request: FastifyRequest, values: FormValues) => Promise<Record<string, unknown>>;
    dateFields?: string[];
    parse: (body: unknown) => FormParse<T>;
    save: (request: FastifyRequest, data: T) => Promise<void>;
    done: string;
  }) => {
    const render = async (request: FastifyRequest, reply: FastifyReply, values?: FormValues, fieldErrors?: FieldErrors) => {
      const draft = await draftOrNotFound();
      const shown = values ?? options.initial?.(draft, request) ?? {};
      const priorityCode = (request.params as { priorityCode?: string }).priorityCode;
      const priority = priorityCode ? draft.priorities.find((candidate) => candidate.code === priorityCode) : undefined;
      if (priorityCode && !priority) throw new NotFound();
      return reply.render(`governance/views/${options.template}.njk`, {
        pageTitle: request.t(options.title),
        draft,
        priority,
        action: request.url.split('?')[0],
        values: shown,
        errors: fieldErrors ? formErrors(fieldErrors, request.t, options.fieldOrder, { dateFields: options.dateFields }) : undefined,
        ...(await options.extra?.(request, shown)),
      });
    };
    return {
      get: async (request: FastifyRequest, reply: FastifyReply) => render(request, reply),
      post: async (request: FastifyRequest, reply: FastifyReply) => {
        const parsed = options.parse(request.body);
        if (!parsed.ok) return render(request, reply.status(400), parsed.values, parsed.fieldErrors);
        try {
          await options.save(request, parsed.data);
        } catch (error) {
          if (error instanceof ValidationFailed) return render(request, reply.status(400), request.body as FormValues, error.fieldErrors);
          throw error;
        }
        request.session.flash = { kind: 'success', text: request.t(options.done) };
        return reply.redirect(paths.governance.draft());
      },
    };
  };

  const details = draftForm({
    template: 'draftDetails',
    title: 'governance.draft.detailsTitle',
    fieldOrder: ['title', 'vision', 'startsOn', 'endsOn'],
    dateFields: ['startsOn', 'endsOn'],
    initial: (draft) => ({ title: draft.version.title, vision: draft.version.vision, ...dateBoxes('startsOn', draft.version.starts_on), ...dateBoxes('endsOn', draft.version.ends_on) }),
    parse: (body) => parseForm(draftDetailsSchema, body),
    save: (request, data: { title: string; vision: string; startsOn: string; endsOn: string }) => agreement.updateDraft(data, request.actor),
    done: 'governance.draft.saved',
  });
  app.get(paths.governance.draftDetails.pattern, manage, details.get);
  app.post(paths.governance.draftDetails.pattern, manage, details.post);

  const priority = draftForm({
    template: 'priorityForm',
    title: 'governance.draft.priorityTitle',
    fieldOrder: ['title', 'description'],
    parse: (body) => parseForm(prioritySchema, body),
    save: (request, data: { title: string; description: string }) => agreement.addPriority(data, request.actor),
    done: 'governance.draft.saved',
  });
  app.get(paths.governance.newPriority.pattern, manage, priority.get);
  app.post(paths.governance.newPriority.pattern, manage, priority.post);

  const organisationItems = async (request: FastifyRequest, values: FormValues) => ({
    organisationItems: selectItems(
      (await agreement.organisations()).map((organisation) => ({ value: organisation.id, text: organisation.name })),
      values.organisationId,
      request.t('governance.fields.chooseOrganisation'),
    ),
  });
  const commitment = draftForm({
    template: 'commitmentForm',
    title: 'governance.draft.commitmentTitle',
    fieldOrder: ['organisationId', 'commitment'],
    extra: organisationItems,
    parse: (body) => parseForm(commitmentSchema, body),
    save: (request, data: { organisationId: string; commitment: string }) => agreement.addCommitment((request.params as { priorityCode: string }).priorityCode, data, request.actor),
    done: 'governance.draft.saved',
  });
  app.get(paths.governance.newCommitment.pattern, manage, commitment.get);
  app.post(paths.governance.newCommitment.pattern, manage, commitment.post);

  const measure = draftForm({
    template: 'measureForm',
    title: 'governance.draft.measureTitle',
    fieldOrder: ['title', 'source', 'unit', 'direction', 'baseline', 'target', 'dueOn'],
    dateFields: ['dueOn'],
    extra: async () => ({ sources: measureSources, units: measureUnits, directions: measureDirections }),
    parse: (body) => parseForm(measureSchema, body),
    save: (request, data) => agreement.addMeasure((request.params as { priorityCode: string }).priorityCode, data, request.actor),
    done: 'governance.draft.saved',
  });
  app.get(paths.governance.newMeasure.pattern, manage, measure.get);
  app.post(paths.governance.newMeasure.pattern, manage, measure.post);

  app.post(paths.governance.removeCommitment.pattern, manage, async (request, reply) => {
    await agreement.removeCommitment((request.params as { commitmentId: string }).commitmentId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('governance.draft.removed') };
    return reply.redirect(paths.governance.draft());
  });

  app.post(paths.governance.removeMeasure.pattern, manage, async (request, reply) => {
    await agreement.removeMeasure((request.params as { measureId: string }).measureId, request.actor);
    request.session.flash = { kind: 'success', text: request.t('governance.draft.removed') };
    return reply.redirect(paths.governance.draft());
  });

  app.post(paths.governance.publish.pattern, manage, async (request, reply) => {
    const parsed = parseForm(publishSchema, request.body);
    try {
      if (!parsed.ok) throw new Conflict('governance.errors.publish.stale');
      const published = await agreement.publish(me(request), parsed.data.draftId, request.actor);
      request.session.flash = { kind: 'success', text: request.t('governance.draft.published', { number: published.version_number }) };
      return reply.redirect(paths.governance.agreement());
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      request.session.flash = { kind: 'important', text: request.t(error.message) };
      return reply.redirect(paths.governance.draft());
    }
  });
}

export function dateBoxes(field: string, isoDate: string | null | undefined): FormValues {
  if (!isoDate) return {};
  const [year, month, day] = isoDate.split('-');
  return { [`${field}-day`]: String(Number(day)), [`${field}-month`]: String(Number(month)), [`${field}-year`]: year };
}
