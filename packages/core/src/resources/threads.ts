/**
 * How many worker threads to start. More threads than the machine's cores
 * never help (every pool here is CPU-bound, and results never depend on the
 * thread count), while each one costs a wasm instance and its memory: a
 * request for more is capped, and the cap is said, not hidden.
 */
import os from 'node:os';
import { FsbayesError } from '../errors/index.js';

/** The most threads that help here: `os.availableParallelism()` (at least 1). */
export function usefulThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/** A thread count as used, and what was asked for. */
export interface ThreadChoice {
  /** Threads to start. */
  threads: number;
  /** What the caller asked for (undefined: the default, all cores). */
  requested?: number;
  /** Set when the request was capped: one line saying so, for a log or a result's note. */
  note?: string;
}

/**
 * Validate a requested thread count and cap it at {@link usefulThreads}.
 * `undefined` means all cores. `what` names the setting in messages
 * (`--threads` in the CLI). Throws an input error for anything but a
 * positive integer.
 */
export function chooseThreads(requested: number | undefined, what = 'threads'): ThreadChoice {
  const max = usefulThreads();
  if (requested === undefined) return { threads: max };
  if (typeof requested !== 'number' || !Number.isSafeInteger(requested) || requested < 1)
    throw new FsbayesError(`${what} must be a positive integer, got ${String(requested)}`);
  if (requested <= max) return { threads: requested, requested };
  return {
    threads: max,
    requested,
    note: `${what} ${requested} capped at ${max}, the cores this machine has (os.availableParallelism()); more threads would only wait for them`,
  };
}
