/**
 * Hidden-layer features of a fully connected net, in float64: the input of
 * its readout layer. With them the readout pre-activation of input x is
 * Φ(x)·w + b, linear in the readout weights (the frozen-feature model).
 */
import { type ArchSpec, activationFn, type FcnSpec, FsbayesError, paramLayout } from '@fsbayes/core';

/** Features Φ [m × width] of the last hidden layer of one net (parameters in `paramLayout` order). */
export function hiddenFeatures(spec: ArchSpec, params: Float64Array, inputs: Float64Array, m: number): Float64Array {
  const fcn = fcnOnly(spec);
  const layout = paramLayout(fcn);
  if (params.length < layout.size)
    throw new FsbayesError(`hiddenFeatures: need ${layout.size} parameters, got ${params.length}`);
  const d = fcn.inputDim;
  if (inputs.length !== m * d)
    throw new FsbayesError(`hiddenFeatures: ${m} inputs of dimension ${d} need ${m * d} values`);
  const phi = activationFn(fcn.activation);
  let cur = inputs;
  let width = d;
  let t = 0;
  for (let l = 0; l < fcn.hidden.length; l++) {
    const W = layout.tensors[t++];
    const bias = fcn.bias ? layout.tensors[t++] : null;
    const out = fcn.hidden[l];
    const next = new Float64Array(m * out);
    for (let i = 0; i < m; i++) {
      for (let o = 0; o < out; o++) {
        let s = bias ? params[bias.offset + o] : 0;
        const row = W.offset + o * width;
        for (let k = 0; k < width; k++) s += params[row + k] * cur[i * width + k];
        next[i * out + o] = phi(s);
      }
    }
    cur = next;
    width = out;
  }
  return cur === inputs ? inputs.slice() : cur;
}

/** Width of the readout's input (the last hidden layer, or the input dimension of a perceptron). */
export function featureWidth(spec: ArchSpec): number {
  const fcn = fcnOnly(spec);
  return fcn.hidden.length ? fcn.hidden[fcn.hidden.length - 1] : fcn.inputDim;
}

function fcnOnly(spec: ArchSpec): FcnSpec {
  if (spec.kind !== 'fcn') throw new FsbayesError('the frozen-feature sampler runs fully connected nets only');
  return spec;
}
