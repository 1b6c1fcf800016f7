/**
 * Analytic NNGP kernels against Monte-Carlo nets of the same spec (the
 * canonical prior streams), as neural-tangents tests its kernels: relative
 * Frobenius error ≤ 0.05 at width 1024.
 *
 * Two estimators (see `MonteCarloOptions.estimator`):
 * - `readout`: E[f(x)f(x')] averaged over the nets' readouts, forward pass by
 *   the backend (wasm f64 for FCNs, js for CNNs); relative error ≈ √(2/draws).
 * - `features`: the exact expectation over each net's readout layer given its
 *   hidden layers — what neural-tangents' tests get from a width-1024 readout.
 *   Used where 2000 readout draws of width-1024 nets would take minutes (a
 *   1024×1024 layer is 1M normals per net). Its features are checked against
 *   the backends' readouts first.
 *
 * Finite-width bias: E[f f'] does not depend on the width of the LAST hidden
 * layer at all (its units are i.i.d. given the layer below), only on the
 * widths below it (O(1/width)). Multi-layer CNNs here keep 1024 channels
 * below and a narrower last conv layer, for speed; this is stated per row.
 */
import { type ArchSpec, type Backend, type CnnSpec, type FcnSpec, getBackend, priorParams, Rng } from '@fsbayes/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Features, kernelMatrix, monteCarloKernel } from '../src/kernels/index.js';
import { cnn as cnnSpec, fcn as fcnSpec, relFrob } from './helpers.js';

const TOL = 0.05;

/** ‖stderr‖_F/‖K‖_F: the relative Frobenius error the MC estimate itself predicts. */
function predicted(stderr: Float64Array | undefined, want: Float64Array): number {
  if (!stderr) return Number.NaN;
  let num = 0;
  let den = 0;
  for (let k = 0; k < want.length; k++) {
    num += stderr[k] ** 2;
    den += want[k] ** 2;
  }
  return Math.sqrt(num / den);
}

/** n inputs of dimension d: Gaussian directions with norms between 0.5 and 2, one near-duplicate pair. */
function fcnInputs(n: number, d: number): Float64Array {
  const r = new Rng(7, 'kernels-mc', 'fcn-inputs');
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const scale = 0.5 + (1.5 * i) / (n - 1);
    for (let k = 0; k < d; k++) X[i * d + k] = scale * r.normal();
  }
  for (let k = 0; k < d; k++) X[(n - 1) * d + k] = X[k] * 1.1 + 0.1 * r.normal();
  return X;
}

function imageInputs(n: number, shape: [number, number, number]): Float64Array {
  const r = new Rng(7, 'kernels-mc', 'images');
  const d = shape[0] * shape[1] * shape[2];
  const X = new Float64Array(n * d);
  for (let k = 0; k < X.length; k++) X[k] = r.normal();
  return X;
}

const D = 5;
const N = 6;
const XF = fcnInputs(N, D);
const IMG: [number, number, number] = [5, 5, 2];
const NI = 4;
const XI = imageInputs(NI, IMG);

function fcn(hidden: number[], activation: FcnSpec['activation'], bias: boolean): FcnSpec {
  return fcnSpec(D, hidden, activation, bias);
}

function cnn(
  convs: [number, number, number, 'SAME' | 'VALID'][],
  pooling: 'flatten' | 'gap',
  hidden: number[],
  activation: CnnSpec['activation'] = 'relu',
  bias = true,
): CnnSpec {
  return cnnSpec(IMG, convs, pooling, hidden, activation, bias);
}

const rows: string[] = [];
let wasm: Backend;
let js: Backend;

beforeAll(async () => {
  wasm = await getBackend('wasm', { precision: 'f64' });
  js = await getBackend('js');
});

afterAll(async () => {
  await wasm?.close();
  await js?.close();
  console.log(['case | estimator | nets | rel. Frobenius error | MC-predicted | time', ...rows].join('\n'));
});

