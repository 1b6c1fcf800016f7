/**
 * JS glue of the wasm lockstep trainer (`packages/sgd/wasm/train.ts`): many
 * ReLU nets at once in f32, four per SIMD vector, in G groups of 4 lanes.
 *
 * A lane trains one run at a time. When its net fits S (and has had its extra
 * epochs) its function on E is read off and the lane takes the next run of
 * the batch; when runs run out, lanes of the last busy group move into the
 * holes of earlier groups (compaction), so slow nets never make fast ones
 * wait and idle lanes cost at most one partly busy group. Each run computes
 * the same thing in whichever lane it lands, so results do not depend on G,
 * the batch split or the thread count.
 *
 * Semantics are those of the float64 `RunTrainer` (same init, same per-epoch
 * shuffles from the run's stream, same batches, fit checked at the end of
 * every epoch), in float32; see the README of this package for the
 * measured effect of float32.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { ArchSpec, Seed } from '@fsbayes/core';
import { FsbayesError } from '@fsbayes/core';
import type { BatchResult } from './batch.js';
import type { SgdConfig } from './config.js';
import { lossThreshold } from './net.js';
import { OPTIMIZER_TABLE, OPTIMIZERS, type OptimizerEntry } from './optimizers.js';
import { type LabelledPoints, orderRng } from './train.js';
import { WASM_CODES } from './wasm-codes.js';
import { groupStride, placeBuffers, wasmBuffers, wasmCapacity, wasmNet } from './wasm-layout.js';

/** The wasm trainer's builds (both float32): 'simd', and 'fma' with fused multiply-adds where V8 validates them. */
export type SgdWasmVariant = 'simd' | 'fma';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Exports {
  memory: WasmMemory;
  heapBase(): number;
  setConfig(ptr: number): void;
  trainEpoch(g: number): number;
  fitMask(g: number): number;
  outputsE(g: number, out: number): void;
  gradientOnly(g: number, n: number): void;
  stepOnly(g: number): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const MAX_LAYERS = 19;
/** Conv layers the configuration block has room for (i32 slots 160 + 20·l …, wasm/config.ts). */
const MAX_CONVS = 4;
const CONV_SLOTS = 20;

/** The optimisers the wasm trainer has a code for, in the table's order. */
const FAST_OPTIMIZERS = OPTIMIZERS.filter((o) => OPTIMIZER_TABLE[o].wasm !== null);

/** The wasm trainer's side of an optimiser: its code and first-state value; null when it has none. */
function wasmOptimizer(config: SgdConfig): OptimizerEntry['wasm'] {
  return Object.hasOwn(OPTIMIZER_TABLE, config.optimizer)
    ? (OPTIMIZER_TABLE[config.optimizer] as OptimizerEntry).wasm
    : null;
}

/** Why the wasm trainer cannot train this job (null when it can); the js reference trains what it cannot. */
export function wasmUnsupported(spec: ArchSpec, config: SgdConfig): string | null {
  if (spec.activation !== 'relu') return `the wasm trainer has relu only, not ${spec.activation}`;
  if (wasmOptimizer(config) === null)
    return `the wasm trainer has optimizers ${FAST_OPTIMIZERS.join(', ')}, not ${config.optimizer}`;
  if (!Object.hasOwn(WASM_CODES.LOSS, config.loss))
    return `the wasm trainer has losses ${Object.keys(WASM_CODES.LOSS).join(', ')}, not ${config.loss}`;
  if (config.stop.checkEvery !== 0) return 'the wasm trainer checks the fit at epoch ends only (--check-every)';
  if (spec.kind === 'cnn' && spec.convs.length > MAX_CONVS)
    return `the wasm trainer has at most ${MAX_CONVS} conv layers, not ${spec.convs.length}`;
  if (spec.hidden.length + 1 > MAX_LAYERS) return `the wasm trainer has at most ${MAX_LAYERS - 1} hidden layers`;
  if (!existsSync(wasmPath('simd')) || !existsSync(wasmPath('fma')))
    return `the wasm trainer is not built (${wasmPath('simd')}; \`pnpm build\` makes it)`;
  return null;
}

function wasmPath(v: SgdWasmVariant): string {
  return fileURLToPath(new URL(`../wasm/build/sgd-${v}.wasm`, import.meta.url));
}

let fmaOk: boolean | undefined;
/** Whether the relaxed-SIMD (FMA) build validates here (Node 20 needs a V8 flag, set at runtime as core does). */
export function sgdFmaSupport(): boolean {
  if (fmaOk !== undefined) return fmaOk;
  const bytes = readFileSync(wasmPath('fma'));
  if (!WA.validate(bytes)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  fmaOk = WA.validate(bytes);
  return fmaOk;
}

const modules = new Map<SgdWasmVariant, object>();
function moduleOf(v: SgdWasmVariant): object {
  let m = modules.get(v);
  if (!m) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(wasmPath(v));
    } catch (e) {
      throw new FsbayesError(`sgd wasm trainer not built (${(e as Error).message}); run \`pnpm build\``);
    }
    if (v === 'fma' && !sgdFmaSupport()) throw new FsbayesError('sgd wasm FMA build does not validate on this V8');
    m = new WA.Module(bytes);
    modules.set(v, m);
  }
  return m;
}

