/**
 * A batch of runs on one thread, and the messages between the pool and its
 * workers (kept apart from `worker.ts`, whose import has side effects).
 */
import type { ArchSpec, Seed } from '@fsbayes/core';
import { FsbayesError } from '@fsbayes/core';
import type { SgdConfig } from './config.js';
import { optimizerEntry } from './optimizers.js';
import { type LabelledPoints, orderRng, RunTrainer } from './train.js';
import { resolveVariant, type SgdWasmVariant, WasmLaneTrainer, wasmUnsupported } from './wasm.js';

/** The results of runs [first, first+count), in run order. */
export interface BatchResult {
  fitted: Uint8Array;
  epochs: Float64Array;
  errors: Int32Array;
  /** [count × words] packed functions on E (zeros for runs that did not fit). */
  bits: Uint32Array;
}

/**
 * Which trainer runs the batches: `js` is the float64 reference
 * (`RunTrainer`); `wasm` the float32 SIMD lockstep trainer (`WasmLaneTrainer`)
 * with `groups` groups of 4 lanes per thread.
 */
export type Engine =
  | { kind: 'js' }
  | {
      kind: 'wasm';
      variant: SgdWasmVariant;
      groups: number;
      /** Skip all-zero blocks of input coordinates (default: for inputs of ≥ 64; same bits either way, see WasmLaneTrainer). */
      sparseInputs?: boolean;
    };

/** What a trainer trains on: the spec, the settings, S and E as labelled points, and the engine. */
export interface TrainContext {
  spec: ArchSpec;
  config: SgdConfig;
  train: LabelledPoints;
  test: LabelledPoints;
  /** Default: js. */
  engine?: Engine;
}

/** Something that trains a batch of runs on this thread. */
export interface BatchTrainer {
  trainBatch(seed: Seed, first: number, count: number, theta: Float64Array): BatchResult;
}

/** The batch trainer of a context's engine. */
export function batchTrainer(ctx: TrainContext): BatchTrainer {
  const e = ctx.engine ?? { kind: 'js' };
  if (e.kind === 'wasm')
    return new WasmLaneTrainer(ctx.spec, ctx.config, ctx.train, ctx.test, {
      variant: e.variant,
      groups: e.groups,
      sparseInputs: e.sparseInputs,
    });
  const rt = new RunTrainer(ctx.spec, ctx.config, ctx.train, ctx.test);
  return { trainBatch: (seed, first, count, theta) => trainBatch(rt, seed, first, count, theta) };
}

export type SgdWorkerRequest =
  | ({ type: 'init' } & TrainContext)
  | { type: 'job'; id: number; seed: Seed; first: number; count: number; theta: Float64Array };

export type SgdWorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: BatchResult }
  | { type: 'error'; id: number; message: string };

/** Train runs [first, first+count) from their initial parameters theta ([count × P]). */
export function trainBatch(
  trainer: RunTrainer,
  seed: Seed,
  first: number,
  count: number,
  theta: Float64Array,
): BatchResult {
  const P = trainer.net.P;
  const words = Math.ceil(trainer.test.m / 32);
  const out: BatchResult = {
    fitted: new Uint8Array(count),
    epochs: new Float64Array(count),
    errors: new Int32Array(count),
    bits: new Uint32Array(count * words),
  };
  for (let j = 0; j < count; j++) {
    const r = trainer.run(theta.subarray(j * P, (j + 1) * P), orderRng(seed, first + j));
    out.fitted[j] = r.fitted ? 1 : 0;
    out.epochs[j] = r.epochs;
    out.errors[j] = r.errors;
    out.bits.set(r.bits, j * words);
  }
  return out;
}

/** How provenance records the engine that ran. */
export interface EngineBackend {
  name: string;
  precision: 'f32' | 'f64';
  /** Why `auto` took the js reference: what the wasm trainer lacks (absent when wasm ran or js was asked for). */
  reason?: string;
}

/**
 * The engine for a spec and config: `auto` takes the float32 wasm trainer
 * wherever it can train them, else the float64 js reference and says why in
 * `backend.reason`; `wasm` throws (naming why) where it cannot. `backend` is
 * how provenance records it. An unknown optimiser is refused here, by name.
 */
export function chooseEngine(
  spec: ArchSpec,
  config: SgdConfig,
  want: 'auto' | 'js' | 'wasm' = 'auto',
): { engine: Engine; backend: EngineBackend } {
  optimizerEntry(config.optimizer); // an unknown name throws here, naming it, on every path
  const why = wasmUnsupported(spec, config);
  if (want === 'wasm' && why) throw new FsbayesError(`--backend wasm cannot train this: ${why}; use --backend js`);
  if (want === 'js' || why)
    return {
      engine: { kind: 'js' },
      backend: { name: 'js', precision: 'f64', ...(why && want === 'auto' ? { reason: why } : {}) },
    };
  const variant = resolveVariant('auto');
  return {
    engine: { kind: 'wasm', variant, groups: 8 },
    backend: { name: variant === 'fma' ? 'wasm simd+fma' : 'wasm simd', precision: 'f32' },
  };
}
