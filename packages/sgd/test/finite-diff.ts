/**
 * The independent side of the backward-pass tests: a net's mean loss from
 * core's float64 `forwardReference` and the loss written out here, and the
 * worst relative gap between a gradient and central finite differences of it.
 */
import { type ArchSpec, forwardReference } from '@fsbayes/core';
import type { LossName } from '../src/index.js';

/** Mean loss of net θ on the n rows of X against 0/1 labels y. */
export function referenceLoss(
  spec: ArchSpec,
  theta: Float64Array,
  X: Float64Array,
  y: Uint8Array,
  loss: LossName,
  t: '01' | 'pm1',
): number {
  const n = y.length;
  const z = forwardReference(spec, theta, 1, X, n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (loss === 'ce') {
      // −log σ(z) for y = 1, −log(1 − σ(z)) for y = 0, as softplus of ∓z (stable at large logits)
      const u = y[i] === 1 ? -z[i] : z[i];
      s += Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
    } else {
      const target = t === '01' ? y[i] : 2 * y[i] - 1;
      s += (z[i] - target) ** 2;
    }
  }
  return s / n;
}

/** max over k of |fd_k − g_k| / max(1e-3, |fd_k|), fd_k the central difference (step 1e-6) of f at θ. */
export function worstFiniteDifferenceGap(f: (theta: Float64Array) => number, theta: Float64Array, g: Float64Array) {
  const h = 1e-6;
  let worst = 0;
  for (let k = 0; k < theta.length; k++) {
    const tp = theta.slice();
    tp[k] += h;
    const tm = theta.slice();
    tm[k] -= h;
    const fd = (f(tp) - f(tm)) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - g[k]) / Math.max(1e-3, Math.abs(fd)));
  }
  return worst;
}
