import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { paths } from '../../shared/paths.ts';
import type { CurrentUser } from '../../types.ts';
import { notificationItems } from './notificationViews.ts';
import { NOTIFICATIONS_PAGE_SIZE } from './notificationsService.ts';

const listQuerySchema = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });

/** The signed-in person's notifications. */
export async function notificationsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { notifications } = services;
  const signedIn = { config: { access: 'signed-in' as const } };
  const me = (request: FastifyRequest) => request.user as CurrentUser;

  app.get(paths.notifications.index.pattern, signedIn, async (request, reply) => {
    const { page } = listQuerySchema.parse(request.query ?? {});
    const { notifications: rows, total } = await notifications.list(me(request), page);
    return reply.render('notifications/views/index.njk', {
      pageTitle: request.t('notifications.title'),
      items: notificationItems(rows, request.t),
      page,
      pages: Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE)),
    });
  });

  app.post(paths.notifications.read.pattern, signedIn, async (request, reply) => {
    const { notificationId } = request.params as { notificationId: string };
    await notifications.markRead(me(request), notificationId);
    return reply.redirect(paths.notifications.index());
  });
}
