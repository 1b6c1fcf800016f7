/**
 * Worker of `botev-pool.ts`: rebuilds the P_B context once (the S term comes
 * with it, nothing is resampled) and answers chunks of functions with their
 * joint terms. Runs from dist/ (compiled), also when the pool is imported from src/.
 */
import { parentPort } from 'node:worker_threads';
import { FsbayesError } from '@fsbayes/core';
import { type BotevPbContext, botevPbContextFrom, botevPbFunction } from './botev.js';
import type { BotevWorkerReply, BotevWorkerRequest } from './botev-pool.js';

const port = parentPort;
if (port) {
  let ctx: BotevPbContext | undefined;
  let initError: string | undefined;
  port.on('message', (msg: BotevWorkerRequest) => {
    if (msg.type === 'init') {
      try {
        ctx = botevPbContextFrom(msg.data);
      } catch (e) {
        initError = (e as Error).message;
      }
      port.postMessage({ type: 'ready' } satisfies BotevWorkerReply);
      return;
    }
    try {
      if (!ctx) throw new FsbayesError(initError ?? 'worker not initialised');
      const c = ctx;
      const nE = c.n - c.nS;
      const result = [];
      for (let j = 0; j < msg.count; j++) result.push(botevPbFunction(c, msg.bits.subarray(j * nE, (j + 1) * nE)));
      port.postMessage({ type: 'done', id: msg.id, result } satisfies BotevWorkerReply);
    } catch (e) {
      port.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies BotevWorkerReply);
    }
  });
}
