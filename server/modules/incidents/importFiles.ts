import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import chardet from 'chardet';
import { CsvError, parse } from 'csv-parse';
import { fileTypeFromBuffer } from 'file-type';
import iconv from 'iconv-lite';
import { isUuid } from '../../shared/ids.ts';

/** A problem with the file as a whole: its catalogue key and what to say in it. */
export class ImportFileProblem extends Error {
  readonly messageKey: string;
  readonly values: Record<string, string | number>;

  constructor(messageKey: string, values: Record<string, string | number> = {}) {
    super(messageKey);
    this.name = 'ImportFileProblem';
    this.messageKey = messageKey;
    this.values = values;
  }
}

export interface ReceivedFile {
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  encoding: string;
}

const SAMPLE_BYTES = 64 * 1024;
const MAX_FIELD_BYTES = 1_000_000;

/**
 * Uploaded CSV files live on disk under DATA_DIR/incident-imports/<uuid> from the upload until
 * the import finishes or is discarded: they are read twice (validate, then import), streamed
 * each time, never held in memory.
 */
export class ImportFileStore {
  readonly #directory: string;

  constructor(dataDir: string) {
    this.#directory = path.resolve(dataDir, 'incident-imports');
  }

  /** Streams an upload to disk, hashing it and learning its encoding on the way. */
  async receive(source: Readable): Promise<ReceivedFile> {
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const storageKey = randomUUID();
    const target = this.pathOf(storageKey);
    const inspector = new UploadInspector();
    try {
      await pipeline(source, inspector, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      await rm(target, { force: true });
      throw error;
    }
    try {
      return { storageKey, sizeBytes: inspector.size, sha256: inspector.sha256(), encoding: await inspector.encoding() };
    } catch (error) {
      await rm(target, { force: true });
      throw error;
    }
  }

  /** A file already on the operator's disk (the command line): inspected where it lies, then copied in. */
  async receiveFile(filePath: string): Promise<ReceivedFile> {
    return this.receive(createReadStream(filePath));
  }

  async remove(storageKey: string | null): Promise<void> {
    if (storageKey) await rm(this.pathOf(storageKey), { force: true });
  }

  pathOf(storageKey: string): string {
    if (!isUuid(storageKey)) throw new Error('Invalid import storage key');
    return path.join(this.#directory, storageKey);
  }
}

/** Passes bytes through while computing their SHA-256, size, a sample, and whether they are UTF-8. */
class UploadInspector extends Transform {
  readonly #hash = createHash('sha256');
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #sample: Buffer[] = [];
  #sampleBytes = 0;
  #utf8 = true;
  #nul = false;
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.size += chunk.length;
    if (this.#sampleBytes < SAMPLE_BYTES) {
      this.#sample.push(chunk.subarray(0, SAMPLE_BYTES - this.#sampleBytes));
      this.#sampleBytes += Math.min(chunk.length, SAMPLE_BYTES - this.#sampleBytes);
    }
    if (!this.#nul && chunk.includes(0)) this.#nul = true;
    if (this.#utf8) {
      try {
        this.#decoder.decode(chunk, { stream: true });
      } catch {
        this.#utf8 = false;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#utf8) {
      try {
        this.#decoder.decode();
      } catch {
        this.#utf8 = false;
      }
    }
    callback();
  }

  sha256(): string {
    return this.#hash.digest('hex');
  }

  /** How to read the file, or why it cannot be a CSV file at all. */
  async encoding(): Promise<string> {
    const sample = Buffer.concat(this.#sample);
    if (this.size === 0) throw new ImportFileProblem('incidents.fileProblems.empty');
    const kind = await fileTypeFromBuffer(sample);
    if (kind) throw new ImportFileProblem('incidents.fileProblems.notCsv', { kind: kind.ext.toUpperCase() });
    if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 'utf-8-bom';
    if (sample[0] === 0xff && sample[1] === 0xfe) return 'utf-16le';
    if (sample[0] === 0xfe && sample[1] === 0xff) return 'utf-16be';
    if (this.#nul) throw new ImportFileProblem('incidents.fileProblems.notText');
    if (this.#utf8) return 'utf-8';
    const detected = chardet.detect(sample)?.toLowerCase();
    // Spreadsheets saved on Windows in the UK are Windows-1252, which ISO-8859-1 guesses mean too.
    if (!detected || detected.startsWith('iso-8859-1') || detected.startsWith('iso-8859-15') || !iconv.encodingExists(detected) || detected.startsWith('utf')) return 'windows-1252';
    return detected;
  }
}

/** The decoder for a stored encoding label ('utf-8-bom' is read as UTF-8 without its mark). */
function decoderFor(encoding: string) {
  return iconv.decodeStream(encoding === 'utf-8-bom' ? 'utf-8' : encoding, { stripBOM: true });
}

export interface CsvRecord {
  /** Row number as a spreadsheet shows it: the header is row 1. */
  row: number;
  values: string[];
}

export interface CsvReading {
  headers: string[];
  records: AsyncIterable<CsvRecord>;
  /** Stops reading early (the records' loop closes the file itself when it runs to the end). */
  close(): void;
}

/**
 * Reads a stored CSV file as records, streamed. The delimiter is whichever of comma, semicolon or
 * tab the header row uses most; `onBytes` reports how much of the file has been read.
 */
export async function readCsv(filePath: string, encoding: string, onBytes?: (bytes: number) => void): Promise<CsvReading> {
  const delimiter = await guessDelimiter(filePath, encoding);
  const source = createReadStream(filePath, { highWaterMark: 256 * 1024 });
  let bytes = 0;
  if (onBytes) source.on('data', (chunk) => onBytes((bytes += chunk.length)));
  const parser = parse({ delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, max_record_size: MAX_FIELD_BYTES });
  const stream = source.pipe(decoderFor(encoding)).pipe(parser);
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  const first = await nextRecord(iterator, 1).catch((error: unknown) => {
    source.destroy();
    throw error;
  });
  if (first.done) throw new ImportFileProblem('incidents.fileProblems.noHeader');
  const headers = first.value.map((header) => header.trim());
  checkHeaders(headers);
  async function* records(): AsyncGenerator<CsvRecord> {
    let row = 1;
    try {
      while (true) {
        const next = await nextRecord(iterator, row + 1);
        if (next.done) return;
        row += 1;
        yield { row, values: next.value };
      }
    } finally {
      source.destroy();
    }
  }
  return { headers, records: records(), close: () => source.destroy() };
}

async function nextRecord(iterator: AsyncIterator<string[]>, row: number): Promise<IteratorResult<string[]>> {
  try {
    return await iterator.next();
  } catch (error) {
    if (error instanceof CsvError) {
      if (error.code === 'CSV_MAX_RECORD_SIZE') throw new ImportFileProblem('incidents.fileProblems.rowTooLong', { row });
      throw new ImportFileProblem('incidents.fileProblems.unreadable', { row });
    }
    throw error;
  }
}

function checkHeaders(headers: string[]): void {
  if (headers.every((header) => header === '')) throw new ImportFileProblem('incidents.fileProblems.noHeader');
  const seen = new Set<string>();
  for (const header of headers) {
    if (header !== '' && seen.has(header)) throw new ImportFileProblem('incidents.fileProblems.duplicateHeader', { header });
    seen.add(header);
  }
}

async function guessDelimiter(filePath: string, encoding: string): Promise<string> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(8192);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const firstLine = iconv.decode(buffer.subarray(0, bytesRead), encoding === 'utf-8-bom' ? 'utf-8' : encoding).split(/\r?\n/, 1)[0] ?? '';
    const counts = [',', ';', '\t'].map((candidate) => ({ candidate, count: firstLine.split(candidate).length - 1 }));
    return counts.reduce((best, entry) => (entry.count > best.count ? entry : best)).candidate;
  } finally {
    await handle.close();
  }
}

/** The headers of a stored CSV file, read and the file closed again. */
export async function readHeaders(filePath: string, encoding: string): Promise<string[]> {
  const reading = await readCsv(filePath, encoding);
  reading.close();
  return reading.headers;
}