async function check(
  name: string,
  spec: ArchSpec,
  X: Float64Array,
  n: number,
  estimator: 'readout' | 'features',
  draws: number,
): Promise<void> {
  const t0 = performance.now();
  const exact = kernelMatrix(spec, X, n);
  const mc = await monteCarloKernel(spec, X, n, undefined, undefined, {
    draws,
    seed: 11,
    estimator,
    backend: spec.kind === 'fcn' ? wasm : js,
  });
  const err = relFrob(mc.kernel, exact);
  const ms = performance.now() - t0;
  rows.push(
    `${name} | ${estimator} | ${draws} | ${err.toFixed(4)} | ${predicted(mc.stderr, exact).toFixed(4)} | ${(ms / 1000).toFixed(2)} s`,
  );
  expect(err).toBeLessThanOrEqual(TOL);
}

describe('the features estimator reads the canonical nets', () => {
  it('features · readout weights + bias = the backends’ readout (FCN on wasm f64, CNN on js)', async () => {
    const cases: [ArchSpec, Float64Array, number, Backend][] = [
      [fcn([64, 32], 'erf', true), XF, N, wasm],
      [fcn([16], 'relu', false), XF, N, wasm],
      [cnn([[8, 3, 2, 'SAME']], 'flatten', [], 'relu'), XI, NI, js],
      [
        cnn(
          [
            [8, 3, 1, 'VALID'],
            [4, 2, 1, 'SAME'],
          ],
          'gap',
          [5],
          'step',
          false,
        ),
        XI,
        NI,
        js,
      ],
    ];
    for (const [spec, X, n, backend] of cases) {
      const nets = 3;
      const theta = priorParams(spec, 5, 100, nets);
      const want = await backend.forward(spec, theta, nets, X, n);
      const feat = new Features(spec);
      const F = new Float64Array(n * feat.width);
      for (let t = 0; t < nets; t++) {
        feat.compute(theta, t, X, n, F);
        const f = feat.readout(theta, t, F, n);
        for (let i = 0; i < n; i++)
          expect(Math.abs(f[i] - want[t * n + i])).toBeLessThan(1e-12 * (1 + Math.abs(want[t * n + i])));
      }
    }
  });
});

describe('FCN NNGP vs Monte-Carlo nets of width 1024', () => {
  for (const act of ['relu', 'step', 'erf'] as const) {
    for (const bias of [true, false]) {
      const b = bias ? 'σb=0.6' : 'no bias';
      // The plain readout estimator (through the wasm backend) for every case but erf without
      // bias (erf is the slowest wasm forward pass); the features estimator for all.
      const readout = bias || act !== 'erf';
      it(`${act}, depth 1, ${b}: ${readout ? '4000 readout draws (wasm f64) and ' : ''}16 nets by features`, async () => {
        if (readout) await check(`fcn 1024 ${act} ${b}`, fcn([1024], act, bias), XF, N, 'readout', 4000);
        await check(`fcn 1024 ${act} ${b}`, fcn([1024], act, bias), XF, N, 'features', 16);
      });
      it(`${act}, depth 2, ${b}: 16 nets by features`, async () => {
        await check(`fcn 1024,1024 ${act} ${b}`, fcn([1024, 1024], act, bias), XF, N, 'features', 16);
      });
    }
  }
});

