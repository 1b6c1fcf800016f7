/**
 * The fully connected recursion (Lee et al. 2018; Jacot et al. 2018), shared by
 * FCNs and by the dense layers after a CNN's flatten/gap.
 *
 * State at one dense layer's pre-activation, for a pair of inputs: the NNGP
 * covariance c and the NTK t; for each input alone its variance q. One dense
 * layer after a hidden layer of activation φ maps
 *
 *   c ← σ_b² + σ_w²·E[φ(u)φ(v)],   t ← c + σ_w²·E[φ'(u)φ'(v)]·t
 *
 * (σ_b² only when the spec has biases), and each input's variance by the exact
 * diagonal update. The NTK is in the NTK parameterisation (see `index.ts`).
 */
import { type ClosedFormActivation, type DualOut, dual, dualDiag } from './dual.js';

/** The constants of a spec's recursion. */
export interface Recursion {
  act: ClosedFormActivation;
  sw2: number;
  /** σ_b², or 0 when the spec has no biases. */
  sb2: number;
}

/**
 * One input alone through `layers` hidden dense layers, from the variance q0 and
 * NTK t0 of the first dense pre-activation. Returns the variances q[0..layers]
 * (q[layers] at the readout) and the readout NTK.
 */
export function denseSelf(r: Recursion, layers: number, q0: number, t0: number): { q: Float64Array; t: number } {
  const q = new Float64Array(layers + 1);
  const o: DualOut = { e: 0, dot: 0 };
  q[0] = q0;
  let t = t0;
  for (let l = 0; l < layers; l++) {
    dualDiag(r.act, q[l], o);
    const k = r.sb2 + r.sw2 * o.e;
    t = k + r.sw2 * o.dot * t;
    q[l + 1] = k;
  }
  return { q, t };
}

/**
 * A pair through the same layers, from its first dense pre-activation
 * covariance c and NTK t, given both inputs' variances (from {@link denseSelf}).
 * Writes the readout covariance and NTK to `out`; `o` is scratch.
 */
export function densePair(
  r: Recursion,
  layers: number,
  qa: Float64Array,
  qb: Float64Array,
  c: number,
  t: number,
  o: DualOut,
  out: { k: number; t: number },
): void {
  for (let l = 0; l < layers; l++) {
    dual(r.act, qa[l], qb[l], c, o);
    c = r.sb2 + r.sw2 * o.e;
    t = c + r.sw2 * o.dot * t;
  }
  out.k = c;
  out.t = t;
}
