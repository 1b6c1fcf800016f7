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
 * programs in gpu.js's CPU backend (the test stand-in), `'webgpu'` accepts any
 * webgpu adapter, software ones (lavapipe) included.
 *
 * Device probing is `gpu-device.ts`. GPU programs (gpu.js calls them
 * kernels), one per layer, are generated
 * as source text (`gpu-sources.ts`) with every size baked in (index
 * arithmetic then stays in i32 on the GPU, exact for any buffer):
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
import { ACTIVATIONS } from '../arch/activations.js';
import type { ArchSpec, FcnSpec } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { checkForwardFinite, checkForwardRange } from './checks.js';
import {
  type BufferHandle,
  DeviceUploads,
  flattenInto,
  type GpuProgram,
  openGpuDevice,
  ProgramCache,
  type WebGpuBuffer,
} from './gpu-device.js';
import {
  activationFunctions,
  BITS_PER_CHUNK,
  bitsSource,
  type Geo,
  hiddenSource,
  type LayerPlan,
  layerPlans,
  paddedInputs,
  readoutSource,
  unpackBits,
} from './gpu-sources.js';
import { priorParams } from './prior.js';
import type { Backend, BackendInfo, PriorFunctionsJob } from './types.js';

/** Options of {@link createGpuBackend}. */
export interface GpuBackendOptions {
  /** Ignored: a GPU backend is one host thread (info.threads is 1). */
  threads?: number;
  /** Only 'f32': gpu.js has no float64. 'f64' throws. */
  precision?: 'f32' | 'f64';
  /**
   * gpu.js mode override: 'cpu' runs the programs in gpu.js's CPU backend (tests),
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
   * between four accumulators; 1 is the plain one-output-per-thread program.
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

/**
 * GPU programs over a 2-D grid on float32 arguments, for computations
 * other than the forward pass (nngp's FCN kernel on the GPU).
 */
export interface GpuGridPrograms {
  /** Most float32 values per buffer. */
  maxFloats: number;
  /** Run the program `source` (output [cols, rows]: thread x = column, y = row) on the arguments; rows × cols floats. */
  run(source: string, cols: number, rows: number, args: Float32Array[]): Promise<Float32Array>;
}

/** The gpu.js backend, with a few extras beyond {@link Backend}. */
export interface GpuBackend extends Backend {
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
   * The programs alone (benchmarks): `reps` batches of (up to) `batch` nets on
   * parameters uploaded once, sign-bit readout; the time from the first
   * launch to the last result, after one warm-up batch.
   */
  programTime(
    spec: ArchSpec,
    m: number,
    batch: number,
    reps: number,
  ): Promise<{ ms: number; batchNets: number; netsPerSec: number }>;
  /** Timings of the last call. */
  readonly stats: GpuStats | null;
  /** Other programs on the same gpu.js instance. */
  readonly gridPrograms: GpuGridPrograms;
}

const DEFAULT_MAX_BUFFER = 256 * 2 ** 20;
const MAX_BATCH = 65535; // workgroups per grid dimension; nets are the z dimension

interface Plan extends Geo {
  spec: FcnSpec;
  B: number;
  layers: LayerPlan[];
  hidden: GpuProgram[];
  readout: GpuProgram | null;
  bits: GpuProgram | null;
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
  const device = await openGpuDevice(opts.mode, opts.dawnFlags ?? [], activationFunctions());
  const { gjs, gpu, context, mode, adapterName } = device;
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

  // Programs per (spec, m, B); a few are kept.
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
  const uploads = new DeviceUploads(gjs, context);
  const upload = (slot: string, data: Float32Array): unknown => uploads.upload(slot, data);

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

  /** The plan's readout program of a kind, built on first use. */
  const readoutOf = (plan: Plan, kind: 'readout' | 'bits'): GpuProgram => {
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

  // Grid programs, by source (sizes are baked in); a few are kept.
  const grid = new ProgramCache(gpu, 4);
  const gridPrograms: GpuGridPrograms = {
    maxFloats: Math.floor(bufferCap() / 4),
    async run(source, cols, rows, args) {
      const out = new Float32Array(cols * rows);
      flattenInto(await Promise.resolve(grid.get(source, [cols, rows])(...args)), out);
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
    gridPrograms,

    async programTime(spec, m, batch, reps) {
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
      await runBatches(fcn, nets, inputs, m, 'bits', copyParams(params, P), unpackBits(words, m));
      return words;
    },

    async priorFunctions(job: PriorFunctionsJob) {
      const fcn = checkSpec(job.spec);
      checkForwardRange(fcn, job.inputs, job.m, 'f32', 'run on the wasm backend with --precision f64');
      const { P } = layerPlans(fcn);
      const words = new Uint32Array(job.count * Math.ceil(job.m / 32));
      if (job.count === 0) return words;
      await runBatches(
        fcn,
        job.count,
        job.inputs,
        job.m,
        'bits',
        async (b0, count, into) => {
          const p = priorParams(fcn, job.seed, job.first + b0, count);
          if (p.length < count * P) {
            throw new FsbayesError(`gpu backend: priorParams returned ${p.length} values for ${count} nets of ${P}`);
          }
          into.set(p.subarray(0, count * P));
        },
        unpackBits(words, job.m),
      );
      return words;
    },

    async close() {
      grid.clear();
      for (const p of plans.values()) destroyPlan(p);
      plans.clear();
      uploads.clear();
      await device.release();
    },
  };
  return backend;
}
