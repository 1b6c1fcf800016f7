/**
 * Program sources of the GPU forward pass (gpu.js, float32), one per layer.
 *
 * Every size is baked into the source as a literal, and index expressions are
 * written inline from this.thread.* and loop counters: gpu.js keeps those in
 * i32 on the GPU (a declared variable would decay to f32, inexact past 2^24).
 * Activations are stored [net][unit][input] with the input stride mP = m
 * rounded up to 16 (the transposed inputs likewise, zero-padded), so that
 * the tiled programs may read whole tiles.
 */
import { ACTIVATIONS, gpuActivationName, gpuActivationSource } from '../arch/activations.js';
import { paramLayout } from '../arch/params.js';
import type { Activation, FcnSpec } from '../arch/spec.js';

/** Sign bits per returned float (exact in float32 up to 2^24). */
export const BITS_PER_CHUNK = 16;

export interface LayerPlan {
  /** Fan-in and units. */
  K: number;
  H: number;
  offW: number;
  offB: number; // -1: no bias
}

export function layerPlans(spec: FcnSpec): { layers: LayerPlan[]; P: number } {
  const layout = paramLayout(spec);
  const layers: LayerPlan[] = [];
  let t = 0;
  for (let l = 0; l <= spec.hidden.length; l++) {
    const W = layout.tensors[t++];
    const b = spec.bias ? layout.tensors[t++] : null;
    layers.push({ K: W.shape[1], H: W.shape[0], offW: W.offset, offB: b ? b.offset : -1 });
  }
  return { layers, P: layout.size };
}

/** Row stride of activations and transposed inputs. */
export function paddedInputs(m: number): number {
  return Math.ceil(m / BITS_PER_CHUNK) * BITS_PER_CHUNK;
}

/** The activation helpers of every program (the activation table's float32 gpu.js functions). */
export function activationFunctions(): string[] {
  return ACTIVATIONS.map(gpuActivationSource);
}

/** Geometry shared by a plan's program sources. */
export interface Geo {
  P: number;
  m: number;
  mP: number;
}

/** Index of value k (loop counter) of the layer input, at input offset `i`, of net `n`. */
function inIndex(g: Geo, L: LayerPlan, fromInputs: boolean, n: string, i: string): string {
  return fromInputs ? `k * ${g.mP} + ${i}` : `${n} * ${L.K * g.mP} + k * ${g.mP} + ${i}`;
}

/** `let s<j> = bias;` for each accumulator, then `for k { w_k · a }` over the fan-in. */
function dots(g: Geo, L: LayerPlan, fromInputs: boolean, n: string, unit: string, inputs: string[]): string {
  const init = L.offB >= 0 ? `w[${n} * ${g.P} + ${L.offB} + ${unit}]` : '0';
  const decl = inputs.map((_, j) => `  let s${j} = ${init};`).join('\n');
  const w = `w[${n} * ${g.P} + ${L.offW} + ${unit} * ${L.K} + k]`;
  const body =
    inputs.length === 1
      ? `    s0 += ${w} * a[${inIndex(g, L, fromInputs, n, inputs[0])}];`
      : [
          `    const wk = ${w};`,
          ...inputs.map((i, j) => `    s${j} += wk * a[${inIndex(g, L, fromInputs, n, i)}];`),
        ].join('\n');
  return `${decl}\n  for (let k = 0; k < ${L.K}; k++) {\n${body}\n  }`;
}

/**
 * Hidden layer, 3-D grid (input x, unit y, net z). tile 1: one input per
 * thread, output [mP, H, B]; tile 4: four consecutive inputs per thread
 * sharing each weight load, output [mP/4, H, B] of float4 — the same bytes.
 */
export function hiddenSource(g: Geo, L: LayerPlan, fromInputs: boolean, act: Activation, tile: 1 | 4): string {
  const f = gpuActivationName(act);
  if (tile === 1) {
    return `function hiddenLayer(a, w) {
${dots(g, L, fromInputs, 'this.thread.z', 'this.thread.y', ['this.thread.x'])}
  return ${f}(s0);
}`;
  }
  const inputs = [0, 1, 2, 3].map((c) => `this.thread.x * 4 + ${c}`);
  return `function hiddenLayer4(a, w) {
${dots(g, L, fromInputs, 'this.thread.z', 'this.thread.y', inputs)}
  return [${f}(s0), ${f}(s1), ${f}(s2), ${f}(s3)];
}`;
}

/** Readout pre-activations: output [m, B] = (input x, net y). */
export function readoutSource(g: Geo, L: LayerPlan, fromInputs: boolean): string {
  return `function readout(a, w) {
${dots(g, L, fromInputs, 'this.thread.y', '0', ['this.thread.x'])}
  return s0;
}`;
}

/**
 * Readout sign bits, 16 consecutive inputs per thread (16 accumulators, one
 * weight load each): output [mP/16, B] = (chunk x, net y), each value the
 * 16 bits as an exact float.
 */
export function bitsSource(g: Geo, L: LayerPlan, fromInputs: boolean): string {
  const inputs = Array.from({ length: BITS_PER_CHUNK }, (_, j) => `this.thread.x * ${BITS_PER_CHUNK} + ${j}`);
  const pack = inputs
    .map((i, j) => `  if (${i} < ${g.m}) {\n    if (s${j} > 0) {\n      bits += ${2 ** j};\n    }\n  }`)
    .join('\n');
  return `function readoutBits(a, w) {
${dots(g, L, fromInputs, 'this.thread.y', '0', inputs)}
  let bits = 0;
${pack}
  return bits;
}`;
}

/**
 * Decode the readout bits of `bitsSource` (16 per float, [B × mP/16]) of
 * nets [b0, b0 + count) into packed words ([nets × ceil(m/32)]).
 */
export function unpackBits(words: Uint32Array, m: number) {
  const wpn = Math.ceil(m / 32);
  const chunks = paddedInputs(m) / BITS_PER_CHUNK;
  return (b0: number, count: number, out: Float32Array) => {
    for (let n = 0; n < count; n++) {
      const src = n * chunks;
      const dst = (b0 + n) * wpn;
      for (let w = 0; w < wpn; w++) {
        const lo = out[src + 2 * w];
        const hi = 2 * w + 1 < chunks ? out[src + 2 * w + 1] : 0;
        words[dst + w] = (lo | (hi << 16)) >>> 0;
      }
    }
  };
}
