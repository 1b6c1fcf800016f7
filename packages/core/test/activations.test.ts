/**
 * The activation table (finite-net side): φ′ against finite differences of
 * φ, the range checks' scale against quadrature of E[φ(u)²], the float32 GPU
 * helpers against φ, unknown names refused by name; and the wasm modules
 * built from the table: an activation code they do not know traps instead of
 * running the net as a linear one. Needs `pnpm build` (the wasm modules).
 */
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_TABLE,
  ACTIVATIONS,
  activationCode,
  activationDerivative,
  activationFn,
  gpuActivationName,
  gpuActivationSource,
} from '../src/arch/activations.js';
import { forwardReference } from '../src/arch/forward.js';
import type { Activation, FcnSpec } from '../src/arch/spec.js';
import { getBackend, priorParams } from '../src/backend/index.js';
import { fmaSupport, WasmInstance, wasmModule } from '../src/backend/wasm-module.js';
import { LinalgEngine } from '../src/linalg/engine.js';
import { gramPlan, layerMapPlan, runPlan } from '../src/linalg/ops.js';

const fcn = (activation: Activation, hidden = [6, 5]): FcnSpec => ({
  kind: 'fcn',
  inputDim: 3,
  hidden,
  activation,
  sigmaW: 1.3,
  sigmaB: 0.7,
  bias: true,
});
const inputs = (m: number, d: number) => new Float64Array(m * d).map((_, i) => Math.sin(1.7 * i + 0.3));
/** A code no row of the table has. */
const unknownCode = Math.max(...ACTIVATIONS.map(activationCode)) + 1;

