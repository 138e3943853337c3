import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** Who is looking at alerts: need-to-know is decided by their organisation. */
export interface AlertViewer {
  userId: string;
  organisationId: string;
}

/**
 * The need-to-know rule for alerts, as SQL: an alert is visible to users of an organisation that
 * supplied at least one of its evidence incidents. An alert about a person known to health only
 * is therefore seen by health only. The information-sharing-agreement module widens this (an
 * organisation whose data is shared with the viewer's under an agreement) by adding a branch
 * here; every list, count and page filters with this one function.
 */
export function alertVisibleTo(viewer: AlertViewer) {
  return (eb: ExpressionBuilder<Database, 'alerts'>) =>
    eb.exists(
      eb
        .selectFrom('alert_evidence')
        .select(sql`1`.as('one'))
        .whereRef('alert_evidence.alert_id', '=', 'alerts.id')
        .where('alert_evidence.organisation_id', '=', viewer.organisationId),
    );
}

/**
 * Whether the viewer may see an evidence incident in full (summary, address, the people the
 * source named) rather than only its category, date and agency. For now: their own
 * organisation's incidents. Information-sharing agreements will widen this.
 */
export function incidentDetailVisibleTo(viewer: AlertViewer, sourceOrganisationId: string): boolean {
  return sourceOrganisationId === viewer.organisationId;
}
