/**
 * Training worker: one batch trainer per thread, driven by `pool.ts`.
 * Runs from dist/ (compiled), also when the pool is imported from src/.
 */
import { parentPort } from 'node:worker_threads';
import { FsbayesError } from '@fsbayes/core';
import { type BatchTrainer, batchTrainer, type SgdWorkerReply, type SgdWorkerRequest } from './batch.js';

const port = parentPort;
if (port) {
  let trainer: BatchTrainer | undefined;
  let initError: string | undefined;
  port.on('message', (msg: SgdWorkerRequest) => {
    if (msg.type === 'init') {
      try {
        trainer = batchTrainer(msg);
      } catch (e) {
        initError = (e as Error).message;
      }
      port.postMessage({ type: 'ready' } satisfies SgdWorkerReply);
      return;
    }
    try {
      if (!trainer) throw new FsbayesError(initError ?? 'worker not initialised');
      const result = trainer.trainBatch(msg.seed, msg.first, msg.count, msg.theta);
      port.postMessage({ type: 'done', id: msg.id, result } satisfies SgdWorkerReply, [
        result.fitted.buffer as ArrayBuffer,
        result.epochs.buffer as ArrayBuffer,
        result.errors.buffer as ArrayBuffer,
        result.bits.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies SgdWorkerReply);
    }
  });
}
