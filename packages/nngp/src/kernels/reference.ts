/**
 * The reference kernels: plain float64 loops over pairs of inputs, FCN and
 * CNN. Every faster implementation is tested against these.
 */
import { type CnnSpec, cnnShapes, convPadBefore } from '@fsbayes/core';
import { densePair, denseSelf, type Recursion } from './dense.js';
import { type DualOut, dual, dualDiag } from './dual.js';

/** Both kernels of an n1×n2 block (row-major). `ntk` is null when not asked for. */
export interface KernelBlock {
  nngp: Float64Array;
  ntk: Float64Array | null;
}

/** Rows of a row-major [n × d] matrix. */
export interface Points {
  X: Float64Array;
  n: number;
}

/** One input alone: the dense tail's variances and the readout NTK (plus per-conv-layer variances for a CNN). */
export interface Self {
  q: Float64Array;
  t: number;
  conv: Float64Array[];
}

function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[ia + k] * b[ib + k];
  return s;
}

/**
 * Fill an n1×n2 block from per-input summaries and a pair function; with
 * `b === null` the block is symmetric: pairs i < j are computed once and
 * mirrored, the diagonal comes from the exact self recursion.
 */
function assemble(
  selfA: Self[],
  selfB: Self[] | null,
  ntk: boolean,
  pair: (i: number, j: number, out: { k: number; t: number }) => void,
): KernelBlock {
  const n1 = selfA.length;
  const n2 = selfB ? selfB.length : n1;
  const K = new Float64Array(n1 * n2);
  const T = ntk ? new Float64Array(n1 * n2) : null;
  const out = { k: 0, t: 0 };
  for (let i = 0; i < n1; i++) {
    if (selfB) {
      for (let j = 0; j < n2; j++) {
        pair(i, j, out);
        K[i * n2 + j] = out.k;
        if (T) T[i * n2 + j] = out.t;
      }
    } else {
      const s = selfA[i];
      K[i * n1 + i] = s.q[s.q.length - 1];
      if (T) T[i * n1 + i] = s.t;
      for (let j = i + 1; j < n1; j++) {
        pair(i, j, out);
        K[i * n1 + j] = K[j * n1 + i] = out.k;
        if (T) T[i * n1 + j] = T[j * n1 + i] = out.t;
      }
    }
  }
  return { nngp: K, ntk: T };
}

/**
 * Each input alone through an FCN of input dimension d and L hidden layers:
 * its variances q[0..L] (q[L] the kernel's diagonal) and readout NTK t.
 */
export function fcnSelf(d: number, L: number, r: Recursion, P: Points): Self[] {
  const out: Self[] = [];
  for (let i = 0; i < P.n; i++) {
    const q0 = r.sb2 + r.sw2 * (dot(P.X, i * d, P.X, i * d, d) / d);
    const s = denseSelf(r, L, q0, q0);
    out.push({ q: s.q, t: s.t, conv: [] });
  }
  return out;
}

/**
 * FCN of input dimension d and L hidden layers: K⁰ = σ_b² + σ_w²·x·x'/d
 * (= Θ⁰), then the dense recursion through the hidden layers to the readout.
 * The one float64 reference FCN kernel (`kernelMatrix`, and the small
 * problems and exact diagonals of `fcnKernel` and the GPU path).
 */
export function fcnReference(
  d: number,
  L: number,
  r: Recursion,
  A: Points,
  B: Points | null,
  ntk: boolean,
): KernelBlock {
  const sa = fcnSelf(d, L, r, A);
  const sb = B ? fcnSelf(d, L, r, B) : null;
  const Y = B ? B.X : A.X;
  const o: DualOut = { e: 0, dot: 0 };
  return assemble(sa, sb, ntk, (i, j, out) => {
    const c0 = r.sb2 + r.sw2 * (dot(A.X, i * d, Y, j * d, d) / d);
    densePair(r, L, sa[i].q, (sb ?? sa)[j].q, c0, c0, o, out);
  });
}

/** Where each output position of a conv layer reads: input position per kernel offset, or −1 (padding). */
interface ConvGeom {
  pin: number;
  pout: number;
  /** kh·kw. */
  k: number;
  /** 1/(kh·kw). */
  inv: number;
  /** [pout × k]: input position (y·W + x) or −1. */
  idx: Int32Array;
}

