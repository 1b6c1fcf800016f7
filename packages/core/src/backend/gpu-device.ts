/**
 * gpu.js on a device: minimal typings of the parts of gpu.js, Dawn and
 * WebGPU used by the GPU backend, loading gpu.js, and finding a device —
 * gpu.js's `webgpu` backend on Dawn (the `webgpu` package gpu.js depends on)
 * with a hardware adapter, else `headlessgl` (gpu.js's optional `gl`); a
 * mode override picks one ('cpu': gpu.js's CPU backend, the test stand-in;
 * 'webgpu': any webgpu adapter, software ones included).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { FsbayesError } from '../errors/index.js';

// Minimal typings of the parts of gpu.js, Dawn and WebGPU used here.

/** One compiled GPU program (what gpu.js's `createKernel` returns): called once over its output grid. */
export interface GpuProgram {
  (...args: unknown[]): unknown;
  destroy(removeCanvasReferences?: boolean): void;
}
export interface GpuJsGpu {
  createKernel(source: string, settings: Record<string, unknown>): GpuProgram;
  addFunction(source: string): GpuJsGpu;
  destroy(): Promise<void>;
}
export interface WebGpuBuffer {
  destroy(): void;
}
export interface WebGpuDevice {
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupsPerDimension: number };
  createBuffer(d: { size: number; usage: number }): WebGpuBuffer;
  queue: { writeBuffer(buffer: WebGpuBuffer, offset: number, data: Float32Array): void };
}
export interface WebGpuAdapter {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  requestDevice(d?: unknown): Promise<WebGpuDevice>;
}
export interface WebGpuEntry {
  requestAdapter(o?: Record<string, unknown>): Promise<WebGpuAdapter | null>;
  getPreferredCanvasFormat?(): string;
}
export interface WebGpuContextObj {
  device: WebGpuDevice;
}
export interface BufferHandle {
  delete(): void;
}
export interface GpuJsModule {
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

const require = createRequire(import.meta.url);

function loadGpuJs(): GpuJsModule {
  try {
    return require('gpu.js') as GpuJsModule;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND' && /'gpu\.js'/.test(errMsg(e));
    throw new FsbayesError(
      missing
        ? 'gpu backend: needs the optional package gpu.js (not installed with @fsbayes/core): run `npm i gpu.js@2.24.1` in your project'
        : `gpu backend: gpu.js cannot be loaded: ${errMsg(e)}`,
      { kind: 'resource', cause: e },
    );
  }
}

export function errMsg(e: unknown): string {
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

/** A started gpu.js instance on its device. */
export interface GpuDevice {
  gjs: GpuJsModule;
  gpu: GpuJsGpu;
  /** The WebGPU context (webgpu mode only), for device buffers and limits. */
  context: WebGpuContextObj | null;
  mode: string;
  /** What runs the programs, for `info.detail`. */
  adapterName: string;
  /** Destroy the instance and let go of Dawn. */
  release(): Promise<void>;
}

/**
 * Start gpu.js: without `mode0` (or 'gpu') on a real GPU or rejecting with
 * every reason; never falls back to the CPU. `functions` are helper
 * functions (sources) added to the instance.
 */
export async function openGpuDevice(
  mode0: string | undefined,
  dawnFlags: string[],
  functions: string[],
): Promise<GpuDevice> {
  const gjs = loadGpuJs();
  const requested = mode0;
  let mode: string;
  let adapterName = '';
  let usesDawn = false;

  if (requested === undefined || requested === 'gpu' || requested === 'webgpu') {
    const reasons: string[] = [];
    let chosen: string | null = null;
    try {
      const probe = await probeWebGpu(dawnFlags);
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
    for (const f of functions) gpu.addFunction(f);
    if (mode === 'webgpu') context = await gjs.WebGPUContext.acquire();
  } catch (e) {
    if (usesDawn) await releaseNavigatorGpu(gjs);
    throw new FsbayesError(`gpu backend: gpu.js mode ${mode} failed to start: ${errMsg(e)}`);
  }
  return {
    gjs,
    gpu,
    context,
    mode,
    adapterName,
    async release() {
      await gpu.destroy();
      if (usesDawn) {
        usesDawn = false;
        await releaseNavigatorGpu(gjs);
      }
    },
  };
}

/** Flatten a gpu.js result (nested arrays of Float32Array rows) into `out`. */
export function flattenInto(v: unknown, out: Float32Array, offset = 0): number {
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
  throw new FsbayesError(`gpu backend: unexpected program result ${Object.prototype.toString.call(v)}`);
}

/** Device buffers the host writes (parameters, transposed inputs), one per slot, reused while the size stays. */
export class DeviceUploads {
  private readonly owned = new Map<string, { buffer: WebGpuBuffer; handle: BufferHandle; floats: number }>();

  constructor(
    private readonly gjs: GpuJsModule,
    private readonly context: WebGpuContextObj | null,
  ) {}

  /** Write `data` to the slot's buffer; a program argument (the handle, or the array itself without WebGPU). */
  upload(slot: string, data: Float32Array): unknown {
    const context = this.context;
    if (!context) return data;
    let o = this.owned.get(slot);
    if (!o || o.floats !== data.length) {
      o?.handle.delete(); // the handle holds the buffer's only reference: this destroys it
      const buffer = context.device.createBuffer({
        size: Math.max(4, data.byteLength),
        usage: USAGE_STORAGE | USAGE_COPY_DST,
      });
      const handle = new this.gjs.WebGPUBufferResult({
        buffer,
        output: [data.length],
        componentCount: 1,
        context,
        kernel: null,
      });
      o = { buffer, handle, floats: data.length };
      this.owned.set(slot, o);
    }
    context.device.queue.writeBuffer(o.buffer, 0, data);
    return o.handle;
  }

  clear(): void {
    for (const o of this.owned.values()) o.handle.delete();
    this.owned.clear();
  }
}

/** Compiled GPU programs by source, the oldest destroyed beyond `max`. */
export class ProgramCache {
  private readonly programs = new Map<string, GpuProgram>();

  constructor(
    private readonly gpu: GpuJsGpu,
    private readonly max: number,
  ) {}

  get(source: string, output: number[]): GpuProgram {
    let k = this.programs.get(source);
    if (!k) {
      if (this.programs.size >= this.max) {
        const [oldKey, old] = this.programs.entries().next().value as [string, GpuProgram];
        old.destroy();
        this.programs.delete(oldKey);
      }
      k = this.gpu.createKernel(source, { output, tactic: 'precision' });
      this.programs.set(source, k);
    }
    return k;
  }

  clear(): void {
    for (const k of this.programs.values()) k.destroy();
    this.programs.clear();
  }
}
