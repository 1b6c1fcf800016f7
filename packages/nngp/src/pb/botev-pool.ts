/**
 * {@link botevPosteriorProbabilities} spread over worker threads. Every
 * function's estimate depends only on the context and the function (its own
 * random stream, the warm start from S), so the numbers are the same bytes
 * for any thread count, and the same as the serial driver's.
 */
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { chooseThreads, FsbayesError, startWorkers, WorkerJobs } from '@fsbayes/core';
import {
  assembleBotevPb,
  type BotevPbContextData,
  type BotevPbFunction,
  type BotevPbOptions,
  type BotevPbResult,
  botevPbContext,
  botevPbContextData,
  botevPbFunction,
} from './botev.js';

export type BotevWorkerRequest =
  | { type: 'init'; data: BotevPbContextData }
  | { type: 'job'; id: number; bits: Uint8Array; count: number };

export type BotevWorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: BotevPbFunction[] }
  | { type: 'error'; id: number; message: string };

/** Functions per job: small enough to balance two workers and report progress, large enough to amortise a message. */
const CHUNK = 8;

/** The compiled worker: packages/nngp/dist/pb/botev-worker.js, from both src/ and dist/. */
export function botevWorkerFile(): string {
  return fileURLToPath(new URL('../../dist/pb/botev-worker.js', import.meta.url));
}

interface Pending {
  bits: Uint8Array;
  count: number;
  resolve: (r: BotevPbFunction[]) => void;
  reject: (e: Error) => void;
}

/**
 * {@link botevPosteriorProbabilities} on `threads` worker threads (default: all cores,
 * capped at them; 1, or fewer than two chunks of functions: this thread). Same result.
 */
export async function botevPosteriorProbabilitiesParallel(
  K: Float64Array,
  nS: number,
  yS: ArrayLike<number>,
  functions: ArrayLike<number>[],
  opts: BotevPbOptions & { threads?: number } = {},
): Promise<BotevPbResult> {
  const { threads: asked, onProgress, ...rest } = opts;
  const threads = Math.min(chooseThreads(asked).threads, Math.ceil(functions.length / CHUNK));
  const ctx = botevPbContext(K, nS, yS, rest);
  const nE = ctx.n - nS;
  if (threads <= 1) {
    const terms: BotevPbFunction[] = [];
    for (let j = 0; j < functions.length; j++) {
      terms.push(botevPbFunction(ctx, functions[j]));
      onProgress?.(j + 1, functions.length);
    }
    return assembleBotevPb(ctx, terms);
  }
  // bits checked here, so a bad function is refused before any worker starts
  const all = new Uint8Array(functions.length * nE);
  functions.forEach((f, j) => {
    if (f.length !== nE) throw new FsbayesError(`a function has ${f.length} bits, E has ${nE} points`);
    for (let i = 0; i < nE; i++) {
      const b = f[i];
      if (b !== 0 && b !== 1) throw new FsbayesError(`function bits must be 0 or 1, got ${b} at ${i}`);
      all[j * nE + i] = b;
    }
  });
  const workers = await startWorkers(
    botevWorkerFile(),
    threads,
    { type: 'init', data: botevPbContextData(ctx, rest) } satisfies BotevWorkerRequest,
    'Botev P_B',
  );
  const jobs = new WorkerJobs<Pending, Worker, BotevPbFunction[]>('Botev P_B pool', 'Botev P_B worker');
  const idle = [...workers];
  const pump = () => {
    while (idle.length > 0 && jobs.queue.length > 0) {
      const w = idle.pop() as Worker;
      const job = jobs.queue.shift() as Pending;
      const id = jobs.start(w, job);
      w.postMessage({ type: 'job', id, bits: job.bits, count: job.count } satisfies BotevWorkerRequest);
    }
  };
  for (const w of workers) {
    w.on('message', (m: BotevWorkerReply) => {
      if (m.type === 'ready') return;
      const free = jobs.finish(m);
      if (!free) return;
      idle.push(free);
      pump();
    });
    w.on('error', (e) => jobs.fail(e instanceof Error ? e : new FsbayesError(String(e))));
    w.on('exit', (code) => {
      if (!jobs.closed) jobs.fail(new FsbayesError(`Botev P_B worker exited with code ${code}`));
    });
  }
  try {
    let done = 0;
    const chunks: Promise<BotevPbFunction[]>[] = [];
    for (let j0 = 0; j0 < functions.length; j0 += CHUNK) {
      const count = Math.min(CHUNK, functions.length - j0);
      chunks.push(
        new Promise<BotevPbFunction[]>((resolve, reject) => {
          const bits = all.slice(j0 * nE, (j0 + count) * nE);
          if (jobs.submit({ bits, count, resolve, reject })) pump();
        }).then((r) => {
          done += r.length;
          onProgress?.(done, functions.length);
          return r;
        }),
      );
    }
    const terms = (await Promise.all(chunks)).flat();
    return assembleBotevPb(ctx, terms);
  } finally {
    jobs.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
