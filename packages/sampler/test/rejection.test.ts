/**
 * The rejection sampler against independent answers: exact orthant
 * probabilities of a perceptron's Gaussian outputs (closed form for 3
 * points, Genz QMC from @fsbayes/nngp for 6), a brute-force loop over the
 * same nets with the float64 reference forward pass, and Theorem 4.1.
 */
import {
  type Backend,
  FunctionTable,
  forwardReference,
  getBackend,
  JsBackend,
  keyOf,
  parseArch,
  priorParams,
  WasmBackend,
} from '@fsbayes/core';
import { orthantLogProb } from '@fsbayes/nngp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateEstimate, rejectionSample } from '../src/index.js';
import { booleanSplit, linearKernel, points } from './helpers.js';

let wasm: Backend;
let wasm64: Backend;
let js: Backend;
beforeAll(async () => {
  wasm = await getBackend('wasm', { threads: 2 });
  wasm64 = await getBackend('wasm', { threads: 2, precision: 'f64' });
  js = new JsBackend();
});
afterAll(async () => {
  await wasm.close();
  await wasm64.close();
  await js.close();
});

const perceptron = (n: number, sigmaB: number) => parseArch('fcn:', { inputShape: [n], sigmaW: 1, sigmaB });

describe('P(S) by rejection vs exact orthant probabilities (perceptron: outputs exactly Gaussian)', () => {
  it('3 points: the closed form 1/8 + Σ asin(s_i s_j ρ_ij)/(4π) lies in the 99.9% interval', async () => {
    const split = booleanSplit(5, [3, 12, 29], `${'0110'.repeat(8)}`);
    const S = split.train;
    const K = linearKernel(S.inputs, 3, 5, 1, 1);
    const s = Array.from(S.labels, (b) => (b ? 1 : -1));
    const rho = (i: number, j: number) => (s[i] * s[j] * K[i * 3 + j]) / Math.sqrt(K[i * 3 + i] * K[j * 3 + j]);
    const exact = 1 / 8 + (Math.asin(rho(0, 1)) + Math.asin(rho(0, 2)) + Math.asin(rho(1, 2))) / (4 * Math.PI);
    const r = await rejectionSample({
      backend: wasm,
      spec: perceptron(5, 1),
      mode: 'posterior',
      train: points(S),
      test: points(split.test),
      seed: 7,
      first: 0,
      count: 200_000,
    });
    const est = rateEstimate(r.state.accepted, r.state.drawn, 0.999);
    expect(r.state.drawn).toBe(200_000);
    expect(r.stopped).toBe('samples');
    expect(exact).toBeGreaterThan(est.interval[0]);
    expect(exact).toBeLessThan(est.interval[1]);
    expect(r.table.total).toBe(r.state.accepted);
    expect(r.state.recheckDisagreements).toBe(0);
    expect(r.table.m).toBe(29);
  });

  it('6 points: agrees with Genz QMC of the linear kernel within the 99.9% interval', async () => {
    const split = booleanSplit(5, [1, 6, 11, 18, 24, 30]);
    const S = split.train;
    const K = linearKernel(S.inputs, 6, 5, 1, 1);
    const y = Array.from(S.labels, (b) => (b ? 1 : -1));
    const genz = Math.exp(orthantLogProb(K, 6, y, { method: 'genz', samples: 200_000, seed: 3 }).logP);
    const r = await rejectionSample({
      backend: wasm,
      spec: perceptron(5, 1),
      mode: 'posterior',
      train: points(S),
      test: points(split.test),
      seed: 11,
      first: 0,
      count: 300_000,
    });
    const est = rateEstimate(r.state.accepted, r.state.drawn, 0.999);
    expect(genz).toBeGreaterThan(est.interval[0]);
    expect(genz).toBeLessThan(est.interval[1]);
  });
});