/** The build `auto` picks: FMA when this V8 runs relaxed SIMD. */
export function resolveVariant(v: SgdWasmVariant | 'auto'): SgdWasmVariant {
  return v === 'auto' ? (sgdFmaSupport() ? 'fma' : 'simd') : v;
}

interface Slot {
  /** Index of the run within the batch. */
  j: number;
  rng: ReturnType<typeof orderRng>;
  epoch: number;
  fittedAt: number;
  afterLeft: number;
}

export class WasmLaneTrainer {
  readonly variant: SgdWasmVariant;
  readonly P: number;
  readonly groups: number;
  private readonly ex: Exports;
  private readonly mS: number;
  private readonly mE: number;
  private readonly words: number;
  private readonly ptr: {
    perm: number;
    t: number;
    base: number;
    stride: number;
    outE: number;
  };
  private readonly order: Int32Array;
  private readonly thr: number;
  /** Initial value of the optimiser's first state buffer (Adagrad: its accumulator). */
  private readonly s1: number;
  private readonly cfg: number;

  constructor(
    readonly spec: ArchSpec,
    readonly config: SgdConfig,
    readonly train: LabelledPoints,
    readonly test: LabelledPoints,
    opts: {
      groups?: number;
      variant?: SgdWasmVariant | 'auto';
      /**
       * Skip blocks of 4 input coordinates that are zero in every lane of a row pair
       * (layer 0's forward pass) or of a row (its weight gradient). The result is
       * the dense one bit for bit; binarised MNIST (~80% zeros) trains ~1.4× faster.
       * Default: on for inputs of 64 coordinates or more (on a few, like the
       * Boolean system's 7, the masks cost what they save).
       */
      sparseInputs?: boolean;
    } = {},
  ) {
    const why = wasmUnsupported(spec, config);
    if (why) throw new FsbayesError(`wasm trainer cannot train this: ${why}`);
    // checked just above: an optimiser without a wasm code never reaches the trainer as another one
    const opt = wasmOptimizer(config) as NonNullable<OptimizerEntry['wasm']>;
    this.s1 = opt.s1(config.params);
    this.variant = resolveVariant(opts.variant ?? 'auto');
    const inst = new WA.Instance(moduleOf(this.variant), {
      env: {
        abort: () => {
          throw new FsbayesError('sgd wasm abort');
        },
      },
    });
    this.ex = inst.exports as Exports;
    this.groups = opts.groups ?? 8;
    const batch = Math.min(config.batch, train.m);
    const cap = wasmCapacity(config, train.m);
    const net = wasmNet(spec);
    const { dims } = net;
    const L = dims.length - 1;
    this.P = net.P;
    this.mS = train.m;
    this.mE = test.m;
    this.words = Math.ceil(test.m / 32);
    this.order = new Int32Array(train.m);
    this.thr = lossThreshold(config.loss, config.mseTargets);
    const d = net.inputDim;
    // Memory layout above the module's static data (wasm-layout.ts).
    const { at, end } = placeBuffers(wasmBuffers(net, cap, train.m, test.m, this.groups), this.ex.heapBase());
    const ptr = (name: string) => at.get(name) as number;
    const cfg = ptr('cfg');
    this.cfg = cfg;
    this.ensure(end);
    const perm = ptr('perm');
    this.ptr = { perm, t: ptr('t'), base: ptr('base'), stride: groupStride(this.P), outE: ptr('outE') };
    const mem = () => this.ex.memory.buffer;
    new Float32Array(mem(), ptr('xs'), train.m * d).set(train.inputs);
    new Float32Array(mem(), ptr('ys'), train.m).set(train.labels);
    new Float32Array(mem(), ptr('xe'), test.m * d).set(test.inputs);
    const ci = new Int32Array(mem(), cfg, 256);
    ci[0] = L;
    ci[1] = spec.bias ? 1 : 0;
    ci[2] = this.P;
    ci[3] = cap;
    ci[4] = train.m;
    ci[5] = test.m;
    ci[6] = batch;
    ci[7] = WASM_CODES.LOSS[config.loss];
    ci[8] = opt.code;
    ci[9] = config.params.nesterov ? 1 : 0;
    ci[10] = ptr('xs');
    ci[11] = ptr('ys');
    ci[12] = ptr('xe');
    ci[13] = perm;
    ci[14] = this.ptr.base;
    ci[15] = this.ptr.stride;
    ci[16] = this.ptr.t;
    ci[17] = ptr('yb');
    ci[18] = ptr('kPair');
    ci[19] = ptr('kBatch');
    const nc = net.convs.length;
    ci[140] = nc === 0 && (opts.sparseInputs ?? d >= 64) ? 1 : 0;
    dims.forEach((w, l) => {
      ci[20 + l] = w;
    });
    for (let l = 0; l < L; l++) {
      ci[40 + l] = net.wOff[l];
      ci[60 + l] = net.bOff[l];
      ci[80 + l] = ptr(`A${l}`);
      ci[100 + l] = ptr(`Z${l}`);
      ci[120 + l] = ptr(`D${l}`);
    }
    // the rows gathered from S and E: layer 0's input (wasm/config.ts C_XDIM …)
    ci[141] = d;
    ci[142] = nc > 0 ? ptr('conv0.in') : ptr('A0');
    ci[143] = nc;
    ci[144] = net.pooling === 'gap' ? 1 : 0;
    if (nc > 0) {
      const flat = net.pooling === 'flatten';
      ci[145] = flat ? ptr(`conv${nc - 1}.d`) : ptr('dF');
      ci[146] = flat ? ptr(`conv${nc - 1}.z`) : 0;
    }
    net.convs.forEach((c, l) => {
      const q = 160 + CONV_SLOTS * l;
      ci.set([c.H, c.W, c.C, c.OH, c.OW, c.OC, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW, c.wOff, c.bOff], q);
      ci[q + 14] = ptr(`conv${l}.col`);
      ci[q + 15] = ptr(`conv${l}.z`);
      ci[q + 16] = ptr(`conv${l}.in`);
      ci[q + 17] = l + 1 < nc ? ptr(`conv${l + 1}.in`) : ptr('convOut');
      ci[q + 18] = ptr(`conv${l}.d`);
    });
    const cf = new Float32Array(mem(), cfg + 1024, 64);
    const q = config.params;
    cf.set([
      q.lr,
      q.momentum,
      q.weightDecay,
      q.lrDecay,
      q.beta1,
      q.beta2,
      q.rho,
      q.eps,
      this.thr,
      config.mseTargets === 'pm1' ? -1 : 0,
    ]);
    this.ex.setConfig(cfg);
    // Valid indices in every lane's order, idle lanes included.
    const pv = new Int32Array(mem(), perm, this.groups * 4 * train.m);
    for (let k = 0; k < pv.length; k++) pv[k] = k % train.m;
  }

