import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Role } from '../../shared/permissions.ts';

/** Who is looking at cases: need-to-know is decided by their organisation and their own grants. */
export interface CaseViewer {
  userId: string;
  organisationId: string;
  role: Role;
}

export type CaseRelationship = 'lead' | 'participant' | 'break-glass';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * The need-to-know rule, as SQL: a case is visible to a viewer whose organisation leads it or
 * takes part in it, or who holds an unexpired break-glass grant for it. Every query that reads
 * cases (pages, search, counts, exports) filters with this, so a case outside it does not exist.
 * Break-glass is for reading: changes to what a case reaches (its people) leave it out.
 */
export function visibleTo(viewer: CaseViewer, { throughBreakGlass = true }: { throughBreakGlass?: boolean } = {}) {
  return (eb: ExpressionBuilder<Database, 'cases'>) =>
    eb.or([
      eb('cases.lead_organisation_id', '=', viewer.organisationId),
      eb.exists(
        eb
          .selectFrom('case_participants')
          .select(sql`1`.as('one'))
          .whereRef('case_participants.case_id', '=', 'cases.id')
          .where('case_participants.organisation_id', '=', viewer.organisationId),
      ),
      ...(throughBreakGlass ? [breakGlassGrantOf(viewer, eb)] : []),
    ]);
}

function breakGlassGrantOf(viewer: CaseViewer, eb: ExpressionBuilder<Database, 'cases'>) {
  return eb.exists(
        eb
          .selectFrom('break_glass_grants')
          .select(sql`1`.as('one'))
          .whereRef('break_glass_grants.case_id', '=', 'cases.id')
          .where('break_glass_grants.user_id', '=', viewer.userId)
          .where('break_glass_grants.expires_at', '>', sql<Date>`now()`),
  );
}

/** How the viewer is connected to one case, or undefined when they may not know it exists. */
export async function relationshipTo(executor: Executor, caseId: string, viewer: CaseViewer): Promise<CaseRelationship | undefined> {
  const row = await executor
    .selectFrom('cases')
    .select((eb) => [
      eb('cases.lead_organisation_id', '=', viewer.organisationId).as('is_lead'),
      eb
        .exists(
          eb
            .selectFrom('case_participants')
            .select(sql`1`.as('one'))
            .whereRef('case_participants.case_id', '=', 'cases.id')
            .where('case_participants.organisation_id', '=', viewer.organisationId),
        )
        .as('is_participant'),
      eb
        .exists(
          eb
            .selectFrom('break_glass_grants')
            .select(sql`1`.as('one'))
            .whereRef('break_glass_grants.case_id', '=', 'cases.id')
            .where('break_glass_grants.user_id', '=', viewer.userId)
            .where('break_glass_grants.expires_at', '>', sql<Date>`now()`),
        )
        .as('has_grant'),
    ])
    .where('cases.id', '=', caseId)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.is_lead) return 'lead';
  if (row.is_participant) return 'participant';
  if (row.has_grant) return 'break-glass';
  return undefined;
}