function convGeoms(spec: CnnSpec): ConvGeom[] {
  const shapes = cnnShapes(spec);
  return spec.convs.map((c, l) => {
    const [H, W] = shapes[l];
    const [OH, OW] = shapes[l + 1];
    const [kh, kw] = c.kernel;
    const [sh, sw] = c.stride;
    const ph = convPadBefore(H, kh, sh, c.padding);
    const pw = convPadBefore(W, kw, sw, c.padding);
    const k = kh * kw;
    const idx = new Int32Array(OH * OW * k);
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const y = oy * sh - ph + ky;
            const x = ox * sw - pw + kx;
            idx[(oy * OW + ox) * k + ky * kw + kx] = y >= 0 && y < H && x >= 0 && x < W ? y * W + x : -1;
          }
        }
      }
    }
    return { pin: H * W, pout: OH * OW, k, inv: 1 / k, idx };
  });
}

/**
 * CNN-GP (Novak et al. 2019; Garriga-Alonso et al. 2019). With channel means
 * V_{p,q}(x,x') = mean_c z_{p,c}(x) z_{q,c}(x') (layer 0: the input pixels),
 * a conv layer with fan_in = kh·kw·C_in gives the pre-activation covariance
 *
 *   A_{p,q} = σ_b² + σ_w² · (1/(kh·kw)) Σ_δ V_{s·p+δ−pad, s·q+δ−pad}
 *
 * (the same kernel offset δ for both positions; a padded position contributes
 * 0, but still counts in the 1/(kh·kw)), and the NTK
 * Θ_{p,q} = A_{p,q} + σ_w²·(1/(kh·kw)) Σ_δ (ĖΘ)_{…} of the layer below.
 * The nonlinearity acts entrywise with the two inputs' own variances A_{p,p}(x,x),
 * A_{q,q}(x',x'). Readout (or first dense layer) after flatten:
 * K = σ_b² + σ_w²·mean_p V_{p,p} — only same-position covariances are needed
 * ("diag" mode, O(Σ_l P_l·k_l) per pair); after global average pooling:
 * K = σ_b² + σ_w²·mean_{p,q} V_{p,q}, which needs the full position×position
 * covariance ("full" mode, O(Σ_l P_l²·k_l) time and O(P²) memory per pair).
 */
export class CnnReference {
  private readonly geoms: ConvGeom[];
  private readonly c0: number;
  private readonly full: boolean;
  private readonly o: DualOut = { e: 0, dot: 0 };
  /** Per layer l (0 = input): V and ĖΘ after layer l, sized P_l (diag) or P_l² (full). */
  private readonly V: Float64Array[];
  private readonly T: Float64Array[];

  constructor(
    private readonly spec: CnnSpec,
    private readonly r: Recursion,
    private readonly ntk: boolean,
  ) {
    this.geoms = convGeoms(spec);
    this.c0 = spec.inputShape[2];
    this.full = spec.pooling === 'gap';
    const sizes = [this.geoms[0].pin, ...this.geoms.map((g) => g.pout)];
    const len = (p: number) => (this.full ? p * p : p);
    this.V = sizes.map((p) => new Float64Array(len(p)));
    this.T = sizes.map((p) => new Float64Array(len(p)));
  }

  /** Pre-activation variances per conv layer and the readout summary of one input. */
  self(X: Float64Array, i: number): Self {
    const conv = this.geoms.map((g) => new Float64Array(g.pout));
    const out = { k: 0, t: 0 };
    this.diagPair(X, i, X, i, null, null, conv, out);
    if (this.full) this.fullPair(X, i, X, i, conv, conv, out);
    const s = denseSelf(this.r, this.spec.hidden.length, out.k, out.t);
    return { q: s.q, t: s.t, conv };
  }

  /** The pair (x_i of X, x_j of Y) at the readout, given both inputs' summaries. */
  pair(X: Float64Array, i: number, Y: Float64Array, j: number, a: Self, b: Self, out: { k: number; t: number }): void {
    if (this.full) this.fullPair(X, i, Y, j, a.conv, b.conv, out);
    else this.diagPair(X, i, Y, j, a.conv, b.conv, null, out);
    densePair(this.r, this.spec.hidden.length, a.q, b.q, out.k, out.t, this.o, out);
  }

