/**
 * Seeded randomness. Every stochastic step in fsbayes takes a seed, and every
 * worker, shard or purpose gets its own stream derived from (seed, stream path).
 *
 * The uniform source is Brent's xor4096 as implemented by seedrandom (period
 * 2^4128 − 1, passes BigCrush), which is the best seedrandom generator for
 * many parallel streams. The wasm modules port the same generator bit for bit
 * (see `backend/`), seeded from {@link Rng.xorState}.
 */
import seedrandom from 'seedrandom';
import { FsbayesError } from '../errors/index.js';

/** A seed: a non-negative safe integer or a non-empty string. */
export type Seed = number | string;

/** Serialisable generator state (seedrandom's xor4096 state object). */
export interface RngState {
  X: number[];
  i: number;
  w: number;
}

type Xor4096 = ReturnType<typeof seedrandom.xor4096> & { state(): RngState };

/** Validate a seed, throwing an error that names the bad value. */
export function checkSeed(seed: Seed): Seed {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new FsbayesError(`seed must be a non-negative integer, got ${seed}`);
    }
  } else if (typeof seed !== 'string' || seed.length === 0) {
    throw new FsbayesError(`seed must be a non-negative integer or a non-empty string, got ${JSON.stringify(seed)}`);
  }
  return seed;
}

/**
 * The key string of stream `path` under `seed`. Distinct (seed, path) pairs
 * give distinct keys, and xor4096's string seeding mixes the whole key into
 * its 4096-bit state, so the streams are independent for all practical purposes.
 */
export function streamKey(seed: Seed, path: readonly (string | number)[]): string {
  checkSeed(seed);
  return `fsbayes|${typeof seed}:${seed}|${path.join('/')}`;
}

/** A seeded generator. State is real here (the generator advances), hence a class. */
export class Rng {
  private readonly g: Xor4096;
  private spare = Number.NaN;

  /** A stream of `seed` identified by `path` (e.g. `new Rng(1, 'split')`). */
  constructor(seed: Seed, ...path: (string | number)[]) {
    this.g = seedrandom.xor4096(streamKey(seed, path), { state: true }) as Xor4096;
  }

  /** Restore a generator from {@link Rng.state}. */
  static fromState(state: RngState): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    (r as unknown as { g: Xor4096 }).g = seedrandom.xor4096('', { state: copyState(state) }) as Xor4096;
    (r as unknown as { spare: number }).spare = Number.NaN;
    return r;
  }

  /** A copy of the current state, for checkpoints. */
  state(): RngState {
    return copyState(this.g.state());
  }

  /** The raw xor4096 state as typed values, to seed the wasm port of the generator. */
  xorState(): { X: Int32Array; i: number; w: number } {
    const s = this.g.state();
    return { X: Int32Array.from(s.X), i: s.i, w: s.w | 0 };
  }

  /** Next 32 random bits as an unsigned integer. */
  uint32(): number {
    return this.g.int32() >>> 0;
  }

  /** Uniform in (0, 1) with 53 random bits. */
  uniform(): number {
    return this.g.double();
  }

  /** Uniform integer in [0, n), without modulo bias. n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32)
      throw new FsbayesError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x: number;
    do x = this.uint32();
    while (x >= limit);
    return x % n;
  }

  /**
   * A standard normal by Marsaglia's polar method. For light use (data
   * subsets, jitter, tests); network parameters are drawn by the wasm ziggurat
   * from the same kind of stream, which is much faster.
   */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Fill `out` with standard normals (polar method). */
  fillNormal(out: Float64Array | Float32Array): typeof out {
    for (let k = 0; k < out.length; k++) out[k] = this.normal();
    return out;
  }

  /** Shuffle in place (Fisher–Yates). */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): typeof a {
    for (let k = a.length - 1; k > 0; k--) {
      const j = this.int(k + 1);
      const t = a[k];
      a[k] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** k distinct indices from [0, n), sorted ascending. */
  choose(n: number, k: number): Int32Array {
    if (!Number.isInteger(k) || k < 0 || k > n) throw new FsbayesError(`cannot choose ${k} of ${n} items`);
    const idx = new Int32Array(n);
    for (let j = 0; j < n; j++) idx[j] = j;
    // Partial Fisher–Yates: the first k slots end up a uniform k-subset.
    for (let j = 0; j < k; j++) {
      const r = j + this.int(n - j);
      const t = idx[j];
      idx[j] = idx[r];
      idx[r] = t;
    }
    return idx.slice(0, k).sort();
  }
}

function copyState(s: RngState): RngState {
  return { X: s.X.slice(), i: s.i, w: s.w };
}
