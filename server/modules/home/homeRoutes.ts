import type { FastifyInstance } from 'fastify';
import { paths } from '../../shared/paths.ts';

export async function homeRoutes(app: FastifyInstance) {
  app.get(paths.home.pattern, { config: { access: 'signed-in' } }, async (request, reply) =>
    reply.render('home/views/home.njk', { pageTitle: request.t('home.title') }),
  );
}
