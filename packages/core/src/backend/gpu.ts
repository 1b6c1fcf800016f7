/**
 * The GPU backend: the batched float32 forward pass of many fully connected
 * nets through gpu.js, for prior function sampling (draw nets, evaluate them
 * on m inputs, keep the sign bits).
 *
 * Without a mode override only a real GPU is accepted: gpu.js's `webgpu`
 * backend on Dawn (the `webgpu` package gpu.js depends on) with a hardware
 * adapter, else `headlessgl` (gpu.js's optional `gl`). When neither works,
 * {@link createGpuBackend} rejects with every reason; it never falls back to
 * the CPU or to wasm. `mode` overrides that: `'cpu'` runs the very same
 * kernels in gpu.js's CPU backend (the test stand-in), `'webgpu'` accepts any
 * webgpu adapter, software ones (lavapipe) included.
 *
 * Kernels, one per layer, are generated as source text with every size baked
 * in (index arithmetic then stays in i32 on the GPU, exact for any buffer):
 * - a hidden layer is a 3-D grid (input, unit, net); each thread computes 4
 *   consecutive inputs of one unit (`tile: 4`, four accumulators sharing each
 *   weight load; `tile: 1` is one dot product per thread). Its activations
 *   stay on the GPU (pipeline handles) as [net][unit][input], input stride
 *   mP = m rounded up to 16, so neighbouring threads read neighbouring inputs
 *   and share the weight row;
 * - the readout either writes the pre-activations [net][input] (`forward`) or
 *   evaluates 16 inputs per thread (16 accumulators) and returns their sign
 *   bits as one exact float (`priorFunctions`, `functionBits`), so only 1/16
 *   of the outputs come back.
 * Inputs are uploaded transposed and zero-padded ([d × mP]); a batch's
 * parameters are one float32 buffer [B × P] in {@link paramLayout} order,
 * written once and read by every layer. Batches are sized to the device's
 * buffer limits (and `maxBatch`, `maxBufferBytes`), and the host prepares
 * (converts or samples) batch b+1 while the GPU runs batch b. Parameters
 * for `priorFunctions` come from the canonical CPU sampler `priorParams`
 * (one thread), which bounds its throughput on a fast GPU.
 *
 * Precision: float32 throughout (products and sums), so pre-activations carry
 * relative errors of about 1e-6 to 1e-5 against the float64 reference, and
 * sign bits of outputs within that of zero can differ. erf is Juffa's
 * float32 minimax erff (polynomial error ≤ 3.3e-8 relative, about 1–2 ulp
 * in float32 plus the device's exp); tanh clamps its argument to ±15 first
 * (some drivers' tanh overflows to NaN for large arguments; tanh 15 rounds to
 * 1 in float32).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { paramLayout } from '../arch/params.js';
import { ACTIVATIONS, type Activation, type ArchSpec, type FcnSpec } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { checkFcnParams, type FcnKernelDevice } from '../linalg/fcn.js';
import type { Seed } from '../rng/rng.js';
import { checkForwardFinite, checkForwardRange } from './checks.js';
import { type EntryKernelRunner, gpuFcnKernel } from './gpu-kernel.js';
import type { Backend, BackendInfo, PriorFunctionsJob } from './types.js';

/** Options of {@link createGpuBackend}. */
export interface GpuBackendOptions {
  /** Ignored: a GPU backend is one host thread (info.threads is 1). */
  threads?: number;
  /** Only 'f32': gpu.js has no float64. 'f64' throws. */
  precision?: 'f32' | 'f64';
  /**
   * gpu.js mode override: 'cpu' runs the kernels in gpu.js's CPU backend (tests),
   * 'webgpu' accepts any webgpu adapter (software ones too), 'headlessgl' forces
   * headless-gl. Left out: a hardware GPU or a rejection.
   */
  mode?: string;
  /** Most nets per batch (default: as many as the buffer limits allow, at most 65535). */
  maxBatch?: number;
  /** Most bytes per device buffer (default 256 MiB, and never over the device's own limits). */
  maxBufferBytes?: number;
  /**
   * Inputs per thread in hidden layers: 4 (default) shares each weight load
   * between four accumulators; 1 is the plain one-output-per-thread kernel.
   */
  tile?: 1 | 4;
  /** Dawn instance flags, e.g. `enable-dawn-features=disable_robustness` (only where this call starts Dawn). */
  dawnFlags?: string[];
}

