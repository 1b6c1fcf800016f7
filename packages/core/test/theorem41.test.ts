/**
 * Theorem 4.1 of Mingard et al. 2019 ("Neural networks are a priori biased
 * towards Boolean functions with low entropy"): a perceptron without bias on
 * {0,1}^n with weights from any distribution symmetric under reflections of
 * the axes has T = #ones uniform on 0 … 2^n − 1, and T = 2^n never occurs
 * (input 0 always gives output 0). Checked through the real sampling engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArch } from '../src/arch/index.js';
import { type Backend, getBackend } from '../src/backend/index.js';
import { booleanDataset } from '../src/data/index.js';
import { samplePriorTable } from '../src/prior/index.js';

describe('Theorem 4.1 through the prior sampling engine', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await getBackend('wasm');
  });
  afterAll(async () => backend.close());

  const ds = booleanDataset({ n: 7 });
  const tCounts = async (sigmaB: number, samples: number) => {
    const spec = parseArch('fcn:', { inputShape: [7], sigmaW: 1, sigmaB });
    const table = await samplePriorTable({
      backend,
      spec,
      inputs: ds.inputs,
      m: ds.m,
      labels: null,
      seed: 41,
      samples,
    });
    const counts = new Array<number>(129).fill(0);
    for (const e of table.entries()) counts[e.ones] += e.count;
    return counts;
  };

  it('T is uniform on 0..127 and T = 128 never occurs (χ² on 10^5 nets)', async () => {
    const n = 100_000;
    const counts = await tCounts(0, n);
    expect(counts[128]).toBe(0);
    const expected = n / 128;
    const chi2 = counts.slice(0, 128).reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 127 degrees of freedom: the 99.99% quantile is 194.98 (scipy.stats.chi2.ppf(0.9999, 127)).
    expect(chi2).toBeLessThan(194.98);
    // and not suspiciously perfect either (0.01% quantile is 76.08)
    expect(chi2).toBeGreaterThan(76.08);
  });

  it('with a bias the constant functions gain mass (Fig. 3: P(T=0) grows with σ_b)', async () => {
    const n = 20_000;
    const p0 = (await tCounts(0, n))[0] / n;
    const p1 = (await tCounts(1, n))[0] / n;
    const p5 = (await tCounts(5, n))[0] / n;
    expect(p1).toBeGreaterThan(p0 + 0.02);
    expect(p5).toBeGreaterThan(p1 + 0.05);
    expect(p5).toBeLessThan(0.5);
  });
});
