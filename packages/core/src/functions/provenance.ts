/**
 * Provenance: where a result came from. Plain JSON, stored with every
 * function table (and usable by any other result file).
 *
 * The *experiment identity* of a provenance is what must match for two
 * tables to be merged (their functions sampled from the same distribution):
 * `tool`, `spec` (the architecture), `dataset` (name, parameters, split/mask)
 * and `experiment` (the sampling procedure: optimiser, learning rate, batch
 * size, loss, stopping rule; or the Bayesian sampler and its settings).
 * Compared as canonical JSON (object keys sorted). Seeds, shards, backend,
 * version, createdAt, command and extra may differ between shards.
 */
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { VERSION } from '../version.js';

/** A compute backend: a name and a precision, e.g. `{ name: 'wasm', precision: 'f32', threads: 4 }`. */
export interface ProvenanceBackend {
  name: string;
  precision: string;
  threads?: number;
  /** Why an automatic choice took this backend (e.g. what the faster one lacks); absent when it was asked for. */
  reason?: string;
}

/**
 * Where a result came from: tool and version, the command, the spec, the dataset and split, the seeds, the backend and
 * anything a run adds in `extra`. Results carry no wall-clock time.
 */
export interface Provenance {
  tool: 'fsbayes';
  version: string;
  /**
   * ISO 8601 time of creation. Optional and left out by the CLI, so that the
   * same command with the same seed writes the same bytes (principle 3).
   */
  createdAt?: string;
  /** The command line that produced the result. */
  command?: string;
  /** The architecture spec object. Part of the experiment identity. */
  spec: unknown;
  /** The dataset: name, parameters, split/mask. Part of the experiment identity. */
  dataset: unknown;
  /**
   * How functions were produced beyond architecture and data: e.g.
   * `{ kind: 'sgd', optimizer, lr, batchSize, loss, stop }` or
   * `{ kind: 'abi', samples }`. Part of the experiment identity.
   */
  experiment?: unknown;
  /** Every seed used (after a merge: of every shard merged). */
  seeds: (number | string)[];
  /** Shard identifiers (after a merge: of every shard merged). */
  shards?: string[];
  backend: ProvenanceBackend | string;
  extra?: Record<string, unknown>;
}

/** Fields a caller supplies to {@link createProvenance}; the rest are filled in. */
export type ProvenanceInput = Omit<Provenance, 'tool' | 'version' | 'createdAt'> &
  Partial<Pick<Provenance, 'version' | 'createdAt'>>;

/**
 * A deep copy of `x` as plain JSON data: typed arrays become arrays,
 * `undefined` object fields are dropped, as `JSON.stringify` would do. So an
 * in-memory provenance compares equal to the same one read back from a file.
 */
export function toPlainJson<T>(x: T, what = 'value'): T {
  if (x === undefined) return x;
  let text: string;
  try {
    text = JSON.stringify(x, (_k, v: unknown) =>
      ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v,
    );
  } catch (err) {
    // A BigInt or a cycle: say what could not be stored.
    throw new FsbayesError(`${what} cannot be stored as JSON (${(err as Error).message})`, { cause: err });
  }
  return JSON.parse(text) as T;
}

/**
 * A provenance with `tool`, `version` (this build's VERSION) and `createdAt`
 * (now) filled in, copied to plain JSON (see {@link toPlainJson}).
 */
export function createProvenance(input: ProvenanceInput): Provenance {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new FsbayesError(`provenance: expected an object, got ${show(input)}`);
  if (!Array.isArray(input.seeds))
    throw new FsbayesError(`provenance.seeds: must be an array, got ${show(input.seeds)}`);
  if (input.shards !== undefined && !Array.isArray(input.shards))
    throw new FsbayesError(`provenance.shards: must be an array of strings, got ${show(input.shards)}`);
  const p: Provenance = {
    tool: 'fsbayes',
    version: input.version ?? VERSION,
    ...(input.createdAt !== undefined ? { createdAt: input.createdAt } : {}),
    ...(input.command !== undefined ? { command: input.command } : {}),
    spec: input.spec,
    dataset: input.dataset,
    ...(input.experiment !== undefined ? { experiment: input.experiment } : {}),
    seeds: [...input.seeds],
    ...(input.shards !== undefined ? { shards: [...input.shards] } : {}),
    backend: input.backend,
    ...(input.extra !== undefined ? { extra: input.extra } : {}),
  };
  return validateProvenance(toPlainJson(p, 'provenance'));
}

/**
 * JSON with object keys sorted at every level, `undefined` mapped to null (so
 * a value survives a JSON round trip unchanged). Typed arrays become plain
 * arrays. Used to compare open-ended objects such as specs and datasets.
 */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(canon(x));
}

function canon(x: unknown): unknown {
  if (x === undefined || x === null) return null;
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.map(canon);
  if (typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof (o as { toJSON?: unknown }).toJSON === 'function') return canon((o as { toJSON(): unknown }).toJSON());
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = canon(o[k]);
    return out;
  }
  if (typeof x === 'bigint') return x.toString();
  return x;
}

/** The experiment identity of a provenance (null for none), as canonical JSON. */
export function experimentIdentity(p: Provenance | null): string {
  if (p === null) return 'null';
  return canonicalJson({ tool: p.tool, spec: p.spec, dataset: p.dataset, experiment: p.experiment });
}

