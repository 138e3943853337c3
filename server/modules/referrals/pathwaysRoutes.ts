import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { type FieldErrors, ValidationFailed } from '../../shared/errors.ts';
import { echoValues, formErrors, type FormValues, parseForm, selectItems } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { pathwayUpdateSchema, referralUrgencies } from './referralsSchemas.ts';

const PATHWAY_FIELDS = ['active', 'toOrganisationId', 'defaultUrgency', 'handoverTargetMinutes'];

/** Partnership administrators choose where each referral pathway goes and whether it is offered. */
export async function pathwaysRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { referrals } = services;
  const manage = { config: { access: 'pathway:manage' as const } };
  const pathwayIdOf = (request: FastifyRequest) => (request.params as { pathwayId: string }).pathwayId;

  app.get(paths.referrals.pathways.pattern, manage, async (request, reply) =>
    reply.render('referrals/views/pathways.njk', { pageTitle: request.t('referrals.pathways.title'), pathways: await referrals.allPathways() }),
  );

  const renderEdit = async (request: FastifyRequest, reply: FastifyReply, typed?: FormValues, fieldErrors?: FieldErrors) => {
    const { pathway, organisations } = await referrals.pathwayForEdit(pathwayIdOf(request));
    const values = typed ?? {
      active: pathway.active ? 'yes' : 'no',
      toOrganisationId: pathway.to_organisation_id ?? '',
      defaultUrgency: pathway.default_urgency,
      handoverTargetMinutes: pathway.handover_target_minutes ?? '',
    };
    return reply.render('referrals/views/editPathway.njk', {
      pageTitle: request.t('referrals.pathways.editTitle', { name: pathway.name }),
      pathway,
      values,
      organisationItems: selectItems(
        organisations.map((organisation) => ({ value: organisation.id, text: organisation.name })),
        values.toOrganisationId,
        pathway.to_organisation_type ? request.t('referrals.pathways.anyOfType', { type: request.t(`organisations.types.${pathway.to_organisation_type}`, { defaultValue: pathway.to_organisation_type }) }) : undefined,
      ),
      urgencyItems: referralUrgencies.map((value) => ({ value, text: request.t(`referrals.urgency.${value}`), checked: values.defaultUrgency === value })),
      activeItems: ['yes', 'no'].map((value) => ({ value, text: request.t(`referrals.pathways.active.${value}`), checked: values.active === value })),
      errors: fieldErrors ? formErrors(fieldErrors, request.t, PATHWAY_FIELDS) : undefined,
    });
  };

  app.get(paths.referrals.editPathway.pattern, manage, async (request, reply) => renderEdit(request, reply));

  app.post(paths.referrals.editPathway.pattern, manage, async (request, reply) => {
    const form = parseForm(pathwayUpdateSchema, request.body);
    if (!form.ok) return renderEdit(request, reply.status(400), form.values, form.fieldErrors);
    try {
      await referrals.updatePathway(pathwayIdOf(request), form.data, request.actor);
    } catch (error) {
      if (error instanceof ValidationFailed) return renderEdit(request, reply.status(400), echoValues(request.body), error.fieldErrors);
      throw error;
    }
    request.session.flash = { kind: 'success', text: request.t('referrals.pathways.saved') };
    return reply.redirect(paths.referrals.pathways());
  });
}
