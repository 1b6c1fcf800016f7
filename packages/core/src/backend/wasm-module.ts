/**
 * JS glue for the prior/forward wasm module (`packages/core/wasm/*.ts`, built by
 * `scripts/build-wasm.mjs` into `packages/core/wasm/build/`): loading and
 * variant selection, one instance's memory layout, and typed calls. Used on
 * the calling thread (normals, synchronously) and in each pool worker.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { activationCode } from '../arch/activations.js';
import { paramLayout } from '../arch/params.js';
import { type ArchSpec, type FcnSpec, inputSize } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { formatBytes, WASM32_MAX_BYTES } from '../resources/memory.js';
import { Rng, type Seed } from '../rng/rng.js';
import { cnnLayout, MAX_CNN_HIDDEN, MAX_CONV, writeCnnConfig, writeFirstIm2col } from './wasm-cnn.js';

/** Net i of a seed belongs to block floor(i / NET_BLOCK), whose normals come from `new Rng(seed, 'nets', block)`. */
export const NET_BLOCK = 256;

/** `simd`: SIMD128. `fma`: SIMD128 + relaxed SIMD (relaxed_madd, fused where the CPU has FMA). */
export type WasmVariant = 'simd' | 'fma';

/** Most hidden layers the wasm module takes (`MAX_HIDDEN` in wasm/mlp.ts). */
export const MAX_HIDDEN = 64;

// The project's TS libs (ES2022 + @types/node 20) do not declare the WebAssembly
// global, so the little of it used here is typed locally.
/** A compiled `WebAssembly.Module` (opaque; may be posted to workers). */
export type WasmModule = object & { readonly __wasmModule?: never };
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmExports {
  memory: WasmMemory;
  heapBase(): number;
  cfgPtr(): number;
  rngStatePtr(): number;
  rngSeed(i: number, w: number): void;
  rngFill(out: number, n: number): void;
  normalsFill(out: number, n: number): void;
  normalsSkip(n: number): void;
  priorNets32(nets: number, out: number): void;
  priorNets64(nets: number, out: number): void;
  sampleParams64(nets: number, out: number): void;
  forward32(params: number, nets: number, out: number): void;
  forward64(params: number, nets: number, out: number): void;
  setInputs32(src: number): void;
  setInputs64(src: number): void;
  cnnCfgPtr(): number;
  cnnPriorNets32(nets: number, out: number): void;
  cnnPriorNets64(nets: number, out: number): void;
  cnnSampleParams64(nets: number, out: number): void;
  cnnForward32(params: number, nets: number, out: number): void;
  cnnForward64(params: number, nets: number, out: number): void;
  vmathApply(fn: number, src: number, out: number, n: number): void;
}

/** The built wasm file of a variant (resolves from both src/backend and dist/backend). */
export function wasmFile(variant: WasmVariant): string {
  return fileURLToPath(new URL(`../../wasm/build/fsbayes-${variant}.wasm`, import.meta.url));
}

function readWasm(variant: WasmVariant): Uint8Array {
  const file = wasmFile(variant);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new FsbayesError(
      `wasm module not built (${file}: ${(e as Error).message}); run \`pnpm build\` or \`node scripts/build-wasm.mjs\``,
    );
  }
}

const modules = new Map<WasmVariant, WasmModule>();
let fmaStatus: { ok: boolean; why: string } | undefined;

/**
 * Whether this Node can run the relaxed-SIMD (FMA) build. Node 20 (V8 11.3)
 * needs `--experimental-wasm-relaxed-simd`, which is set here at runtime if
 * validation fails without it (V8 flags are process-wide, so workers inherit it).
 */
export function fmaSupport(): { ok: boolean; why: string } {
  if (fmaStatus) return fmaStatus;
  const bytes = readWasm('fma');
  if (WA.validate(bytes)) {
    fmaStatus = { ok: true, why: 'relaxed SIMD enabled by default' };
  } else {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    fmaStatus = WA.validate(bytes)
      ? { ok: true, why: 'relaxed SIMD enabled with --experimental-wasm-relaxed-simd' }
      : { ok: false, why: 'this V8 rejects relaxed SIMD even with --experimental-wasm-relaxed-simd' };
  }
  return fmaStatus;
}

