import type { FastifyInstance } from 'fastify';
import { paths } from '../../shared/paths.ts';

/** Pages anyone may read: accessibility statement and privacy notice. */
export async function pagesRoutes(app: FastifyInstance) {
  const publicRoute = { config: { access: 'public' as const } };
  app.get(paths.accessibility.pattern, publicRoute, async (request, reply) =>
    reply.render('pages/views/accessibility.njk', { pageTitle: request.t('pages.accessibility.title') }),
  );
  app.get(paths.privacy.pattern, publicRoute, async (request, reply) =>
    reply.render('pages/views/privacy.njk', { pageTitle: request.t('pages.privacy.title') }),
  );
}
