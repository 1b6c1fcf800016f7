/**
 * Starting a pool of worker_threads: each worker gets one `init` message and
 * must answer `{ type: 'ready' }` before it takes jobs. Shared by core's wasm
 * pool and the SGD trainer's pool.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { FsbayesError } from '../errors/index.js';
import { chooseThreads } from '../resources/threads.js';

/**
 * Start `threads` workers from `file`, send each `init` and resolve when all
 * are ready. If any fails to start, all are terminated and the error thrown.
 * `what` names the pool in the error for a missing (unbuilt) worker script.
 * More threads than cores are capped (`chooseThreads`): the pool's size is
 * the length of the returned array.
 */
export async function startWorkers(file: string, threads: number, init: unknown, what: string): Promise<Worker[]> {
  const n = chooseThreads(threads, `${what} threads`).threads;
  if (!existsSync(file)) throw new FsbayesError(`${what} worker script not built (${file}); run \`pnpm build\``);
  const workers: Worker[] = [];
  try {
    for (let t = 0; t < n; t++) workers.push(new Worker(file));
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

/** A job waiting for, or running on, a worker. */
export interface WorkerJob<R> {
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

/** What a worker answers to a job. */
export type WorkerJobReply<R> =
  | { type: 'done'; id: number; result: R }
  | { type: 'error'; id: number; message: string };

/**
 * The bookkeeping both worker pools share: the queue, the running jobs by id
 * and the worker each runs on, a first failure that rejects everything, and
 * closing. Scheduling (which job goes to which idle worker) stays with the pool.
 */
export class WorkerJobs<J extends WorkerJob<R>, W, R> {
  readonly queue: J[] = [];
  private readonly running = new Map<number, { worker: W; job: J }>();
  private nextId = 1;
  /** The first failure; every later job is refused with it. */
  failure: Error | undefined;
  closed = false;

  /** `what` names the pool in errors ('wasm backend'), `worker` its workers ('wasm worker'). */
  constructor(
    private readonly what: string,
    private readonly worker: string,
  ) {}

  /** Queue a job unless the pool failed or closed. */
  submit(job: J): boolean {
    if (this.closed) job.reject(new FsbayesError(`${this.what} is closed`));
    else if (this.failure) job.reject(this.failure);
    else {
      this.queue.push(job);
      return true;
    }
    return false;
  }

  /** Record `job` as running on `worker`; returns its id for the message. */
  start(worker: W, job: J): number {
    const id = this.nextId++;
    this.running.set(id, { worker, job });
    return id;
  }

  /** Settle the job a reply answers; returns the worker it ran on (now free), or undefined for a stale reply. */
  finish(reply: WorkerJobReply<R>): W | undefined {
    const r = this.running.get(reply.id);
    if (!r) return undefined;
    this.running.delete(reply.id);
    if (reply.type === 'done') r.job.resolve(reply.result);
    else r.job.reject(new FsbayesError(`${this.worker}: ${reply.message}`));
    return r.worker;
  }

  /** Reject every queued and running job with `e` (the first failure sticks). */
  fail(e: Error): void {
    this.failure ??= e;
    for (const { job } of this.running.values()) job.reject(e);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.reject(e);
  }

  /** Mark closed and reject whatever is left. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    const failure = this.failure;
    this.fail(new FsbayesError(`${this.what} closed`));
    this.failure = failure;
    return true;
  }
}
