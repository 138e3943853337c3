/** A kind of file a note may carry: the type its content must show, and the names it may have. */
interface AllowedType {
  mime: string;
  extensions: readonly string[];
  /** The Content-Type it is stored and served with. */
  servedAs: string;
}

const PLAIN_TEXT: AllowedType = { mime: 'text/plain', extensions: ['txt'], servedAs: 'text/plain; charset=utf-8' };

export const allowedTypes: readonly AllowedType[] = [
  { mime: 'application/pdf', extensions: ['pdf'], servedAs: 'application/pdf' },
  { mime: 'image/png', extensions: ['png'], servedAs: 'image/png' },
  { mime: 'image/jpeg', extensions: ['jpg', 'jpeg'], servedAs: 'image/jpeg' },
  { mime: 'image/gif', extensions: ['gif'], servedAs: 'image/gif' },
  {
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['docx'],
    servedAs: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  },
  {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extensions: ['xlsx'],
    servedAs: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  },
  PLAIN_TEXT,
];

// Browsers send this when the operating system does not know the extension: it claims nothing.
const UNKNOWN_CLAIM = 'application/octet-stream';

export interface UploadEvidence {
  /** What the magic bytes show, if anything. */
  detectedMime: string | undefined;
  /** The Content-Type the browser sent for the part. */
  claimedType: string;
  fileName: string;
  isUtf8Text: boolean;
}

export type UploadVerdict = { ok: true; contentType: string } | { ok: false; problem: 'typeNotAllowed' | 'mislabelled' };

/**
 * Decides by content, never by name or claim: the bytes must show an allowed type (plain text,
 * which has no magic bytes, must be valid UTF-8 and be claimed as text/plain), and the name and
 * claimed type must agree with what the bytes show.
 */
export function judgeUpload(evidence: UploadEvidence): UploadVerdict {
  const claimed = baseType(evidence.claimedType);
  const type = evidence.detectedMime
    ? allowedTypes.find((candidate) => candidate.mime === evidence.detectedMime)
    : evidence.isUtf8Text && claimed === PLAIN_TEXT.mime
      ? PLAIN_TEXT
      : undefined;
  if (!type) return { ok: false, problem: 'typeNotAllowed' };
  const nameAgrees = type.extensions.includes(extensionOf(evidence.fileName));
  const claimAgrees = claimed === type.mime || (claimed === UNKNOWN_CLAIM && type !== PLAIN_TEXT);
  if (!nameAgrees || !claimAgrees) return { ok: false, problem: 'mislabelled' };
  return { ok: true, contentType: type.servedAs };
}

function baseType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot === -1 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/** A file name safe to keep and show: no folders, no control characters, not too long. */
export function cleanFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(-200);
  return cleaned || 'attachment';
}

/** Content-Disposition for a download: an ASCII fallback and the real name (RFC 6266, 5987). */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
