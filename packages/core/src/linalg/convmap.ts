/**
 * The conv-map kernel: the CNN-GP recursion with a flatten readout (channel
 * means of x ⊙ x', per conv layer a window mean and the dual map at each
 * position, then the mean over positions and the dense maps), on the
 * threaded wasm engine (`wasm/linalg/cnnmap.ts`), vectorised over pairs of
 * inputs. As with the layer-map kernel, the maps are nngp's activation
 * table compiled into the module, chosen by activation code; problems too
 * small for wasm (or without it) go to the caller's `reference`.
 *
 * Cost per pair of inputs: Σ_l P_l·(kh + kw) window additions (separable
 * sums) and Σ_l P_l dual maps (P_l: positions after conv layer l); memory:
 * the kernel (twice: wasm and the result), each input's record of Σ_l P_l
 * pre-activation variances, the packed inputs, a small per-thread
 * workspace — stated by {@link convMapNeeds} and checked before anything
 * is allocated.
 */
import { convOutSize, convPadBefore, type Padding } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { checkMemory, type MemoryNeed } from '../resources/memory.js';
import { usefulThreads } from '../resources/threads.js';
import { checkMat } from './dense.js';
import { engine, pick, runAsyncOrTs, runSyncOrTs } from './dispatch.js';
import { type Job, type LinalgEngine, OP } from './engine.js';
import type { LayerMapResult } from './layermap.js';
import { Allocs, kernelOut, type Plan } from './ops.js';

/** One conv layer of a {@link ConvMapParams}: as in an architecture spec's `convs`. */
export interface ConvMapLayer {
  kernel: [number, number];
  stride: [number, number];
  padding: Padding;
}

/** One conv-map kernel. */
export interface ConvMapParams {
  /** [H, W, C] of the inputs (NHWC rows of length H·W·C). */
  inputShape: [number, number, number];
  convs: ConvMapLayer[];
  /** Dense maps after the flatten (hidden dense layers). */
  hidden: number;
  /** Activation code of the dual map (core's `activationCode`). */
  code: number;
  /** σ_w². */
  sw2: number;
  /** σ_b² (0 without biases). */
  sb2: number;
  /** Also compute Θ (the NTK). */
  ntk: boolean;
  /** What the kernel is called in messages (default `the CNN kernel`). */
  what?: string;
}

/** i32 words per layer of the geometry table (`GEOM` in wasm/linalg/cnnmap.ts). */
const GEOM = 10;

/** Positions and window geometry of every layer, and the sizes the job's buffers follow from. */
function geometry(p: ConvMapParams) {
  const what = p.what ?? 'the CNN kernel';
  const [H0, W0, C] = p.inputShape;
  for (const v of p.inputShape)
    if (!Number.isInteger(v) || v < 1)
      throw new FsbayesError(`${what}: input shape must be positive integers, got ${p.inputShape.join('×')}`);
  if (p.convs.length < 1) throw new FsbayesError(`${what}: needs at least one conv layer`);
  if (!Number.isInteger(p.hidden) || p.hidden < 0)
    throw new FsbayesError(`${what}: the number of dense layers must be an integer ≥ 0, got ${p.hidden}`);
  if (!Number.isInteger(p.code) || p.code < 0)
    throw new FsbayesError(`${what}: activation code must be an integer ≥ 0, got ${p.code}`);
  if (!Number.isFinite(p.sw2) || !Number.isFinite(p.sb2))
    throw new FsbayesError(`${what}: σ_w² and σ_b² must be finite, got ${p.sw2}, ${p.sb2}`);
  const G = new Int32Array(GEOM * p.convs.length);
  let [H, W] = [H0, W0];
  let positions = H * W;
  let conv = 0;
  let rowPass = 0;
  let windows = 0;
  p.convs.forEach((c, l) => {
    const [kh, kw] = c.kernel;
    const [sh, sw] = c.stride;
    for (const v of [kh, kw, sh, sw])
      if (!Number.isInteger(v) || v < 1)
        throw new FsbayesError(`${what}: conv layer ${l + 1}: kernel and stride must be positive integers`);
    const OH = convOutSize(H, kh, sh, c.padding);
    const OW = convOutSize(W, kw, sw, c.padding);
    if (OH < 1 || OW < 1)
      throw new FsbayesError(`${what}: conv layer ${l + 1} (${kh}×${kw}, ${c.padding}) leaves no output of ${H}×${W}`);
    G.set(
      [H, W, OH, OW, kh, kw, sh, sw, convPadBefore(H, kh, sh, c.padding), convPadBefore(W, kw, sw, c.padding)],
      l * GEOM,
    );
    rowPass = Math.max(rowPass, H * OW);
    windows += OH * OW * (kh + kw);
    conv += OH * OW;
    positions += OH * OW;
    [H, W] = [OH, OW];
  });
  // a record: every conv layer's A_p, the dense variances q[0..hidden], the readout NTK
  const S = conv + p.hidden + 2;
  // slot (Ė/Θ) and results (48 bytes), V and T of every layer, two row-pass buffers; f64x2 entries
  const wsBytes = Math.ceil((48 + 16 * (2 * positions + 2 * rowPass)) / 64) * 64;
  return { what, G, C, D: H0 * W0 * C, S, positions, rowPass, wsBytes, conv, windows };
}

type Geometry = ReturnType<typeof geometry>;

/** Half the pairs of inputs, rounded up: inputs are packed two to a f64x2. */
const blocks = (n: number) => (n + 1) >> 1;