/** Timings of the last forward/priorFunctions call, for benchmarks. */
export interface GpuStats {
  nets: number;
  batches: number;
  /** Nets per batch. */
  batchNets: number;
  /** Host work: parameter sampling or conversion to float32, input transposition, bit packing. */
  hostMs: number;
  /** Time spent waiting for the GPU's results after the host work of the next batch was done. */
  waitMs: number;
  totalMs: number;
}

/** The gpu.js backend, with a few extras beyond {@link Backend}. */
export interface GpuBackend extends Backend, FcnKernelDevice {
  /** Sign bits of the readout for given parameters, packed like {@link Backend.priorFunctions}. */
  functionBits(
    spec: ArchSpec,
    params: Float64Array | Float32Array,
    nets: number,
    inputs: Float64Array,
    m: number,
  ): Promise<Uint32Array>;
  /** Nets per batch that this backend would use for a spec on m inputs. */
  batchSize(spec: ArchSpec, m: number, nets: number): number;
  /**
   * The kernels alone (benchmarks): `reps` batches of (up to) `batch` nets on
   * parameters uploaded once, sign-bit readout; the time from the first
   * launch to the last result, after one warm-up batch.
   */
  kernelTime(
    spec: ArchSpec,
    m: number,
    batch: number,
    reps: number,
  ): Promise<{ ms: number; batchNets: number; netsPerSec: number }>;
  /** Timings of the last call. */
  readonly stats: GpuStats | null;
}

// ---------------------------------------------------------------------------
// Minimal typings of the parts of gpu.js, Dawn and WebGPU used here.

interface GpuJsKernel {
  (...args: unknown[]): unknown;
  destroy(removeCanvasReferences?: boolean): void;
}
interface GpuJsGpu {
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  addFunction(source: string): GpuJsGpu;
  destroy(): Promise<void>;
}
interface WebGpuBuffer {
  destroy(): void;
}
interface WebGpuDevice {
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupsPerDimension: number };
  createBuffer(d: { size: number; usage: number }): WebGpuBuffer;
  queue: { writeBuffer(buffer: WebGpuBuffer, offset: number, data: Float32Array): void };
}
interface WebGpuAdapter {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  requestDevice(d?: unknown): Promise<WebGpuDevice>;
}
interface WebGpuEntry {
  requestAdapter(o?: Record<string, unknown>): Promise<WebGpuAdapter | null>;
  getPreferredCanvasFormat?(): string;
}
interface WebGpuContextObj {
  device: WebGpuDevice;
}
interface BufferHandle {
  delete(): void;
}
interface GpuJsModule {
  GPU: new (settings: Record<string, unknown>) => GpuJsGpu;
  WebGPUContext: { acquire(): Promise<WebGpuContextObj>; destroy(): Promise<void> };
  WebGPUBufferResult: new (s: {
    buffer: WebGpuBuffer;
    output: number[];
    componentCount: number;
    context: WebGpuContextObj;
    kernel: null;
  }) => BufferHandle;
  HeadlessGLKernel: { isSupported: boolean };
}

const USAGE_STORAGE = 0x0080;
const USAGE_COPY_DST = 0x0008;
/** Sign bits per returned float (exact in float32 up to 2^24). */
const BITS_PER_CHUNK = 16;
const DEFAULT_MAX_BUFFER = 256 * 2 ** 20;
const MAX_BATCH = 65535; // workgroups per grid dimension; nets are the z dimension

const require = createRequire(import.meta.url);

function loadGpuJs(): GpuJsModule {
  try {
    return require('gpu.js') as GpuJsModule;
  } catch (e) {
    throw new FsbayesError(`gpu backend: gpu.js cannot be loaded: ${errMsg(e)}`);
  }
}

function errMsg(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0];
}

// ---------------------------------------------------------------------------
// WebGPU (Dawn) in Node: one navigator.gpu per process, shared by backends.

interface WebGpuProbe {
  entry: WebGpuEntry;
  adapter: WebGpuAdapter;
  name: string;
  software: boolean;
}

let dawnUsers = 0;
let dawnEntry: WebGpuEntry | null = null;

