/**
 * Starting a pool of worker_threads: each worker gets one `init` message and
 * must answer `{ type: 'ready' }` before it takes jobs. Shared by core's wasm
 * pool and the SGD trainer's pool.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Start `threads` workers from `file`, send each `init` and resolve when all
 * are ready. If any fails to start, all are terminated and the error thrown.
 * `what` names the pool in the error for a missing (unbuilt) worker script.
 */
export async function startWorkers(file: string, threads: number, init: unknown, what: string): Promise<Worker[]> {
  if (!existsSync(file)) throw new Error(`${what} worker script not built (${file}); run \`pnpm build\``);
  const workers: Worker[] = [];
  try {
    for (let t = 0; t < threads; t++) workers.push(new Worker(file));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMsg = (msg: { type?: string }) => {
              if (msg?.type === 'ready') {
                w.off('message', onMsg);
                w.off('error', reject);
                resolve();
              }
            };
            w.on('message', onMsg);
            w.once('error', reject);
            w.postMessage(init);
          }),
      ),
    );
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return workers;
}
