import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { StoredFile } from './attachmentStore.ts';
import { cleanFileName } from './attachmentTypes.ts';
import type { UploadedFile } from './timelineService.ts';

export const ATTACHMENT_FIELD = 'attachment';

/** What a note form sent: its fields, the file (already on disk) or why the file was refused. */
export interface NoteSubmission {
  values: Record<string, string>;
  upload?: UploadedFile;
  uploadProblem?: string;
}

interface Receiver {
  receive(source: Readable): Promise<StoredFile>;
  discard(upload: StoredFile | undefined): Promise<void>;
}

/**
 * Reads a note form. Multipart bodies are read here, part by part, so a file goes straight to
 * disk (never into memory) and one that passes the size limit is dropped while the typed note
 * is kept for the form. A plain form post is a note without a file.
 */
export async function readNoteSubmission(request: FastifyRequest, receiver: Receiver): Promise<NoteSubmission> {
  if (!request.isMultipart()) return { values: stringFields(request.body) };
  const submission: NoteSubmission = { values: {} };
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') submission.values[part.fieldname] = part.value;
      } else if (part.fieldname !== ATTACHMENT_FIELD || !part.filename || submission.upload || submission.uploadProblem) {
        await drain(part.file);
      } else {
        const stored = await receiver.receive(part.file);
        if (part.file.truncated) {
          await receiver.discard(stored);
          submission.uploadProblem = 'timeline.errors.attachmentTooLarge';
        } else {
          submission.upload = { ...stored, fileName: cleanFileName(part.filename), claimedType: part.mimetype };
        }
      }
    }
  } catch (error) {
    await receiver.discard(submission.upload);
    delete submission.upload;
    // A full disk refuses the file with a message (the typed note is kept) and is logged for the
    // operator; any other failing disk is the service's problem (500); anything else is a
    // malformed or over-limit upload.
    if (isStorageFull(error)) {
      request.log.error({ err: error }, 'attachment storage is full: upload refused');
      submission.uploadProblem = STORAGE_FULL;
      return submission;
    }
    if (error instanceof Error && 'syscall' in error) throw error;
    submission.uploadProblem = 'timeline.errors.attachmentUnreadable';
  }
  return submission;
}

/** The message key of an upload refused because the attachment store has no space left. */
export const STORAGE_FULL = 'timeline.errors.storageFull';

function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function drain(stream: Readable): Promise<void> {
  stream.resume();
  await finished(stream);
}

function stringFields(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
