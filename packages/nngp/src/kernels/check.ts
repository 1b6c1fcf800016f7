/** Input and range checks shared by the kernel entry points. */
import { type FcnSpec, FsbayesError } from '@fsbayes/core';
import { denseSelf, type Recursion } from './dense.js';
import { closedForm } from './dual.js';

/** Throw a clear error unless X is a finite Float64Array of n rows of dimension d. */
export function checkBlock(X: Float64Array, n: number, d: number, name: string): void {
  if (!(X instanceof Float64Array)) throw new FsbayesError(`${name} must be a Float64Array`);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new FsbayesError(`${name}: number of inputs must be a positive integer, got ${n}`);
  if (X.length !== n * d) {
    throw new FsbayesError(`${name}: ${n} inputs of dimension ${d} need ${n * d} values, got ${X.length}`);
  }
  for (let k = 0; k < X.length; k++) {
    if (!Number.isFinite(X[k])) {
      throw new FsbayesError(`${name}: input ${Math.floor(k / d)}, feature ${k % d} is ${X[k]}, not a finite number`);
    }
  }
}

/**
 * Kernel values this implementation computes faithfully in float64: the layer
 * maps multiply two variances (q₁q₂ − c²), so variances must stay within
 * [1e−150, 1e150] (or be exactly 0); beyond, products overflow to ∞ or
 * underflow to 0 and the kernel is silently wrong (NaN, or correlation 1).
 */
const Q_MAX = 1e150;
const Q_MIN = 1e-150;

/**
 * Refuse (FsbayesError naming σ_w, σ_b and the layer) an FCN spec whose
 * per-point variance chain (the kernel's diagonal, layer by layer) leaves the
 * range above for some input of X: a priori, O(n·depth), before any kernel is
 * computed.
 */
export function checkFcnKernelRange(spec: FcnSpec, X: Float64Array, n: number): void {
  const d = spec.inputDim;
  const sw2 = spec.sigmaW * spec.sigmaW;
  const sb2 = spec.bias ? spec.sigmaB * spec.sigmaB : 0;
  const about = `σ_w = ${spec.sigmaW}, σ_b = ${spec.bias ? spec.sigmaB : 0}`;
  if (!Number.isFinite(sw2) || !Number.isFinite(sb2) || sw2 > Q_MAX || sb2 > Q_MAX)
    throw new FsbayesError(
      `the kernel of ${about} overflows float64: σ_w² or σ_b² is beyond ${Q_MAX} (compute it with smaller σ_w, σ_b: relu nets without bias are scale-free)`,
      { kind: 'numeric' },
    );
  const r: Recursion = { act: closedForm(spec.activation), sw2, sb2 };
  const L = spec.hidden.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += X[i * d + k] * X[i * d + k];
    const q0 = sb2 + (sw2 * s) / d;
    const { q } = denseSelf(r, L, q0, q0);
    for (let l = 0; l <= L; l++) {
      const v = q[l];
      const where = l === 0 ? 'the first layer' : l === L ? 'the readout' : `hidden layer ${l + 1}`;
      if (!(v <= Q_MAX))
        throw new FsbayesError(
          `the kernel of ${about} overflows float64 at ${where} (pre-activation variance ${v} for input ${i}, beyond ${Q_MAX}): use a smaller σ_w`,
          { kind: 'numeric' },
        );
      if (v > 0 && v < Q_MIN)
        throw new FsbayesError(
          `the kernel of ${about} underflows float64 at ${where} (pre-activation variance ${v.toExponential(3)} for input ${i}, below ${Q_MIN}): use a larger σ_w or σ_b`,
          { kind: 'numeric' },
        );
    }
  }
}

/** After the fact, for every path: a kernel block must be finite (names the entry and σ_w, σ_b). */
export function checkKernelFinite(K: Float64Array, n2: number, spec: { sigmaW: number; sigmaB: number }): void {
  for (let k = 0; k < K.length; k++) {
    if (!Number.isFinite(K[k]))
      throw new FsbayesError(
        `kernel entry (${Math.floor(k / n2)}, ${k % n2}) is ${K[k]} (σ_w = ${spec.sigmaW}, σ_b = ${spec.sigmaB}): out of float64's range; use smaller σ_w, σ_b`,
        { kind: 'numeric' },
      );
  }
}
