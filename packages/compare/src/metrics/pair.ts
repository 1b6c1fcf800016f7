/**
 * The statistics of one pair of sources (A, B): correlations of
 * log-probabilities, divergences, top-k overlap.
 *
 * Support. The functions a pair is compared on are:
 * - two tables: the union of their functions (a function one table never saw
 *   has probability 0 there: it is *unseen* by that side);
 * - a table and a P_B file: the functions the P_B file lists (P_B of any
 *   other function is unknown, so the table's mass on those is *dropped* and
 *   reported as `massDroppedA/B`; a listed function the table never saw is
 *   unseen by the table, probability 0);
 * - two P_B files: the functions both list.
 * Each side is renormalised over the support, so P_B files (whose listed
 * functions hold Σ P_B ≤ 1) and tables with dropped mass become proper
 * distributions there. Correlations are unaffected by renormalisation.
 *
 * Unseen functions. JS, TV and Hellinger are computed exactly on the support
 * (finite whatever is unseen). KL is infinite as soon as B misses a function A
 * has, so it follows `unseen`:
 * - 'smooth' (default): additive smoothing of every *table* side over the
 *   support, p(f) = (c(f) + α) / (N + α·|support|), α = 0.5 by default
 *   (Jeffreys); P_B sides are already positive and left as they are;
 * - 'common': KL on the functions both sides give positive probability, each
 *   renormalised there; the mass left out is reported (`klMassLeftOutA/B`);
 * - 'strict': plain KL, +Infinity (null in JSON) if any function is unseen.
 */
import { FsbayesError } from '@fsbayes/core';
import type { Source } from '../sources.js';
import { pearson, spearman } from './correlation.js';
import { hellingerDistance, jsDivergence, klDivergenceLog, totalVariation } from './divergence.js';
import { topMassOverlap } from './topk.js';

/** How KL treats functions that one side never saw (see the module comment). */
export type UnseenPolicy = 'smooth' | 'common' | 'strict';

/** Options of the pair statistics. */
export interface PairOptions {
  /** Correlations use functions seen at least this often by every table side (default 5). */
  minCount?: number;
  /** k of the top-k mass overlap (default 10). */
  topK?: number;
  /** KL's treatment of unseen functions (default 'smooth'). */
  unseen?: UnseenPolicy;
  /** Pseudo-count of 'smooth' (default 0.5). */
  alpha?: number;
}

/** The pair options a comparison takes when none are given. */
export const DEFAULT_PAIR_OPTIONS: Required<PairOptions> = { minCount: 5, topK: 10, unseen: 'smooth', alpha: 0.5 };

/** Statistics of one pair of distributions over the same S and E (the `--json` fields). */
export interface PairMetrics {
  a: string;
  b: string;
  /** Pearson's r of ln P_A and ln P_B over the correlation set. */
  pearsonLog: number;
  /** Spearman's ρ of P_A and P_B over the correlation set. */
  spearman: number;
  /** KL(A‖B) in nats, under the `unseen` policy. */
  kl: number;
  /** Jensen–Shannon divergence in nats (≤ ln 2). */
  js: number;
  /** Total variation distance. */
  tv: number;
  /** Hellinger distance. */
  hellinger: number;
  /** Σ min(P_A, P_B) over functions in both top-k lists. */
  topMassOverlap: number;
  /** Size of the correlation set: functions with P > 0 on both sides, seen ≥ minCount times by each table side. */
  n: number;
}

/** {@link PairMetrics} and the numbers needed to read them honestly. */
export interface PairStats extends PairMetrics {
  /** KL(B‖A) in nats, same policy. */
  klReverse: number;
  /** Functions in the support. */
  support: number;
  /** How many functions are in both top-k lists. */
  topShared: number;
  /** A's mass (renormalised on the support) on functions B gives probability 0. */
  massOnlyA: number;
  /** B's mass on functions A gives probability 0. */
  massOnlyB: number;
  /** Fraction of A's mass outside the support (a table's functions a P_B file does not list). */
  massDroppedA: number;
  massDroppedB: number;
  /** With unseen = 'common': the mass of A (of B) left out of KL; else 0. */
  klMassLeftOutA: number;
  klMassLeftOutB: number;
}

