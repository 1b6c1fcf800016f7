/**
 * IDX files, the format of the original MNIST / Fashion-MNIST downloads
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, optionally gzipped).
 *
 * Layout (all integers big-endian): a 4-byte magic number `00 00 TT DD`
 * where TT is the data type (only 0x08, unsigned byte, is supported) and DD
 * the number of dimensions; then DD 32-bit sizes; then the data, row-major.
 * Images: magic 0x00000803, sizes (count, rows, cols). Labels: magic
 * 0x00000801, size (count). A file starting with the gzip signature 1f 8b is
 * decompressed first.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { binarizeDigits, checkBinarize, checkNormalize, normalizeRowsInPlace } from './transform.js';
import type { Dataset, DigitBinarize, Normalize } from './types.js';

/** Magic number of an IDX image file (unsigned bytes, 3 dimensions). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX label file (unsigned bytes, 1 dimension). */
export const IDX_LABELS_MAGIC = 0x00000801;

const TYPE_NAMES: Record<number, string> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'short',
  12: 'int',
  13: 'float',
  14: 'double',
};

const hex8 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  /** Sizes of the dimensions, e.g. [count, rows, cols]. */
  dims: number[];
  /** The data bytes, row-major (a view into the file buffer). */
  data: Uint8Array;
}

/** Decompress if the buffer starts with the gzip signature 1f 8b. `file` names it in errors. */
export function maybeGunzip(buf: Uint8Array, file: string): Uint8Array {
  if (!(buf instanceof Uint8Array))
    throw new FsbayesError(`${file}: expected the file's bytes (a Uint8Array), got ${show(buf)}`);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new FsbayesError(`${file}: gzip decompression failed: ${(e as Error).message}`);
    }
  }
  return buf;
}

/** What each size of an IDX file of 1 or 3 dimensions counts, for error messages. */
const DIM_NAMES: Record<number, string[]> = { 1: ['count'], 3: ['count', 'rows', 'cols'] };

/**
 * Decode an IDX buffer (already decompressed) of unsigned bytes with
 * `expectedDims` dimensions, validating the magic number, the data type, the
 * dimension count, the sizes (each at least 1) and the length against the
 * declared sizes. `kind` and `file` name the file in errors.
 */
export function parseIdx(buf: Uint8Array, expectedDims: number, kind: string, file: string): IdxArray {
  const where = `${file} (${kind})`;
  if (!(buf instanceof Uint8Array))
    throw new FsbayesError(`${where}: expected the file's bytes (a Uint8Array), got ${show(buf)}`);
  if (!Number.isSafeInteger(expectedDims) || expectedDims < 1 || expectedDims > 255)
    throw new FsbayesError(
      `${where}: expected dimension count must be an integer in 1..255, got ${show(expectedDims)}`,
    );
  const expectedMagic = 0x0800 | expectedDims;
  if (buf.length < 4)
    throw new FsbayesError(`${where}: file has ${buf.length} bytes, too short for the 4-byte IDX magic number`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new FsbayesError(
      `${where}: bad magic number ${hex8(magic)}, expected ${hex8(expectedMagic)}; not an IDX file`,
    );
  }
  if (buf[2] !== 0x08) {
    const t = TYPE_NAMES[buf[2]] ? ` (${TYPE_NAMES[buf[2]]})` : '';
    throw new FsbayesError(
      `${where}: bad magic number ${hex8(magic)}: data type 0x${buf[2].toString(16).padStart(2, '0')}${t} ` +
        `is not supported, only 0x08 (unsigned byte)`,
    );
  }
  if (buf[3] !== expectedDims) {
    throw new FsbayesError(
      `${where}: bad magic number ${hex8(magic)}: ${buf[3]} dimension(s), expected ${expectedDims} ` +
        `(magic ${hex8(expectedMagic)})`,
    );
  }
  const header = 4 + 4 * expectedDims;
  if (buf.length < header) {
    throw new FsbayesError(`${where}: truncated header: expected at least ${header} bytes, got ${buf.length}`);
  }
  const dims: number[] = [];
  const names = DIM_NAMES[expectedDims] ?? Array.from({ length: expectedDims }, (_, k) => `size ${k}`);
  let count = 1;
  for (let k = 0; k < expectedDims; k++) {
    const s = view.getUint32(4 + 4 * k);
    if (s === 0) {
      throw new FsbayesError(
        `${where}: header declares ${names[k]} 0 (bytes ${4 + 4 * k}..${7 + 4 * k}); an IDX ${kind} file needs at least 1`,
      );
    }
    dims.push(s);
    count *= s;
  }
  const sizes = `${dims.join('×')} (${names.join('×')})`;
  const expected = header + count;
  if (buf.length < expected) {
    throw new FsbayesError(
      `${where}: truncated: header declares sizes ${sizes}, so expected ${expected} bytes, got ${buf.length}`,
    );
  }
  if (buf.length > expected) {
    throw new FsbayesError(
      `${where}: header declares sizes ${sizes}, so expected ${expected} bytes, got ${buf.length} ` +
        `(${buf.length - expected} trailing bytes)`,
    );
  }
  return { dims, data: buf.subarray(header, expected) };
}

