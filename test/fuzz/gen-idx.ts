/** Malformed IDX files (plain and gzipped) for `loadIdx`, `parseIdx`, `maybeGunzip`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type IdxOptions, loadIdx, parseIdx, Rng, type Seed } from '@fsbayes/core';
import { maybeGunzip } from '../../packages/core/src/data/idx.js';
import { between, type FuzzCase, handCase, pick, valueName } from './harness.js';

const hex8 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

function idxFile(dims: number[], data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  view.setUint32(0, 0x0800 | dims.length);
  for (let k = 0; k < dims.length; k++) view.setUint32(4 + 4 * k, dims[k]);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

function setU32(buf: Uint8Array, at: number, v: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(at, v);
}

export function idxCases(seed: Seed, count: number, dir: string): FuzzCase[] {
  mkdirSync(dir, { recursive: true });
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) out.push(idxCase(new Rng(seed, 'fuzz', 'idx', i), join(dir, `c${i}`)));
  out.push(...handWritten(dir));
  return out;
}

function idxCase(r: Rng, stem: string): FuzzCase {
  const n = between(r, 1, 6);
  const rows = between(r, 1, 5);
  const cols = between(r, 1, 5);
  const pixels = Uint8Array.from({ length: n * rows * cols }, () => r.int(256));
  const digits = Uint8Array.from({ length: n }, () => r.int(10));
  const images = idxFile([n, rows, cols], pixels);
  const labels = idxFile([n], digits);
  const onLabels = r.uniform() < 0.35;
  const buf = onLabels ? labels : images;
  const fields = onLabels ? ['count'] : ['count', 'rows', 'cols'];
  const kind = r.int(9);
  let mutated = buf;
  let what: string;
  let names: (string | string[])[];
  let expect: 'reject' | 'any' = 'reject';
  const gz = { images: r.uniform() < 0.4, labels: r.uniform() < 0.4 };
  let opts: IdxOptions = {};
  if (kind === 0) {
    // One byte of the magic number.
    const k = r.int(4);
    mutated = buf.slice();
    mutated[k] = (buf[k] + between(r, 1, 255)) & 255;
    const magic = new DataView(mutated.buffer).getUint32(0);
    what = `magic byte ${k} := 0x${mutated[k].toString(16)}`;
    names = [hex8(magic)];
    // 1f 8b would start a gzip stream; 1f at byte 0 alone does not (byte 1 is 0).
  } else if (kind === 1) {
    // One size field.
    const k = r.int(fields.length);
    const old = new DataView(buf.buffer).getUint32(4 + 4 * k);
    let v = pick(r, [0, 0xffffffff, 2 ** 31, old + 1, old - 1, 1e9, between(r, 1, 1000)]);
    if (v === old) v = old + 7;
    mutated = buf.slice();
    setU32(mutated, 4 + 4 * k, v);
    what = `${onLabels ? 'labels' : 'images'} ${fields[k]} := ${v}`;
    names = [String(v), fields[k]];
  } else if (kind === 2) {
    // Truncated.
    const k = r.int(buf.length);
    mutated = buf.slice(0, k);
    what = `truncated to ${k} bytes`;
    names = [[`got ${k}`, `has ${k} bytes`]];
  } else if (kind === 3) {
    // Trailing bytes.
    const j = between(r, 1, 40);
    mutated = new Uint8Array(buf.length + j);
    mutated.set(buf);
    what = `${j} bytes appended`;
    names = [`${j} trailing bytes`];
  } else if (kind === 4) {
    // A label outside 0..9.
    const i = r.int(n);
    const v = between(r, 10, 255);
    mutated = labels.slice();
    mutated[8 + i] = v;
    what = `label ${i} := ${v}`;
    names = [`label ${i}`, String(v)];
    return finish(stem, images, mutated, gz, what, names, 'reject', opts);
  } else if (kind === 5) {
    // Labels for one image more or fewer, consistent in themselves.
    const n2 = n + (r.uniform() < 0.5 && n > 1 ? -1 : 1);
    const l2 = idxFile(
      [n2],
      Uint8Array.from({ length: n2 }, () => r.int(10)),
    );
    return finish(stem, images, l2, gz, `${n2} labels for ${n} images`, [String(n), String(n2)], 'reject', opts);
  } else if (kind === 6) {
    // A bad option.
    const field = pick(r, ['limit', 'binarize', 'normalize'] as const);
    const v =
      field === 'limit'
        ? pick(r, [-1, 1.5, Number.NaN, '3', Number.POSITIVE_INFINITY, null, {}])
        : pick(r, ['bogus', '', 5, null, {}, 'THRESHOLD']);
    opts = { [field]: v } as IdxOptions;
    // null means "the default" for the rules (`??`), not for limit.
    const valid = v === null && field !== 'limit';
    const shown = valueName(v);
    return finish(
      stem,
      images,
      labels,
      gz,
      `opts.${field} := ${shown || typeof v}`,
      valid ? [] : [field, ...(shown ? [shown] : [])],
      valid ? 'any' : 'reject',
      opts,
    );
  } else if (kind === 7) {
    // Pixel bytes changed: still a valid file.
    mutated = buf.slice();
    const at = between(r, 4 + 4 * fields.length, buf.length - 1);
    mutated[at] ^= between(r, 1, 255);
    if (onLabels) {
      // A label byte: valid only if still a digit.
      const v = mutated[at];
      const i = at - 8;
      what = `label ${i} := ${v}`;
      names = v > 9 ? [`label ${i}`, String(v)] : [];
      expect = v > 9 ? 'reject' : 'any';
    } else {
      what = `pixel byte ${at} changed`;
      names = [];
      expect = 'any';
    }
  } else {
    // A gzipped file with one byte of the compressed stream changed or the stream cut short.
    const z = gzipSync(buf);
    let bad: Uint8Array;
    if (r.uniform() < 0.5) {
      bad = z.slice(0, between(r, 2, z.length - 1));
      what = `gzip cut to ${bad.length} of ${z.length} bytes`;
    } else {
      bad = z.slice();
      const at = r.int(z.length);
      bad[at] ^= 1 << r.int(8);
      what = `gzip byte ${at} flipped`;
    }
    const path = `${stem}-${onLabels ? 'labels' : 'images'}.gz`;
    writeFileSync(path, bad);
    const other = `${stem}-${onLabels ? 'images' : 'labels'}`;
    writeFileSync(other, onLabels ? images : labels);
    const run = onLabels ? () => loadIdx(other, path) : () => loadIdx(path, other);
    return { group: 'idx', what, input: bad, names: [path], expect: 'any', run };
  }
  return onLabels
    ? finish(stem, images, mutated, gz, what, names, expect, opts)
    : finish(stem, mutated, labels, gz, what, names, expect, opts);
}

/** Write the pair (each gzipped or not) and load it. */
function finish(
  stem: string,
  images: Uint8Array,
  labels: Uint8Array,
  gz: { images: boolean; labels: boolean },
  what: string,
  names: (string | string[])[],
  expect: 'reject' | 'any',
  opts: IdxOptions,
): FuzzCase {
  const ip = `${stem}-images${gz.images ? '.gz' : ''}`;
  const lp = `${stem}-labels${gz.labels ? '.gz' : ''}`;
  writeFileSync(ip, gz.images ? gzipSync(images) : images);
  writeFileSync(lp, gz.labels ? gzipSync(labels) : labels);
  return {
    group: 'idx',
    what: `${what}${gz.images || gz.labels ? ` (gz: ${gz.images ? 'images ' : ''}${gz.labels ? 'labels' : ''})` : ''}`,
    input: { images, labels, opts },
    names,
    expect,
    run: () => loadIdx(ip, lp, opts),
  };
}

