/**
 * A batch of runs on one thread, and the messages between the pool and its
 * workers (kept apart from `worker.ts`, whose import has side effects).
 */
import type { FcnSpec, Seed } from '@fsbayes/core';
import type { SgdConfig } from './config.js';
import { type LabelledPoints, orderRng, type RunTrainer } from './train.js';

/** The results of runs [first, first+count), in run order. */
export interface BatchResult {
  fitted: Uint8Array;
  epochs: Float64Array;
  errors: Int32Array;
  /** [count × words] packed functions on E (zeros for runs that did not fit). */
  bits: Uint32Array;
}

export interface TrainContext {
  spec: FcnSpec;
  config: SgdConfig;
  train: LabelledPoints;
  test: LabelledPoints;
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
