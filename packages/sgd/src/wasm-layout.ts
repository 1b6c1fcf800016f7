/**
 * The wasm trainer's memory plan, written once: which buffers it needs, in
 * which order, and how big, for an FCN or a CNN. The glue (`wasm.ts`) lays
 * its memory out from it and `memory.ts` sums it for the check before
 * compute, so the estimate and the real layout cannot drift apart.
 */
import { type ArchSpec, cnnShapes, convPadBefore, inputSize, paramLayout } from '@fsbayes/core';
import type { SgdConfig } from './config.js';
import { layerOffsets } from './net.js';

/** One conv layer as the wasm trainer reads it (`wasm/cnn.ts`). */
export interface WasmConv {
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  OC: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
  wOff: number;
  bOff: number;
}

/** A net as the wasm trainer sees it: conv layers (none for an FCN), then dense layers of widths `dims`. */
export interface WasmNet {
  P: number;
  /** Input values per point. */
  inputDim: number;
  convs: WasmConv[];
  pooling: 'flatten' | 'gap';
  /** Dense widths [features, h1, …, 1]. */
  dims: number[];
  /** Dense layers' weight and bias offsets in θ (biases 0 when the spec has none). */
  wOff: number[];
  bOff: number[];
}

/** The conv and dense layers of a spec, with their offsets in θ. */
export function wasmNet(spec: ArchSpec): WasmNet {
  const layout = paramLayout(spec);
  const { wOff, bOff } = layerOffsets(layout);
  const bo = (l: number) => (spec.bias ? bOff[l] : 0);
  if (spec.kind === 'fcn')
    return {
      P: layout.size,
      inputDim: spec.inputDim,
      convs: [],
      pooling: 'flatten',
      dims: [spec.inputDim, ...spec.hidden, 1],
      wOff,
      bOff: wOff.map((_, l) => bo(l)),
    };
  const shapes = cnnShapes(spec);
  const convs = spec.convs.map((c, l) => {
    const [H, W, C] = shapes[l];
    const [OH, OW, OC] = shapes[l + 1];
    return {
      H,
      W,
      C,
      OH,
      OW,
      OC,
      KH: c.kernel[0],
      KW: c.kernel[1],
      SH: c.stride[0],
      SW: c.stride[1],
      PH: convPadBefore(H, c.kernel[0], c.stride[0], c.padding),
      PW: convPadBefore(W, c.kernel[1], c.stride[1], c.padding),
      wOff: wOff[l],
      bOff: bo(l),
    };
  });
  const nc = convs.length;
  const last = convs[nc - 1];
  const features = spec.pooling === 'gap' ? last.OC : last.OH * last.OW * last.OC;
  const dims = [features, ...spec.hidden, 1];
  return {
    P: layout.size,
    inputDim: inputSize(spec),
    convs,
    pooling: spec.pooling,
    dims,
    wOff: wOff.slice(nc),
    bOff: dims.slice(1).map((_, l) => bo(nc + l)),
  };
}

/** One buffer of the plan: its name (`A0`, `conv1.col`, …) and bytes; `alias` reuses another buffer instead. */
export interface WasmBuffer {
  name: string;
  bytes: number;
  alias?: string;
}

/** Rows of one forward call (the batch, or 32 for the fit check and E). */
export function wasmCapacity(config: SgdConfig, trainM: number): number {
  return Math.max(Math.min(config.batch, trainM), 32);
}

/**
 * The trainer's buffers in layout order, lane-interleaved (16 bytes per value
 * of 4 lanes): the configuration block, S and E, the dense layers' A/Z/D, each
 * conv layer's input, pre-activation, delta and im2col rows, the sparsity
 * masks, the lanes' orders and step counts, E's outputs and the groups'
 * θ/grad/s1/s2.
 */
export function wasmBuffers(net: WasmNet, cap: number, trainM: number, testM: number, groups: number): WasmBuffer[] {
  const d = net.inputDim;
  const v = (values: number) => cap * values * 16;
  const b: WasmBuffer[] = [
    { name: 'cfg', bytes: 2048 },
    { name: 'xs', bytes: trainM * d * 4 },
    { name: 'ys', bytes: trainM * 4 },
    { name: 'xe', bytes: testM * d * 4 },
    { name: 'yb', bytes: cap * 16 },
  ];
  net.convs.forEach((c, l) => {
    const out = c.OH * c.OW * c.OC;
    b.push({ name: `conv${l}.in`, bytes: v(c.H * c.W * c.C) });
    b.push({ name: `conv${l}.z`, bytes: v(out) });
    b.push({ name: `conv${l}.d`, bytes: v(out) });
    b.push({ name: `conv${l}.col`, bytes: v(c.OH * c.OW * c.KH * c.KW * c.C) });
  });
  const nc = net.convs.length;
  if (nc > 0) {
    const last = net.convs[nc - 1];
    // the conv stack's output: the dense layers' input when flattened
    b.push({ name: 'convOut', bytes: v(last.OH * last.OW * last.OC) });
    if (net.pooling === 'gap') b.push({ name: 'dF', bytes: v(last.OC) });
  }
  net.dims.slice(0, -1).forEach((w, l) => {
    b.push(
      l === 0 && nc > 0 && net.pooling === 'flatten'
        ? { name: 'A0', bytes: 0, alias: 'convOut' }
        : { name: `A${l}`, bytes: v(w) },
    );
  });
  net.dims.slice(1).forEach((w, l) => {
    b.push({ name: `Z${l}`, bytes: v(w) });
  });
  net.dims.slice(1).forEach((w, l) => {
    b.push({ name: `D${l}`, bytes: v(w) });
  });
  // input-sparsity masks (wasm/rows.ts, buildMasks): FCNs only
  const blocks = nc > 0 ? 0 : d >> 2;
  b.push({ name: 'kPair', bytes: Math.ceil(cap / 2) * Math.ceil(blocks / 32) * 4 });
  b.push({ name: 'kBatch', bytes: blocks * Math.ceil(cap / 32) * 4 });
  b.push({ name: 'perm', bytes: groups * 4 * trainM * 4 });
  b.push({ name: 't', bytes: groups * 16 });
  b.push({ name: 'outE', bytes: testM * 16 });
  b.push({ name: 'base', bytes: groups * groupStride(net.P) });
  return b;
}

const align = (x: number) => Math.ceil(x / 64) * 64;

/** Bytes between two groups' θ/grad/s1/s2 blocks. */
export function groupStride(P: number): number {
  return align(4 * P * 16);
}

/** Lay the buffers out from `start` (64-byte aligned): each buffer's address, and the end. */
export function placeBuffers(buffers: WasmBuffer[], start: number): { at: Map<string, number>; end: number } {
  const at = new Map<string, number>();
  let p = align(start);
  for (const b of buffers) {
    if (b.alias !== undefined) {
      at.set(b.name, at.get(b.alias) as number);
      continue;
    }
    at.set(b.name, p);
    p = align(p + b.bytes);
  }
  return { at, end: p };
}
