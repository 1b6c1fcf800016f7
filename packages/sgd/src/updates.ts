/**
 * The float64 reference update rules, elementwise over a net's flat parameter
 * vector θ (AGD works per weight matrix), and AGD's initialisation. One
 * {@link Optimizer} serves one run at a time and is `reset()` between runs,
 * so its buffers are allocated once per thread. The optimiser table
 * (`optimizers.ts`) says which rule each name runs.
 *
 * Each rule is written as in its paper; tests check them against values
 * worked out by hand.
 */
import { FsbayesError } from '@fsbayes/core';
import type { OptimizerName, OptimizerParams } from './optimizers.js';

/** A dense weight matrix [out × in] inside θ (AGD's unit of normalisation). */
export interface WeightBlock {
  offset: number;
  out: number;
  in: number;
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Forget all state (moments, step count) before a new run. */
  reset(): void;
  /** One update θ ← θ − … from the minibatch gradient g (same length as θ). */
  step(theta: Float64Array, g: Float64Array): void;
  /** Steps taken since the last reset. */
  readonly t: number;
}

abstract class Base implements Optimizer {
  abstract readonly name: OptimizerName;
  t = 0;
  protected readonly a: Float64Array;
  protected readonly b: Float64Array;
  constructor(
    protected readonly p: OptimizerParams,
    P: number,
    protected readonly init = 0,
  ) {
    this.a = new Float64Array(P).fill(init);
    this.b = new Float64Array(P);
  }
  reset(): void {
    this.t = 0;
    this.a.fill(this.init);
    this.b.fill(0);
  }
  abstract step(theta: Float64Array, g: Float64Array): void;
}

/**
 * SGD as Keras runs it: g ← g + λθ; η_t = η/(1 + decay·t) with t the steps
 * taken before this one; v ← μv − η_t g; θ ← θ + v, or with Nesterov
 * θ ← θ + μv − η_t g. With μ = 0 this is θ ← θ − η_t g.
 */
export class Sgd extends Base {
  readonly name = 'sgd';
  step(theta: Float64Array, g: Float64Array): void {
    const { momentum: mu, nesterov, weightDecay: wd } = this.p;
    const lr = this.p.lr / (1 + this.p.lrDecay * this.t);
    const v = this.a;
    const n = theta.length;
    if (mu === 0) {
      for (let k = 0; k < n; k++) theta[k] -= lr * (g[k] + wd * theta[k]);
    } else {
      for (let k = 0; k < n; k++) {
        const gk = g[k] + wd * theta[k];
        const vk = mu * v[k] - lr * gk;
        v[k] = vk;
        theta[k] += nesterov ? mu * vk - lr * gk : vk;
      }
    }
    this.t++;
  }
}

/** Adam (Kingma & Ba 2015, Alg. 1): bias-corrected moments, θ ← θ − η m̂/(√v̂ + ε). */
export class Adam extends Base {
  readonly name = 'adam';
  step(theta: Float64Array, g: Float64Array): void {
    const { lr, beta1: b1, beta2: b2, eps } = this.p;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const m = this.a;
    const v = this.b;
    for (let k = 0; k < theta.length; k++) {
      const gk = g[k];
      m[k] = b1 * m[k] + (1 - b1) * gk;
      v[k] = b2 * v[k] + (1 - b2) * gk * gk;
      theta[k] -= (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + eps);
    }
  }
}

/** Adagrad (Duchi et al. 2011): G ← G + g²; θ ← θ − η g/(√G + ε). */
export class Adagrad extends Base {
  readonly name = 'adagrad';
  constructor(p: OptimizerParams, P: number) {
    super(p, P, p.initialAccumulator);
  }
  step(theta: Float64Array, g: Float64Array): void {
    const { lr, eps } = this.p;
    const G = this.a;
    for (let k = 0; k < theta.length; k++) {
      const gk = g[k];
      G[k] += gk * gk;
      theta[k] -= (lr * gk) / (Math.sqrt(G[k]) + eps);
    }
    this.t++;
  }
}

/** RMSprop (Hinton, lecture 6e): s ← ρs + (1−ρ)g²; θ ← θ − η g/(√s + ε). */
export class RmsProp extends Base {
  readonly name = 'rmsprop';
  step(theta: Float64Array, g: Float64Array): void {
    const { lr, rho, eps } = this.p;
    const s = this.a;
    for (let k = 0; k < theta.length; k++) {
      const gk = g[k];
      s[k] = rho * s[k] + (1 - rho) * gk * gk;
      theta[k] -= (lr * gk) / (Math.sqrt(s[k]) + eps);
    }
    this.t++;
  }
}

/**
 * Adadelta (Zeiler 2012, Alg. 1): E[g²] ← ρE[g²] + (1−ρ)g²;
 * Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g; E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²; θ ← θ + ηΔ.
 */
