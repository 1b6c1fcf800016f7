/**
 * The Arrow columnar form of a function table: schema, metadata, and the
 * conversion of packed batches to and from Arrow record batches (with every
 * check a reader needs). File I/O is in `arrow-io.ts`.
 *
 * Columns, one row per distinct function, rows in key order:
 * - `bits`: FixedSizeBinary(ceil(m/8)), the function's bits 0..m−1 packed
 *   8 per byte, most significant bit first, zero-padded (numpy's
 *   `unpackbits` order; the bytes' hex, cut to ceil(m/4) digits, is the
 *   key, so byte order is key order);
 * - `count`: uint64, how many times it was seen (≥ 1);
 * - `ones`: uint32, T, its number of 1 bits;
 * - `errors`: uint32, its Hamming distance to the labels (only when the labels are known).
 *
 * Schema metadata `fsbayes` holds JSON: format, formatVersion, m, labels
 * ('0'/'1' string or null), total (Σ count) and provenance.
 */
import {
  type Data as ArrowData,
  Uint32 as ArrowUint32,
  Uint64 as ArrowUint64,
  Field,
  FixedSizeBinary,
  makeData,
  RecordBatch,
  Schema,
  Struct,
} from 'apache-arrow';
import { popcount32 } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import { compareKeys, REV8 } from './key-order.js';
import type { PackedBatch } from './packed-counter.js';
import { type Provenance, toPlainJson, validateProvenance } from './provenance.js';

export const ARROW_TABLE_FORMAT = 'fsbayes.function-table.arrow';
export const ARROW_TABLE_FORMAT_VERSION = 1;
/** The schema metadata key of the table's header. */
export const ARROW_METADATA_KEY = 'fsbayes';

const BIT_ORDER_NOTE =
  'bits: bit i of the function is bit 7 - i % 8 (MSB first) of byte floor(i / 8), as numpy.unpackbits; the hex of the bytes, cut to ceil(m/4) digits, is the key';

/** What a table file says about itself (schema metadata), besides its rows. */
export interface ArrowTableHeader {
  /** Size of the test set E. */
  m: number;
  /** True labels on E (0/1), or null. */
  labels: Uint8Array | null;
  /** Σ counts of the rows. */
  total: number;
  provenance: Provenance | null;
}

/** The Arrow schema of a table with this header. */
export function tableSchema(h: ArrowTableHeader): Schema {
  const fields = [
    new Field('bits', new FixedSizeBinary((h.m + 7) >>> 3), false),
    new Field('count', new ArrowUint64(), false),
    new Field('ones', new ArrowUint32(), false),
  ];
  if (h.labels !== null) fields.push(new Field('errors', new ArrowUint32(), false));
  const meta = {
    format: ARROW_TABLE_FORMAT,
    formatVersion: ARROW_TABLE_FORMAT_VERSION,
    m: h.m,
    labels: h.labels === null ? null : Array.from(h.labels, (b) => (b ? '1' : '0')).join(''),
    total: h.total,
    provenance: h.provenance === null ? null : toPlainJson(h.provenance),
    note: BIT_ORDER_NOTE,
  };
  return new Schema(fields, new Map([[ARROW_METADATA_KEY, JSON.stringify(meta)]]));
}

