import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import { isUuid } from '../../shared/ids.ts';

/** What streaming an upload to disk learnt about it, before anything is known about its type. */
export interface StoredFile {
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  /** Valid UTF-8 with no NUL bytes: the only evidence a file without magic bytes can give. */
  isUtf8Text: boolean;
}

/**
 * Attachments live on disk under DATA_DIR/attachments/<uuid>, outside the database row that
 * describes them. Files are written with a fresh random name, so a name typed by a user never
 * reaches the file system.
 */
export class AttachmentStore {
  readonly #directory: string;

  constructor(dataDir: string) {
    this.#directory = path.resolve(dataDir, 'attachments');
  }

  /** Streams an upload to disk, hashing it on the way; a failed write leaves nothing behind. */
  async receive(source: Readable): Promise<StoredFile> {
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const storageKey = randomUUID();
    const target = this.#pathOf(storageKey);
    const inspector = new UploadInspector();
    try {
      await pipeline(source, inspector, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await rm(target, { force: true });
      throw error;
    }
    return { storageKey, ...inspector.result() };
  }

  /** The type its content shows (magic bytes), whatever it was called or claimed to be. */
  async detectType(storageKey: string): Promise<{ mime: string; ext: string } | undefined> {
    return fileTypeFromFile(this.#pathOf(storageKey));
  }

  async exists(storageKey: string): Promise<boolean> {
    try {
      return (await stat(this.#pathOf(storageKey))).isFile();
    } catch {
      return false;
    }
  }

  open(storageKey: string): ReadStream {
    return createReadStream(this.#pathOf(storageKey));
  }

  async remove(storageKey: string): Promise<void> {
    await rm(this.#pathOf(storageKey), { force: true });
  }

  #pathOf(storageKey: string): string {
    if (!isUuid(storageKey)) throw new Error('Invalid attachment storage key');
    return path.join(this.#directory, storageKey);
  }
}

/** Passes bytes through while computing their SHA-256, size and whether they are UTF-8 text. */
class UploadInspector extends Transform {
  readonly #hash = createHash('sha256');
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #size = 0;
  #text = true;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    if (this.#text) this.#text = !chunk.includes(0) && this.#decodes(chunk, true);
    callback(null, chunk);
  }

  result(): Omit<StoredFile, 'storageKey'> {
    const isUtf8Text = this.#text && this.#decodes(new Uint8Array(0), false);
    return { sizeBytes: this.#size, sha256: this.#hash.digest('hex'), isUtf8Text };
  }

  #decodes(bytes: Uint8Array, stream: boolean): boolean {
    try {
      this.#decoder.decode(bytes, { stream });
      return true;
    } catch {
      return false;
    }
  }
}
