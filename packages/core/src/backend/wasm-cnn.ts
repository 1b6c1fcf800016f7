/**
 * JS side of the wasm CNN forward pass (`packages/core/wasm/cnn.ts`): how
 * one instance lays out a CNN's buffers for m inputs, how images are
 * grouped, the configuration block, and the first layer's im2col matrix
 * (built once per configuration: it depends on the inputs only).
 */
import { activationCode } from '../arch/activations.js';
import { paramLayout } from '../arch/params.js';
import { type CnnSpec, cnnShapes, convPadBefore } from '../arch/spec.js';

/** Most conv layers and dense hidden layers of a CNN the wasm module takes (`MAX_CONV`, `MAX_CNN_HIDDEN` in wasm/cnn.ts). */
export const MAX_CONV = 16;
export const MAX_CNN_HIDDEN = 64;

/**
 * Bytes of one conv layer's im2col matrix + output for a group of images:
 * images go through the conv stack in groups this big so that both stay in
 * L2 between the im2col and the GEMM (measured: `pnpm bench --only cnn`).
 */
export const CNN_GROUP_BYTES = 256 * 1024;

const round8 = (x: number) => Math.max(8, Math.ceil(x / 8) * 8);
const align = (x: number) => Math.ceil(x / 64) * 64;

/** One conv layer as the wasm module reads it (cfg slots L_H … L_NP). */
interface ConvPlan {
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  OC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  /** Positions per row (G·OH·OW rounded up to 8). */
  Np: number;
  /** Fan-in kh·kw·C (rows of the im2col matrix). */
  K: number;
}

/** A CNN's buffers in one instance for m inputs, from byte `heap` on. */
export interface CnnLayout {
  P: number;
  /** Images per group and number of groups (G·groups ≥ m; the rest are zero images). */
  G: number;
  groups: number;
  /** Feature columns (G·groups rounded up to 8) and features per image. */
  mpF: number;
  F: number;
  convs: ConvPlan[];
  col0: number;
  col: number;
  bufA: number;
  bufB: number;
  feat: number;
  featBytes: number;
  dA: number;
  dB: number;
  par: number;
  out: number;
  /** First free byte. */
  end: number;
}

/** The buffers of a CNN for m inputs in `precision`, above `heap`. */
export function cnnLayout(spec: CnnSpec, m: number, precision: 'f32' | 'f64', heap: number): CnnLayout {
  const sz = precision === 'f32' ? 4 : 8;
  const shapes = cnnShapes(spec);
  const base = spec.convs.map((c, l) => {
    const [H, W, C] = shapes[l];
    const [OH, OW, OC] = shapes[l + 1];
    const [kh, kw] = c.kernel;
    const [sh, sw] = c.stride;
    return {
      H,
      W,
      C,
      OH,
      OW,
      OC,
      kh,
      kw,
      sh,
      sw,
      ph: convPadBefore(H, kh, sh, c.padding),
      pw: convPadBefore(W, kw, sw, c.padding),
      K: kh * kw * C,
    };
  });
  const perImage = Math.max(...base.map((c, l) => ((l > 0 ? c.K : 0) + c.OC) * c.OH * c.OW * sz));
  const gMax = Math.max(1, Math.floor(CNN_GROUP_BYTES / perImage));
  const groups = Math.ceil(m / Math.min(m, gMax));
  const G = Math.ceil(m / groups);
  const convs = base.map((c) => ({ ...c, Np: round8(G * c.OH * c.OW) }));
  const last = convs[convs.length - 1];
  const F = spec.pooling === 'gap' ? last.OC : last.OH * last.OW * last.OC;
  const mpF = round8(G * groups);
  const maxHidden = Math.max(1, ...spec.hidden);
  const P = paramLayout(spec).size;
  let p = heap;
  const take = (bytes: number) => {
    const at = p;
    p = align(p + bytes);
    return at;
  };
  const col0 = take(groups * convs[0].K * convs[0].Np * sz);
  const col = take(Math.max(0, ...convs.slice(1).map((c) => c.K * c.Np)) * sz);
  const act = Math.max(...convs.map((c) => c.OC * c.Np)) * sz;
  const bufA = take(act);
  const bufB = take(act);
  const featBytes = F * mpF * sz;
  const feat = take(featBytes);
  const dA = take(maxHidden * mpF * sz);
  const dB = take(maxHidden * mpF * sz);
  const par = take(P * 8);
  const out = take(mpF * sz);
  return { P, G, groups, mpF, F, convs, col0, col, bufA, bufB, feat, featBytes, dA, dB, par, out, end: p };
}

