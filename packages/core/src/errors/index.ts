/**
 * The project's one error type. Every error fsbayes throws on purpose is an
 * {@link FsbayesError}: bad input (named in the message), I/O trouble (naming
 * the user's path and what to do), a number that cannot be computed, or a
 * resource limit. Callers (the CLI, notebooks, the fuzz test) can tell them
 * from bugs — anything else that escapes is a defect.
 */
export type FsbayesErrorKind = 'input' | 'io' | 'numeric' | 'resource' | 'internal';

/** An error fsbayes throws on purpose; `kind` says what went wrong (the CLI exits 1 for each). */
export class FsbayesError extends Error {
  /** What went wrong, coarsely: the CLI maps every kind to exit code 1. */
  readonly kind: FsbayesErrorKind;

  constructor(message: string, options: { kind?: FsbayesErrorKind; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FsbayesError';
    this.kind = options.kind ?? 'input';
  }
}

/** Whether `e` is one of the project's own errors (not a bug or a raw Node error). */
export function isFsbayesError(e: unknown): e is FsbayesError {
  return e instanceof FsbayesError;
}

export { Warnings } from './warnings.js';
