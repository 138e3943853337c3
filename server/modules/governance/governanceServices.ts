import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import type { CaseReviewService } from '../caseReviews/caseReviewService.ts';
import { AgreementService } from './agreementService.ts';
import { EventsService } from './eventsService.ts';
import { MeasuresService } from './measuresService.ts';
import { TransparencyService } from './transparencyService.ts';

/** The governance module's services, wired once (services.ts calls this). `now` lets tests fix the clock. */
export function createGovernanceServices(db: Kysely<Database>, audit: AuditTrail, caseReviews: CaseReviewService, options: { baseUrl: string; now?: () => Date }) {
  const agreement = new AgreementService(db, audit, { baseUrl: options.baseUrl });
  const measures = new MeasuresService(db, audit, agreement, { now: options.now });
  const events = new EventsService(db, audit, { now: options.now });
  const transparency = new TransparencyService(db, { measures, caseReviews, events }, { now: options.now });
  return { agreement, measures, events, transparency };
}

export type GovernanceServices = ReturnType<typeof createGovernanceServices>;