/** i32 slots of the configuration block (wasm/cnn.ts K_*), per-conv slots from 32 (16 each), hidden widths after them. */
const CONV_SLOTS = 16;
const K_CONV = 32;
const K_HIDDEN = K_CONV + MAX_CONV * CONV_SLOTS;
const SCALES_BYTE = 2048;

/** Write a CNN's configuration block at `cfgPtr` of `buffer` and zero its feature buffer. */
export function writeCnnConfig(buffer: ArrayBuffer, cfgPtr: number, spec: CnnSpec, m: number, L: CnnLayout): void {
  const cfg = new Int32Array(buffer, cfgPtr, K_HIDDEN + MAX_CNN_HIDDEN);
  cfg.fill(0);
  cfg.set([
    spec.convs.length,
    spec.hidden.length,
    activationCode(spec.activation),
    spec.bias ? 1 : 0,
    m,
    spec.pooling === 'gap' ? 1 : 0,
    L.P,
    L.G,
    L.groups,
    L.mpF,
    L.F,
    L.col0,
    L.col,
    L.bufA,
    L.bufB,
    L.feat,
    L.dA,
    L.dB,
    L.par,
    L.out,
  ]);
  L.convs.forEach((c, l) => {
    cfg.set([c.H, c.W, c.C, c.OH, c.OW, c.OC, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, c.Np], K_CONV + l * CONV_SLOTS);
  });
  cfg.set(spec.hidden, K_HIDDEN);
  // Per layer (conv, dense, readout): weight scale, bias scale (the prior stds of paramLayout, bit for bit).
  const scales = new Float64Array(buffer, cfgPtr + SCALES_BYTE, 2 * (MAX_CONV + MAX_CNN_HIDDEN + 1));
  scales.fill(0);
  for (const t of paramLayout(spec).tensors) scales[2 * t.layer + (t.role === 'weight' ? 0 : 1)] = t.std;
  // Columns of images past m are never written by the conv stack: keep them 0 (finite, never subnormal garbage).
  new Uint8Array(buffer, L.feat, L.featBytes).fill(0);
}

/**
 * The first conv layer's im2col matrix of inputs [m × H·W·C] (NHWC), per
 * group [K0 × Np0] with row k = (ky·kw + kx)·C + c and column
 * gi·OH·OW + oy·OW + ox, into `buffer` at L.col0 in `precision`.
 */
export function writeFirstIm2col(
  buffer: ArrayBuffer,
  inputs: Float64Array,
  m: number,
  L: CnnLayout,
  precision: 'f32' | 'f64',
): void {
  const c = L.convs[0];
  const blocks = c.K * c.Np;
  const n = L.groups * blocks;
  const col = precision === 'f32' ? new Float32Array(buffer, L.col0, n) : new Float64Array(buffer, L.col0, n);
  col.fill(0);
  const d = c.H * c.W * c.C;
  const ohw = c.OH * c.OW;
  for (let i = 0; i < m; i++) {
    const g = Math.floor(i / L.G);
    const gi = i - g * L.G;
    const img = i * d;
    for (let ky = 0; ky < c.kh; ky++) {
      for (let kx = 0; kx < c.kw; kx++) {
        for (let ch = 0; ch < c.C; ch++) {
          const row = g * blocks + ((ky * c.kw + kx) * c.C + ch) * c.Np + gi * ohw;
          for (let oy = 0; oy < c.OH; oy++) {
            const y = oy * c.sh - c.ph + ky;
            if (y < 0 || y >= c.H) continue;
            for (let ox = 0; ox < c.OW; ox++) {
              const x = ox * c.sw - c.pw + kx;
              if (x < 0 || x >= c.W) continue;
              col[row + oy * c.OW + ox] = inputs[img + (y * c.W + x) * c.C + ch];
            }
          }
        }
      }
    }
  }
}