/** Load Dawn (gpu.js's `webgpu` dependency) and find an adapter; throws a one-line reason. */
async function probeWebGpu(flags: string[]): Promise<WebGpuProbe> {
  let dawn: { create(opts: string[]): WebGpuEntry };
  try {
    const gpuJsRequire = createRequire(require.resolve('gpu.js'));
    const entryPath = gpuJsRequire.resolve('webgpu');
    dawn = (await import(pathToFileURL(entryPath).href)) as typeof dawn;
  } catch (e) {
    throw new FsbayesError(`gpu.js webgpu: the Dawn module (package webgpu) failed to load (${errMsg(e)})`);
  }
  let real: WebGpuEntry;
  try {
    real = dawnEntry ?? dawn.create(flags);
  } catch (e) {
    throw new FsbayesError(`gpu.js webgpu: Dawn create() failed (${errMsg(e)})`);
  }
  const entry = dawnEntry ?? wrapEntry(real);
  let adapter: WebGpuAdapter | null;
  try {
    adapter = await entry.requestAdapter();
  } catch (e) {
    throw new FsbayesError(`gpu.js webgpu: requestAdapter failed (${errMsg(e)})`);
  }
  if (!adapter) {
    throw new FsbayesError(
      'gpu.js webgpu: no adapter found (Dawn sees no Vulkan device: no GPU, or no Vulkan loader/driver)',
    );
  }
  const info = adapter.info ?? {};
  const name =
    [info.description, info.device, info.vendor].find((s) => typeof s === 'string' && s.length > 0) ??
    'unknown adapter';
  const software =
    adapter.isFallbackAdapter === true || info.architecture === 'software' || /llvmpipe|swiftshader/i.test(name);
  return { entry, adapter, name, software };
}

/**
 * navigator.gpu for gpu.js: prefers the high-performance adapter and patches
 * Dawn's device, whose `onuncapturederror` accepts no plain function (gpu.js
 * assigns one, and Dawn's addEventListener takes none either): the handler is
 * kept but not called; Dawn itself prints uncaptured errors to stderr.
 */
function wrapEntry(real: WebGpuEntry): WebGpuEntry {
  return {
    async requestAdapter(o?: Record<string, unknown>) {
      const adapter = await real.requestAdapter({ powerPreference: 'high-performance', ...o });
      if (!adapter) return adapter;
      const requestDevice = adapter.requestDevice.bind(adapter);
      adapter.requestDevice = async (d?: unknown) => {
        const device = await requestDevice(d);
        let handler: unknown = null;
        Object.defineProperty(device, 'onuncapturederror', {
          configurable: true,
          get: () => handler,
          set: (fn: unknown) => {
            handler = fn;
          },
        });
        return device;
      };
      return adapter;
    },
    getPreferredCanvasFormat: () => real.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
  };
}

function installNavigatorGpu(entry: WebGpuEntry): void {
  const g = globalThis as { navigator?: Record<string, unknown> };
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  Object.defineProperty(g.navigator, 'gpu', { value: entry, configurable: true, writable: true });
  dawnEntry = entry;
  dawnUsers++;
}

async function releaseNavigatorGpu(gjs: GpuJsModule): Promise<void> {
  if (--dawnUsers > 0) return;
  await gjs.WebGPUContext.destroy();
  const g = globalThis as { navigator?: Record<string, unknown> };
  if (g.navigator) delete g.navigator.gpu;
  dawnEntry = null; // Dawn keeps Node alive while its instance is referenced
}

function probeHeadlessGl(gjs: GpuJsModule): void {
  try {
    createRequire(require.resolve('gpu.js'))('gl');
  } catch (e) {
    throw new FsbayesError(`headless-gl: the optional package gl is not installed or not built (${errMsg(e)})`);
  }
  if (!gjs.HeadlessGLKernel.isSupported) throw new FsbayesError('headless-gl: gl loads but creates no GL context');
}

// ---------------------------------------------------------------------------
// Kernel sources.
//
// Every size is baked into the source as a literal, and index expressions are
// written inline from this.thread.* and loop counters: gpu.js keeps those in
// i32 on the GPU (a declared variable would decay to f32, inexact past 2^24).
// Activations are stored [net][unit][input] with the input stride mP = m
// rounded up to 16 (the transposed inputs likewise, zero-padded), so that
// the tiled kernels may read whole tiles.