function handWritten(dir: string): FuzzCase[] {
  const ip = join(dir, 'ok-images');
  const lp = join(dir, 'ok-labels');
  writeFileSync(ip, idxFile([2, 2, 2], new Uint8Array(8)));
  writeFileSync(lp, idxFile([2], new Uint8Array([3, 7])));
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const zero = write('zero-images', idxFile([0, 28, 28], new Uint8Array(0)));
  const zeroL = write('zero-labels', idxFile([0], new Uint8Array(0)));
  const floats = idxFile([2, 2, 2], new Uint8Array(32));
  floats[2] = 0x0d;
  const fp = write('float-images', floats);
  const c = handCase('idx');
  return [
    c('0 images and 0 labels', zero, ['count', '0'], () => loadIdx(zero, zeroL)),
    c('0 rows', null, ['rows', '0'], () => loadIdx(write('norows', idxFile([2, 0, 3], new Uint8Array(0))), lp)),
    c('float pixels', fp, ['0x00000d03', 'float'], () => loadIdx(fp, lp)),
    c('missing images', join(dir, 'nope'), [join(dir, 'nope')], () => loadIdx(join(dir, 'nope'), lp)),
    c('labels path is a folder', dir, [dir], () => loadIdx(ip, dir)),
    c('images path is a number (a file descriptor to fs)', 999999, ['images', 'path', '999999'], () =>
      loadIdx(999999 as never, lp),
    ),
    c('options null', null, ['options', 'null'], () => loadIdx(ip, lp, null as never)),
    c('parseIdx of a string', 'abc', ['Uint8Array', '"abc"'], () => parseIdx('abc' as never, 3, 'images', 'f')),
    c('parseIdx of null', null, ['Uint8Array', 'null'], () => parseIdx(null as never, 1, 'labels', 'f')),
    c('maybeGunzip of null', null, ['Uint8Array', 'null'], () => maybeGunzip(null as never, 'f')),
    c('gzip signature then garbage', null, ['gz', 'gzip'], () =>
      maybeGunzip(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'x.gz'),
    ),
    c('empty file', null, ['0 bytes'], () => loadIdx(write('empty', new Uint8Array(0)), lp)),
  ];
}
