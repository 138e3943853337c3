import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { agreementRoutes } from './agreementRoutes.ts';
import { eventsRoutes } from './eventsRoutes.ts';
import { measuresRoutes } from './measuresRoutes.ts';
import { transparencyRoutes } from './transparencyRoutes.ts';

/** Partnership governance: the agreement, the priorities dashboard, events, and the public transparency page. */
export async function governanceRoutes(app: FastifyInstance, options: { services: Services }) {
  await agreementRoutes(app, options);
  await measuresRoutes(app, options);
  await eventsRoutes(app, options);
  await transparencyRoutes(app, options);
}
