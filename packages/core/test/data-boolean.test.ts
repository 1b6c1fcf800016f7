import { describe, expect, it } from 'vitest';
import { bitsToHex, bitsToString, parseBits } from '../src/bits.js';
import {
  booleanDataset,
  booleanInputs,
  defaultBooleanTarget,
  maskOf,
  splitByMask,
  splitBySize,
  summarize,
} from '../src/data/index.js';

const rows = (x: Float64Array, d: number) =>
  Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, i * d + d)));

describe('parseBits / bitsToString / bitsToHex', () => {
  it('reads bit strings character by character', () => {
    expect(Array.from(parseBits('0110'))).toEqual([0, 1, 1, 0]);
    expect(Array.from(parseBits('  101\n'))).toEqual([1, 0, 1]);
  });

  it('reads hex 4 bits per digit, most significant bit first', () => {
    expect(Array.from(parseBits('0x0f'))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(parseBits('0x8'))).toEqual([1, 0, 0, 0]);
    expect(Array.from(parseBits('0XA5'))).toEqual([1, 0, 1, 0, 0, 1, 0, 1]);
    // Unprefixed hex of exactly L/4 digits when the length is known.
    expect(Array.from(parseBits('c1', 8))).toEqual([1, 1, 0, 0, 0, 0, 0, 1]);
    // An unprefixed 0/1 string of L/4 digits is still hex when L is known and it is not L long.
    expect(Array.from(parseBits('10', 8))).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    // ... but a string of exactly L characters is bits.
    expect(Array.from(parseBits('10101010', 8))).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('pads hex at the end when L is not a multiple of 4, and rejects set padding bits', () => {
    expect(Array.from(parseBits('0x8', 2))).toEqual([1, 0]);
    expect(Array.from(parseBits('0x4', 2))).toEqual([0, 1]);
    expect(Array.from(parseBits('0xe', 3))).toEqual([1, 1, 1]);
    expect(() => parseBits('0xa', 2, 'target')).toThrow(/'a' sets padding bit 2/);
    expect(() => parseBits('0xf', 3, 'target')).toThrow(/'f' sets padding bit 3/);
  });

  it('writes bits and hex', () => {
    const b = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(bitsToString(b)).toBe('000011111');
    expect(bitsToHex(b)).toBe('0x0f8');
    expect(bitsToHex(b, false)).toBe('0f8');
    expect(Array.from(parseBits(bitsToHex(b), 9))).toEqual(Array.from(b));
    expect(() => bitsToString(Uint8Array.from([0, 2]))).toThrow(/value 2 at position 1/);
  });

  it('rejects bad characters, naming them and their position', () => {
    expect(() => parseBits('00101x00')).toThrow("target contains 'x' at position 5; use 0/1 bits or 0x-prefixed hex");
    expect(() => parseBits('0x0g', undefined, 'mask')).toThrow(/mask contains 'g' at position 3/);
    expect(() => parseBits('')).toThrow(/target is empty/);
    expect(() => parseBits('0x')).toThrow(/no hex digits/);
  });

  it('rejects wrong lengths, naming the length', () => {
    expect(() => parseBits('0101', 8)).toThrow(/target has 4 bits but 8 are expected/);
    expect(() => parseBits('0x0f0', 8)).toThrow(/target has 3 hex digits \(12 bits\)/);
    expect(() => parseBits('abc', 8)).toThrow(/looks like hex with 3 digits/);
    expect(() => parseBits(Uint8Array.from([1, 0]), 3, 'mask')).toThrow(/mask has 2 bits but 3 are expected/);
    expect(() => parseBits(Uint8Array.from([1, 5]))).toThrow(/value 5 at position 1/);
  });
});

describe('booleanDataset', () => {
  it('lists the inputs of {0,1}^3 with the most significant bit first', () => {
    const ds = booleanDataset({ n: 3, target: '01101001' });
    expect(ds.m).toBe(8);
    expect(ds.d).toBe(3);
    expect(ds.shape).toEqual([3]);
    expect(rows(ds.inputs, 3)).toEqual([
      [0, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
      [0, 1, 1],
      [1, 0, 0],
      [1, 0, 1],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    expect(ds.meta).toMatchObject({ source: 'boolean', n: 3, encoding: '01', target: '01101001', targetHex: '0x69' });
  });

  it('encodes ±1', () => {
    const ds = booleanDataset({ n: 2, target: '0001', encoding: 'pm1' });
    expect(rows(ds.inputs, 2)).toEqual([
      [-1, -1],
      [-1, 1],
      [1, -1],
      [1, 1],
    ]);
  });

  it('accepts the same target as bits or hex', () => {
    const a = booleanDataset({ n: 3, target: '0x0f' });
    const b = booleanDataset({ n: 3, target: '00001111' });
    const c = booleanDataset({ n: 3, target: '0f' });
    expect(Array.from(a.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(Array.from(c.labels)).toEqual(Array.from(a.labels));
  });

  it('defaults to 0011 repeated, the authors target for n=7 (64 ones)', () => {
    const ds = booleanDataset({ n: 7 });
    expect(ds.m).toBe(128);
    expect(bitsToString(ds.labels)).toBe('0011'.repeat(32));
    expect(ds.labels.reduce((s, v) => s + v, 0)).toBe(64);
    expect(bitsToHex(ds.labels)).toBe(`0x${'3'.repeat(32)}`);
    expect(defaultBooleanTarget(2)).toBe('0011');
    // Row 127 is all ones; label 1 iff the second-lowest bit is set.
    expect(Array.from(ds.inputs.subarray(127 * 7))).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(ds.labels[2]).toBe(1);
    expect(ds.labels[4]).toBe(0);
  });

  it('builds the n=16 system (65,536 inputs)', () => {
    const x = booleanInputs(16);
    expect(x.length).toBe(65536 * 16);
    expect(Array.from(x.subarray(16 * 0x8001, 16 * 0x8002))).toEqual([1, ...Array(14).fill(0), 1]);
  });

  it('rejects bad n, targets and encodings with the bad value in the message', () => {
    expect(() => booleanDataset({ n: 7, target: '0'.repeat(127) })).toThrow(
      'target has 127 bits but the Boolean system with n=7 has 128 inputs',
    );
    expect(() => booleanDataset({ n: 3, target: '0010x011' })).toThrow(/target contains 'x' at position 4/);
    expect(() => booleanDataset({ n: 3, target: '0x0f0' })).toThrow(/3 hex digits.*n=3 has 8 inputs/);
    expect(() => booleanDataset({ n: 0 })).toThrow(/n must be an integer in 1\.\.16, got 0/);
    expect(() => booleanDataset({ n: 17 })).toThrow(/got 17/);
    expect(() => booleanDataset({ n: 2.5 })).toThrow(/got 2\.5/);
    expect(() => booleanDataset({ n: 1 })).toThrow(/no default target for n=1/);
    expect(() => booleanDataset({ n: 2, target: '0110', encoding: 'x' as never })).toThrow(/encoding.*"x"/);
  });
});

describe('splits', () => {
  const ds = booleanDataset({ n: 7 });

  it('splitBySize: right sizes, disjoint, union is everything, rows match', () => {
    const s = splitBySize(ds, 32, 1);
    expect(s.trainIndex.length).toBe(32);
    expect(s.testIndex.length).toBe(96);
    const all = [...s.trainIndex, ...s.testIndex].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 128 }, (_, i) => i));
    expect([...s.trainIndex]).toEqual([...s.trainIndex].sort((a, b) => a - b));
    for (let k = 0; k < 32; k++) {
      const i = s.trainIndex[k];
      // Row i of the cube holds the binary digits of i.
      const bitsOfI = Array.from({ length: 7 }, (_, j) => (i >> (6 - j)) & 1);
      expect(Array.from(s.train.inputs.subarray(k * 7, k * 7 + 7))).toEqual(bitsOfI);
      expect(s.train.labels[k]).toBe((i >> 1) & 1);
    }
    expect(s.train.m).toBe(32);
    expect(s.test.m).toBe(96);
    expect(s.source).toEqual({ name: 'boolean-n7', m: 128 });
  });

  it('splitBySize: same seed same indices, other seed other indices', () => {
    const a = splitBySize(ds, 32, 1);
    const b = splitBySize(ds, 32, 1);
    const c = splitBySize(ds, 32, 2);
    const d = splitBySize(ds, 32, 'one');
    expect(Array.from(b.trainIndex)).toEqual(Array.from(a.trainIndex));
    expect(Array.from(c.trainIndex)).not.toEqual(Array.from(a.trainIndex));
    expect(Array.from(d.trainIndex)).not.toEqual(Array.from(a.trainIndex));
  });

  it('splitBySize: every point is equally likely to be in S', () => {
    const counts = new Array(128).fill(0);
    const runs = 400;
    for (let seed = 0; seed < runs; seed++) for (const i of splitBySize(ds, 32, seed).trainIndex) counts[i]++;
    // Expected 100 per point, sd ≈ sqrt(400·0.25·0.75) ≈ 8.7; allow ±5 sd.
    expect(Math.min(...counts)).toBeGreaterThan(100 - 44);
    expect(Math.max(...counts)).toBeLessThan(100 + 44);
  });

  it('splitBySize with testSize: disjoint subsets of the requested sizes', () => {
    const s = splitBySize(ds, 40, 7, 50);
    expect(s.train.m).toBe(40);
    expect(s.test.m).toBe(50);
    const seen = new Set(s.trainIndex);
    for (const i of s.testIndex) expect(seen.has(i)).toBe(false);
    expect(new Set(s.testIndex).size).toBe(50);
    expect(Math.max(...s.testIndex)).toBeLessThan(128);
    // The train draw does not depend on testSize.
    expect(Array.from(s.trainIndex)).toEqual(Array.from(splitBySize(ds, 40, 7).trainIndex));
    expect(() => splitBySize(ds, 100, 1, 50)).toThrow(/trainSize 100 \+ testSize 50 = 150 exceeds the 128 points/);
    expect(() => splitBySize(ds, 129, 1)).toThrow(/trainSize 129 exceeds the 128 points/);
    expect(() => splitBySize(ds, -1, 1)).toThrow(/trainSize must be a non-negative integer, got -1/);
    expect(() => splitBySize(ds, 3, -1)).toThrow(/seed/);
  });

  it('splitByMask honours the bits, given as bits or hex', () => {
    const small = booleanDataset({ n: 3, target: '0x0f' });
    const s = splitByMask(small, '10100001');
    expect(Array.from(s.trainIndex)).toEqual([0, 2, 7]);
    expect(Array.from(s.testIndex)).toEqual([1, 3, 4, 5, 6]);
    expect(Array.from(s.train.labels)).toEqual([0, 0, 1]);
    expect(Array.from(s.test.labels)).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(splitByMask(small, '0xa1').trainIndex)).toEqual([0, 2, 7]);
    expect(Array.from(splitByMask(small, Uint8Array.from([1, 0, 1, 0, 0, 0, 0, 1])).trainIndex)).toEqual([0, 2, 7]);
    expect(s.meta).toMatchObject({ method: 'mask', mask: '0xa1' });
    expect(() => splitByMask(small, '1010')).toThrow('mask has 4 bits but dataset boolean-n3 has 8 points');
  });

  it('maskOf gives back the mask of a split', () => {
    const s = splitBySize(ds, 32, 3, 20);
    const mask = maskOf(s);
    expect(mask.length).toBe(128);
    expect(mask.reduce((a, v) => a + v, 0)).toBe(32);
    for (const i of s.trainIndex) expect(mask[i]).toBe(1);
    expect(Array.from(splitByMask(ds, bitsToHex(mask)).trainIndex)).toEqual(Array.from(s.trainIndex));
    const tmask = maskOf(s, 'test');
    expect(tmask.reduce((a, v) => a + v, 0)).toBe(20);
    for (const i of s.testIndex) expect(tmask[i]).toBe(1);
  });
});

describe('summarize', () => {
  it('summarises a dataset and a split as plain JSON', () => {
    const ds = booleanDataset({ n: 3, target: '00000111' });
    const sum = summarize(ds);
    expect(sum).toMatchObject({ kind: 'dataset', name: 'boolean-n3', m: 8, d: 3, shape: [3], ones: 3, zeros: 5 });
    expect(sum.fractionOnes).toBeCloseTo(3 / 8, 15);
    const split = splitByMask(ds, '11000001');
    const ss = summarize(split);
    expect(ss).toMatchObject({
      kind: 'split',
      source: { name: 'boolean-n3', m: 8 },
      trainSize: 3,
      testSize: 5,
      train: { m: 3, ones: 1, zeros: 2 },
      test: { m: 5, ones: 2, zeros: 3 },
    });
    expect(JSON.parse(JSON.stringify(ss))).toEqual(ss);
    const empty = summarize(splitByMask(ds, '00000000'));
    expect(empty.train.fractionOnes).toBeNull();
  });
});