export class Adadelta extends Base {
  readonly name = 'adadelta';
  step(theta: Float64Array, g: Float64Array): void {
    const { lr, rho, eps } = this.p;
    const eg = this.a;
    const ex = this.b;
    for (let k = 0; k < theta.length; k++) {
      const gk = g[k];
      eg[k] = rho * eg[k] + (1 - rho) * gk * gk;
      const d = (-Math.sqrt(ex[k] + eps) / Math.sqrt(eg[k] + eps)) * gk;
      ex[k] = rho * ex[k] + (1 - rho) * d * d;
      theta[k] += lr * d;
    }
    this.t++;
  }
}

/** AGD's step size from its gradient summary G: η = ln((1 + √(1 + 4G))/2). */
export function agdEta(G: number): number {
  return Math.log((1 + Math.sqrt(1 + 4 * G)) / 2);
}

/**
 * Automatic Gradient Descent (Bernstein et al. 2023, Alg. 1) for a bias-free
 * MLP with L weight matrices W_k [d_k × d_{k−1}]:
 * G = (1/L) Σ_k √(d_k/d_{k−1}) ‖∇W_k‖_F, η = ln((1+√(1+4G))/2),
 * W_k ← W_k − (η/L)·√(d_k/d_{k−1})·∇W_k/‖∇W_k‖_F. `lr` is the repository's
 * optional gain on η (1 in the paper). A zero gradient leaves W_k unchanged
 * (the reference code's nan_to_num).
 */
export class Agd implements Optimizer {
  readonly name = 'agd';
  t = 0;
  /** η of the last step (for tests and diagnostics). */
  lastEta = 0;
  constructor(
    private readonly p: OptimizerParams,
    P: number,
    private readonly blocks: readonly WeightBlock[],
  ) {
    const covered = blocks.reduce((s, b) => s + b.out * b.in, 0);
    if (covered !== P)
      throw new FsbayesError('agd: the net must have weights only (no biases); use --sigma-b 0 for a bias-free net');
  }
  reset(): void {
    this.t = 0;
    this.lastEta = 0;
  }
  step(theta: Float64Array, g: Float64Array): void {
    const L = this.blocks.length;
    const norms = this.blocks.map((b) => {
      let s = 0;
      for (let k = b.offset; k < b.offset + b.out * b.in; k++) s += g[k] * g[k];
      return Math.sqrt(s);
    });
    let G = 0;
    this.blocks.forEach((b, i) => {
      G += Math.sqrt(b.out / b.in) * norms[i];
    });
    G /= L;
    const eta = this.p.lr * agdEta(G);
    this.lastEta = eta;
    this.blocks.forEach((b, i) => {
      if (norms[i] === 0) return;
      const f = ((eta / L) * Math.sqrt(b.out / b.in)) / norms[i];
      for (let k = b.offset; k < b.offset + b.out * b.in; k++) theta[k] -= f * g[k];
    });
    this.t++;
  }
}

/**
 * AGD's initialisation in place: each weight matrix W [out × in] becomes the
 * uniformly random semi-orthogonal matrix obtained from its own Gaussian
 * entries (Gram–Schmidt on the shorter side, i.e. QR with a positive R
 * diagonal, as torch.nn.init.orthogonal_) scaled by √(out/in). The prior
 * draw's positive per-matrix scale does not change the result, so the
 * canonical stream's draw for net r gives AGD net r.
 */
export function agdInit(theta: Float64Array, blocks: readonly WeightBlock[]): Float64Array {
  for (const b of blocks) {
    const rowsOrth = b.out <= b.in; // orthonormalise the rows (out ≤ in) or the columns
    const nv = rowsOrth ? b.out : b.in;
    const len = rowsOrth ? b.in : b.out;
    const at = (v: number, k: number) => (rowsOrth ? b.offset + v * b.in + k : b.offset + k * b.in + v);
    for (let v = 0; v < nv; v++) {
      for (let u = 0; u < v; u++) {
        let dot = 0;
        for (let k = 0; k < len; k++) dot += theta[at(u, k)] * theta[at(v, k)];
        for (let k = 0; k < len; k++) theta[at(v, k)] -= dot * theta[at(u, k)];
      }
      let nrm = 0;
      for (let k = 0; k < len; k++) nrm += theta[at(v, k)] ** 2;
      nrm = Math.sqrt(nrm);
      if (nrm === 0) throw new FsbayesError('agd init: degenerate weight matrix');
      for (let k = 0; k < len; k++) theta[at(v, k)] /= nrm;
    }
    const s = Math.sqrt(b.out / b.in);
    for (let k = b.offset; k < b.offset + b.out * b.in; k++) theta[k] *= s;
  }
  return theta;
}
