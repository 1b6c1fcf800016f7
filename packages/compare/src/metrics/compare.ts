/**
 * Compare two or more sources: every pair's statistics, each source's
 * expected test error, and bootstrap intervals for all of them.
 *
 * The bootstrap resamples each *table* (its `total` nets drawn again,
 * multinomially, with the table's frequencies; seeded stream
 * `Rng(seed, 'compare-bootstrap', source index)`), keeps the pair supports
 * fixed, and recomputes every statistic. P_B files are computed, not sampled,
 * so they are not resampled: intervals show the sampling noise of the tables only.
 */
import { FsbayesError, Rng, type Seed } from '@fsbayes/core';
import type { Source } from '../sources.js';
import { AliasTable, type Interval, percentileInterval, resampleCounts } from './bootstrap.js';
import {
  type AlignedPair,
  alignPair,
  DEFAULT_PAIR_OPTIONS,
  type PairOptions,
  type PairStats,
  pairStats,
} from './pair.js';

/** Options of {@link compareSources}. */
export interface CompareOptions extends PairOptions {
  /** Bootstrap replicates (default 200; 0 for none). */
  bootstrap?: number;
  /** Seed of the bootstrap (default 1). */
  seed?: Seed;
  /** Interval coverage (default 0.95). */
  level?: number;
}

/** The bootstrapped statistics of a pair. */
export const PAIR_STAT_KEYS = [
  'pearsonLog',
  'spearman',
  'kl',
  'klReverse',
  'js',
  'tv',
  'hellinger',
  'topMassOverlap',
] as const;
/** One of {@link PAIR_STAT_KEYS}: a statistic of a pair of sources. */
export type PairStatKey = (typeof PAIR_STAT_KEYS)[number];

/** A pair's statistics with their bootstrap intervals (null when not bootstrapped). */
export interface PairResult extends PairStats {
  ci: Record<PairStatKey, Interval> | null;
}

/** What one source is, on its own. */
export interface SourceSummary {
  name: string;
  kind: 'table' | 'pb';
  /** Nets counted (tables), or null. */
  total: number | null;
  /** Functions listed. */
  distinct: number;
  /** Σ P over the listed functions as given (1 for tables; Σ P_B for a P_B file). */
  massListed: number;
  /**
   * Expected test error Σ P(f)·err(f)/m over the listed functions (a P_B file
   * renormalised over them), or null when test errors are unknown.
   */
  meanTestError: number | null;
  /** Its bootstrap interval (tables only). */
  meanTestErrorCi: Interval | null;
}

/** Everything {@link compareSources} computed. */
export interface Comparison {
  sources: SourceSummary[];
  pairs: PairResult[];
  options: Required<PairOptions> & { bootstrap: number; seed: Seed; level: number };
}

/**
 * Expected test error of a source: Σ P(f) err(f) / m over its listed
 * functions (P renormalised over them); null if any error is unknown.
 * `counts` replaces a table's counts (a bootstrap replicate).
 */
export function expectedTestError(src: Source, counts: Float64Array | null = null): number | null {
  if (src.errors.some((e) => e === null)) return null;
  let num = 0;
  let den = 0;
  const max = src.logP.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  for (let i = 0; i < src.keys.length; i++) {
    const w = src.kind === 'table' ? (counts ?? (src.counts as Float64Array))[i] : Math.exp(src.logP[i] - max);
    num += w * (src.errors[i] as number);
    den += w;
  }
  return den > 0 ? num / (den * src.m) : null;
}

/**
 * Compare every pair (i < j) of `sources` (check them first with
 * `checkCompatible`). Deterministic for a given seed.
 */