  /**
   * Same-position covariances. With `store` (and sa = sb = null) this is one
   * input with itself: the exact diagonal update, pre-activations stored per layer.
   */
  private diagPair(
    X: Float64Array,
    i: number,
    Y: Float64Array,
    j: number,
    sa: Float64Array[] | null,
    sb: Float64Array[] | null,
    store: Float64Array[] | null,
    out: { k: number; t: number },
  ): void {
    const { r, o, ntk } = this;
    const C = this.c0;
    const P0 = this.geoms[0].pin;
    const v0 = this.V[0];
    const xa = i * P0 * C;
    const xb = j * P0 * C;
    for (let p = 0; p < P0; p++) v0[p] = dot(X, xa + p * C, Y, xb + p * C, C) / C;
    this.T[0].fill(0);
    this.geoms.forEach((g, l) => {
      const vin = this.V[l];
      const tin = this.T[l];
      const vout = this.V[l + 1];
      const tout = this.T[l + 1];
      for (let p = 0; p < g.pout; p++) {
        let s = 0;
        let st = 0;
        for (let k = 0; k < g.k; k++) {
          const q = g.idx[p * g.k + k];
          if (q >= 0) {
            s += vin[q];
            st += tin[q];
          }
        }
        const a = r.sb2 + r.sw2 * (s * g.inv);
        const th = a + r.sw2 * (st * g.inv);
        if (store) {
          store[l][p] = a;
          dualDiag(r.act, a, o);
        } else {
          dual(r.act, sa![l][p], sb![l][p], a, o);
        }
        vout[p] = o.e;
        tout[p] = ntk ? o.dot * th : 0;
      }
    });
    const last = this.geoms.length;
    const P = this.geoms[last - 1].pout;
    let s = 0;
    let st = 0;
    for (let p = 0; p < P; p++) {
      s += this.V[last][p];
      st += this.T[last][p];
    }
    out.k = r.sb2 + r.sw2 * (s / P);
    out.t = out.k + r.sw2 * (st / P);
  }

  /** Full position×position covariances (global average pooling). */
  private fullPair(
    X: Float64Array,
    i: number,
    Y: Float64Array,
    j: number,
    sa: Float64Array[],
    sb: Float64Array[],
    out: { k: number; t: number },
  ): void {
    const { r, o, ntk } = this;
    const C = this.c0;
    const P0 = this.geoms[0].pin;
    const v0 = this.V[0];
    const xa = i * P0 * C;
    const xb = j * P0 * C;
    for (let p = 0; p < P0; p++) for (let q = 0; q < P0; q++) v0[p * P0 + q] = dot(X, xa + p * C, Y, xb + q * C, C) / C;
    this.T[0].fill(0);
    this.geoms.forEach((g, l) => {
      const vin = this.V[l];
      const tin = this.T[l];
      const vout = this.V[l + 1];
      const tout = this.T[l + 1];
      const Pi = g.pin;
      const Po = g.pout;
      const K = g.k;
      const idx = g.idx;
      const qa = sa[l];
      const qb = sb[l];
      for (let p = 0; p < Po; p++) {
        for (let q = 0; q < Po; q++) {
          let s = 0;
          let st = 0;
          for (let k = 0; k < K; k++) {
            const ip = idx[p * K + k];
            const iq = idx[q * K + k];
            if (ip >= 0 && iq >= 0) {
              s += vin[ip * Pi + iq];
              st += tin[ip * Pi + iq];
            }
          }
          const a = r.sb2 + r.sw2 * (s * g.inv);
          const th = a + r.sw2 * (st * g.inv);
          dual(r.act, qa[p], qb[q], a, o);
          vout[p * Po + q] = o.e;
          tout[p * Po + q] = ntk ? o.dot * th : 0;
        }
      }
    });
    const last = this.geoms.length;
    const P = this.geoms[last - 1].pout;
    const V = this.V[last];
    const T = this.T[last];
    // Summed in a pair-symmetric order (diagonal, then V_pq + V_qp), so that
    // swapping the two inputs (V → Vᵀ) gives the same bits: exact symmetry.
    let s = 0;
    let st = 0;
    for (let p = 0; p < P; p++) {
      s += V[p * P + p];
      st += T[p * P + p];
      for (let q = p + 1; q < P; q++) {
        s += V[p * P + q] + V[q * P + p];
        st += T[p * P + q] + T[q * P + p];
      }
    }
    out.k = r.sb2 + r.sw2 * (s / (P * P));
    out.t = out.k + r.sw2 * (st / (P * P));
  }
}

export function cnnReference(spec: CnnSpec, r: Recursion, A: Points, B: Points | null, ntk: boolean): KernelBlock {
  const cnn = new CnnReference(spec, r, ntk);
  const sa: Self[] = [];
  for (let i = 0; i < A.n; i++) sa.push(cnn.self(A.X, i));
  const sb: Self[] | null = B ? [] : null;
  if (B && sb) for (let j = 0; j < B.n; j++) sb.push(cnn.self(B.X, j));
  const Y = B ? B.X : A.X;
  return assemble(sa, sb, ntk, (i, j, out) => cnn.pair(A.X, i, Y, j, sa[i], (sb ?? sa)[j], out));
}
