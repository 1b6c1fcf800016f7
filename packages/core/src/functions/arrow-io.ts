/**
 * Function-table files in the Arrow IPC file format (Feather v2; read by
 * pyarrow, pandas.read_feather, polars.read_ipc), written and read as
 * streams of record batches: never the whole table in memory. Writes are
 * atomic (`<path>.tmp-<pid>-<n>`, fsync, rename), as `writeFileAtomic`.
 */
import { closeSync, fstatSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type RecordBatch, RecordBatchFileWriter, RecordBatchReader, type Schema } from 'apache-arrow';
import type { ArrayBufferViewInput } from 'apache-arrow/util/buffer';
import { FsbayesError } from '../errors/index.js';
import {
  type ArrowTableHeader,
  BatchDecoder,
  encodeBatch,
  headerOf,
  labelWordsOf,
  tableSchema,
} from './arrow-format.js';
import { discardFile, syncDirSync, tmpPath } from './io.js';
import type { PackedBatch } from './packed-counter.js';

/** Bytes staged before a write(2). */
const STAGE_BYTES = 1 << 22;

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Arrow's file writer with its output going straight to a file descriptor (its own queue would hold the whole file). */
class FdFileWriter extends RecordBatchFileWriter {
  private readonly stage = new Uint8Array(STAGE_BYTES);
  private fill = 0;

  constructor(private readonly fd: number) {
    super();
  }

  protected override _write(chunk: ArrayBufferViewInput): this {
    if (!this._started) return this;
    let b: Uint8Array;
    if (ArrayBuffer.isView(chunk)) b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk instanceof ArrayBuffer) b = new Uint8Array(chunk);
    else throw new FsbayesError('arrow writer: unexpected chunk type', { kind: 'internal' });
    if (b.byteLength === 0) return this;
    if (this.fill + b.byteLength > STAGE_BYTES) this.flush();
    if (b.byteLength >= STAGE_BYTES) writeAll(this.fd, b);
    else {
      this.stage.set(b, this.fill);
      this.fill += b.byteLength;
    }
    this._position += b.byteLength;
    return this;
  }

  /** Write out what is staged. */
  flush(): void {
    if (this.fill > 0) writeAll(this.fd, this.stage.subarray(0, this.fill));
    this.fill = 0;
  }
}

/** What {@link ArrowTableWriter.close} reports. */
export interface ArrowWriteResult {
  /** Distinct functions (rows) written. */
  distinct: number;
  /** Σ counts written (the header's total). */
  total: number;
  /** File size in bytes. */
  bytes: number;
}

/**
 * A table file being written batch by batch (batches in key order across the
 * whole file). Nothing appears at `path` until {@link close}; {@link abort}
 * removes the temporary file.
 */
