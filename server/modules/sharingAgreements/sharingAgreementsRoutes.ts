import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { Conflict, type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { asArray, echoValues, formErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { hasPermission } from '../../shared/permissions.ts';
import type { CurrentUser } from '../../types.ts';
import { AGREEMENT_FIELDS, agreementSchema, DATE_FIELDS, settingsSchema, signSchema, withdrawSchema } from './sharingAgreementsSchemas.ts';
import { dataCategories, lawfulBases, sharingPurposes } from './sharingPurposes.ts';

/**
 * The register of information-sharing agreements (`governance:view`: no personal data), the
 * form for a new one and withdrawal (`sharing_agreement:manage`), signing for an organisation
 * (`sharing_agreement:sign`) and the partnership's enforcement setting.
 */
export async function sharingAgreementsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { sharingAgreements } = services;
  const view = { config: { access: 'governance:view' as const } };
  const manage = { config: { access: 'sharing_agreement:manage' as const } };
  const sign = { config: { access: 'sharing_agreement:sign' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;
  const agreementIdOf = (request: FastifyRequest) => (request.params as { agreementId: string }).agreementId;

  app.get(paths.sharingAgreements.index.pattern, view, async (request, reply) =>
    reply.render('sharingAgreements/views/index.njk', {
      pageTitle: request.t('sharingAgreements.index.title'),
      agreements: await sharingAgreements.list(),
      settings: await sharingAgreements.settings(),
      canManage: hasPermission(me(request).role, 'sharing_agreement:manage'),
    }),
  );

  const renderNew = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) => {
    const organisations = await sharingAgreements.organisations();
    const checked = (field: string) => asArray(values[field]);
    const items = (list: readonly string[], field: string, prefix: string) =>
      list.map((value) => ({ value, text: request.t(`sharingAgreements.${prefix}.${value}`), checked: checked(field).includes(value) }));
    return reply.render('sharingAgreements/views/new.njk', {
      pageTitle: request.t('sharingAgreements.new.title'),
      values,
      partyItems: organisations.map((organisation) => ({ value: organisation.id, text: organisation.name, checked: checked('parties').includes(organisation.id) })),
      purposeItems: items(sharingPurposes, 'purposes', 'purposes'),
      categoryItems: items(dataCategories, 'dataCategories', 'dataCategories'),
      basisItems: items(lawfulBases, 'lawfulBases', 'lawfulBases'),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, AGREEMENT_FIELDS, { dateFields: DATE_FIELDS }) : undefined,
    });
  };

  app.get(paths.sharingAgreements.new.pattern, manage, async (request, reply) => renderNew(request, reply, {}));

  app.post(paths.sharingAgreements.new.pattern, manage, async (request, reply) => {
    const form = parseForm(agreementSchema, request.body);
    if (!form.ok) return renderNew(request, reply.status(400), form.values, form.fieldErrors);
    try {
      const created = await sharingAgreements.create(me(request), form.data, request.actor);
      request.session.flash = { kind: 'success', text: request.t('sharingAgreements.new.done', { reference: created.reference }) };
      return reply.redirect(paths.sharingAgreements.show({ agreementId: created.id }));
    } catch (error) {
      if (error instanceof ValidationFailed) return renderNew(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
  });

  const renderSettings = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, fieldErrors?: FieldErrors) =>
    reply.render('sharingAgreements/views/settings.njk', {
      pageTitle: request.t('sharingAgreements.settings.title'),
      values,
      enforcementItems: ['yes', 'no'].map((value) => ({ value, text: request.t(`sharingAgreements.settings.enforcement.${value}`), hint: { text: request.t(`sharingAgreements.settings.enforcementHint.${value}`) }, checked: values.enforcementEnabled === value })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['enforcementEnabled', 'reviewReminderDays']) : undefined,
    });

  app.get(paths.sharingAgreements.settings.pattern, manage, async (request, reply) => {
    const settings = await sharingAgreements.settings();
    return renderSettings(request, reply, { enforcementEnabled: settings.enforcement_enabled ? 'yes' : 'no', reviewReminderDays: String(settings.review_reminder_days) });
  });

  app.post(paths.sharingAgreements.settings.pattern, manage, async (request, reply) => {
    const form = parseForm(settingsSchema, request.body);
    if (!form.ok) return renderSettings(request, reply.status(400), form.values, form.fieldErrors);
    await sharingAgreements.updateSettings(me(request), form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('sharingAgreements.settings.done') };
    return reply.redirect(paths.sharingAgreements.index());
  });

  const renderShow = async (request: FastifyRequest, reply: FastifyReply, fieldErrors?: FieldErrors, values: FormValues = {}) => {
    const agreement = await sharingAgreements.show(agreementIdOf(request));
    const user = me(request);
    const mayRecordForOthers = hasPermission(user.role, 'sharing_agreement:manage');
    const signable = agreement.parties.filter((party) => !party.signed_at && (party.organisation_id === user.organisationId || mayRecordForOthers));
    const open = agreement.status === 'draft' || agreement.status === 'active';
    return reply.render('sharingAgreements/views/show.njk', {
      pageTitle: agreement.reference,
      agreement,
      values,
      canSign: open && hasPermission(user.role, 'sharing_agreement:sign') && signable.length > 0,
      signItems: signable.map((party) => ({ value: party.organisation_id, text: party.name, checked: values.organisationId === party.organisation_id || (signable.length === 1) })),
      canWithdraw: agreement.status !== 'withdrawn' && mayRecordForOthers,
      errors: fieldErrors ? formErrors(fieldErrors, request.t, ['organisationId', 'confirm', 'reason']) : undefined,
    });
  };

  app.get(paths.sharingAgreements.show.pattern, view, async (request, reply) => renderShow(request, reply));

  app.post(paths.sharingAgreements.sign.pattern, sign, async (request, reply) => {
    const form = parseForm(signSchema, request.body);
    if (!form.ok) return renderShow(request, reply.status(400), form.fieldErrors, form.values);
    try {
      const { activated } = await sharingAgreements.sign(me(request), agreementIdOf(request), form.data.organisationId, request.actor);
      request.session.flash = { kind: 'success', text: request.t(activated ? 'sharingAgreements.sign.activated' : 'sharingAgreements.sign.done') };
    } catch (error) {
      if (error instanceof ValidationFailed || error instanceof Conflict) return renderShow(request, reply.status(error.status), error.fieldErrors, echoValues(request.body));
      throw error;
    }
    return reply.redirect(paths.sharingAgreements.show({ agreementId: agreementIdOf(request) }));
  });

  app.post(paths.sharingAgreements.withdraw.pattern, manage, async (request, reply) => {
    const form = parseForm(withdrawSchema, request.body);
    if (!form.ok) return renderShow(request, reply.status(400), form.fieldErrors, form.values);
    try {
      await sharingAgreements.withdraw(agreementIdOf(request), form.data.reason, request.actor);
    } catch (error) {
      if (error instanceof Conflict) return renderShow(request, reply.status(409), error.fieldErrors, echoValues(request.body));
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('sharingAgreements.withdraw.done') };
    return reply.redirect(paths.sharingAgreements.show({ agreementId: agreementIdOf(request) }));
  });
}
