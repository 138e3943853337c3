import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { formErrors, parseForm } from '../../shared/forms.ts';
import { paths } from '../../shared/paths.ts';
import { partnershipSchema } from './partnershipSchemas.ts';

export async function partnershipRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'partnership:manage' as const } };

  app.get(paths.admin.partnership.pattern, access, async (request, reply) => {
    const details = await services.partnership.details();
    return reply.render('partnership/views/edit.njk', { pageTitle: request.t('partnership.title'), values: details ?? {} });
  });

  app.post(paths.admin.partnership.pattern, access, async (request, reply) => {
    const form = parseForm(partnershipSchema, request.body);
    if (!form.ok) {
      return reply.status(400).render('partnership/views/edit.njk', {
        pageTitle: request.t('partnership.title'),
        values: form.values,
        errors: formErrors(form.fieldErrors, request.t, ['name', 'area', 'logoText']),
      });
    }
    await services.partnership.update(form.data, request.actor);
    request.session.flash = { kind: 'success', text: request.t('partnership.saved') };
    return reply.redirect(paths.admin.partnership());
  });
}
