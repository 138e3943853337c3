import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.ts';
import { accessReviewRoutes } from './accessReviewRoutes.ts';
import { personFlagsRoutes } from './personFlagsRoutes.ts';
import { subjectAccessRoutes } from './subjectAccessRoutes.ts';

/** The data-protection officer's pages: subject access requests, person flags, access review, anomalies. */
export async function dataProtectionRoutes(app: FastifyInstance, options: { services: Services }) {
  await subjectAccessRoutes(app, options);
  await personFlagsRoutes(app, options);
  await accessReviewRoutes(app, options);
}
