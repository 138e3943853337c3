import { type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { organisationsSharingWith } from '../sharingAgreements/sharingAgreementsService.ts';

/**
 * Who is looking at alerts: need-to-know is decided by their organisation and by the
 * organisations that share hidden-harm signals with it under an agreement in force today.
 */
export interface AlertViewer {
  userId: string;
  organisationId: string;
  /** Organisations whose incidents the viewer's organisation may see in full (never its own). */
  sharingOrganisationIds: readonly string[];
}

/** The purpose under which one organisation's incidents reach another's alert queue. */
export const ALERT_SHARING_PURPOSE = 'hidden_harm_signals' as const;

/**
 * The viewer for a user, with the organisations sharing with theirs for hidden-harm signals,
 * decided by the information-sharing module (agreements active, signed by both, in date, for the
 * purpose and its data; withdrawn or expired agreements share nothing).
 */
export async function alertViewerFor(executor: Kysely<Database> | Transaction<Database>, user: { id: string; organisationId: string }): Promise<AlertViewer> {
  const sharing = await organisationsSharingWith(executor, user.organisationId, ALERT_SHARING_PURPOSE);
  return { userId: user.id, organisationId: user.organisationId, sharingOrganisationIds: [...sharing].filter((id) => id !== user.organisationId) };
}

/**
 * The need-to-know rule for alerts, as SQL: an alert is visible to users of an organisation that
 * supplied at least one of its evidence incidents, or with which such an organisation shares
 * hidden-harm signals under a live agreement. An alert about a person known to health only is
 * therefore seen by health only until health and another organisation sign an agreement for it.
 * Every list, count and page filters with this one function.
 */
export function alertVisibleTo(viewer: AlertViewer) {
  const organisations = [viewer.organisationId, ...viewer.sharingOrganisationIds];
  return (eb: ExpressionBuilder<Database, 'alerts'>) =>
    eb.exists(
      eb
        .selectFrom('alert_evidence')
        .select(sql`1`.as('one'))
        .whereRef('alert_evidence.alert_id', '=', 'alerts.id')
        .where('alert_evidence.organisation_id', 'in', organisations),
    );
}

/**
 * Whether the viewer may see an evidence incident in full (summary, address, the people the
 * source named) rather than only its category, date and agency: their own organisation's
 * incidents, and those of organisations sharing hidden-harm signals with theirs.
 */
export function incidentDetailVisibleTo(viewer: AlertViewer, sourceOrganisationId: string): boolean {
  return sourceOrganisationId === viewer.organisationId || viewer.sharingOrganisationIds.includes(sourceOrganisationId);
}