export class ArrowTableWriter {
  private readonly schema: Schema;
  private readonly labelWords: Uint32Array | null;
  private readonly writer: FdFileWriter;
  private fd: number | null;
  private rows = 0;
  private sum = 0;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    fd: number,
    private readonly header: ArrowTableHeader,
  ) {
    this.fd = fd;
    this.schema = tableSchema(header);
    this.labelWords = header.labels === null ? null : labelWordsOf(header.labels, (header.m + 31) >>> 5);
    this.writer = new FdFileWriter(fd);
  }

  /**
   * Start writing a table with this header (its total must be the sum of the
   * counts to come). With `direct`, the file is written at `path` itself
   * (a new file; the caller makes the write atomic, e.g. `path` is already a
   * temporary sibling).
   */
  static create(path: string, header: ArrowTableHeader, options: { direct?: boolean } = {}): ArrowTableWriter {
    const tmp = options.direct ? path : tmpPath(path);
    let fd: number;
    try {
      fd = openSync(tmp, 'wx');
    } catch (err) {
      throw new FsbayesError(`${path}: cannot write function table (${(err as Error).message})`, {
        kind: 'io',
        cause: err,
      });
    }
    return new ArrowTableWriter(path, tmp, fd, header);
  }

  /** Append a batch of distinct functions, in key order after every earlier one. */
  write(b: PackedBatch): void {
    if (this.fd === null) throw new FsbayesError(`${this.path}: write after close`, { kind: 'internal' });
    if (b.length === 0) return;
    this.writer.write(this.batch(b));
    this.rows += b.length;
    for (let r = 0; r < b.length; r++) this.sum += b.counts[r];
  }

  private batch(b: PackedBatch): RecordBatch {
    return encodeBatch(b, this.schema, this.header.m, this.labelWords);
  }

  /** Finish the file (footer, fsync) and rename it onto `path`. */
  close(): ArrowWriteResult {
    const fd = this.fd;
    if (fd === null) throw new FsbayesError(`${this.path}: closed twice`, { kind: 'internal' });
    try {
      if (this.sum !== this.header.total) {
        throw new FsbayesError(
          `${this.path}: the counts written sum to ${this.sum}, the header says ${this.header.total}`,
          { kind: 'internal' },
        );
      }
      // An empty table still gets its schema (written with the first batch) and footer.
      if (this.rows === 0)
        this.writer.write(this.batch({ keys: new Uint32Array(0), counts: new Float64Array(0), length: 0 }));
      this.writer.finish();
      this.writer.flush();
      fsyncSync(fd);
      const bytes = fstatSync(fd).size;
      closeSync(fd);
      this.fd = null;
      if (this.tmp !== this.path) {
        renameSync(this.tmp, this.path);
        syncDirSync(dirname(this.path));
      }
      return { distinct: this.rows, total: this.sum, bytes };
    } catch (err) {
      this.abort();
      if (err instanceof FsbayesError) throw err;
      throw new FsbayesError(`${this.path}: cannot write function table (${(err as Error).message})`, {
        kind: 'io',
        cause: err,
      });
    }
  }

  /** Give up: close and remove the temporary file (`path` is untouched unless `direct`). Safe to call more than once. */
  abort(): void {
    // Renamed already, or never written: then there is nothing at tmp to remove.
    this.fd = discardFile(this.fd, this.tmp);
  }
}

/**
 * Write a table file from a stream of batches (in key order, counts summing
 * to `header.total`), atomically: on any error nothing is left at `path` or
 * beside it.
 */
export async function writeArrowTable(
  path: string,
  header: ArrowTableHeader,
  batches: Iterable<PackedBatch> | AsyncIterable<PackedBatch>,
  options: { direct?: boolean } = {},
): Promise<ArrowWriteResult> {
  const w = ArrowTableWriter.create(path, header, options);
  try {
    for await (const b of batches) w.write(b);
  } catch (err) {
    w.abort();
    throw err;
  }
  return w.close();
}

function readError(path: string, err: unknown): FsbayesError {
  if (err instanceof FsbayesError) return err;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') {
    return new FsbayesError(`${path}: cannot read function table (${e.message})`, { kind: 'io', cause: err });
  }
  return new FsbayesError(`${path}: not a readable Arrow IPC function table (${(err as Error).message})`, {
    cause: err,
  });
}

async function openReader(path: string) {
  const fh = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(fh);
    await reader.open();
    return { fh, reader, header: headerOf(reader.schema, path) };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The header (schema metadata) of a table file, checked; reads no rows. */
export async function readArrowTableHeader(path: string): Promise<ArrowTableHeader> {
  try {
    const { fh, header } = await openReader(path);
    await fh.close();
    return header;
  } catch (err) {
    throw readError(path, err);
  }
}

/**
 * The rows of a table file as packed batches in key order, each row checked
 * (see `BatchDecoder`), and the counts' sum against the header at the end.
 * Errors name the file (and the row).
 */
export async function* readArrowTable(path: string): AsyncGenerator<PackedBatch> {
  let opened: Awaited<ReturnType<typeof openReader>>;
  try {
    opened = await openReader(path);
  } catch (err) {
    throw readError(path, err);
  }
  const { fh, reader, header } = opened;
  try {
    const dec = new BatchDecoder(header, path);
    for (;;) {
      let r: IteratorResult<RecordBatch>;
      try {
        r = await reader.next();
      } catch (err) {
        throw readError(path, err);
      }
      if (r.done) break;
      yield dec.decode(r.value);
    }
    dec.finish();
  } finally {
    await fh.close();
  }
}
