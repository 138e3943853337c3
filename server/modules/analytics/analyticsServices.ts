import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { AuditTrail } from '../audit/auditTrail.ts';
import { AnalyticsService } from './analyticsService.ts';
import { HotspotService } from './hotspotService.ts';
import { NearRepeatRuns } from './nearRepeatRuns.ts';
import { SavedAnalysesService } from './savedAnalysesService.ts';

/**
 * The analytics module's services, wired once (services.ts holds them as `analytics`). Figures
 * are read from `readDb` (a read replica when one is configured); saved analyses and their runs
 * are written to `db`.
 */
export function createAnalyticsServices(db: Kysely<Database>, readDb: Kysely<Database>, audit: AuditTrail) {
  const figures = new AnalyticsService(readDb, audit);
  const hotspots = new HotspotService(figures.repository);
  const saved = new SavedAnalysesService(db, audit);
  const nearRepeat = new NearRepeatRuns(figures.repository, saved.repository);
  return {
    figures,
    hotspots,
    saved,
    nearRepeat,
    /** Forgets cached figures, e.g. after an import. */
    forget() {
      figures.forget();
      hotspots.clear();
    },
  };
}

export type AnalyticsServices = ReturnType<typeof createAnalyticsServices>;
