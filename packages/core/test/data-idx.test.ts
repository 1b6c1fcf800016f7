import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdx } from '../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Big-endian IDX bytes written out by hand: magic, sizes, data. */
function idx(magic: number, sizes: number[], data: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * sizes.length + data.length);
  b.writeUInt32BE(magic, 0);
  for (const [k, s] of sizes.entries()) b.writeUInt32BE(s, 4 + 4 * k);
  b.set(data, 4 + 4 * sizes.length);
  return b;
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

// Three 2×3 images: pixel (y, x) of image i is 10·i + 3·y + x; labels 7, 2, 5.
const pix = [0, 1, 2].flatMap((i) => [0, 1].flatMap((y) => [0, 1, 2].map((x) => 10 * i + 3 * y + x)));
pix[5] = 255;
const IMAGES = idx(0x00000803, [3, 2, 3], pix);
const LABELS = idx(0x00000801, [3], [7, 2, 5]);
const imgPath = write('images-idx3-ubyte', IMAGES);
const lblPath = write('labels-idx1-ubyte', LABELS);

describe('loadIdx', () => {
  it('reads images (bytes / 255, shape [rows, cols, 1]) and binarised labels', () => {
    const ds = loadIdx(imgPath, lblPath);
    expect(ds.m).toBe(3);
    expect(ds.d).toBe(6);
    expect(ds.shape).toEqual([2, 3, 1]);
    expect(Array.from(ds.inputs.subarray(6, 12))).toEqual([10, 11, 12, 13, 14, 15].map((v) => v / 255));
    expect(ds.inputs[5]).toBe(1);
    expect(ds.inputs[0]).toBe(0);
    expect(Array.from(ds.classes!)).toEqual([7, 2, 5]);
    expect(Array.from(ds.labels)).toEqual([1, 0, 1]);
    expect(Array.from(loadIdx(imgPath, lblPath, { binarize: 'oddeven' }).labels)).toEqual([1, 0, 1]);
    expect(Array.from(loadIdx(imgPath, lblPath, { binarize: 'threshold', limit: 2 }).labels)).toEqual([1, 0]);
    expect(ds.meta).toMatchObject({ source: 'idx', images: imgPath, labels: lblPath, fileCount: 3 });
  });

  it('reads gzipped files', () => {
    const gi = write('images-idx3-ubyte.gz', gzipSync(IMAGES));
    const gl = write('labels-idx1-ubyte.gz', gzipSync(LABELS));
    const a = loadIdx(gi, gl);
    expect(Array.from(a.inputs.subarray(12, 18))).toEqual([20, 21, 22, 23, 24, 25].map((v) => v / 255));
    expect(Array.from(a.classes!)).toEqual([7, 2, 5]);
    // A gzip file whose body is garbage names the file.
    const bad = write('bad.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3, 4]));
    expect(() => loadIdx(bad, gl)).toThrow(/bad\.gz \(images\): gzip decompression failed/);
  });

  it('rejects a wrong magic number, naming the file and both numbers', () => {
    const p = write('magic', idx(0x00000801, [3, 2, 3], pix));
    expect(() => loadIdx(p, lblPath)).toThrow(
      /magic \(images\): bad magic number 0x00000801: 1 dimension\(s\), expected 3/,
    );
    const q = write('labels-as-images', idx(0x00000803, [3], [7, 2, 5]));
    expect(() => loadIdx(imgPath, q)).toThrow(/labels-as-images \(labels\).*0x00000803.*expected 1/);
    const r = write('nonidx', Buffer.from('hello world, not idx'));
    expect(() => loadIdx(r, lblPath)).toThrow(/nonidx \(images\): bad magic number 0x68656c6c, expected 0x00000803/);
    const t = write('floats', idx(0x00000d03, [1, 1, 1], [0, 0, 0, 0]));
    expect(() => loadIdx(t, lblPath)).toThrow(/floats \(images\).*data type 0x0d \(float\) is not supported/);
  });

  it('rejects truncated and oversized files, saying how many bytes were expected', () => {
    const p = write('short', IMAGES.subarray(0, IMAGES.length - 5));
    expect(() => loadIdx(p, lblPath)).toThrow(/short \(images\): truncated.*expected 34 bytes, got 29/);
    const h = write('shorthead', IMAGES.subarray(0, 10));
    expect(() => loadIdx(h, lblPath)).toThrow(
      /shorthead \(images\): truncated header: expected at least 16 bytes, got 10/,
    );
    const l = write('shortlabels', LABELS.subarray(0, 10));
    expect(() => loadIdx(imgPath, l)).toThrow(/shortlabels \(labels\): truncated.*expected 11 bytes, got 10/);
    const long = write('long', Buffer.concat([IMAGES, Buffer.from([1, 2])]));
    expect(() => loadIdx(long, lblPath)).toThrow(/long \(images\).*expected 34 bytes, got 36 \(2 trailing bytes\)/);
    const tiny = write('tiny', Buffer.from([0, 0]));
    expect(() => loadIdx(tiny, lblPath)).toThrow(/tiny \(images\): file has 2 bytes/);
  });

  it('rejects an image/label count mismatch', () => {
    const l = write('two-labels', idx(0x00000801, [2], [7, 2]));
    expect(() => loadIdx(imgPath, l)).toThrow(/images-idx3-ubyte has 3 images but .*two-labels has 2 labels/);
  });

  it('rejects labels outside 0..9', () => {
    const l = write('label12', idx(0x00000801, [3], [7, 12, 5]));
    expect(() => loadIdx(imgPath, l)).toThrow(/label12 \(labels\): label 1 is 12, outside 0\.\.9/);
  });

  it('names a missing file', () => {
    expect(() => loadIdx(join(dir, 'nope'), lblPath)).toThrow(/nope \(images\): cannot read/);
  });
});
