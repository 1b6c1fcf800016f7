/**
 * The activation table, kernel side ({@link DUALS}): for every activation its
 * dual map — for (u, v) ~ N(0, [[q1, c], [c, q2]]) the Gaussian expectations
 * E[φ(u)φ(v)] (the NNGP map) and E[φ'(u)φ'(v)] (the NTK's derivative
 * factor) — in closed form, or `null` where there is none (tanh). Each row
 * holds every form of its formula: float64 TypeScript (the reference), the
 * float32 GPU source and its CPU model, and the AssemblyScript SIMD source of
 * the threaded wasm kernel (`scripts/build-wasm.mjs` generates core's
 * `wasm/generated/duals.ts` from it). The table is `satisfies
 * Record<Activation, …>`, so a new activation must be given its dual (or
 * `null`) here before anything compiles.
 *
 * Numerics of the float64 reference follow neural-tangents: no arccos, the
 * angle is θ = atan2(√max(q1·q2 − c², 0), c), so rounding can never push a
 * cosine outside [−1, 1] and give NaN; the diagonal (q1 = q2 = c) has its own
 * exact update without trigonometry ({@link dualDiag}), and the general map
 * returns the very same bits there (tested), so a repeated input gives a
 * repeated row. The GPU source (and so its float32 model) and the wasm kernel
 * use the asin form for erf and π − θ for relu and step; they agree with the
 * reference to rounding (tested).
 */
import type { Activation } from '@fsbayes/core';
import { FsbayesError } from '@fsbayes/core';

/** Result of one dual-activation evaluation (reused, to allocate nothing per pair). */
export interface DualOut {
  /** E[φ(u)φ(v)]. */
  e: number;
  /** E[φ'(u)φ'(v)] (0 for step: its derivative is 0 almost everywhere, as in neural-tangents' Sign). */
  dot: number;
}

/** Rounds an intermediate result: the identity, or `Math.fround` for the float32 model. */
export type Round = (x: number) => number;

/** One row of {@link DUALS}. */
export interface DualDef {
  /** The map at a pair (float64): variances q1, q2, covariance c. */
  pair(q1: number, q2: number, c: number, out: DualOut): void;
  /** The exact diagonal update (q1 = q2 = c = q), bit-identical to `pair(q, q, q)`. */
  diag(q: number, out: DualOut): void;
  /**
   * The float32 model of {@link DualDef.gpu}: every operation rounded by `r`
   * (transcendental functions as correctly rounded float64 results rounded
   * once). Returns E and writes Ė to kd[0].
   */
  f32(a: number, b: number, c: number, kd: Float64Array, r: Round): number;
  /**
   * gpu.js source (float32) of one layer: reads the variances `a`, `b` and
   * the covariance `kk`, assigns `e` and `kd` (both 0.0 before). `lit` writes
   * a float literal.
   */
  gpu(lit: (x: number) => string): string;
  /**
   * AssemblyScript sources of the wasm kernel: `pair` assigns the f64x2 `e`
   * and `kd` from the f64x2 variances `a`, `b` and covariance `c` (`ntk`:
   * whether Ė is needed; `zero` is 0.0 splatted; `M` is the SIMD trig of
   * core's `wasm/linalg/layerkit.ts`); `diagE` and `diagKd` are f64
   * expressions in the variance `a`.
   */
  wasm: { pair: string; diagE: string; diagKd: string };
}

const INV_2PI = 1 / (2 * Math.PI);
const TWO_OVER_PI = 2 / Math.PI;
const FOUR_OVER_PI = 4 / Math.PI;

/** relu and step (arc-cosine kernels): s and (π − θ)/(2π) at a pair, false when a variance is 0. */
const arc = { s: 0, j0: 0 };
function arcAt(q1: number, q2: number, c: number): boolean {
  // A unit with zero variance is the constant 0 (relu(0) = step(0) = 0): both maps give 0 there.
  if (!(q1 > 0 && q2 > 0)) return false;
  arc.s = Math.sqrt(Math.max(q1 * q2 - c * c, 0));
  // (π − θ)/(2π), written so that θ = 0 (equal points) gives exactly 1/2.
  arc.j0 = 0.5 - Math.atan2(arc.s, c) * INV_2PI;
  return true;
}

/** The same in the float32 model (π − θ form, as the GPU source): s and θ, false when a variance is 0. */
const arc32 = { sn: 0, theta: 0 };
function arcF32(a: number, b: number, c: number, r: Round): boolean {
  if (!(a > 0 && b > 0)) return false;
  const s2 = r(r(a * b) - r(c * c));
  arc32.sn = r(Math.sqrt(Math.max(s2, 0)));
  arc32.theta = r(Math.atan2(arc32.sn, c));
  return true;
}

