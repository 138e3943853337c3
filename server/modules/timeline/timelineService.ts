import type { Readable } from 'node:stream';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Actor } from '../../shared/actor.ts';
import { NotFound, ValidationFailed } from '../../shared/errors.ts';
import type { CurrentUser } from '../../types.ts';
import { type CasesService, type OpenedCase, viewerOf } from '../cases/casesService.ts';
import type { AttachmentStore, StoredFile } from './attachmentStore.ts';
import { judgeUpload } from './attachmentTypes.ts';
import type { NoteReader } from './noteAccess.ts';
import { type TimelineEntry, TimelineRepository } from './timelineRepository.ts';
import type { NoteInput } from './timelineSchemas.ts';

export const TIMELINE_PAGE_SIZE = 100;

/** A file received with a note, on disk but not yet accepted. */
export interface UploadedFile extends StoredFile {
  fileName: string;
  claimedType: string;
}

export interface TimelineAttachment {
  id: string;
  note_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: string;
}

export interface TimelinePage {
  opened: OpenedCase;
  entries: (TimelineEntry & { attachments: TimelineAttachment[] })[];
  total: number;
  notesShown: number;
}

const UPLOAD_PROBLEMS = {
  typeNotAllowed: 'timeline.errors.attachmentType',
  mislabelled: 'timeline.errors.attachmentMislabelled',
} as const;

/**
 * A case's timeline (every event, newest first) and its notes with their attachments. Notes are
 * filtered by sensitivity in the query, so a note the reader may not see never leaves the
 * database for them, nor does the event that records it, nor its attachments.
 */
export class TimelineService {
  readonly #repository: TimelineRepository;
  readonly #cases: CasesService;
  readonly #store: AttachmentStore;

  constructor(db: Kysely<Database>, cases: CasesService, store: AttachmentStore) {
    this.#repository = new TimelineRepository(db);
    this.#cases = cases;
    this.#store = store;
  }

  async view(user: CurrentUser, caseId: string, actor: Actor, page: number): Promise<TimelinePage> {
    return this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit }) => {
      const reader = await this.#readerFor(user, trx);
      const entries = await this.#repository.entries(trx, caseId, reader, { limit: TIMELINE_PAGE_SIZE, offset: (page - 1) * TIMELINE_PAGE_SIZE });
      const total = await this.#repository.countEntries(trx, caseId, reader);
      const noteIds = entries.flatMap((entry) => (entry.note_id && entry.note_body !== null ? [entry.note_id] : []));
      const attachments = await this.#repository.attachmentsOf(trx, noteIds);
      audit({ action: 'TIMELINE_VIEWED', recordType: 'case', recordId: caseId, details: { page, notes: noteIds.length } });
      return {
        opened,
        total,
        notesShown: noteIds.length,
        entries: entries.map((entry) => ({ ...entry, attachments: attachments.filter((attachment) => attachment.note_id === entry.note_id) })),
      };
    });
  }

  /** Refuses before any upload is read, so that nobody can put files on disk for a case they may not edit. */
  async checkCanAddNote(user: CurrentUser, caseId: string, actor: Actor): Promise<void> {
    await this.#cases.withCase(user, caseId, actor, async ({ opened }) => {
      if (!opened.policy.canEdit) throw new NotFound();
    });
  }

  /** Receives an upload onto disk; the caller passes it to `addNote` or `discard`. */
  async receive(source: Readable): Promise<StoredFile> {
    return this.#store.receive(source);
  }

  async discard(upload: StoredFile | undefined): Promise<void> {
    if (upload) await this.#store.remove(upload.storageKey);
  }

  /** Adds a note (and its file) in one transaction; on any failure the file is removed too. */
  async addNote(user: CurrentUser, caseId: string, input: NoteInput, upload: UploadedFile | undefined, actor: Actor): Promise<string> {
    try {
      const contentType = upload ? await this.#acceptedTypeOf(upload) : undefined;
      return await this.#cases.withCase(user, caseId, actor, async ({ opened, trx, audit, event }) => {
        if (!opened.policy.canEdit) throw new NotFound();
        const noteId = await this.#repository.insertNote(trx, {
          caseId,
          body: input.body,
          sensitivity: input.sensitivity,
          authorId: user.id,
          authorOrganisationId: user.organisationId,
        });
        if (upload && contentType) {
          const attachmentId = await this.#repository.insertAttachment(trx, {
            caseId,
            noteId,
            fileName: upload.fileName,
            contentType,
            sizeBytes: upload.sizeBytes,
            sha256: upload.sha256,
            storageKey: upload.storageKey,
            uploadedBy: user.id,
          });
          audit({ action: 'ATTACHMENT_UPLOADED', recordType: 'case_attachment', recordId: attachmentId, details: { caseId, noteId, contentType, sizeBytes: upload.sizeBytes, sha256: upload.sha256 } });
        }
        await event('note_added', { sensitivity: input.sensitivity, attachments: upload ? 1 : 0 }, noteId);
        audit({ action: 'NOTE_ADDED', recordType: 'case_note', recordId: noteId, details: { caseId, sensitivity: input.sensitivity } });
        return noteId;
      });
    } catch (error) {
      await this.discard(upload);
      throw error;
    }
  }

  /** An attachment the user may read, audited; anything else is "not found". */
  async download(user: CurrentUser, caseId: string, attachmentId: string, actor: Actor) {
    const attachment = await this.#cases.withCase(user, caseId, actor, async ({ trx, audit }) => {
      const reader = await this.#readerFor(user, trx);
      const found = await this.#repository.findReadableAttachment(trx, caseId, attachmentId, reader);
      if (!found || !(await this.#store.exists(found.storage_key))) throw new NotFound();
      audit({ action: 'ATTACHMENT_DOWNLOADED', recordType: 'case_attachment', recordId: found.id, details: { caseId, noteId: found.note_id, sha256: found.sha256 } });
      return found;
    });
    return {
      fileName: attachment.file_name,
      contentType: attachment.content_type,
      sizeBytes: Number(attachment.size_bytes),
      stream: this.#store.open(attachment.storage_key),
    };
  }

  async #acceptedTypeOf(upload: UploadedFile): Promise<string> {
    if (upload.sizeBytes === 0) throw new ValidationFailed({ attachment: 'timeline.errors.attachmentEmpty' });
    const detected = await this.#store.detectType(upload.storageKey);
    const verdict = judgeUpload({ detectedMime: detected?.mime, claimedType: upload.claimedType, fileName: upload.fileName, isUtf8Text: upload.isUtf8Text });
    if (!verdict.ok) throw new ValidationFailed({ attachment: UPLOAD_PROBLEMS[verdict.problem] });
    return verdict.contentType;
  }

  async #readerFor(user: CurrentUser, trx: Transaction<Database>): Promise<NoteReader> {
    return { ...viewerOf(user), clearances: await this.#repository.clearancesFor(user.role, trx) };
  }
}