/**
 * What a conv-map kernel of n × n2 points (n2 undefined: X with itself)
 * holds in memory at once: the wasm memory (kernel, NTK, records, packed
 * inputs, per-thread workspaces) and the result copied out of it.
 */
export function convMapNeeds(n: number, n2: number | undefined, p: ConvMapParams): MemoryNeed[] {
  const g = geometry(p);
  const cols = n2 ?? n;
  const kBytes = n * cols * 8 * (p.ntk ? 2 : 1);
  const sides = blocks(n) + (n2 === undefined ? 0 : blocks(n2));
  const wasm = kBytes + sides * 16 * (g.S + g.D) + usefulThreads() * g.wsBytes;
  return [
    {
      what: `the wasm memory (the kernel${p.ntk ? ' and the NTK' : ''}, f64, and each input's ${g.S} pre-activation variances and its pixels)`,
      bytes: wasm,
      pool: 'wasm32',
    },
    { what: `the result (f64${p.ntk ? ', kernel and NTK' : ''})`, bytes: kBytes, pool: 'native' },
  ];
}

/** Multiply-add equivalents of one pair (a dual map counted as 40). */
function pairWork(g: Geometry, p: ConvMapParams): number {
  return g.D + g.windows * (p.ntk ? 2 : 1) + (g.conv + p.hidden) * 40 * (p.ntk ? 1.2 : 1);
}

function convMapArgs(X: Float64Array, n: number, p: ConvMapParams, X2?: Float64Array, n2?: number) {
  const g = geometry(p);
  checkMat(g.what, X, n, g.D);
  if (X2) {
    if (n2 === undefined) throw new FsbayesError(`${g.what}: X2 given without n2`);
    checkMat(g.what, X2, n2, g.D, 'X2');
  }
  const cols = X2 ? (n2 as number) : n;
  checkMemory(`${g.what} of ${n} × ${cols} points`, convMapNeeds(n, X2 ? cols : undefined, p));
  const pairs = X2 ? n * cols : (n * (n + 1)) / 2;
  const work = pairs * pairWork(g, p);
  const e = pick(work) === 'wasm' ? engine() : undefined;
  return { g, cols, work: e?.hasLayerMap(p.code) ? work : 0 };
}

/** Copy X (n × D) into wasm memory packed by pairs of inputs, interleaved (an odd n repeats its last input). */
function packPairs(e: LinalgEngine, at: number, X: Float64Array, n: number, D: number): void {
  const out = e.f64(at, blocks(n) * 2 * D);
  for (let i = 0; i < 2 * blocks(n); i++) {
    const src = Math.min(i, n - 1) * D;
    const base = (i >> 1) * 2 * D + (i & 1);
    for (let k = 0; k < D; k++) out[base + 2 * k] = X[src + k];
  }
}

function convMapPlan(
  e: LinalgEngine,
  X: Float64Array,
  n: number,
  p: ConvMapParams,
  g: Geometry,
  X2: Float64Array | undefined,
  n2: number,
): Plan<LayerMapResult> {
  const m = new Allocs(e);
  const cols = X2 ? n2 : n;
  let k = 0;
  let t = 0;
  return {
    prepare(): Job {
      const xp1 = m.alloc(blocks(n) * 16 * g.D);
      packPairs(e, xp1, X, n, g.D);
      let xp2 = 0;
      if (X2) {
        xp2 = m.alloc(blocks(n2) * 16 * g.D);
        packPairs(e, xp2, X2, n2, g.D);
      }
      k = m.alloc(n * cols * 8);
      t = p.ntk ? m.alloc(n * cols * 8) : 0;
      const q1 = m.alloc(blocks(n) * 16 * g.S);
      const q2 = X2 ? m.alloc(blocks(n2) * 16 * g.S) : q1;
      const geo = m.alloc(g.G.length * 4);
      new Int32Array(e.memory.buffer, geo, g.G.length).set(g.G);
      const ws = m.alloc(usefulThreads() * g.wsBytes);
      const args = [xp1, n, g.D, g.C, 0, xp2, cols, k, t, q1, q2, g.S, geo, p.convs.length, p.hidden, p.code];
      return { op: OP.cnn, args: [...args, ws, g.wsBytes, g.positions, g.rowPass], fargs: [p.sw2, p.sb2] };
    },
    finish() {
      return kernelOut(e, m, k, t, n * cols);
    },
    dispose() {
      m.free();
    },
  };
}

/**
 * The conv-map kernel of X (n × H·W·C, NHWC rows) with itself, or with X2
 * (n2 rows): on the wasm engine (threads for large problems), else
 * `reference()`, which must compute the same recursion. Memory is checked
 * first ({@link convMapNeeds}).
 */
export function convMapKernel(
  X: Float64Array,
  n: number,
  p: ConvMapParams,
  X2: Float64Array | undefined,
  n2: number | undefined,
  reference: () => LayerMapResult,
): LayerMapResult {
  const { g, cols, work } = convMapArgs(X, n, p, X2, n2);
  return runSyncOrTs(work, (e) => convMapPlan(e, X, n, p, g, X2, cols), reference);
}

/** {@link convMapKernel} without blocking the event loop on large problems (same bits). */
export function convMapKernelAsync(
  X: Float64Array,
  n: number,
  p: ConvMapParams,
  X2: Float64Array | undefined,
  n2: number | undefined,
  reference: () => LayerMapResult,
): Promise<LayerMapResult> {
  const { g, cols, work } = convMapArgs(X, n, p, X2, n2);
  return runAsyncOrTs(work, (e) => convMapPlan(e, X, n, p, g, X2, cols), reference);
}