/** GPU source of the arc-cosine maps: `last` assigns e (and kd) from sn, th. */
const arcGpu = (last: string) => `      if (a > 0.0 && b > 0.0) {
        const sn = Math.sqrt(Math.max(a * b - kk * kk, 0.0));
        const th = Math.atan2(sn, kk);
${last}
      }`;

/** wasm source of the arc-cosine maps: sn, pmt = π − θ and the mask of live pairs, then `last`. */
const arcWasm = (last: string) => `const s2v = f64x2.sub(f64x2.mul(a, b), f64x2.mul(c, c));
const sn = f64x2.sqrt(f64x2.max(s2v, zero));
const pmt = M.atan2pos(sn, f64x2.neg(c));
// a unit with zero variance is the constant 0 and relu(0) = step(0) = 0 (step is 1(x > 0), as in the nets)
const live = v128.and(f64x2.gt(a, zero), f64x2.gt(b, zero));
${last}`;

/**
 * - relu (arc-cosine, degree 1; Cho & Saul): E = (s + (π − θ)c)/(2π), Ė = (π − θ)/(2π);
 *   diagonal E = q/2, Ė = 1/2.
 */
const relu: DualDef = {
  pair(q1, q2, c, out) {
    if (!arcAt(q1, q2, c)) {
      out.e = out.dot = 0;
      return;
    }
    out.e = c * arc.j0 + arc.s * INV_2PI;
    out.dot = arc.j0;
  },
  diag(q, out) {
    out.e = q > 0 ? q * 0.5 : 0;
    out.dot = q > 0 ? 0.5 : 0;
  },
  f32(a, b, c, kd, r) {
    if (!arcF32(a, b, c, r)) return (kd[0] = 0);
    const pmt = r(r(Math.PI) - arc32.theta);
    kd[0] = r(pmt * r(INV_2PI));
    return r(r(arc32.sn + r(pmt * c)) * r(INV_2PI));
  },
  gpu: (lit) =>
    arcGpu(`        kd = (${lit(Math.PI)} - th) * ${lit(INV_2PI)};
        e = (sn + (${lit(Math.PI)} - th) * kk) * ${lit(INV_2PI)};`),
  wasm: {
    pair: arcWasm(`e = v128.and(f64x2.mul(f64x2.add(sn, f64x2.mul(pmt, c)), M.s(INV_2PI)), live);
kd = v128.and(f64x2.mul(pmt, M.s(INV_2PI)), live);`),
    diagE: '0.5 * a',
    diagKd: 'a > 0.0 ? 0.5 : 0.0',
  },
};

/** - step 1(x > 0) (arc-cosine, degree 0): E = (π − θ)/(2π), Ė = 0 (a.e.); diagonal E = 1/2. */
const step: DualDef = {
  pair(q1, q2, c, out) {
    out.e = arcAt(q1, q2, c) ? arc.j0 : 0;
    out.dot = 0;
  },
  diag(q, out) {
    out.e = q > 0 ? 0.5 : 0;
    out.dot = 0;
  },
  f32(a, b, c, kd, r) {
    kd[0] = 0;
    return arcF32(a, b, c, r) ? r(r(r(Math.PI) - arc32.theta) * r(INV_2PI)) : 0;
  },
  gpu: (lit) =>
    arcGpu(`        kd = (${lit(Math.PI)} - th) * ${lit(INV_2PI)};
        e = kd;
        kd = 0.0;`),
  wasm: {
    pair: arcWasm(`e = v128.and(f64x2.mul(pmt, M.s(INV_2PI)), live);
kd = zero;`),
    diagE: 'a > 0.0 ? 0.5 : 0.0',
    diagKd: '0.0',
  },
};

/**
 * - erf (Williams 1997): E = (2/π)·asin(2c/√((1+2q1)(1+2q2))) = (2/π)·atan2(2c, √D),
 *   Ė = (4/π)/√D with D = (1+2q1)(1+2q2) − 4c² = 1 + 2(q1+q2) + 4(q1q2 − c²),
 *   written in the last form so that it has no cancellation. erf(0) = 0, so a
 *   zero variance needs no special case.
 */