/** A pair of sources aligned on their support (built once; the statistics read it many times). */
export interface AlignedPair {
  a: Source;
  b: Source;
  /** Keys of the support. */
  keys: string[];
  /** For each support function, its index in a.keys (−1 if a does not list it). */
  ia: Int32Array;
  ib: Int32Array;
}

/** Align two sources on their support (see the module comment). */
export function alignPair(a: Source, b: Source): AlignedPair {
  const mapA = new Map(a.keys.map((k, i) => [k, i]));
  const mapB = new Map(b.keys.map((k, i) => [k, i]));
  let keys: string[];
  if (a.complete && b.complete) {
    keys = [...a.keys];
    for (const k of b.keys) if (!mapA.has(k)) keys.push(k);
  } else if (a.complete) keys = [...b.keys];
  else if (b.complete) keys = [...a.keys];
  else keys = a.keys.filter((k) => mapB.has(k));
  const ia = Int32Array.from(keys, (k) => mapA.get(k) ?? -1);
  const ib = Int32Array.from(keys, (k) => mapB.get(k) ?? -1);
  return { a, b, keys, ia, ib };
}

/** One side of a pair on the support: probabilities, logs, counts. */
interface Side {
  p: Float64Array;
  logp: Float64Array;
  /** Counts on the support (tables), or null. */
  c: Float64Array | null;
  dropped: number;
}

/**
 * Side of a source on the support. `counts` overrides the table's counts
 * (a bootstrap replicate, over `src.keys`).
 */
function side(src: Source, idx: Int32Array, counts: Float64Array | null): Side {
  const n = idx.length;
  const p = new Float64Array(n);
  const logp = new Float64Array(n);
  if (src.kind === 'table') {
    const cs = counts ?? (src.counts as Float64Array);
    const c = new Float64Array(n);
    let total = 0;
    for (const v of cs) total += v;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      c[i] = idx[i] < 0 ? 0 : cs[idx[i]];
      inside += c[i];
    }
    const lin = Math.log(inside);
    const cache = new Float64Array(256).fill(Number.NaN);
    for (let i = 0; i < n; i++) {
      const v = c[i];
      p[i] = v / inside;
      if (v < 256) {
        // small counts: logs looked up (the bootstrap's inner loop)
        let l = cache[v];
        if (Number.isNaN(l)) l = cache[v] = v > 0 ? Math.log(v) - lin : Number.NEGATIVE_INFINITY;
        logp[i] = l;
      } else logp[i] = Math.log(v) - lin;
    }
    return { p, logp, c, dropped: total > 0 ? 1 - inside / total : 0 };
  }
  // Log-sum-exp over the support, so tiny P_B (e^-500) keep their logs.
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) if (idx[i] >= 0) max = Math.max(max, src.logP[idx[i]]);
  let inside = 0;
  for (let i = 0; i < n; i++) if (idx[i] >= 0) inside += Math.exp(src.logP[idx[i]] - max);
  let all = 0;
  for (const v of src.logP) all += Math.exp(v - max);
  const lse = max + Math.log(inside);
  for (let i = 0; i < n; i++) {
    logp[i] = idx[i] < 0 ? Number.NEGATIVE_INFINITY : src.logP[idx[i]] - lse;
    p[i] = Math.exp(logp[i]);
  }
  return { p, logp, c: null, dropped: all > 0 ? Math.max(0, 1 - inside / all) : 0 };
}

/** The correlation set: indices with P > 0 on both sides and count ≥ minCount on every table side. */
function correlationSet(pa: Side | null, pb: Side | null, minCount: number): number[] {
  if (!pa || !pb) return [];
  const out: number[] = [];
  for (let i = 0; i < pa.p.length; i++) {
    if (!(pa.p[i] > 0 && pb.p[i] > 0)) continue;
    if (pa.c && pa.c[i] < minCount) continue;
    if (pb.c && pb.c[i] < minCount) continue;
    out.push(i);
  }
  return out;
}

