/**
 * The activation table, kernel side (`DUALS`): every form of a row's formula
 * against its float64 map — the float32 model (asin / π − θ forms) and the
 * GPU source evaluated as JavaScript — and the wasm layer maps generated
 * from it: the build has exactly the table's closed forms, and a code
 * without one traps instead of leaving the Gram matrix as "the kernel".
 * (The float64 maps themselves are checked against quadrature in
 * kernels.test.ts, the wasm maps against them in kernels-fcn.test.ts.)
 */
import { ACTIVATIONS, type Activation, activationCode, FsbayesError } from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { LinalgEngine } from '../../core/src/linalg/engine.js';
import { layerMapPlan, runPlan } from '../../core/src/linalg/ops.js';
import { DUALS, type DualOut, dualOf, hasClosedForm } from '../src/kernels/dual.js';
import { fcnKernel } from '../src/kernels/fcn.js';

const closed = ACTIVATIONS.filter(hasClosedForm);

/** Pairs (q1, q2, c) with |c| ≤ √(q1 q2): random, equal points, zero variance, antipodal. */
function pairs(): [number, number, number][] {
  const out: [number, number, number][] = [
    [1, 1, 1],
    [2.5, 2.5, -2.5],
    [0, 1.3, 0],
    [0.7, 0, 0],
    [1e-3, 40, 0.1],
  ];
  let x = 12345;
  const u = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  for (let k = 0; k < 300; k++) {
    const q1 = 0.05 + 5 * u();
    const q2 = 0.05 + 5 * u();
    out.push([q1, q2, (2 * u() - 1) * Math.sqrt(q1 * q2)]);
  }
  return out;
}

describe('DUALS: every form of a row agrees with its float64 map', () => {
  it('has a row (or null: no closed form) for every activation; tanh has none', () => {
    expect(Object.keys(DUALS).sort()).toEqual([...ACTIVATIONS].sort());
    expect(hasClosedForm('tanh')).toBe(false);
    expect(closed).toEqual(['relu', 'erf', 'step']);
  });

  it('the float32 model is the map to float32 accuracy, and really rounds', () => {
    const o: DualOut = { e: 0, dot: 0 };
    const kd = new Float64Array(1);
    for (const a of closed) {
      let worst = 0;
      let rounded = false;
      for (const [q1, q2, c] of pairs()) {
        dualOf(a).pair(q1, q2, c, o);
        const f = Math.fround;
        const e = dualOf(a).f32(f(q1), f(q2), f(c), kd, f);
        const scale = Math.max(1, Math.sqrt(q1 * q2));
        worst = Math.max(worst, Math.abs(e - o.e) / scale, Math.abs(kd[0] - o.dot));
        if (e !== o.e) rounded = true;
        expect(e, a).toBe(f(e));
      }
      expect(worst, a).toBeLessThan(2e-6);
      expect(rounded, a).toBe(true);
    }
  });

  it('the GPU source, run as JavaScript in float64, is the map to rounding', () => {
    const o: DualOut = { e: 0, dot: 0 };
    for (const a of closed) {
      const body = dualOf(a).gpu((x) => String(x));
      const layer = new Function('a', 'b', 'kk', `let e = 0.0; let kd = 0.0;\n${body}\nreturn [e, kd];`) as (
        a: number,
        b: number,
        kk: number,
      ) => [number, number];
      for (const [q1, q2, c] of pairs()) {
        dualOf(a).pair(q1, q2, c, o);
        const [e, kd] = layer(q1, q2, c);
        const scale = Math.max(1, Math.sqrt(q1 * q2));
        expect(Math.abs(e - o.e) / scale, `${a} E at ${q1}, ${q2}, ${c}`).toBeLessThan(1e-9);
        expect(Math.abs(kd - o.dot), `${a} Ė at ${q1}, ${q2}, ${c}`).toBeLessThan(1e-7);
      }
    }
  });
});

describe('the wasm layer maps built from DUALS', () => {
  const e = new LinalgEngine('auto');
  afterAll(() => e.close());

  it('exist for exactly the activations with a closed form', () => {
    for (const a of ACTIVATIONS) expect(e.hasLayerMap(activationCode(a)), a).toBe(hasClosedForm(a));
  });

  it('trap on an activation without a closed form (the job never returns the bare Gram matrix)', () => {
    const [n, d] = [10, 4];
    const X = new Float64Array(n * d).map((_, i) => Math.cos(0.7 * i));
    const without: Activation[] = ACTIVATIONS.filter((a) => !hasClosedForm(a));
    expect(without.length).toBeGreaterThan(0);
    for (const a of without) {
      const plan = layerMapPlan(e, X, n, d, { layers: 1, code: activationCode(a), sw2: 2, sb2: 0, ntk: false }, X, n);
      expect(() => runPlan(e, plan, 1), a).toThrow(/unreachable/);
    }
    // the public entry refuses them by name before any job
    expect(() => fcnKernel(X, n, d, { hidden: 1, activation: 'tanh', sigmaW: 1, sigmaB: 0, bias: false })).toThrow(
      /fcnKernel: unknown activation 'tanh'/,
    );
  });
});

describe('fcnKernel: resources', () => {
  it('an n × n kernel matrix that cannot fit is refused before it is computed', () => {
    const n = 300_000; // 300,000² float64 = 655 GiB
    let err: unknown;
    try {
      fcnKernel(new Float64Array(n), n, 1, { hidden: 1, activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsbayesError);
    expect((err as FsbayesError).kind).toBe('resource');
    expect((err as FsbayesError).message).toContain('the FCN kernel of 300000 × 300000 points needs about 1.3 TiB');
  });
});
