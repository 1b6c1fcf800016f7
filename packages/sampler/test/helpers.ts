/** Small systems with independent answers, shared by the sampler tests. */
import { booleanDataset, type Split, splitByMask } from '@fsbayes/core';
import type { PointSet } from '../src/index.js';

/** The Boolean hypercube {0,1}^n split by the points listed (ascending source indices), with a target. */
export function booleanSplit(n: number, trainPoints: number[], target?: string): Split {
  const ds = booleanDataset({ n, target });
  const mask = new Uint8Array(ds.m);
  for (const i of trainPoints) mask[i] = 1;
  return splitByMask(ds, mask);
}

export function points(d: Split['train']): PointSet {
  return { inputs: d.inputs, m: d.m, labels: d.labels };
}

/** Linear (perceptron) kernel σ_w²/d x·x' + σ_b²: the exact prior covariance of a perceptron's outputs. */
export function linearKernel(X: Float64Array, m: number, d: number, sw: number, sb: number): Float64Array {
  const K = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X[i * d + k] * X[j * d + k];
      K[i * m + j] = (sw * sw * s) / d + sb * sb;
    }
  return K;
}