describe('the engine counts exactly the nets that fit S', () => {
  const split = booleanSplit(4, [0, 5, 9, 14]);
  const spec = parseArch('fcn:8', { inputShape: [4], sigmaW: 1, sigmaB: 1 });
  const S = points(split.train);
  const E = points(split.test);

  /** Brute force: nets 0, 1, … with the float64 reference forward pass, until k fit S. */
  function bruteForce(k: number, maxNets: number) {
    const counts = new Map<string, number>();
    const words = new Uint32Array(1);
    let accepted = 0;
    let n = 0;
    for (; n < maxNets && accepted < k; n++) {
      const theta = priorParams(spec, 5, n, 1);
      const outS = forwardReference(spec, theta, 1, S.inputs, S.m);
      if (!Array.from(outS).every((v, i) => v > 0 === (S.labels?.[i] === 1))) continue;
      accepted++;
      const outE = forwardReference(spec, theta, 1, E.inputs, E.m);
      words[0] = 0;
      outE.forEach((v, i) => {
        if (v > 0) words[0] |= 1 << i;
      });
      const key = keyOf(words, E.m);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return { counts, accepted, drawn: n };
  }

  it('equals a brute-force loop, stopping at the exact net of the k-th acceptance', async () => {
    const want = bruteForce(150, 100_000);
    expect(want.accepted).toBe(150);
    const opts = {
      spec,
      mode: 'posterior' as const,
      train: S,
      test: E,
      seed: 5,
      first: 0,
      count: 100_000,
      accept: 150,
      chunk: 512,
    };
    const r = await rejectionSample({ ...opts, backend: js });
    expect(r.stopped).toBe('accept');
    expect(r.state.accepted).toBe(150);
    expect(r.state.drawn).toBe(want.drawn);
    expect(r.state.next).toBe(want.drawn);
    const got = new Map(r.table.entries().map((e) => [e.key, e.count]));
    expect(got).toEqual(want.counts);
    // Screening on one point of S first (then the rest for survivors; here the screen passes so many
    // nets that the run switches to all of S after the first chunk) changes nothing.
    const screened = await rejectionSample({ ...opts, backend: wasm64, screen: 1 });
    const unscreened = await rejectionSample({ ...opts, backend: wasm64 });
    expect(screened.state).toEqual(unscreened.state);
    expect(screened.table.toJSON()).toEqual(unscreened.table.toJSON());
    expect(unscreened.state.drawn).toBe(want.drawn);
  });

  it('does not depend on threads or chunk sizes; a resumed run equals an uninterrupted one', async () => {
    const base = {
      spec,
      mode: 'posterior' as const,
      train: S,
      test: E,
      seed: 9,
      first: 1000,
      count: 40_000,
      accept: 2000,
    };
    const whole = await rejectionSample({ ...base, backend: wasm });
    const one = await WasmBackend.create({ threads: 1 });
    try {
      const small = await rejectionSample({ ...base, backend: one, chunk: 256, targetChunkMs: 1 });
      expect(small.table.toJSON()).toEqual(whole.table.toJSON());
      expect(small.state).toEqual(whole.state);
      // Stop after the second chunk, then continue from the state and table (as a checkpoint would).
      let calls = 0;
      const part = await rejectionSample({ ...base, backend: one, chunk: 512, shouldStop: () => ++calls >= 2 });
      expect(part.stopped).toBe('signal');
      expect(part.state.accepted).toBeLessThan(2000);
      expect(part.state.drawn % 256).toBe(0); // stopped at a chunk boundary
      const copy = FunctionTable.fromJSON(JSON.parse(JSON.stringify(part.table.toJSON())));
      const rest = await rejectionSample({ ...base, backend: wasm, resume: { state: part.state, table: copy } });
      expect(rest.table.toJSON()).toEqual(whole.table.toJSON());
      expect(rest.state).toEqual(whole.state);
    } finally {
      await one.close();
    }
  });

  it('screening on part of S gives the same table as evaluating all of S', async () => {
    const big = booleanSplit(5, [1, 2, 4, 7, 8, 11, 13, 16, 19, 22, 26, 31]);
    const spec5 = parseArch('fcn:8', { inputShape: [5], sigmaW: 1, sigmaB: 1 });
    const base = { backend: wasm, spec: spec5, mode: 'posterior' as const, test: points(big.test), seed: 3, first: 0 };
    const train = points(big.train);
    // Precondition: fewer than 1/64 of the nets fit the 6 screened points (3 of each label, spread
    // within each label), so the screen stays on for the whole run.
    const lab = train.labels as Uint8Array;
    const byLabel = [0, 1].map((l) => [...lab.keys()].filter((i) => lab[i] === l));
    expect(Math.min(byLabel[0].length, byLabel[1].length)).toBeGreaterThanOrEqual(3);
    const pick = byLabel
      .flatMap((idx) => [0, 1, 2].map((t) => idx[Math.floor((t * idx.length) / 3)]))
      .sort((a, z) => a - z);
    const six = {
      inputs: Float64Array.from(pick.flatMap((j) => Array.from(train.inputs.subarray(j * 5, j * 5 + 5)))),
      m: 6,
      labels: Uint8Array.from(pick, (j) => (train.labels as Uint8Array)[j]),
    };
    const pass = await rejectionSample({ ...base, train: six, count: 20_000 });
    expect(pass.state.accepted / 20_000).toBeLessThan(1 / 64);
    const screened = await rejectionSample({ ...base, train, count: 200_000, screen: 6 });
    const full = await rejectionSample({ ...base, train, count: 200_000, screen: 12 });
    expect(full.state.accepted).toBeGreaterThan(50);
    expect(screened.state).toEqual(full.state);
    expect(screened.table.toJSON()).toEqual(full.table.toJSON());
  });

  it('disjoint ranges merge into the whole range', async () => {
    const base = { backend: wasm, spec, mode: 'posterior' as const, train: S, test: E, seed: 9 };
    const whole = await rejectionSample({ ...base, first: 0, count: 30_000 });
    const a = await rejectionSample({ ...base, first: 0, count: 12_345 });
    const b = await rejectionSample({ ...base, first: 12_345, count: 30_000 - 12_345 });
    a.table.merge(b.table, { allowOverlap: true });
    expect(a.table.toJSON()).toEqual(whole.table.toJSON());
    expect(a.state.accepted + b.state.accepted).toBe(whole.state.accepted);
  });
});

describe('Theorem 4.1 through the sampler engine', () => {
  const spec = parseArch('fcn:', { inputShape: [7], sigmaW: 1, sigmaB: 0 });
  const chi2 = (table: FunctionTable, bins: number, n: number) => {
    const counts = new Array<number>(bins + 1).fill(0);
    for (const e of table.entries()) counts[e.ones] += e.count;
    const expected = n / bins;
    return { counts, chi2: counts.slice(0, bins).reduce((s, c) => s + (c - expected) ** 2 / expected, 0) };
  };

  it('prior mode: T uniform on 0..127, T = 128 never (χ² on 10^5 nets)', async () => {
    const split = booleanSplit(7, []);
    const r = await rejectionSample({
      backend: wasm,
      spec,
      mode: 'prior',
      train: null,
      test: points(split.test),
      seed: 41,
      first: 0,
      count: 100_000,
    });
    const { counts, chi2: x } = chi2(r.table, 128, 100_000);
    expect(counts[128]).toBe(0);
    // 127 degrees of freedom: 0.01% and 99.99% quantiles 76.08 and 194.98 (scipy.stats.chi2.ppf).
    expect(x).toBeLessThan(194.98);
    expect(x).toBeGreaterThan(76.08);
  });

  it('posterior mode: S = {0⃗ labelled 0} is fitted by every net, and T on the other 127 points is uniform', async () => {
    const split = booleanSplit(7, [0], `0${'1'.repeat(127)}`);
    const r = await rejectionSample({
      backend: wasm,
      spec,
      mode: 'posterior',
      train: points(split.train),
      test: points(split.test),
      seed: 42,
      first: 0,
      count: 100_000,
    });
    expect(r.state.accepted).toBe(100_000);
    const { chi2: x } = chi2(r.table, 128, 100_000);
    // T on E equals T on all points (the output at 0⃗ is 0), so it is uniform on 0..127 too
    expect(x).toBeLessThan(194.98);
    expect(x).toBeGreaterThan(76.08);
    // labelled 1 instead, no net fits: the output at 0⃗ is exactly 0
    const none = booleanSplit(7, [0], '1'.repeat(128));
    const r0 = await rejectionSample({
      backend: wasm,
      spec,
      mode: 'posterior',
      train: points(none.train),
      test: points(none.test),
      seed: 42,
      first: 0,
      count: 5000,
    });
    expect(r0.state.accepted).toBe(0);
  });
});