const erfDual: DualDef = {
  pair(q1, q2, c, out) {
    const r = Math.sqrt(1 + 2 * (q1 + q2) + 4 * Math.max(q1 * q2 - c * c, 0));
    out.e = TWO_OVER_PI * Math.atan2(2 * c, r);
    out.dot = FOUR_OVER_PI / r;
  },
  diag(q, out) {
    const r = Math.sqrt(1 + 2 * (q + q) + 0);
    out.e = TWO_OVER_PI * Math.atan2(2 * q, r);
    out.dot = FOUR_OVER_PI / r;
  },
  f32(a, b, c, kd, r) {
    const prod = r(r(1 + r(2 * a)) * r(1 + r(2 * b)));
    let t = r(r(2 * c) / r(Math.sqrt(prod)));
    t = t > 1 ? 1 : Math.max(t, -1);
    const det = r(prod - r(4 * r(c * c)));
    kd[0] = r(r(FOUR_OVER_PI) / r(Math.sqrt(Math.max(det, 0))));
    return r(r(TWO_OVER_PI) * r(Math.asin(t)));
  },
  gpu: (lit) => `      const prod = (1.0 + 2.0 * a) * (1.0 + 2.0 * b);
      let t = (2.0 * kk) / Math.sqrt(prod);
      t = Math.min(Math.max(t, -1.0), 1.0);
      const det = prod - 4.0 * kk * kk;
      kd = ${lit(FOUR_OVER_PI)} / Math.sqrt(Math.max(det, 0.0));
      e = ${lit(TWO_OVER_PI)} * Math.asin(t);`,
  wasm: {
    pair: `const one = M.s(1.0);
const two = M.s(2.0);
const prod = f64x2.mul(f64x2.add(one, f64x2.mul(two, a)), f64x2.add(one, f64x2.mul(two, b)));
let r = f64x2.div(f64x2.mul(two, c), f64x2.sqrt(prod));
r = f64x2.min(f64x2.max(r, M.s(-1.0)), one);
e = f64x2.mul(M.s(TWO_OVER_PI), M.asin(r));
if (ntk) {
  const det = f64x2.sub(prod, f64x2.mul(M.s(4.0), f64x2.mul(c, c)));
  kd = f64x2.div(M.s(FOUR_OVER_PI), f64x2.sqrt(f64x2.max(det, zero)));
} else kd = zero;`,
    diagE: 'TWO_OVER_PI * Math.asin((2.0 * a) / (1.0 + 2.0 * a))',
    diagKd: 'FOUR_OVER_PI / Math.sqrt(1.0 + 4.0 * a)',
  },
};

/** The dual of every activation; `null`: no closed form (use the Monte-Carlo kernel). */
export const DUALS = { relu, step, erf: erfDual, tanh: null } as const satisfies Record<Activation, DualDef | null>;

/** Activations with a closed-form kernel (a non-null row of {@link DUALS}). */
export type ClosedFormActivation = { [A in Activation]: (typeof DUALS)[A] extends null ? never : A }[Activation];

/** Whether an activation has a closed-form kernel. */
export function hasClosedForm(a: Activation): a is ClosedFormActivation {
  return Object.hasOwn(DUALS, a) && DUALS[a] !== null;
}

/** The clear error for an activation without a closed-form kernel. */
export function noClosedForm(a: Activation): Error {
  const have = (Object.keys(DUALS) as Activation[]).filter(hasClosedForm);
  return new FsbayesError(
    `no closed-form NNGP/NTK for activation "${a}" (closed forms exist for ${have.slice(0, -1).join(', ')} and ${have.at(-1)}); ` +
      `estimate its kernel with the Monte-Carlo kernel instead: ` +
      `monteCarloKernel(spec, X1, n1, X2, n2, { draws, seed, width, estimator: 'features' })`,
  );
}

/** Narrow an activation to one with a closed form, or throw {@link noClosedForm}. */
export function closedForm(a: Activation): ClosedFormActivation {
  if (hasClosedForm(a)) return a;
  throw noClosedForm(a);
}

/** The dual row of an activation with a closed form. */
export function dualOf(a: ClosedFormActivation): DualDef {
  return DUALS[a];
}

/** The dual activation at a pair: (u, v) with variances q1, q2 and covariance c. */
export function dual(act: ClosedFormActivation, q1: number, q2: number, c: number, out: DualOut): void {
  DUALS[act].pair(q1, q2, c, out);
}

/** The exact diagonal update (q1 = q2 = c = q); bit-identical to `dual(act, q, q, q)`. */
export function dualDiag(act: ClosedFormActivation, q: number, out: DualOut): void {
  DUALS[act].diag(q, out);
}