/**
 * Check that `x` is a provenance object, throwing an error that names the
 * bad field (prefixed by `where`). Returns it, typed.
 */
export function validateProvenance(x: unknown, where = 'provenance'): Provenance {
  if (typeof x !== 'object' || x === null || Array.isArray(x))
    throw new FsbayesError(`${where}: must be an object, got ${show(x)}`);
  const p = x as Record<string, unknown>;
  if (p.tool !== 'fsbayes') throw new FsbayesError(`${where}.tool: must be "fsbayes", got ${show(p.tool)}`);
  if (typeof p.version !== 'string' || p.version === '') {
    throw new FsbayesError(`${where}.version: must be a non-empty string, got ${show(p.version)}`);
  }
  if (p.createdAt !== undefined && (typeof p.createdAt !== 'string' || Number.isNaN(Date.parse(p.createdAt)))) {
    throw new FsbayesError(`${where}.createdAt: must be an ISO date string, got ${show(p.createdAt)}`);
  }
  if (p.command !== undefined && typeof p.command !== 'string')
    throw new FsbayesError(`${where}.command: must be a string, got ${show(p.command)}`);
  if (!Array.isArray(p.seeds)) throw new FsbayesError(`${where}.seeds: must be an array, got ${show(p.seeds)}`);
  p.seeds.forEach((s, j) => {
    // As `checkSeed` accepts them: a non-negative safe integer or a non-empty string.
    if (!(typeof s === 'string' && s !== '') && !(Number.isSafeInteger(s) && (s as number) >= 0)) {
      throw new FsbayesError(
        `${where}.seeds[${j}]: must be a non-negative integer or a non-empty string, got ${show(s)}`,
      );
    }
  });
  if (p.shards !== undefined) {
    if (!Array.isArray(p.shards))
      throw new FsbayesError(`${where}.shards: must be an array of strings, got ${show(p.shards)}`);
    p.shards.forEach((s, j) => {
      if (typeof s !== 'string') throw new FsbayesError(`${where}.shards[${j}]: must be a string, got ${show(s)}`);
    });
  }
  const b = p.backend;
  if (typeof b !== 'string') {
    if (typeof b !== 'object' || b === null)
      throw new FsbayesError(`${where}.backend: must be a string or { name, precision }, got ${show(b)}`);
    const bb = b as Record<string, unknown>;
    if (typeof bb.name !== 'string')
      throw new FsbayesError(`${where}.backend.name: must be a string, got ${show(bb.name)}`);
    if (typeof bb.precision !== 'string')
      throw new FsbayesError(`${where}.backend.precision: must be a string, got ${show(bb.precision)}`);
    if (bb.threads !== undefined && !(Number.isSafeInteger(bb.threads) && (bb.threads as number) > 0)) {
      throw new FsbayesError(`${where}.backend.threads: must be a positive integer, got ${show(bb.threads)}`);
    }
    if (bb.reason !== undefined && typeof bb.reason !== 'string')
      throw new FsbayesError(`${where}.backend.reason: must be a string, got ${show(bb.reason)}`);
  }
  if (p.extra !== undefined && (typeof p.extra !== 'object' || p.extra === null || Array.isArray(p.extra))) {
    throw new FsbayesError(`${where}.extra: must be an object, got ${show(p.extra)}`);
  }
  return x as Provenance;
}

/** One merged source, as recorded in `extra.mergedFrom`. */
export interface MergedSource {
  createdAt?: string;
  version: string;
  command?: string;
  backend: ProvenanceBackend | string;
  seeds: (number | string)[];
  shards?: string[];
}

function sourcesOf(p: Provenance): MergedSource[] {
  const recorded = p.extra?.mergedFrom;
  if (Array.isArray(recorded)) return recorded as MergedSource[];
  return [
    {
      ...(p.createdAt !== undefined ? { createdAt: p.createdAt } : {}),
      version: p.version,
      ...(p.command !== undefined ? { command: p.command } : {}),
      backend: p.backend,
      seeds: [...p.seeds],
      ...(p.shards !== undefined ? { shards: [...p.shards] } : {}),
    },
  ];
}

/**
 * The provenance of the merge of tables with provenances `a` and `b` (whose
 * experiment identities must already match): a's identity (and a's createdAt, if any),
 * no command, seeds and shards the union in order (a's first), and `extra.mergedFrom` the
 * list of every original source (createdAt, version, command, backend,
 * seeds, shards). The backend is a's when both agree, otherwise the string
 * "mixed" (each source's backend stays in mergedFrom).
 */
export function mergeProvenance(a: Provenance, b: Provenance): Provenance {
  const union = <T>(x: T[], y: T[]) => [...x, ...y.filter((v) => !x.includes(v))];
  const shards = a.shards || b.shards ? union(a.shards ?? [], b.shards ?? []) : undefined;
  const backend = canonicalJson(a.backend) === canonicalJson(b.backend) ? a.backend : 'mixed';
  const { command: _command, ...rest } = a; // each source's command stays in mergedFrom
  return {
    ...rest,
    seeds: union(a.seeds, b.seeds),
    ...(shards !== undefined ? { shards } : {}),
    backend,
    extra: { ...(b.extra ?? {}), ...(a.extra ?? {}), mergedFrom: [...sourcesOf(a), ...sourcesOf(b)] },
  };
}
