/** χ² against uniform and the least-squares line, checked against closed forms. */
import { describe, expect, it } from 'vitest';
import { chiSquareUniform, fitLine } from '../src/index.js';

describe('chiSquareUniform', () => {
  it('matches the hand computation; with 2 dof the survival function is exp(−x/2)', () => {
    // expected 20 per bin: (100 + 0 + 100) / 20 = 10
    const r = chiSquareUniform([10, 20, 30]);
    expect(r.statistic).toBeCloseTo(10, 12);
    expect(r.dof).toBe(2);
    expect(r.pValue).toBeCloseTo(Math.exp(-5), 12);
  });

  it('uniform counts give χ² = 0 and p = 1; fewer than two bins are refused', () => {
    expect(chiSquareUniform([5, 5, 5, 5])).toEqual({ statistic: 0, dof: 3, pValue: 1 });
    expect(() => chiSquareUniform([5])).toThrow(/at least 2 bins, got 1/);
  });
});

describe('fitLine', () => {
  it('recovers an exact line, and agrees with the normal equations on noisy data', () => {
    const x = [0, 1, 2, 3, 4];
    expect(
      fitLine(
        x,
        x.map((v) => 3 - 2 * v),
      ),
    ).toEqual({ slope: -2, intercept: 3 });
    const xs = Array.from({ length: 50 }, (_, i) => i / 7);
    const ys = xs.map((v, i) => 0.5 * v + 1 + Math.sin(13 * i));
    // Normal equations: [n Σx; Σx Σx²] [b; a] = [Σy; Σxy].
    const n = xs.length;
    const sx = xs.reduce((s, v) => s + v, 0);
    const sy = ys.reduce((s, v) => s + v, 0);
    const sxx = xs.reduce((s, v) => s + v * v, 0);
    const sxy = xs.reduce((s, v, i) => s + v * ys[i], 0);
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const r = fitLine(xs, ys);
    expect(r.slope).toBeCloseTo(slope, 10);
    expect(r.intercept).toBeCloseTo((sy - slope * sx) / n, 10);
  });

  it('refuses x and y of different lengths', () => {
    expect(() => fitLine([1, 2], [1])).toThrow(/differ in length \(2 vs 1\)/);
  });
});