describe('CNN-GP vs Monte-Carlo nets with 1024 channels (5×5×2 images)', () => {
  it('conv k3 stride 2 SAME, flatten: 16 nets by features, and 4000 readout draws of 64-channel nets (js)', async () => {
    await check('cnn c1024k3s2same flatten', cnn([[1024, 3, 2, 'SAME']], 'flatten', []), XI, NI, 'features', 16);
    // One conv layer: E[f f'] is exactly the infinite-width kernel at any channel count (the
    // pre-activations are exactly Gaussian given the input), so the readout check of the
    // js-backend path can use 64 channels at no cost in bias.
    await check('cnn c64k3s2same flatten', cnn([[64, 3, 2, 'SAME']], 'flatten', []), XI, NI, 'readout', 4000);
  });
  it('conv k3 stride 2 VALID, flatten, erf', async () => {
    await check(
      'cnn c1024k3s2valid flatten erf',
      cnn([[1024, 3, 2, 'VALID']], 'flatten', [], 'erf'),
      XI,
      NI,
      'features',
      16,
    );
  });
  it('conv k3 SAME, gap', async () => {
    await check('cnn c1024k3same gap', cnn([[1024, 3, 1, 'SAME']], 'gap', []), XI, NI, 'features', 16);
  });
  it('conv k3 stride 2 SAME, gap, no bias, step', async () => {
    await check(
      'cnn c1024k3s2same gap step nobias',
      cnn([[1024, 3, 2, 'SAME']], 'gap', [], 'step', false),
      XI,
      NI,
      'features',
      16,
    );
  });
  // Two conv layers: each net's kernel fluctuates coherently with its 1024-channel first layer
  // (O(1/√1024)), whatever the last layer's width, so these need more nets than one-layer cases.
  it('two convs (1024 then 64 channels), flatten', async () => {
    await check(
      'cnn c1024k3same,c64k2s2valid flatten (last layer 64)',
      cnn(
        [
          [1024, 3, 1, 'SAME'],
          [64, 2, 2, 'VALID'],
        ],
        'flatten',
        [],
      ),
      XI,
      NI,
      'features',
      64,
    );
  });
  it('conv k3 stride 2 VALID, gap, dense 1024, erf', async () => {
    await check(
      'cnn c1024k3s2valid,gap,d1024 erf',
      cnn([[1024, 3, 2, 'VALID']], 'gap', [1024], 'erf'),
      XI,
      NI,
      'features',
      16,
    );
  });
  it('two convs (1024 then 64 channels), gap', async () => {
    await check(
      'cnn c1024k3s2same,c64k3same,gap (last layer 64)',
      cnn(
        [
          [1024, 3, 2, 'SAME'],
          [64, 3, 1, 'SAME'],
        ],
        'gap',
        [],
      ),
      XI,
      NI,
      'features',
      32,
    );
  });
});