export function compareSources(sources: readonly Source[], options: CompareOptions = {}): Comparison {
  if (sources.length < 2) throw new FsbayesError(`compare needs at least two sources, got ${sources.length}`);
  const pairOpts: Required<PairOptions> = {
    minCount: options.minCount ?? DEFAULT_PAIR_OPTIONS.minCount,
    topK: options.topK ?? DEFAULT_PAIR_OPTIONS.topK,
    unseen: options.unseen ?? DEFAULT_PAIR_OPTIONS.unseen,
    alpha: options.alpha ?? DEFAULT_PAIR_OPTIONS.alpha,
  };
  const B = options.bootstrap ?? 200;
  const seed = options.seed ?? 1;
  const level = options.level ?? 0.95;
  if (!Number.isSafeInteger(B) || B < 0) throw new FsbayesError(`bootstrap must be a non-negative integer, got ${B}`);
  if (!Number.isSafeInteger(pairOpts.minCount) || pairOpts.minCount < 1) {
    throw new FsbayesError(`min-count must be a positive integer, got ${pairOpts.minCount}`);
  }
  if (!Number.isSafeInteger(pairOpts.topK) || pairOpts.topK < 1) {
    throw new FsbayesError(`top-k must be a positive integer, got ${pairOpts.topK}`);
  }
  if (!['smooth', 'common', 'strict'].includes(pairOpts.unseen)) {
    throw new FsbayesError(`unseen must be smooth, common or strict, got ${JSON.stringify(pairOpts.unseen)}`);
  }
  if (!(level > 0 && level < 1)) throw new FsbayesError(`level must be in (0, 1), got ${level}`);

  const aligned: { i: number; j: number; pair: AlignedPair }[] = [];
  for (let i = 0; i < sources.length; i++) {
    for (let j = i + 1; j < sources.length; j++) aligned.push({ i, j, pair: alignPair(sources[i], sources[j]) });
  }
  const base = aligned.map(({ pair }) => pairStats(pair, pairOpts));
  const baseErr = sources.map((s) => expectedTestError(s));

  const tables = sources.map((s, k) => (s.kind === 'table' ? k : -1)).filter((k) => k >= 0);
  const doBoot = B > 0 && tables.length > 0;
  const pairReps = aligned.map(() => Object.fromEntries(PAIR_STAT_KEYS.map((k) => [k, [] as number[]])));
  const errReps = sources.map(() => [] as number[]);
  if (doBoot) {
    const rngs = sources.map((s, k) => (s.kind === 'table' ? new Rng(seed, 'compare-bootstrap', k) : null));
    const alias = sources.map((s) => (s.kind === 'table' ? new AliasTable(s.counts as Float64Array) : null));
    const bufs = sources.map((s) => (s.kind === 'table' ? new Float64Array(s.keys.length) : null));
    for (let r = 0; r < B; r++) {
      const reps = sources.map((s, k) =>
        s.kind === 'table'
          ? resampleCounts(alias[k] as AliasTable, s.total as number, rngs[k] as Rng, bufs[k] as Float64Array)
          : null,
      );
      aligned.forEach(({ i, j, pair }, q) => {
        const st = pairStats(pair, pairOpts, reps[i], reps[j]);
        for (const k of PAIR_STAT_KEYS) pairReps[q][k].push(st[k]);
      });
      sources.forEach((s, k) => {
        if (s.kind === 'table') errReps[k].push(expectedTestError(s, reps[k]) ?? Number.NaN);
      });
    }
  }
  const pairs: PairResult[] = base.map((st, q) => ({
    ...st,
    ci: doBoot
      ? (Object.fromEntries(PAIR_STAT_KEYS.map((k) => [k, percentileInterval(pairReps[q][k], level, st[k])])) as Record<
          PairStatKey,
          Interval
        >)
      : null,
  }));
  const summaries: SourceSummary[] = sources.map((s, k) => ({
    name: s.name,
    kind: s.kind,
    total: s.total,
    distinct: s.keys.length,
    massListed: s.massListed,
    meanTestError: baseErr[k],
    meanTestErrorCi:
      doBoot && s.kind === 'table' && baseErr[k] !== null
        ? percentileInterval(errReps[k], level, baseErr[k] as number)
        : null,
  }));
  return { sources: summaries, pairs, options: { ...pairOpts, bootstrap: doBoot ? B : 0, seed, level } };
}
