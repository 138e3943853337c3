import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { AccessReviewService } from './accessReviewService.ts';
import { PersonFlagsService } from './personFlagsService.ts';
import { SubjectAccessService } from './subjectAccessService.ts';

/** The module's services, wired once for `services.ts`. */
export function dataProtectionServices(db: Kysely<Database>, audit: AuditTrail) {
  return {
    subjectAccess: new SubjectAccessService(db, audit),
    personFlags: new PersonFlagsService(db, audit),
    accessReview: new AccessReviewService(db, audit),
  };
}

export type DataProtectionServices = ReturnType<typeof dataProtectionServices>;
