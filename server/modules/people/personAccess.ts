import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { type CaseViewer, visibleTo } from '../cases/caseAccess.ts';

/**
 * The need-to-know rule for people, as SQL: a person is known to a viewer whose organisation
 * recorded them, or through a case the viewer can see. Lookups and searches filter with this,
 * so anyone outside it does not exist for the viewer. Someone reached only through a break-glass
 * grant can be read, not changed (`throughBreakGlass: false` for changes).
 */
export function personVisibleTo(viewer: CaseViewer, options: { throughBreakGlass?: boolean } = {}) {
  return (eb: ExpressionBuilder<Database, 'people'>) =>
    eb.or([
      eb('people.created_by_organisation_id', '=', viewer.organisationId),
      eb.exists(
        eb
          .selectFrom('case_people')
          .innerJoin('cases', 'cases.id', 'case_people.case_id')
          .select(sql`1`.as('one'))
          .whereRef('case_people.person_id', '=', 'people.id')
          .where(visibleTo(viewer, options)),
      ),
    ]);
}
