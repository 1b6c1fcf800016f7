/**
 * Pool worker: one wasm instance, driven by messages from `pool.ts`.
 * Runs from dist/ (compiled), also when the pool itself is imported from src/.
 */
import { parentPort } from 'node:worker_threads';
import { ACTIVATIONS } from '../arch/activations.js';
import type { ArchSpec, CnnSpec } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import type { Seed } from '../rng/rng.js';
import { WasmInstance, type WasmModule, type WasmVariant } from './wasm-module.js';

export type WorkerRequest =
  | { type: 'init'; module: WasmModule; variant: WasmVariant }
  | { type: 'ctx'; spec: ArchSpec; m: number; precision: 'f32' | 'f64'; inputs: Float64Array }
  | { type: 'prior'; id: number; seed: Seed; first: number; count: number }
  | { type: 'forward'; id: number; params: Float64Array; nets: number };

export type WorkerReply =
  | { type: 'ready'; warmupMs: number }
  | { type: 'done'; id: number; result: Uint32Array | Float64Array }
  | { type: 'error'; id: number; message: string };

/**
 * Run every entry point a few times on a tiny net so V8 tiers them up from the
 * Liftoff baseline before real work (a running call cannot tier up).
 */
export function warmUp(k: WasmInstance): void {
  const inputs = new Float64Array(16 * 3).map((_, i) => ((i * 7919) % 13) / 13 - 0.5);
  const run = (spec: ArchSpec, m: number, x: Float64Array) => {
    for (const precision of ['f32', 'f64'] as const) {
      k.configure(spec, m, precision);
      k.setInputs(x);
      for (let r = 0; r < 8; r++) k.priorBits('warmup', 0, 16);
      const theta = k.priorThetas('warmup', 0, 4);
      for (let r = 0; r < 8; r++) k.forward(theta, 4);
    }
  };
  for (const activation of ACTIVATIONS) {
    run({ kind: 'fcn', inputDim: 3, hidden: [5, 6], activation, sigmaW: 1, sigmaB: 1, bias: true }, 16, inputs);
  }
  // The CNN's own functions (im2col, pooling, sampling) do not depend on the activation; the dense kernel and the
  // activations are warm from the FCNs above.
  const cnn: CnnSpec = {
    kind: 'cnn',
    inputShape: [6, 6, 1],
    convs: [
      { channels: 4, kernel: [3, 3], stride: [1, 1], padding: 'VALID' },
      { channels: 4, kernel: [2, 2], stride: [2, 2], padding: 'SAME' },
    ],
    pooling: 'flatten',
    hidden: [5],
    activation: 'relu',
    sigmaW: 1,
    sigmaB: 1,
    bias: true,
  };
  run(
    cnn,
    4,
    new Float64Array(4 * 36).map((_, i) => ((i * 7919) % 13) / 13 - 0.5),
  );
  run(
    { ...cnn, pooling: 'gap' },
    4,
    new Float64Array(4 * 36).map((_, i) => ((i * 7919) % 13) / 13 - 0.5),
  );
}

const port = parentPort;
if (port) {
  let instance: WasmInstance | undefined;
  /** Why the current context could not be set up; reported by its jobs. */
  let ctxError: string | undefined;
  port.on('message', (msg: WorkerRequest) => {
    if (msg.type === 'init') {
      const t0 = performance.now();
      instance = new WasmInstance(msg.module, msg.variant);
      warmUp(instance);
      port.postMessage({ type: 'ready', warmupMs: performance.now() - t0 } satisfies WorkerReply);
      return;
    }
    if (msg.type === 'ctx') {
      try {
        if (!instance) throw new FsbayesError('worker not initialised');
        instance.configure(msg.spec, msg.m, msg.precision);
        instance.setInputs(msg.inputs);
        ctxError = undefined;
      } catch (e) {
        ctxError = (e as Error).message;
      }
      return;
    }
    try {
      if (!instance) throw new FsbayesError('worker not initialised');
      if (ctxError) throw new FsbayesError(ctxError);
      const result =
        msg.type === 'prior'
          ? instance.priorBits(msg.seed, msg.first, msg.count)
          : instance.forward(msg.params, msg.nets);
      port.postMessage({ type: 'done', id: msg.id, result } satisfies WorkerReply, [result.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies WorkerReply);
    }
  });
}