interface LayerPlan {
  /** Fan-in and units. */
  K: number;
  H: number;
  offW: number;
  offB: number; // -1: no bias
}

function layerPlans(spec: FcnSpec): { layers: LayerPlan[]; P: number } {
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
function paddedInputs(m: number): number {
  return Math.ceil(m / BITS_PER_CHUNK) * BITS_PER_CHUNK;
}

/** The activation functions, as gpu.js helper functions (float32 on the GPU). */
const ACTIVATION_FUNCTIONS: Record<Activation, string> = {
  relu: `function actRelu(s) {
  return s > 0 ? s : 0;
}`,
  step: `function actStep(s) {
  return s > 0 ? 1 : 0;
}`,
  tanh: `function actTanh(s) {
  return Math.tanh(Math.min(Math.max(s, -15), 15));
}`,
  // Juffa's erff: two minimax pieces around |x| = 0.9277.
  erf: `function actErf(s) {
  const t = Math.abs(s);
  const q = s * s;
  let r = 0;
  if (t > 0.927734375) {
    r = -0.0000172853470 * t + 0.000383197126;
    r = r * q + (-0.00388396438 * t + 0.0242546219);
    r = r * t - 0.106777877;
    r = r * t - 0.634846687;
    r = r * t - 0.128717512;
    r = r * t - t;
    r = 1 - Math.exp(r);
    if (s < 0) {
      r = -r;
    }
  } else {
    r = -0.000596761703;
    r = r * q + 0.00499119423;
    r = r * q - 0.0267681349;
    r = r * q + 0.112819925;
    r = r * q - 0.376125336;
    r = r * q + 0.128379166;
    r = r * s + s;
  }
  return r;
}`,
};
const actName = (a: Activation) => `act${a[0].toUpperCase()}${a.slice(1)}`;

/** Geometry shared by a plan's kernel sources. */
interface Geo {
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
function hiddenSource(g: Geo, L: LayerPlan, fromInputs: boolean, act: Activation, tile: 1 | 4): string {
  const f = actName(act);
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
function readoutSource(g: Geo, L: LayerPlan, fromInputs: boolean): string {
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
function bitsSource(g: Geo, L: LayerPlan, fromInputs: boolean): string {
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

// ---------------------------------------------------------------------------

/** Flatten a gpu.js result (nested arrays of Float32Array rows) into `out`. */
function flattenInto(v: unknown, out: Float32Array, offset = 0): number {
  if (v instanceof Float32Array) {
    out.set(v, offset);
    return offset + v.length;
  }
  if (Array.isArray(v)) {
    for (const x of v) offset = flattenInto(x, out, offset);
    return offset;
  }
  if (typeof v === 'number') {
    out[offset] = v;
    return offset + 1;
  }
  throw new FsbayesError(`gpu backend: unexpected kernel result ${Object.prototype.toString.call(v)}`);
}

interface Plan extends Geo {
  spec: FcnSpec;
  B: number;
  layers: LayerPlan[];
  hidden: GpuJsKernel[];
  readout: GpuJsKernel | null;
  bits: GpuJsKernel | null;
}

/**
 * Create the gpu.js backend. Rejects, naming every GPU path tried and why it
 * failed, when no GPU is usable (unless `mode` says otherwise).
 */
export async function createGpuBackend(opts: GpuBackendOptions = {}): Promise<GpuBackend> {
  if (opts.precision === 'f64') {
    throw new FsbayesError('gpu backend: precision f64 is not available (gpu.js computes in float32 only); use f32');
  }
  if (opts.precision !== undefined && opts.precision !== 'f32') {
    throw new FsbayesError(`gpu backend: precision must be f32, got ${JSON.stringify(opts.precision)}`);
  }
  const gjs = loadGpuJs();
  const requested = opts.mode;
  let mode: string;
  let adapterName = '';
  let usesDawn = false;

  if (requested === undefined || requested === 'gpu' || requested === 'webgpu') {
    const reasons: string[] = [];
    let chosen: string | null = null;
    try {
      const probe = await probeWebGpu(opts.dawnFlags ?? []);
      if (probe.software && requested !== 'webgpu') {
        throw new FsbayesError(`gpu.js webgpu: only a software adapter was found (${probe.name}), which is no GPU`);
      }
      installNavigatorGpu(probe.entry);
      usesDawn = true;
      adapterName = probe.name + (probe.software ? ', software' : '');
      chosen = 'webgpu';
    } catch (e) {
      reasons.push(errMsg(e));
    }
    if (!chosen && requested !== 'webgpu') {
      try {
        probeHeadlessGl(gjs);
        chosen = 'headlessgl';
        adapterName = 'headless-gl';
      } catch (e) {
        reasons.push(errMsg(e));
      }
    }
    if (!chosen) {
      const what = requested === 'webgpu' ? 'no webgpu' : 'no GPU';
      throw new FsbayesError(`gpu backend: ${what}: ${reasons.join('; ')}`);
    }
    mode = chosen;
  } else if (requested === 'headlessgl') {
    probeHeadlessGl(gjs);
    mode = 'headlessgl';
    adapterName = 'headless-gl';
  } else {
    mode = requested;
    if (mode === 'cpu') adapterName = 'CPU stand-in, not a GPU';
  }

  let gpu: GpuJsGpu;
  let context: WebGpuContextObj | null = null;
  try {
    gpu = new gjs.GPU({ mode });
    for (const a of ACTIVATIONS) gpu.addFunction(ACTIVATION_FUNCTIONS[a]);
    if (mode === 'webgpu') context = await gjs.WebGPUContext.acquire();
  } catch (e) {
    if (usesDawn) await releaseNavigatorGpu(gjs);
    throw new FsbayesError(`gpu backend: gpu.js mode ${mode} failed to start: ${errMsg(e)}`);
  }
  const webgpu = context !== null;
  const tile = opts.tile ?? 4;
  if (tile !== 1 && tile !== 4) throw new FsbayesError(`gpu backend: tile must be 1 or 4, got ${tile}`);

  const info: BackendInfo = {
    name: 'gpu',
    precision: 'f32',
    threads: 1,
    detail: `gpu.js ${mode}${adapterName ? ` (${adapterName})` : ''}${tile === 1 ? ', untiled' : ''}`,
  };

  const bufferCap = (): number => {
    let cap = opts.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
    // GLSL ES 1.0 (headless-gl) may index in float: keep every buffer under 2^24 values
    if (mode === 'headlessgl') cap = Math.min(cap, 4 * 2 ** 24);
    if (context)
      cap = Math.min(cap, context.device.limits.maxStorageBufferBindingSize, context.device.limits.maxBufferSize);
    return cap;
  };

  const checkSpec = (spec: ArchSpec): FcnSpec => {
    if (spec.kind !== 'fcn')
      throw new FsbayesError(`gpu backend: only fully connected nets are supported, got ${spec.kind}`);
    if (!ACTIVATIONS.includes(spec.activation))
      throw new FsbayesError(`gpu backend: unknown activation ${spec.activation}`);
    return spec;
  };

  const batchSize = (spec: ArchSpec, m: number, nets: number): number => {
    const fcn = checkSpec(spec);
    const { P } = layerPlans(fcn);
    const perNet = 4 * Math.max(P, m, ...fcn.hidden.map((h) => h * paddedInputs(m)));
    const fit = Math.floor(bufferCap() / perNet);
    if (fit < 1) {
      throw new FsbayesError(
        `gpu backend: one net needs ${perNet} bytes in a single buffer, over the ${bufferCap()}-byte limit per buffer`,
      );
    }
    return Math.max(1, Math.min(fit, MAX_BATCH, opts.maxBatch ?? MAX_BATCH, nets));
  };

  // Kernels per (spec, m, B); a few are kept.
  const plans = new Map<string, Plan>();
  const destroyPlan = (p: Plan) => {
    for (const k of [...p.hidden, p.readout, p.bits]) k?.destroy();
  };
  const getPlan = (spec: FcnSpec, m: number, B: number): Plan => {
    const key = JSON.stringify([spec.inputDim, spec.hidden, spec.activation, spec.bias, m, B]);
    const mP = paddedInputs(m);
    let plan = plans.get(key);
    if (plan) return plan;
    if (plans.size >= 4) {
      const [oldKey, old] = plans.entries().next().value as [string, Plan];
      destroyPlan(old);
      plans.delete(oldKey);
    }
    const { layers, P } = layerPlans(spec);
    const g: Geo = { P, m, mP };
    const hidden = layers.slice(0, -1).map((L, l) =>
      gpu.createKernel(hiddenSource(g, L, l === 0, spec.activation, tile), {
        output: [mP / tile, L.H, B],
        pipeline: webgpu,
        tactic: 'precision',
      }),
    );
    plan = { spec, m, mP, B, P, layers, hidden, readout: null, bits: null };
    plans.set(key, plan);
    return plan;
  };

  // Device buffers that the host writes (parameters, transposed inputs), reused per size.
  interface Owned {
    buffer: WebGpuBuffer;
    handle: BufferHandle;
    floats: number;
  }
  const owned = new Map<string, Owned>();
  const upload = (slot: string, data: Float32Array): unknown => {
    if (!context) return data;
    let o = owned.get(slot);
    if (!o || o.floats !== data.length) {
      o?.handle.delete(); // the handle holds the buffer's only reference: this destroys it
      const buffer = context.device.createBuffer({
        size: Math.max(4, data.byteLength),
        usage: USAGE_STORAGE | USAGE_COPY_DST,
      });
      const handle = new gjs.WebGPUBufferResult({
        buffer,
        output: [data.length],
        componentCount: 1,
        context,
        kernel: null,
      });
      o = { buffer, handle, floats: data.length };
      owned.set(slot, o);
    }
    context.device.queue.writeBuffer(o.buffer, 0, data);
    return o.handle;
  };

  /** Run the hidden layers of one batch; resolves to the last layer's activations (or the inputs). */
  const runHidden = async (plan: Plan, xt: unknown, w: unknown): Promise<{ a: unknown; handles: BufferHandle[] }> => {
    let a = xt;
    const handles: BufferHandle[] = [];
    for (let l = 0; l < plan.hidden.length; l++) {
      const r = await plan.hidden[l](a, w);
      const floats = plan.B * plan.layers[l].H * plan.mP;
      if (context) {
        const h = r as BufferHandle & { buffer: WebGpuBuffer };
        handles.push(h);
        // float4 results (tile 4) hold the same bytes as the scalar layout; gpu.js passes
        // on only 1-component handles, so the buffer is re-wrapped as one.
        a = h;
        if (tile !== 1) {
          a = new gjs.WebGPUBufferResult({
            buffer: h.buffer,
            output: [floats],
            componentCount: 1,
            context,
            kernel: null,
          });
          handles.push(a as BufferHandle);
        }
      } else {
        const flat = new Float32Array(floats);
        flattenInto(r, flat);
        a = flat;
      }
    }
    return { a, handles };
  };

  /** The plan's readout kernel of a kind, built on first use. */
  const readoutOf = (plan: Plan, kind: 'readout' | 'bits'): GpuJsKernel => {
    const last = plan.layers[plan.layers.length - 1];
    const fromInputs = plan.hidden.length === 0;
    if (kind === 'readout') {
      plan.readout ??= gpu.createKernel(readoutSource(plan, last, fromInputs), {
        output: [plan.m, plan.B],
        tactic: 'precision',
      });
      return plan.readout;
    }
    plan.bits ??= gpu.createKernel(bitsSource(plan, last, fromInputs), {
      output: [plan.mP / BITS_PER_CHUNK, plan.B],
      tactic: 'precision',
    });
    return plan.bits;
  };

  /** Submit one batch: hidden layers, then the readout, whose result is a promise on a GPU. */
  const launch = async (plan: Plan, kind: 'readout' | 'bits', xt: unknown, w: unknown) => {
    const { a, handles } = await runHidden(plan, xt, w);
    return { result: Promise.resolve(readoutOf(plan, kind)(a, w)), handles };
  };

  let stats: GpuStats | null = null;

  /**
   * The batch loop shared by forward and the bit readout: `prepare` fills the
   * float32 parameters of nets [b0, b0 + count) (zero-padded to B nets),
   * `consume` takes the readout of a finished batch.
   */
  const runBatches = async (
    spec: FcnSpec,
    nets: number,
    inputs: Float64Array,
    m: number,
    kind: 'readout' | 'bits',
    prepare: (b0: number, count: number, into: Float32Array) => Promise<void> | void,
    consume: (b0: number, count: number, out: Float32Array) => void,
  ): Promise<void> => {
    const t0 = performance.now();
    const d = spec.inputDim;
    if (!Number.isSafeInteger(m) || m < 1)
      throw new FsbayesError(`gpu backend: m must be a positive integer, got ${m}`);
    if (inputs.length !== m * d) {
      throw new FsbayesError(`gpu backend: ${m} inputs of dimension ${d} need ${m * d} values, got ${inputs.length}`);
    }
    const B = batchSize(spec, m, nets);
    const plan = getPlan(spec, m, B);
    const chunks = plan.mP / BITS_PER_CHUNK;
    const outLen = B * (kind === 'readout' ? m : chunks);

    let hostMs = 0;
    let waitMs = 0;
    let h = performance.now();
    const mP = plan.mP;
    const xt = new Float32Array(d * mP); // zero-padded to mP inputs
    for (let i = 0; i < m; i++) for (let k = 0; k < d; k++) xt[k * mP + i] = inputs[i * d + k];
    const xtArg = upload('xt', xt);
    const host = new Float32Array(B * plan.P);
    hostMs += performance.now() - h;

    let pending: { b0: number; count: number; result: Promise<unknown>; handles: BufferHandle[] } | null = null;
    const finish = async () => {
      if (!pending) return;
      const w0 = performance.now();
      const r = await pending.result;
      for (const hd of pending.handles) hd.delete();
      const w1 = performance.now();
      waitMs += w1 - w0;
      const out = new Float32Array(outLen);
      flattenInto(r, out);
      consume(pending.b0, pending.count, out);
      hostMs += performance.now() - w1;
      pending = null;
    };
    let batches = 0;
    for (let b0 = 0; b0 < nets; b0 += B) {
      const count = Math.min(B, nets - b0);
      h = performance.now();
      await prepare(b0, count, host);
      if (count < B) host.fill(0, count * plan.P);
      const wArg = upload('params', host);
      hostMs += performance.now() - h;
      const { result, handles } = await launch(plan, kind, xtArg, wArg);
      // Finish each batch before the next upload. Overlapping them (one batch in
      // flight) gave wrong bits on an H200: gpu.js reuses the parameter and
      // activation buffers, and the next batch's writes landed before the
      // pending batch had read them.
      pending = { b0, count, result, handles };
      await finish();
      batches++;
    }
    await finish();
    stats = { nets, batches, batchNets: B, hostMs, waitMs, totalMs: performance.now() - t0 };
  };

  const checkParams = (spec: FcnSpec, params: Float64Array | Float32Array, nets: number): number => {
    const { P } = layerPlans(spec);
    if (!Number.isSafeInteger(nets) || nets < 0)
      throw new FsbayesError(`gpu backend: nets must be an integer ≥ 0, got ${nets}`);
    if (params.length < nets * P) {
      throw new FsbayesError(`gpu backend: ${nets} nets need ${nets * P} parameters, got ${params.length}`);
    }
    return P;
  };

  const copyParams =
    (params: Float64Array | Float32Array, P: number) => (b0: number, count: number, into: Float32Array) => {
      into.set(params.subarray(b0 * P, (b0 + count) * P));
    };

  const bitsConsumer = (words: Uint32Array, m: number) => {
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
  };

  // Kernel-matrix entry kernels, by source (sizes are baked in); a few are kept.
  const entryKernels = new Map<string, GpuJsKernel>();
  const entryRunner: EntryKernelRunner = {
    maxFloats: Math.floor(bufferCap() / 4),
    async run(source, n2, rows, args) {
      let k = entryKernels.get(source);
      if (!k) {
        if (entryKernels.size >= 4) {
          const [oldKey, old] = entryKernels.entries().next().value as [string, GpuJsKernel];
          old.destroy();
          entryKernels.delete(oldKey);
        }
        k = gpu.createKernel(source, { output: [n2, rows], tactic: 'precision' });
        entryKernels.set(source, k);
      }
      const out = new Float32Array(n2 * rows);
      flattenInto(await Promise.resolve(k(...args)), out);
      return out;
    },
  };

  const backend: GpuBackend = {
    info,
    get stats() {
      return stats;
    },
    supports(spec: ArchSpec): boolean {
      return spec.kind === 'fcn' && ACTIVATIONS.includes(spec.activation);
    },
    batchSize,

    async kernelTime(spec, m, batch, reps) {
      const fcn = checkSpec(spec);
      const B = batchSize(fcn, m, batch);
      const plan = getPlan(fcn, m, B);
      const xt = new Float32Array(fcn.inputDim * plan.mP);
      const w = new Float32Array(B * plan.P);
      let r = 12345;
      for (const a of [xt, w]) {
        for (let k = 0; k < a.length; k++) {
          r = (Math.imul(r, 1103515245) + 12345) >>> 0;
          a[k] = r / 2 ** 31 - 1;
        }
      }
      const xtArg = upload('xt', xt);
      const wArg = upload('params', w);
      const run = async (n: number) => {
        const all: Promise<unknown>[] = [];
        const handles: BufferHandle[] = [];
        for (let k = 0; k < n; k++) {
          const l = await launch(plan, 'bits', xtArg, wArg);
          all.push(l.result);
          handles.push(...l.handles);
        }
        await Promise.all(all);
        for (const h of handles) h.delete();
      };
      await run(1);
      const t = performance.now();
      await run(reps);
      const ms = performance.now() - t;
      return { ms, batchNets: B, netsPerSec: (reps * B) / (ms / 1000) };
    },

    async forward(spec, params, nets, inputs, m) {
      const fcn = checkSpec(spec);
      const P = checkParams(fcn, params, nets);
      const out = new Float64Array(nets * m);
      if (nets === 0) return out;
      await runBatches(fcn, nets, inputs, m, 'readout', copyParams(params, P), (b0, count, res) => {
        for (let k = 0; k < count * m; k++) out[b0 * m + k] = res[k];
      });
      checkForwardFinite(out, m, 'f32');
      return out;
    },

    async functionBits(spec, params, nets, inputs, m) {
      const fcn = checkSpec(spec);
      const P = checkParams(fcn, params, nets);
      const words = new Uint32Array(nets * Math.ceil(m / 32));
      if (nets === 0) return words;
      await runBatches(fcn, nets, inputs, m, 'bits', copyParams(params, P), bitsConsumer(words, m));
      return words;
    },

    async priorFunctions(job: PriorFunctionsJob) {
      const fcn = checkSpec(job.spec);
      checkForwardRange(fcn, job.inputs, job.m, 'f32', 'run on the wasm backend with --precision f64');
      const { P } = layerPlans(fcn);
      const mod = (await import('./index.js')) as unknown as {
        priorParams?: (
          spec: ArchSpec,
          seed: Seed,
          first: number,
          count: number,
        ) => Float64Array | Float32Array | Promise<Float64Array | Float32Array>;
      };
      const priorParams = mod.priorParams;
      if (typeof priorParams !== 'function') {
        throw new FsbayesError(
          'gpu backend: priorParams (the canonical prior sampler) is not exported by backend/index.js',
        );
      }
      const words = new Uint32Array(job.count * Math.ceil(job.m / 32));
      if (job.count === 0) return words;
      await runBatches(
        fcn,
        job.count,
        job.inputs,
        job.m,
        'bits',
        async (b0, count, into) => {
          const p = await priorParams(fcn, job.seed, job.first + b0, count);
          if (p.length < count * P) {
            throw new FsbayesError(`gpu backend: priorParams returned ${p.length} values for ${count} nets of ${P}`);
          }
          into.set(p.subarray(0, count * P));
        },
        bitsConsumer(words, job.m),
      );
      return words;
    },

    async fcnKernel(X, n, d, p, X2, n2) {
      checkFcnParams(p);
      if (!Number.isSafeInteger(n) || n < 1 || X.length < n * d)
        throw new FsbayesError(`gpu fcnKernel: X must hold n×d = ${n}×${d} values, got ${X.length}`);
      if (X2 !== undefined && (n2 === undefined || !Number.isSafeInteger(n2) || n2 < 1 || X2.length < n2 * d))
        throw new FsbayesError(`gpu fcnKernel: X2 must hold n2×d = ${n2}×${d} values, got ${X2.length}`);
      return gpuFcnKernel(entryRunner, X, n, d, p, X2, n2);
    },

    async close() {
      for (const k of entryKernels.values()) k.destroy();
      entryKernels.clear();
      for (const p of plans.values()) destroyPlan(p);
      plans.clear();
      for (const o of owned.values()) o.handle.delete();
      owned.clear();
      await gpu.destroy();
      if (usesDawn) {
        usesDawn = false;
        await releaseNavigatorGpu(gjs);
      }
    },
  };
  return backend;
}