describe('monteCarloKernel itself', () => {
  it('is deterministic, independent of the batch size, and disjoint ranges merge into the whole', async () => {
    const spec = fcn([32], 'relu', true);
    const opts = { draws: 600, seed: 3, backend: wasm } as const;
    const a = await monteCarloKernel(spec, XF, N, undefined, undefined, opts);
    const b = await monteCarloKernel(spec, XF, N, undefined, undefined, { ...opts, chunk: 7 });
    expect(Array.from(b.kernel)).toEqual(Array.from(a.kernel));
    const h1 = await monteCarloKernel(spec, XF, N, undefined, undefined, { ...opts, draws: 250 });
    const h2 = await monteCarloKernel(spec, XF, N, undefined, undefined, { ...opts, draws: 350, first: 250 });
    for (let k = 0; k < a.kernel.length; k++) {
      expect((250 * h1.kernel[k] + 350 * h2.kernel[k]) / 600).toBeCloseTo(a.kernel[k], 12);
    }
    // The js backend evaluates the same nets.
    const c = await monteCarloKernel(spec, XF, N, undefined, undefined, { ...opts, backend: js });
    expect(relFrob(c.kernel, a.kernel)).toBeLessThan(1e-12);
    expect(a.kernel.every(Number.isFinite) && a.stderr!.every(Number.isFinite)).toBe(true);
  });

  it('cross kernels (X1 against X2) and width replacement', async () => {
    const spec = fcn([7], 'erf', true);
    const X2 = fcnInputs(3, D).map((v) => -0.7 * v);
    const exact = kernelMatrix(spec, XF, N, X2, 3);
    const mc = await monteCarloKernel(spec, XF, N, X2, 3, { draws: 16, seed: 2, width: 1024, estimator: 'features' });
    expect(mc.n1).toBe(N);
    expect(mc.n2).toBe(3);
    expect(mc.spec.kind === 'fcn' && mc.spec.hidden).toEqual([1024]);
    const err = relFrob(mc.kernel, exact);
    rows.push(
      `fcn 1024 erf cross 6×3 | features | 16 | ${err.toFixed(4)} | ${predicted(mc.stderr, exact).toFixed(4)} | -`,
    );
    expect(err).toBeLessThanOrEqual(TOL);
    const ro = await monteCarloKernel(spec, XF, N, X2, 3, { draws: 50, seed: 2, width: 16, backend: wasm });
    expect(ro.kernel.length).toBe(N * 3);
  });

  it('tanh: no closed form, the Monte-Carlo kernel is the fallback (depth 1 against 2-D quadrature)', async () => {
    const spec = fcn([1024], 'tanh', true);
    expect(() => kernelMatrix(spec, XF, N)).toThrow(/tanh.*monteCarloKernel/s);
    const mc = await monteCarloKernel(spec, XF, N, undefined, undefined, { draws: 16, seed: 4, estimator: 'features' });
    // Depth 1: E[f f'] = σ_b² + σ_w² E[tanh(u) tanh(v)] exactly, (u, v) ~ N(0, K⁰); by quadrature.
    const sw2 = spec.sigmaW ** 2;
    const sb2 = spec.sigmaB ** 2;
    const k0 = (i: number, j: number) => {
      let s = 0;
      for (let k = 0; k < D; k++) s += XF[i * D + k] * XF[j * D + k];
      return sb2 + (sw2 * s) / D;
    };
    const quad = new Float64Array(N * N);
    const G = 240;
    const h = 16 / G;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const a = k0(i, i);
        const c = k0(i, j);
        const b = k0(j, j);
        const l11 = Math.sqrt(a);
        const l21 = c / l11;
        const l22 = Math.sqrt(Math.max(b - l21 * l21, 0));
        let s = 0;
        for (let p = 0; p <= G; p++) {
          const z1 = -8 + p * h;
          const w1 = Math.exp((-z1 * z1) / 2);
          for (let q = 0; q <= G; q++) {
            const z2 = -8 + q * h;
            s += w1 * Math.exp((-z2 * z2) / 2) * Math.tanh(l11 * z1) * Math.tanh(l21 * z1 + l22 * z2);
          }
        }
        quad[i * N + j] = sb2 + (sw2 * s * h * h) / (2 * Math.PI);
      }
    }
    const err = relFrob(mc.kernel, quad);
    rows.push(
      `fcn 1024 tanh (vs quadrature) | features | 16 | ${err.toFixed(4)} | ${predicted(mc.stderr, quad).toFixed(4)} | -`,
    );
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it('rejects bad options with clear errors', async () => {
    const c = cnn([[4, 3, 1, 'SAME']], 'flatten', []);
    // A CNN's readout estimator runs on the float64 wasm backend as on the js reference: the same kernel to rounding.
    const viaWasm = await monteCarloKernel(c, XI, NI, undefined, undefined, { draws: 8, seed: 1, backend: 'wasm' });
    const viaJs = await monteCarloKernel(c, XI, NI, undefined, undefined, { draws: 8, seed: 1, backend: 'js' });
    for (let i = 0; i < viaJs.kernel.length; i++) expect(viaWasm.kernel[i]).toBeCloseTo(viaJs.kernel[i], 9);
    await expect(monteCarloKernel(c, XI, NI, undefined, undefined, { draws: 0, seed: 1 })).rejects.toThrow(/draws/);
    await expect(monteCarloKernel(c, XI, 3, undefined, undefined, { draws: 2, seed: 1 })).rejects.toThrow(/X1/);
    await expect(monteCarloKernel(c, XI, NI, undefined, undefined, { draws: 2, seed: 1, width: 0 })).rejects.toThrow(
      /width/,
    );
  });
});