/** Options of {@link loadIdx}. */
export interface IdxOptions {
  /** Digit → 0/1 rule, default `'threshold'` (1 iff label ≥ 5). */
  binarize?: DigitBinarize;
  /** Input normalisation, default `'unit'` (bytes / 255); `'center'` uses these images' mean image. */
  normalize?: Normalize;
  /** Keep only the first `limit` images (e.g. 10,000 of 60,000), default all. */
  limit?: number;
  /** Dataset name, default `idx:<images file name>`. */
  name?: string;
}

function readFile(path: string, kind: string): Uint8Array {
  // A number would be read as a file descriptor.
  if (typeof path !== 'string' || path === '')
    throw new FsbayesError(`IDX ${kind} path must be a non-empty string, got ${show(path)}`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FsbayesError(`${path} (${kind}): cannot read: ${(e as Error).message}`);
  }
}

/**
 * Load an IDX image file and its IDX label file (either may be gzipped) as a
 * dataset: pixels = bytes / 255 (then normalised as asked), shape [rows,
 * cols, 1], labels binarised from the class labels, which must be 0..9 and
 * are kept in `classes`. Throws with the file name and the exact problem on a
 * wrong magic number, truncated or oversized file, image/label count mismatch
 * or a label outside 0..9.
 */
export function loadIdx(imagesPath: string, labelsPath: string, opts: IdxOptions = {}): Dataset {
  if (opts === null || typeof opts !== 'object')
    throw new FsbayesError(`IDX options must be an object, got ${show(opts)}`);
  const binarize = checkBinarize(opts.binarize ?? 'threshold');
  const normalize = checkNormalize(opts.normalize ?? 'unit');
  // Checked before reading: a bad option is refused before any work.
  if (opts.limit !== undefined && (!Number.isSafeInteger(opts.limit) || opts.limit < 0)) {
    throw new FsbayesError(`limit must be a non-negative integer, got ${show(opts.limit)}`);
  }
  const imgBuf = maybeGunzip(readFile(imagesPath, 'images'), `${imagesPath} (images)`);
  const lblBuf = maybeGunzip(readFile(labelsPath, 'labels'), `${labelsPath} (labels)`);
  const images = parseIdx(imgBuf, 3, 'images', imagesPath);
  const labels = parseIdx(lblBuf, 1, 'labels', labelsPath);
  const [count, rows, cols] = images.dims;
  if (labels.dims[0] !== count) {
    throw new FsbayesError(
      `image/label count mismatch: ${imagesPath} has ${count} images but ${labelsPath} has ${labels.dims[0]} labels`,
    );
  }
  for (let i = 0; i < count; i++) {
    if (labels.data[i] > 9)
      throw new FsbayesError(`${labelsPath} (labels): label ${i} is ${labels.data[i]}, outside 0..9`);
  }
  let m = count;
  if (opts.limit !== undefined) m = Math.min(count, opts.limit);
  const d = rows * cols;
  const inputs = new Float64Array(m * d);
  for (let k = 0; k < m * d; k++) inputs[k] = images.data[k] / 255;
  normalizeRowsInPlace(inputs, m, d, normalize);
  const classes = labels.data.slice(0, m);
  return {
    name: opts.name ?? `idx:${basename(imagesPath)}`,
    inputs,
    labels: binarizeDigits(classes, binarize),
    m,
    d,
    shape: [rows, cols, 1],
    classes,
    meta: {
      source: 'idx',
      images: imagesPath,
      labels: labelsPath,
      fileCount: count,
      limit: opts.limit ?? null,
      binarize,
      normalize,
    },
  };
}