/**
 * The statistics of an aligned pair. `countsA`/`countsB` replace the tables'
 * counts (bootstrap replicates over the source's keys); null keeps them.
 */
export function pairStats(
  pair: AlignedPair,
  options: PairOptions = {},
  countsA: Float64Array | null = null,
  countsB: Float64Array | null = null,
): PairStats {
  const o = { ...DEFAULT_PAIR_OPTIONS, ...options };
  const A = side(pair.a, pair.ia, countsA);
  const B = side(pair.b, pair.ib, countsB);
  const set = correlationSet(A, B, o.minCount);
  const la = Float64Array.from(set, (i) => A.logp[i]);
  const lb = Float64Array.from(set, (i) => B.logp[i]);
  const top = topMassOverlap(A.p, B.p, o.topK, pair.keys);
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < A.p.length; i++) {
    if (B.p[i] === 0) onlyA += A.p[i];
    if (A.p[i] === 0) onlyB += B.p[i];
  }
  const kl = klPair(A, B, o);
  return {
    a: pair.a.name,
    b: pair.b.name,
    pearsonLog: pearson(la, lb),
    spearman: spearman(la, lb),
    kl: kl.ab,
    js: jsDivergence(A.p, B.p),
    tv: totalVariation(A.p, B.p),
    hellinger: hellingerDistance(A.p, B.p),
    topMassOverlap: top.mass,
    n: set.length,
    klReverse: kl.ba,
    support: pair.keys.length,
    topShared: top.shared,
    massOnlyA: onlyA,
    massOnlyB: onlyB,
    massDroppedA: A.dropped,
    massDroppedB: B.dropped,
    klMassLeftOutA: kl.leftA,
    klMassLeftOutB: kl.leftB,
  };
}

function klPair(A: Side, B: Side, o: Required<PairOptions>): { ab: number; ba: number; leftA: number; leftB: number } {
  if (o.unseen === 'strict')
    return { ab: klDivergenceLog(A.logp, B.logp), ba: klDivergenceLog(B.logp, A.logp), leftA: 0, leftB: 0 };
  if (o.unseen === 'smooth') {
    if (!(o.alpha > 0)) throw new FsbayesError(`smoothing pseudo-count must be > 0, got ${o.alpha}`);
    const sa = smoothed(A, o.alpha);
    const sb = smoothed(B, o.alpha);
    return { ab: klDivergenceLog(sa, sb), ba: klDivergenceLog(sb, sa), leftA: 0, leftB: 0 };
  }
  // 'common': both positive, each renormalised there.
  const keep: number[] = [];
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < A.p.length; i++) {
    if (A.p[i] > 0 && B.p[i] > 0) {
      keep.push(i);
      ma += A.p[i];
      mb += B.p[i];
    }
  }
  if (keep.length === 0) return { ab: Number.NaN, ba: Number.NaN, leftA: 1, leftB: 1 };
  const ra = Float64Array.from(keep, (i) => A.logp[i] - Math.log(ma));
  const rb = Float64Array.from(keep, (i) => B.logp[i] - Math.log(mb));
  return { ab: klDivergenceLog(ra, rb), ba: klDivergenceLog(rb, ra), leftA: 1 - ma, leftB: 1 - mb };
}

/** Natural-log probabilities after additive smoothing (tables only; P_B sides as they are). */
function smoothed(s: Side, alpha: number): Float64Array {
  if (!s.c) return s.logp;
  const c = s.c;
  let n = 0;
  for (let i = 0; i < c.length; i++) n += c[i];
  const denom = Math.log(n + alpha * c.length);
  // Counts are mostly small integers: look their logs up (this is the bootstrap's inner loop).
  const cache = new Float64Array(256).fill(Number.NaN);
  const out = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const v = c[i];
    if (v < 256 && Number.isInteger(v)) {
      let l = cache[v];
      if (Number.isNaN(l)) l = cache[v] = Math.log(v + alpha) - denom;
      out[i] = l;
    } else out[i] = Math.log(v + alpha) - denom;
  }
  return out;
}
