import type { ExpressionBuilder } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { CaseViewer } from '../cases/caseAccess.ts';

export const noteSensitivities = ['standard', 'sensitive', 'health_restricted'] as const;
export type NoteSensitivity = (typeof noteSensitivities)[number];

/** A viewer of a case's notes, with the sensitivities the partnership has cleared their role for. */
export interface NoteReader extends CaseViewer {
  clearances: ReadonlySet<string>;
}

/**
 * Which notes of a case the reader may see (seeing the case itself is checked first, by
 * `withCase`): standard notes; sensitive notes if their role is cleared or they wrote it;
 * health-restricted notes if their organisation wrote it or their role is cleared. Anything
 * else, including a sensitivity this code does not know, is invisible.
 */
export function noteVisibleTo(reader: NoteReader) {
  return (eb: ExpressionBuilder<Database, 'case_notes'>) => {
    const sensitivity = (value: NoteSensitivity) => eb('case_notes.sensitivity', '=', value);
    return eb.or([
      sensitivity('standard'),
      reader.clearances.has('sensitive')
        ? sensitivity('sensitive')
        : eb.and([sensitivity('sensitive'), eb('case_notes.author_id', '=', reader.userId)]),
      reader.clearances.has('health_restricted')
        ? sensitivity('health_restricted')
        : eb.and([sensitivity('health_restricted'), eb('case_notes.author_organisation_id', '=', reader.organisationId)]),
    ]);
  };
}
