import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.ts';
import { formErrors, type FormErrors, type FormValues, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { flagsSchema } from './dataProtectionSchemas.ts';

/** The DPO's rectification and restriction flags on a person. */
export async function personFlagsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { personFlags } = services.dataProtection;
  const access = { config: { access: 'subject_access:manage' as const } };
  const personIdOf = (request: FastifyRequest) => (request.params as { personId: string }).personId;

  const render = async (request: FastifyRequest, reply: FastifyReply, values?: FormValues, errors?: FormErrors) => {
    const { person, flags } = await personFlags.forForm(personIdOf(request), request.actor);
    const shown = values ?? {
      rectificationRequested: flags?.rectification_requested ?? '',
      restricted: flags?.restricted_at ? 'yes' : 'no',
      restrictionReason: flags?.restriction_reason ?? '',
    };
    return reply.render('dataProtection/views/flags.njk', { pageTitle: request.t('dataProtection.flags.title'), person, flags, values: shown, errors });
  };

  app.get(paths.dataProtection.personFlags.pattern, access, async (request, reply) => render(request, reply));

  app.post(paths.dataProtection.personFlags.pattern, access, async (request, reply) => {
    const form = parseForm(flagsSchema, request.body);
    if (!form.ok) return render(request, reply.status(400), form.values, formErrors(form.fieldErrors, request.t, ['rectificationRequested', 'restricted', 'restrictionReason']));
    await personFlags.save(request.user as CurrentUser, personIdOf(request), form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('dataProtection.flags.saved') };
    return reply.redirect(paths.dataProtection.personFlags({ personId: personIdOf(request) }));
  });
}
