/**
 * Test helpers: a tiny independent FCN ReLU NNGP (written from the formulas,
 * not the kernel module under test elsewhere) for the EP and P_B tests, and
 * the specs, seeded inputs and error measure of the kernel tests.
 */
import { type Activation, type CnnSpec, type FcnSpec, Rng, validateSpec } from '@fsbayes/core';

/** A relu NNGP of `depth` layers on X (n×d), from the arc-cosine formula. */
export function reluNngp(
  X: ArrayLike<number>,
  n: number,
  d: number,
  depth: number,
  sw2: number,
  sb2: number,
): Float64Array {
  let K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += X[i * d + p] * X[j * d + p];
      K[i * n + j] = sb2 + (sw2 * s) / d;
    }
  for (let l = 0; l < depth; l++) {
    const K2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const a = K[i * n + i];
        const b = K[j * n + j];
        if (i === j) {
          K2[i * n + i] = sb2 + (sw2 * a) / 2;
          continue;
        }
        const c = K[i * n + j];
        const th = Math.atan2(Math.sqrt(Math.max(a * b - c * c, 0)), c);
        K2[i * n + j] = sb2 + (sw2 / (2 * Math.PI)) * Math.sqrt(a * b) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
      }
    K = K2;
  }
  return K;
}

/** A validated FCN spec (σ_w 1.4, σ_b 0.6 unless given; no bias: σ_b 0). */
export function fcn(
  inputDim: number,
  hidden: number[],
  activation: Activation,
  bias = true,
  sigmaW = 1.4,
  sigmaB = 0.6,
): FcnSpec {
  return validateSpec({
    kind: 'fcn',
    inputDim,
    hidden,
    activation,
    sigmaW,
    sigmaB: bias ? sigmaB : 0,
    bias,
  }) as FcnSpec;
}

/** A validated CNN spec from [channels, kernel, stride, padding] per conv (σ_w 1.3, σ_b 0.4). */
export function cnn(
  inputShape: [number, number, number],
  convs: [number, number, number, 'SAME' | 'VALID'][],
  pooling: 'flatten' | 'gap',
  hidden: number[],
  activation: Activation = 'relu',
  bias = true,
): CnnSpec {
  return validateSpec({
    kind: 'cnn',
    inputShape,
    convs: convs.map(([channels, k, s, padding]) => ({ channels, kernel: [k, k], stride: [s, s], padding })),
    pooling,
    hidden,
    activation,
    sigmaW: 1.3,
    sigmaB: bias ? 0.4 : 0,
    bias,
  }) as CnnSpec;
}

/** n seeded standard normals (stream kernels-test/`seed`). */
export function normals(n: number, seed: string): Float64Array {
  const r = new Rng(5, 'kernels-test', seed);
  return Float64Array.from({ length: n }, () => r.normal());
}

/** ‖got − want‖_F / ‖want‖_F. */
export function relFrob(got: Float64Array, want: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < want.length; k++) {
    num += (got[k] - want[k]) ** 2;
    den += want[k] ** 2;
  }
  return Math.sqrt(num / den);
}