/** Read and check the header of a table's schema; errors are prefixed by `where`. */
export function headerOf(schema: Schema, where: string): ArrowTableHeader {
  const text = schema.metadata.get(ARROW_METADATA_KEY);
  if (text === undefined) {
    throw new FsbayesError(`${where}: not an fsbayes function table (no "${ARROW_METADATA_KEY}" schema metadata)`);
  }
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new FsbayesError(`${where}: schema metadata "${ARROW_METADATA_KEY}" is not JSON (${(err as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null) throw new FsbayesError(`${where}: metadata must be a JSON object`);
  if (meta.format !== ARROW_TABLE_FORMAT || meta.formatVersion !== ARROW_TABLE_FORMAT_VERSION) {
    throw new FsbayesError(
      `${where}: format must be "${ARROW_TABLE_FORMAT}" version ${ARROW_TABLE_FORMAT_VERSION}, got ${JSON.stringify(meta.format)} version ${JSON.stringify(meta.formatVersion)}`,
    );
  }
  const m = meta.m;
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 1) {
    throw new FsbayesError(`${where}: m must be a positive integer, got ${JSON.stringify(m)}`);
  }
  if (typeof meta.total !== 'number' || !Number.isSafeInteger(meta.total) || meta.total < 0) {
    throw new FsbayesError(`${where}: total must be a non-negative integer, got ${JSON.stringify(meta.total)}`);
  }
  let labels: Uint8Array | null = null;
  if (meta.labels !== null) {
    if (typeof meta.labels !== 'string' || meta.labels.length !== m || !/^[01]*$/.test(meta.labels)) {
      throw new FsbayesError(`${where}: labels must be null or a '0'/'1' string of length m = ${m}`);
    }
    labels = Uint8Array.from(meta.labels, (c) => (c === '1' ? 1 : 0));
  }
  const provenance = meta.provenance === null ? null : validateProvenance(meta.provenance, `${where}: provenance`);
  const h: ArrowTableHeader = { m, labels, total: meta.total, provenance };
  const want = tableSchema(h).fields;
  const got = schema.fields;
  const describe = (fs: Field[]) => fs.map((f) => `${f.name}: ${f.type}`).join(', ');
  if (
    got.length !== want.length ||
    want.some((f, i) => f.name !== got[i].name || String(f.type) !== String(got[i].type))
  ) {
    throw new FsbayesError(`${where}: columns must be [${describe(want)}], got [${describe(got)}]`);
  }
  return h;
}

/** Packed labels (padding bits 0), for computing errors. */
export function labelWordsOf(labels: Uint8Array, w: number): Uint32Array {
  const out = new Uint32Array(w);
  for (let i = 0; i < labels.length; i++) if (labels[i]) out[i >>> 5] |= 1 << (i & 31);
  return out;
}

/** The record batch of a packed batch (in key order) for a table with this schema. */
export function encodeBatch(b: PackedBatch, schema: Schema, m: number, labelWords: Uint32Array | null): RecordBatch {
  const w = (m + 31) >>> 5;
  const nb = (m + 7) >>> 3;
  const n = b.length;
  const bits = new Uint8Array(n * nb);
  const countWords = new Uint32Array(2 * n);
  const ones = new Uint32Array(n);
  const errors = labelWords === null ? null : new Uint32Array(n);
  const { keys, counts } = b;
  for (let r = 0; r < n; r++) {
    const o = r * w;
    const bo = r * nb;
    for (let k = 0; k < nb; k++) bits[bo + k] = REV8[(keys[o + (k >>> 2)] >>> ((k & 3) << 3)) & 255];
    let t = 0;
    let e = 0;
    for (let j = 0; j < w; j++) {
      t += popcount32(keys[o + j]);
      if (labelWords !== null) e += popcount32(keys[o + j] ^ labelWords[j]);
    }
    ones[r] = t;
    if (errors !== null) errors[r] = e;
    const c = counts[r];
    countWords[2 * r] = c % 2 ** 32;
    countWords[2 * r + 1] = Math.floor(c / 2 ** 32);
  }
  const f = schema.fields;
  const children: ArrowData[] = [
    makeData({ type: f[0].type as FixedSizeBinary, length: n, nullCount: 0, data: bits }),
    makeData({ type: f[1].type as ArrowUint64, length: n, nullCount: 0, data: new BigUint64Array(countWords.buffer) }),
    makeData({ type: f[2].type as ArrowUint32, length: n, nullCount: 0, data: ones }),
  ];
  if (errors !== null)
    children.push(makeData({ type: f[3].type as ArrowUint32, length: n, nullCount: 0, data: errors }));
  const data = makeData({ type: new Struct(f), length: n, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** Checks a reader carries from batch to batch: the last key seen and the running sum of counts. */
export class BatchDecoder {
  private readonly w: number;
  private readonly nb: number;
  private readonly labelWords: Uint32Array | null;
  private prev: Uint32Array | null = null;
  /** Rows decoded so far. */
  rows = 0;
  /** Σ counts decoded so far. */
  total = 0;

  constructor(
    private readonly h: ArrowTableHeader,
    private readonly where: string,
  ) {
    this.w = (h.m + 31) >>> 5;
    this.nb = (h.m + 7) >>> 3;
    this.labelWords = h.labels === null ? null : labelWordsOf(h.labels, this.w);
  }

  /**
   * The packed batch of a record batch, checking every row: padding bits 0,
   * keys strictly increasing (across batches too: no duplicates), counts
   * positive safe integers, ones and errors equal to their recomputation.
   */
  decode(rb: RecordBatch): PackedBatch {
    const { w, nb, where } = this;
    const n = rb.numRows;
    const col = (i: number): ArrowData => {
      const d = rb.data.children[i];
      if (d.nullCount > 0) throw new FsbayesError(`${where}: column ${rb.schema.fields[i].name} has nulls`);
      return d;
    };
    const bitsData = col(0) as ArrowData<FixedSizeBinary>;
    const bits = (bitsData.values as Uint8Array).subarray(bitsData.offset * nb, (bitsData.offset + n) * nb);
    const countData = col(1) as ArrowData<ArrowUint64>;
    const cv = countData.values as BigUint64Array;
    const countBytes = new Uint8Array(cv.buffer, cv.byteOffset + countData.offset * 8, n * 8);
    // Read uint64 as two uint32 words (no BigInt per row); copy when the buffer is not 4-aligned.
    const cw =
      countBytes.byteOffset % 4 === 0
        ? new Uint32Array(countBytes.buffer, countBytes.byteOffset, 2 * n)
        : new Uint32Array(countBytes.slice().buffer);
    const onesData = col(2) as ArrowData<ArrowUint32>;
    const ones = (onesData.values as Uint32Array).subarray(onesData.offset, onesData.offset + n);
    let errors: Uint32Array | null = null;
    if (this.labelWords !== null) {
      const d = col(3) as ArrowData<ArrowUint32>;
      errors = (d.values as Uint32Array).subarray(d.offset, d.offset + n);
    }
    const padMask = (1 << (8 * nb - this.h.m)) - 1;
    const keys = new Uint32Array(n * w);
    const counts = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const row = this.rows + r;
      const bo = r * nb;
      const o = r * w;
      if ((bits[bo + nb - 1] & padMask) !== 0) {
        throw new FsbayesError(`${where}: row ${row}: padding bits beyond m = ${this.h.m} must be 0`);
      }
      for (let k = 0; k < nb; k++) keys[o + (k >>> 2)] |= REV8[bits[bo + k]] << ((k & 3) << 3);
      const prevKeys = r > 0 ? keys : this.prev;
      const po = r > 0 ? o - w : 0;
      if (prevKeys !== null && compareKeys(prevKeys, po, keys, o, w) >= 0) {
        throw new FsbayesError(
          `${where}: row ${row}: rows must be in strictly increasing key order (a duplicate or unsorted function)`,
        );
      }
      const hi = cw[2 * r + 1];
      const c = cw[2 * r] + hi * 2 ** 32;
      if (hi >= 2 ** 21 || c < 1) {
        throw new FsbayesError(`${where}: row ${row}: count must be a positive integer below 2^53, got ${c}`);
      }
      counts[r] = c;
      let t = 0;
      let e = 0;
      for (let j = 0; j < w; j++) {
        t += popcount32(keys[o + j]);
        if (this.labelWords !== null) e += popcount32(keys[o + j] ^ this.labelWords[j]);
      }
      if (ones[r] !== t)
        throw new FsbayesError(`${where}: row ${row}: ones is ${ones[r]}, but the bits have ${t} ones`);
      if (errors !== null && errors[r] !== e) {
        throw new FsbayesError(
          `${where}: row ${row}: errors is ${errors[r]}, but the bits are at Hamming distance ${e} from the labels`,
        );
      }
      this.total += c;
    }
    if (n > 0) this.prev = keys.slice((n - 1) * w, n * w);
    this.rows += n;
    if (!Number.isSafeInteger(this.total)) throw new FsbayesError(`${where}: counts sum beyond 2^53`);
    return { keys, counts, length: n };
  }

  /** Check, after the last batch, that the counts sum to the header's total. */
  finish(): void {
    if (this.total !== this.h.total) {
      throw new FsbayesError(`${this.where}: total is ${this.h.total}, but the counts sum to ${this.total}`);
    }
  }
}