/** Compile (synchronously, cached) a variant of the wasm module; `auto` prefers FMA when it validates. */
export function wasmModule(variant: WasmVariant | 'auto' = 'auto'): {
  variant: WasmVariant;
  module: WasmModule;
} {
  const v: WasmVariant = variant === 'auto' ? (fmaSupport().ok ? 'fma' : 'simd') : variant;
  if (v === 'fma' && !fmaSupport().ok) throw new FsbayesError(`wasm FMA build unavailable: ${fmaSupport().why}`);
  let module = modules.get(v);
  if (!module) {
    module = new WA.Module(readWasm(v));
    modules.set(v, module);
  }
  return { variant: v, module };
}

/** The net shape (FCN or CNN) an instance is configured for. */
export interface WasmNet {
  spec: ArchSpec;
  m: number;
  precision: 'f32' | 'f64';
}

/** Split nets [first, first+count) into pieces that stay inside one NET_BLOCK. */
export function blockSegments(
  first: number,
  count: number,
): { block: number; offset: number; n: number; at: number }[] {
  const out: { block: number; offset: number; n: number; at: number }[] = [];
  let at = 0;
  while (at < count) {
    const i = first + at;
    const block = Math.floor(i / NET_BLOCK);
    const offset = i - block * NET_BLOCK;
    const n = Math.min(NET_BLOCK - offset, count - at);
    out.push({ block, offset, n, at });
    at += n;
  }
  return out;
}

const align = (x: number) => Math.ceil(x / 64) * 64;

/**
 * Where `configure` puts a net's buffers above `heap`: inputs (transposed),
 * two activation buffers of the widest layer, one net's parameters (f64)
 * and the readout; `end` is the first free byte (scratch starts there).
 */
function instanceLayout(spec: FcnSpec, m: number, precision: 'f32' | 'f64', heap: number) {
  const layout = paramLayout(spec);
  const sz = precision === 'f32' ? 4 : 8;
  const mp = Math.max(8, Math.ceil(m / 8) * 8);
  const maxW = Math.max(1, ...spec.hidden);
  let p = heap;
  const xT = p;
  p = align(p + spec.inputDim * mp * sz);
  const bufA = p;
  p = align(p + maxW * mp * sz);
  const bufB = p;
  p = align(p + maxW * mp * sz);
  const par = p;
  p = align(p + layout.size * 8);
  const outBuf = p;
  p = align(p + mp * sz);
  return { layout, mp, xT, bufA, bufB, par, outBuf, end: p };
}

/** Bytes below an instance's heap (static data and stack; measured ~22 KiB, rounded up). */
const INSTANCE_STATIC_BYTES = 64 * 1024;

/** Bytes of scratch the forward pass uses per call (see `forward`). */
const FORWARD_SCRATCH_BYTES = 8 << 20;

/**
 * The wasm memory one instance grows to for a net shape and m inputs:
 * its buffers (`instanceLayout`, `cnnLayout`) plus the largest scratch a
 * job takes (the inputs in f64, a stream block of packed functions, a
 * forward chunk). Used to refuse a job that cannot fit in a wasm32 memory
 * before any worker tries to grow one.
 */
export function instanceMemoryBytes(spec: ArchSpec, m: number, precision: 'f32' | 'f64'): number {
  let P: number;
  let end: number;
  // an FCN's inputs are staged in f64 before the transpose; a CNN's im2col matrix is written directly
  let staged = 0;
  if (spec.kind === 'fcn') {
    const l = instanceLayout(spec, m, precision, INSTANCE_STATIC_BYTES);
    P = l.layout.size;
    end = l.end;
    staged = m * spec.inputDim * 8;
  } else {
    ({ P, end } = cnnLayout(spec, m, precision, INSTANCE_STATIC_BYTES));
  }
  const scratch = Math.max(staged, NET_BLOCK * Math.ceil(m / 32) * 4, Math.max(FORWARD_SCRATCH_BYTES, 8 * (P + m)));
  return end + scratch;
}

/** Whether the wasm module runs this spec: an FCN of ≤ MAX_HIDDEN hidden layers, a CNN of ≤ MAX_CONV convs and ≤ MAX_CNN_HIDDEN dense layers. */
export function wasmRuns(spec: ArchSpec): boolean {
  return spec.kind === 'fcn'
    ? spec.hidden.length <= MAX_HIDDEN
    : spec.convs.length <= MAX_CONV && spec.hidden.length <= MAX_CNN_HIDDEN;
}

/** One wasm instance with its own memory. */
export class WasmInstance {
  readonly variant: WasmVariant;
  private readonly ex: WasmExports;
  private readonly heap: number;
  /** Current net configuration and the first free byte after its buffers. */
  private net: (WasmNet & { P: number; mp: number; scratch: number }) | undefined;
  /** The current CNN's layout (undefined for an FCN). */
  private cnn: ReturnType<typeof cnnLayout> | undefined;