  private ensure(end: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) this.ex.memory.grow(Math.ceil((end - have) / 65536));
  }

  private f32(at: number, n: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, at, n);
  }

  /** Group g's arrays: θ, grad, s1, s2 ([P × 4] each, lane-interleaved). */
  private arrays(g: number): Float32Array {
    return this.f32(this.ptr.base + g * this.ptr.stride, 16 * this.P);
  }

  /** Put run parameters θ₀ into lane (g, l) with fresh optimiser state. */
  loadLane(g: number, l: number, theta0: Float64Array): void {
    const a = this.arrays(g);
    const P = this.P;
    for (let k = 0; k < P; k++) {
      a[4 * k + l] = theta0[k];
      a[4 * (2 * P + k) + l] = this.s1;
      a[4 * (3 * P + k) + l] = 0;
    }
    new Int32Array(this.ex.memory.buffer, this.ptr.t, this.groups * 4)[4 * g + l] = 0;
  }

  /** Lane (g, l)'s parameters as f64 (for tests). */
  laneTheta(g: number, l: number): Float64Array {
    const a = this.arrays(g);
    return Float64Array.from({ length: this.P }, (_, k) => a[4 * k + l]);
  }

  /** Lane (g, l)'s last gradient as f64 (for tests). */
  laneGrad(g: number, l: number): Float64Array {
    const a = this.arrays(g);
    return Float64Array.from({ length: this.P }, (_, k) => a[4 * (this.P + k) + l]);
  }

  private moveLane(g2: number, l2: number, g1: number, l1: number): void {
    const src = this.arrays(g2);
    const dst = this.arrays(g1);
    const n = 4 * this.P;
    for (let k = 0; k < n; k++) dst[4 * k + l1] = src[4 * k + l2];
    const t = new Int32Array(this.ex.memory.buffer, this.ptr.t, this.groups * 4);
    t[4 * g1 + l1] = t[4 * g2 + l2];
  }

  /** Set lane (g, l)'s minibatch order for the next epoch. */
  setOrder(g: number, l: number, order: Int32Array): void {
    this.permView().set(order, (g * 4 + l) * this.mS);
  }

  private permCache: Int32Array | null = null;
  /** A view of every lane's order (re-made if the memory has grown and detached it). */
  private permView(): Int32Array {
    if (this.permCache === null || this.permCache.buffer !== this.ex.memory.buffer)
      this.permCache = new Int32Array(this.ex.memory.buffer, this.ptr.perm, this.groups * 4 * this.mS);
    return this.permCache;
  }

  /** The configuration block's i32 slots (`wasm/config.ts`), for tests. */
  configSlots(): Int32Array {
    return new Int32Array(this.ex.memory.buffer, this.cfg, 256);
  }

  /** The raw wasm entry points, for tests. */
  get raw(): Pick<Exports, 'trainEpoch' | 'fitMask' | 'gradientOnly' | 'stepOnly'> {
    return this.ex;
  }

  /** Readouts of group g on E: [mE × 4] (lane-interleaved). */
  outputsE(g: number): Float32Array {
    this.ex.outputsE(g, this.ptr.outE);
    return this.f32(this.ptr.outE, this.mE * 4);
  }

  /** Train runs [first, first+count) from θ₀ ([count × P], f64) — the worker's job. */
  trainBatch(seed: Seed, first: number, count: number, theta: Float64Array): BatchResult {
    const P = this.P;
    const words = this.words;
    const out: BatchResult = {
      fitted: new Uint8Array(count),
      epochs: new Float64Array(count),
      errors: new Int32Array(count),
      bits: new Uint32Array(count * words),
    };
    const { maxEpochs, epochsAfterFit } = this.config.stop;
    const lanes = 4 * this.groups;
    const slots: (Slot | null)[] = new Array(lanes).fill(null);
    let next = 0;
    const fill = (s: number) => {
      if (next >= count) {
        slots[s] = null;
        return;
      }
      const j = next++;
      this.loadLane(s >> 2, s & 3, theta.subarray(j * P, (j + 1) * P));
      slots[s] = { j, rng: orderRng(seed, first + j), epoch: 0, fittedAt: -1, afterLeft: epochsAfterFit };
    };
    for (let s = 0; s < lanes; s++) fill(s);
    const order = this.order;
    const labels = this.test.labels;
    for (;;) {
      let busyGroups = 0;
      for (let g = 0; g < this.groups; g++) {
        const q = 4 * g;
        if (slots[q] === null && slots[q + 1] === null && slots[q + 2] === null && slots[q + 3] === null) continue;
        busyGroups++;
        for (let l = 0; l < 4; l++) {
          const sl = slots[q + l];
          if (sl === null) continue;
          // the reference trainer's epoch: a fresh shuffle of 0..mS−1 from the run's stream
          for (let i = 0; i < this.mS; i++) order[i] = i;
          sl.rng.shuffle(order);
          this.setOrder(g, l, order);
        }
        const mask = this.ex.trainEpoch(g);
        let zE: Float32Array | null = null;
        for (let l = 0; l < 4; l++) {
          const sl = slots[q + l];
          if (sl === null) continue;
          sl.epoch++;
          let finished = false;
          if (sl.fittedAt >= 0) {
            sl.afterLeft--;
            finished = sl.afterLeft <= 0;
          } else if (mask & (1 << l)) {
            sl.fittedAt = sl.epoch;
            finished = sl.afterLeft <= 0;
          } else if (sl.epoch >= maxEpochs) {
            out.epochs[sl.j] = sl.epoch;
            fill(4 * g + l);
            continue;
          }
          if (!finished) continue;
          zE ??= this.outputsE(g);
          let errors = 0;
          const base = sl.j * words;
          for (let i = 0; i < this.mE; i++) {
            const b = zE[4 * i + l] > this.thr;
            if (b) out.bits[base + (i >>> 5)] |= 1 << (i & 31);
            if (b !== (labels[i] === 1)) errors++;
          }
          out.fitted[sl.j] = 1;
          out.epochs[sl.j] = sl.fittedAt;
          out.errors[sl.j] = errors;
          fill(4 * g + l);
        }
      }
      if (busyGroups === 0) break;
      if (next >= count) this.compact(slots);
    }
    return out;
  }

  /**
   * Compaction, once no runs are left to start: move busy lanes from the
   * last busy groups into the holes of earlier groups, so idle lanes are
   * confined to one group and emptied groups are skipped.
   */
  private compact(slots: (Slot | null)[]): void {
    let lo = 0;
    let hi = slots.length - 1;
    for (;;) {
      while (lo < slots.length && slots[lo] !== null) lo++;
      while (hi >= 0 && slots[hi] === null) hi--;
      if (lo >= hi || lo >> 2 === hi >> 2) return;
      this.moveLane(hi >> 2, hi & 3, lo >> 2, lo & 3);
      slots[lo] = slots[hi];
      slots[hi] = null;
    }
  }
}
