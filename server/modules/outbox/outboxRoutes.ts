import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { OUTBOX_LIST_LIMIT } from './outboxService.ts';

export async function outboxRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const access = { config: { access: 'outbox:view' as const } };
  const signedIn = (request: { user: CurrentUser | null }) => request.user as CurrentUser;

  app.get(paths.admin.outbox.index.pattern, access, async (request, reply) => {
    const messages = await services.outbox.list(signedIn(request));
    return reply.render('outbox/views/index.njk', {
      pageTitle: request.t('outbox.index.title'),
      messages,
      sendsEmail: services.outbox.sendsEmail,
      limited: messages.length >= OUTBOX_LIST_LIMIT,
      limit: OUTBOX_LIST_LIMIT,
    });
  });

  app.get(paths.admin.outbox.show.pattern, access, async (request, reply) => {
    const { messageId } = request.params as { messageId: string };
    const { message, body } = await services.outbox.view(signedIn(request), messageId, request.actor);
    return reply.render('outbox/views/show.njk', { pageTitle: message.subject, message, body });
  });
}
