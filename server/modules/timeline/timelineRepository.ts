import { type ExpressionBuilder, type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import type { Role } from '../../shared/permissions.ts';
import { type NoteReader, noteVisibleTo } from './noteAccess.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface TimelineEntry {
  id: string;
  occurred_at: Date;
  kind: string;
  details: Record<string, unknown>;
  note_id: string | null;
  note_body: string | null;
  note_sensitivity: string | null;
  actor_name: string | null;
  actor_organisation_name: string | null;
}

export interface NewNote {
  caseId: string;
  body: string;
  sensitivity: string;
  authorId: string;
  authorOrganisationId: string;
}

export interface NewAttachment {
  caseId: string;
  noteId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  uploadedBy: string;
}

/** Events of a case the reader may see: all but those about a note they may not read. */
function eventVisibleTo(reader: NoteReader) {
  return (eb: ExpressionBuilder<Database, 'case_events'>) =>
    eb.or([
      eb('case_events.note_id', 'is', null),
      eb.exists(
        eb
          .selectFrom('case_notes')
          .select(sql`1`.as('one'))
          .whereRef('case_notes.id', '=', 'case_events.note_id')
          .where(noteVisibleTo(reader)),
      ),
    ]);
}

export class TimelineRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async clearancesFor(role: Role, executor: Executor = this.#db): Promise<Set<string>> {
    const rows = await executor.selectFrom('sensitivity_clearances').select('sensitivity').where('role', '=', role).execute();
    return new Set(rows.map((row) => row.sensitivity));
  }

  /** One page of the case's timeline, newest first. */
  async entries(executor: Executor, caseId: string, reader: NoteReader, page: { limit: number; offset: number }): Promise<TimelineEntry[]> {
    return executor
      .selectFrom('case_events')
      .leftJoin('case_notes', 'case_notes.id', 'case_events.note_id')
      .leftJoin('users as actor', 'actor.id', 'case_events.actor_user_id')
      .leftJoin('organisations as actor_organisation', 'actor_organisation.id', 'case_events.actor_organisation_id')
      .select([
        'case_events.id',
        'case_events.occurred_at',
        'case_events.kind',
        'case_events.details',
        'case_events.note_id',
        'case_notes.body as note_body',
        'case_notes.sensitivity as note_sensitivity',
        'actor.name as actor_name',
        'actor_organisation.name as actor_organisation_name',
      ])
      .where('case_events.case_id', '=', caseId)
      .where(eventVisibleTo(reader))
      .orderBy('case_events.occurred_at', 'desc')
      .orderBy('case_events.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
  }

  async countEntries(executor: Executor, caseId: string, reader: NoteReader): Promise<number> {
    const row = await executor
      .selectFrom('case_events')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('case_events.case_id', '=', caseId)
      .where(eventVisibleTo(reader))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async attachmentsOf(executor: Executor, noteIds: string[]) {
    if (noteIds.length === 0) return [];
    return executor
      .selectFrom('case_attachments')
      .select(['id', 'note_id', 'file_name', 'content_type', 'size_bytes'])
      .where('note_id', 'in', noteIds)
      .orderBy('created_at')
      .execute();
  }

  async insertNote(trx: Transaction<Database>, note: NewNote): Promise<string> {
    const row = await trx
      .insertInto('case_notes')
      .values({
        case_id: note.caseId,
        body: note.body,
        sensitivity: note.sensitivity,
        author_id: note.authorId,
        author_organisation_id: note.authorOrganisationId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async insertAttachment(trx: Transaction<Database>, attachment: NewAttachment): Promise<string> {
    const row = await trx
      .insertInto('case_attachments')
      .values({
        case_id: attachment.caseId,
        note_id: attachment.noteId,
        file_name: attachment.fileName,
        content_type: attachment.contentType,
        size_bytes: attachment.sizeBytes,
        sha256: attachment.sha256,
        storage_key: attachment.storageKey,
        uploaded_by: attachment.uploadedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** An attachment of the case whose note the reader may read; otherwise undefined. */
  async findReadableAttachment(executor: Executor, caseId: string, attachmentId: string, reader: NoteReader) {
    if (!isUuid(attachmentId)) return undefined;
    return executor
      .selectFrom('case_attachments')
      .select(['id', 'note_id', 'file_name', 'content_type', 'size_bytes', 'sha256', 'storage_key'])
      .where('case_attachments.id', '=', attachmentId)
      .where('case_attachments.case_id', '=', caseId)
      .where((eb) =>
        eb.or([
          eb('case_attachments.note_id', 'is', null),
          eb.exists(
            eb
              .selectFrom('case_notes')
              .select(sql`1`.as('one'))
              .whereRef('case_notes.id', '=', 'case_attachments.note_id')
              .where(noteVisibleTo(reader)),
          ),
        ]),
      )
      .executeTakeFirst();
  }
}