  constructor(module: WasmModule, variant: WasmVariant) {
    const instance = new WA.Instance(module, {
      env: {
        abort: () => {
          throw new FsbayesError('wasm module abort');
        },
      },
    });
    this.ex = instance.exports as unknown as WasmExports;
    this.variant = variant;
    this.heap = align(this.ex.heapBase());
  }

  private ensure(end: number): void {
    const mem = this.ex.memory;
    const have = mem.buffer.byteLength;
    if (end <= have) return;
    // Callers check estimates first (instanceMemoryBytes); this names the need if one slips through.
    if (end > WASM32_MAX_BYTES)
      throw new FsbayesError(
        `the wasm module needs ${formatBytes(end)} of memory, more than the ${formatBytes(WASM32_MAX_BYTES)} one wasm32 memory can address`,
        { kind: 'resource' },
      );
    try {
      mem.grow(Math.ceil((end - have) / 65536));
    } catch (e) {
      throw new FsbayesError(`wasm module: cannot grow memory to ${formatBytes(end)}: ${(e as Error).message}`, {
        kind: 'resource',
        cause: e,
      });
    }
  }

  private f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.ex.memory.buffer, ptr, n);
  }

  /** Start the xor4096 stream at the given state. */
  seedState(s: { X: Int32Array; i: number; w: number }): void {
    new Int32Array(this.ex.memory.buffer, this.ex.rngStatePtr(), 128).set(s.X);
    this.ex.rngSeed(s.i, s.w);
  }

  /** Seed the stream of `block` of `seed` and skip to net `offset` of it (P normals per net). */
  seedBlock(seed: Seed, block: number, offset: number, P: number): void {
    this.seedState(new Rng(seed, 'nets', block).xorState());
    if (offset > 0) this.ex.normalsSkip(offset * P);
  }

  /** The next n raw 32-bit outputs as int32 (seedrandom's `int32()`). */
  rawInt32(n: number): Int32Array {
    const ptr = this.scratchBase();
    this.ensure(ptr + n * 4);
    this.ex.rngFill(ptr, n);
    return new Int32Array(this.ex.memory.buffer, ptr, n).slice();
  }

  /** The next n standard normals of the stream, into out[at..at+n). */
  normalsInto(out: Float64Array, at: number, n: number): void {
    const ptr = this.scratchBase();
    const piece = 1 << 17;
    this.ensure(ptr + Math.min(n, piece) * 8);
    for (let k = 0; k < n; k += piece) {
      const len = Math.min(piece, n - k);
      this.ex.normalsFill(ptr, len);
      out.set(this.f64(ptr, len), at + k);
    }
  }

  /** Vector math (0 exp, 1 tanh, 2 erf) on f64 values, for tests. */
  vmath(fn: 0 | 1 | 2, x: Float64Array): Float64Array {
    const n = x.length + (x.length & 1);
    const src = this.scratchBase();
    const dst = src + align(n * 8);
    this.ensure(dst + n * 8);
    this.f64(src, n).fill(0).set(x);
    this.ex.vmathApply(fn, src, dst, n);
    return this.f64(dst, x.length).slice();
  }

  private scratchBase(): number {
    return this.net ? this.net.scratch : this.heap;
  }

  /** Lay out buffers for a net shape and m inputs; then `setInputs`. */
  configure(spec: ArchSpec, m: number, precision: 'f32' | 'f64'): void {
    if (!wasmRuns(spec))
      throw new FsbayesError(
        `the wasm module takes at most ${MAX_HIDDEN} hidden layers (FCN), ${MAX_CONV} conv and ${MAX_CNN_HIDDEN} dense layers (CNN)`,
      );
    if (spec.kind === 'cnn') {
      const L = cnnLayout(spec, m, precision, this.heap);
      this.ensure(L.end);
      writeCnnConfig(this.ex.memory.buffer, this.ex.cnnCfgPtr(), spec, m, L);
      this.net = { spec, m, precision, P: L.P, mp: L.mpF, scratch: L.end };
      this.cnn = L;
      return;
    }
    this.cnn = undefined;
    const { layout, mp, xT, bufA, bufB, par, outBuf, end: p } = instanceLayout(spec, m, precision, this.heap);
    const d = spec.inputDim;
    this.ensure(p);
    const cfg = new Int32Array(this.ex.memory.buffer, this.ex.cfgPtr(), 16 + MAX_HIDDEN);
    cfg.fill(0);
    cfg.set([
      d,
      spec.hidden.length,
      activationCode(spec.activation),
      spec.bias ? 1 : 0,
      m,
      mp,
      layout.size,
      xT,
      bufA,
      bufB,
      par,
      outBuf,
    ]);
    cfg.set(spec.hidden, 16);
    // Per dense layer: weight scale, bias scale (the prior stds of paramLayout, bit for bit).
    const scales = new Float64Array(this.ex.memory.buffer, this.ex.cfgPtr() + 512, 2 * (MAX_HIDDEN + 1));
    scales.fill(0);
    for (const t of layout.tensors) scales[2 * t.layer + (t.role === 'weight' ? 0 : 1)] = t.std;
    this.net = { spec, m, precision, P: layout.size, mp, scratch: p };
  }

  private need(): WasmNet & { P: number; mp: number; scratch: number } {
    if (!this.net) throw new FsbayesError('wasm instance: configure() first');
    return this.net;
  }

  /** Inputs [m × d] row-major (f64), transposed into the instance's layout (a CNN: its first im2col matrix). */
  setInputs(inputs: Float64Array): void {
    const net = this.need();
    const n = net.m * inputSize(net.spec);
    if (inputs.length !== n) throw new FsbayesError(`wasm instance: expected ${n} input values, got ${inputs.length}`);
    if (this.cnn) {
      writeFirstIm2col(this.ex.memory.buffer, inputs, net.m, this.cnn, net.precision);
      return;
    }
    this.ensure(net.scratch + n * 8);
    this.f64(net.scratch, n).set(inputs);
    if (net.precision === 'f32') this.ex.setInputs32(net.scratch);
    else this.ex.setInputs64(net.scratch);
  }

  /**
   * Sample nets [first, first+count) of `seed` from the prior and return their
   * packed sign bits ([count × ceil(m/32)] words).
   */
  priorBits(seed: Seed, first: number, count: number): Uint32Array {
    const net = this.need();
    const words = Math.ceil(net.m / 32);
    const out = new Uint32Array(count * words);
    const ptr = net.scratch;
    for (const s of blockSegments(first, count)) {
      this.ensure(ptr + s.n * words * 4);
      this.seedBlock(seed, s.block, s.offset, net.P);
      if (this.cnn) {
        if (net.precision === 'f32') this.ex.cnnPriorNets32(s.n, ptr);
        else this.ex.cnnPriorNets64(s.n, ptr);
      } else if (net.precision === 'f32') this.ex.priorNets32(s.n, ptr);
      else this.ex.priorNets64(s.n, ptr);
      out.set(new Uint32Array(this.ex.memory.buffer, ptr, s.n * words), s.at * words);
    }
    return out;
  }

  /** θ of nets [first, first+count) as the wasm module draws them (f64, [count × P]); for tests. */
  priorThetas(seed: Seed, first: number, count: number): Float64Array {
    const net = this.need();
    const out = new Float64Array(count * net.P);
    const ptr = net.scratch;
    for (const s of blockSegments(first, count)) {
      this.ensure(ptr + s.n * net.P * 8);
      this.seedBlock(seed, s.block, s.offset, net.P);
      if (this.cnn) this.ex.cnnSampleParams64(s.n, ptr);
      else this.ex.sampleParams64(s.n, ptr);
      out.set(this.f64(ptr, s.n * net.P), s.at * net.P);
    }
    return out;
  }

  /** Readout pre-activations [nets × m] for parameters [nets × P] (f64). */
  forward(params: Float64Array, nets: number): Float64Array {
    const net = this.need();
    const { P, m } = net;
    if (params.length < nets * P) throw new FsbayesError(`wasm instance: ${nets} nets need ${nets * P} parameters`);
    const out = new Float64Array(nets * m);
    const per = Math.max(1, Math.floor((8 << 20) / (8 * (P + m))));
    for (let j = 0; j < nets; j += per) {
      const n = Math.min(per, nets - j);
      const pp = net.scratch;
      const op = align(pp + n * P * 8);
      this.ensure(op + n * m * 8);
      this.f64(pp, n * P).set(params.subarray(j * P, (j + n) * P));
      if (this.cnn) {
        if (net.precision === 'f32') this.ex.cnnForward32(pp, n, op);
        else this.ex.cnnForward64(pp, n, op);
      } else if (net.precision === 'f32') this.ex.forward32(pp, n, op);
      else this.ex.forward64(pp, n, op);
      out.set(this.f64(op, n * m), j * m);
    }
    return out;
  }
}