describe('the activation table', () => {
  it('has one distinct integer code ≥ 0 per activation, and refuses unknown names by name', () => {
    const codes = ACTIVATIONS.map(activationCode);
    expect(new Set(codes).size).toBe(ACTIVATIONS.length);
    for (const c of codes) expect(Number.isInteger(c) && c >= 0).toBe(true);
    expect(ACTIVATIONS).toEqual(Object.keys(ACTIVATION_TABLE));
    expect(() => activationCode('gelu' as Activation)).toThrow(/unknown activation "gelu": not one of relu, erf/);
    expect(() => activationFn('toString' as Activation)).toThrow(/unknown activation "toString"/);
  });

  it('φ′ is the derivative of φ (central differences), null only where φ′ = 0 a.e. (step)', () => {
    for (const a of ACTIVATIONS) {
      const phi = activationFn(a);
      const dphi = activationDerivative(a);
      if (!dphi) {
        for (const x of [-2, -0.3, 0.4, 3]) expect(phi(x + 1e-4) - phi(x - 1e-4), a).toBe(0);
        continue;
      }
      for (const x of [-2.5, -1, -0.3, 0.2, 0.7, 1.9]) {
        const h = 1e-5;
        expect(dphi(x), `${a} at ${x}`).toBeCloseTo((phi(x + h) - phi(x - h)) / (2 * h), 8);
      }
    }
  });

  it('rms(sd) = √E[φ(u)²], u ~ N(0, sd²), by quadrature (tanh within the documented factor)', () => {
    for (const a of ACTIVATIONS) {
      const phi = activationFn(a);
      for (const sd of [0.1, 1, 3.7]) {
        // midpoint rule on ±12 sd of the Gaussian density (0 is a cell boundary: step's jump costs nothing)
        const N = 20000;
        let s = 0;
        for (let k = 0; k < N; k++) {
          const z = -12 + (24 * (k + 0.5)) / N;
          s += (24 / N) * Math.exp(-0.5 * z * z) * phi(sd * z) ** 2;
        }
        const want = Math.sqrt(s / Math.sqrt(2 * Math.PI));
        const got = ACTIVATION_TABLE[a].rms(sd);
        if (a === 'tanh') {
          expect(got / want, `${a} ${sd}`).toBeGreaterThan(0.6);
          expect(got / want, `${a} ${sd}`).toBeLessThan(1.7);
        } else expect(got, `${a} ${sd}`).toBeCloseTo(want, 6);
      }
    }
  });

  it('the float32 GPU helpers compute φ (to float32 accuracy, erf to its minimax error)', () => {
    for (const a of ACTIVATIONS) {
      // a gpu.js helper is plain JavaScript: evaluate it here
      const f = new Function(`${gpuActivationSource(a)}\nreturn ${gpuActivationName(a)};`)() as (s: number) => number;
      const phi = activationFn(a);
      for (let x = -6; x <= 6; x += 0.0173) {
        const tol = a === 'erf' ? 2e-7 : 1e-15;
        expect(Math.abs(f(x) - phi(x)), `${a} at ${x}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(phi(x))));
      }
    }
  });
});

/** The wasm forward-pass instance's config words (the activation code is slot 2, as `configure` writes it). */
function configWords(k: WasmInstance): Int32Array {
  const ex = (k as unknown as { ex: { memory: { buffer: ArrayBuffer }; cfgPtr(): number } }).ex;
  return new Int32Array(ex.memory.buffer, ex.cfgPtr(), 16);
}

describe('an activation code the wasm modules do not know traps', () => {
  const variants = fmaSupport().ok ? (['simd', 'fma'] as const) : (['simd'] as const);

  for (const variant of variants) {
    it(`forward pass and prior sampling (${variant}, f32 and f64)`, () => {
      const { module } = wasmModule(variant);
      const k = new WasmInstance(module, variant);
      const spec = fcn('relu');
      const X = inputs(9, 3);
      const theta = priorParams(spec, 5, 0, 2);
      for (const precision of ['f32', 'f64'] as const) {
        k.configure(spec, 9, precision);
        k.setInputs(X);
        const cfg = configWords(k);
        expect(cfg[2]).toBe(activationCode('relu'));
        for (const bad of [unknownCode, 99, -7]) {
          cfg[2] = bad;
          expect(() => k.forward(theta, 2), `code ${bad}`).toThrow(/unreachable/);
          expect(() => k.priorBits(7, 0, 3), `code ${bad}`).toThrow(/unreachable/);
        }
        // the instance stays usable, and a known code written the same way runs that activation
        cfg[2] = activationCode('tanh');
        const want = forwardReference(fcn('tanh'), theta, 2, X, 9);
        const got = k.forward(theta, 2);
        for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], precision === 'f64' ? 12 : 5);
      }
    });
  }

  it('every known code runs its activation (the generated dispatch agrees with φ through the backend)', async () => {
    const be = await getBackend('wasm', { precision: 'f64', threads: 1 });
    try {
      for (const a of ACTIVATIONS) {
        const spec = fcn(a);
        const X = inputs(11, 3);
        const theta = priorParams(spec, 3, 0, 2);
        const got = await be.forward(spec, theta, 2, X, 11);
        const want = forwardReference(spec, theta, 2, X, 11);
        for (let i = 0; i < want.length; i++) expect(got[i], a).toBeCloseTo(want[i], 12);
      }
    } finally {
      await be.close();
    }
  });

  it('the threaded linalg module: a layer-map job with an unknown code traps, and the engine stays usable', async () => {
    const e = new LinalgEngine('auto');
    try {
      const [n, d] = [12, 5];
      const X = inputs(n, d);
      expect(e.hasLayerMap(unknownCode)).toBe(false);
      for (const code of [unknownCode, 99]) {
        const plan = layerMapPlan(e, X, n, d, { layers: 2, code, sw2: 1.5, sb2: 0.1, ntk: true }, undefined, n);
        expect(() => runPlan(e, plan, 1), `code ${code}`).toThrow(/unreachable/);
      }
      // the Gram matrix afterwards, against a plain loop
      const G = runPlan(e, gramPlan(e, X, n, undefined, n, d), 1);
      let s = 0;
      for (let k = 0; k < d; k++) s += X[3 * d + k] * X[7 * d + k];
      expect(G[3 * n + 7]).toBeCloseTo(s, 14);
    } finally {
      await e.close();
    }
  });
});
