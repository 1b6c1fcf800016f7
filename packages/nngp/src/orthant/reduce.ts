/**
 * The exact pre-reduction of a Gaussian orthant (or rectangle) problem, used
 * by every estimator (EP, Botev, Genz, MC) and by the marginal likelihood and
 * P_B: first check the covariance is what the maths needs, then take out
 * what can be decided exactly, so that no estimator is handed a degenerate
 * problem it would silently get wrong.
 *
 * 1. Validation ({@link analyseCovariance}, label-free, once per kernel):
 *    every entry finite; symmetric within `symTol`·s (s = the largest
 *    variance); variances ≥ −`psdTol`·s.
 * 2. Zero-variance coordinates (Kᵢᵢ ≤ 0): fᵢ equals its mean exactly, so its
 *    constraint holds with probability 1 or 0. Sign convention of the nets:
 *    label +1 ⇔ f > 0, so f = 0 has label −1 (a zero-variance point of a
 *    zero-mean GP is always predicted −1/0). Such a row must be 0 (PSD).
 * 3. Duplicate coordinates: i and j with Kᵢᵢ = Kⱼⱼ = |Kᵢⱼ| (within `dupTol`
 *    relative) are one random variable up to sign (gⱼ = ±gᵢ: correlation ±1),
 *    e.g. a repeated input, or x and −x under an odd kernel. Their constraints
 *    intersect: a repeat with the same label adds nothing; a conflicting label
 *    makes the orthant empty, P = 0 exactly. Their rows must agree up to the
 *    sign (PSD); each group keeps its smallest index.
 * 4. What is left is factorised (Cholesky, O(n³)): if that fails, once more
 *    with `psdTol`·s on the diagonal; if it fails again K is not PSD within
 *    the tolerance and is refused. A matrix that needs that jitter is
 *    singular (a warning); the smallest relative conditional variance
 *    L_kk²/K_kk below `singularTol` is reported as near-singular.
 *
 * An orthant is held as one interval per coordinate for g = f − mean:
 * label +1 ⇔ g ∈ (−m, ∞), label −1 ⇔ g ∈ (−∞, −m] ({@link reduceOrthant});
 * a rectangle as closed intervals [l, u] ({@link reduceRectangle}).
 */
import { cholesky, FsbayesError, NotPositiveDefiniteError } from '@fsbayes/core';

/** Tolerances of {@link analyseCovariance} (all relative to the largest variance s unless said). */
export interface CovarianceCheckOptions {
  /** |Kᵢⱼ − Kⱼᵢ| ≤ symTol·s (default 1e−10). */
  symTol?: number;
  /** K is PSD within tolerance if K + psdTol·s·I has a Cholesky factor (default 1e−6). */
  psdTol?: number;
  /** i, j are one coordinate (up to sign) when ||Kᵢⱼ| − Kᵢᵢ| and ||Kᵢⱼ| − Kⱼⱼ| ≤ dupTol·max(Kᵢᵢ, Kⱼⱼ) (default 1e−10). */
  dupTol?: number;
  /** Warn when the smallest L_kk²/K_kk is below this (default 1e−10). */
  singularTol?: number;
  /** Factorise the reduced matrix (PSD and conditioning check, O(n³); default true). */
  factorise?: boolean;
  /** What to call the matrix in messages (default 'K'). */
  name?: string;
}

/** The label-free structure of a covariance matrix (see the module comment). */
export interface CovarianceStructure {
  /** The matrix analysed (not copied) and its size. */
  K: Float64Array;
  n: number;
  /** Largest variance (0 for the zero matrix). */
  scale: number;
  /** Per coordinate: −1 when its variance is 0, else the index of its group's representative (itself if kept). */
  rep: Int32Array;
  /** Per coordinate: gᵢ = sign[i]·g_rep[i] (+1 for a repeat, −1 for correlation −1; 0 for zero variance). */
  sign: Int8Array;
  /** The representatives, increasing: the coordinates that stay. */
  kept: Int32Array;
  /** Coordinates with zero variance, and coordinates that repeat a kept one. */
  zeroVariance: number;
  duplicates: number;
  /** Smallest relative conditional variance L_kk²/K_kk of the kept coordinates (null when not factorised). */
  minConditional: number | null;
  /** Diagonal jitter the kept block needed to factorise (0: positive definite; null when not factorised). */
  psdJitter: number | null;
  /** The tolerances used (reported with results). */
  tolerances: { symTol: number; psdTol: number; dupTol: number; singularTol: number };
  /** Degenerate or near-singular structure, in words. */
  warnings: string[];
}

function tol(v: number | undefined, def: number, what: string): number {
  const t = v ?? def;
  if (!(t >= 0) || !Number.isFinite(t)) throw new FsbayesError(`${what} must be a finite number ≥ 0, got ${t}`);
  return t;
}

const fmt = (x: number): string => String(Number(x.toPrecision(6)));

/**
 * Validate a covariance K (n×n row-major) and find its zero-variance and
 * duplicate coordinates; throws `FsbayesError` naming the entry when K is not
 * finite, not symmetric or not PSD within the stated tolerances.
 */
export function analyseCovariance(K: Float64Array, n: number, opts: CovarianceCheckOptions = {}): CovarianceStructure {
  const name = opts.name ?? 'K';
  if (!Number.isSafeInteger(n) || n < 0) throw new FsbayesError(`${name}: size must be an integer ≥ 0, got ${n}`);
  if (K.length !== n * n) throw new FsbayesError(`${name} has ${K.length} entries, expected ${n}×${n}`);
  const symTol = tol(opts.symTol, 1e-10, 'symTol');
  const psdTol = tol(opts.psdTol, 1e-6, 'psdTol');
  const dupTol = tol(opts.dupTol, 1e-10, 'dupTol');
  const singularTol = tol(opts.singularTol, 1e-10, 'singularTol');
  let scale = 0;
  for (let i = 0; i < n * n; i++) {
    const v = K[i];
    if (!Number.isFinite(v))
      throw new FsbayesError(`${name}[${Math.floor(i / n)}][${i % n}] = ${v}: a covariance must be finite`, {
        kind: 'numeric',
      });
  }
  for (let i = 0; i < n; i++) scale = Math.max(scale, K[i * n + i]);
  for (let i = 0; i < n; i++) {
    const d = K[i * n + i];
    if (d < -psdTol * scale || (scale === 0 && d < 0))
      throw new FsbayesError(
        `${name}[${i}][${i}] = ${fmt(d)} is a negative variance: a covariance must be positive semi-definite (tolerance ${psdTol.toExponential()}·max variance)`,
      );
    for (let j = 0; j < i; j++) {
      const a = K[i * n + j];
      const b = K[j * n + i];
      if (Math.abs(a - b) > symTol * scale)
        throw new FsbayesError(
          `${name} is not symmetric: ${name}[${i}][${j}] = ${fmt(a)} but ${name}[${j}][${i}] = ${fmt(b)} (tolerance ${symTol.toExponential()}·max variance)`,
        );
    }
  }
  const abs = psdTol * scale;
  const rep = new Int32Array(n);
  let zeroVariance = 0;
  for (let i = 0; i < n; i++) {
    rep[i] = i;
    if (K[i * n + i] > 0) continue;
    rep[i] = -1;
    zeroVariance++;
    for (let k = 0; k < n; k++) {
      if (Math.abs(K[i * n + k]) > abs)
        throw new FsbayesError(
          `${name} is not positive semi-definite: ${name}[${i}][${i}] = 0 but ${name}[${i}][${k}] = ${fmt(K[i * n + k])} (tolerance ${psdTol.toExponential()}·max variance)`,
        );
    }
  }
  const sign = new Int8Array(n);
  const duplicates = findDuplicates(K, n, rep, sign, dupTol);
  // Rows of one group must agree (up to the sign): var(gᵢ − s·g_r) ≈ 0 bounds |Kᵢₖ − s·K_rk| by √(var·Kₖₖ).
  for (let i = 0; i < n; i++) {
    const r = rep[i];
    if (r < 0 || r === i) continue;
    const sg = sign[i];
    const v = Math.max(0, K[i * n + i] + K[r * n + r] - 2 * sg * K[i * n + r]);
    for (let k = 0; k < n; k++) {
      const kk = Math.max(0, K[k * n + k]);
      if (Math.abs(K[i * n + k] - sg * K[r * n + k]) > Math.sqrt(v * kk) * 1.01 + abs + 4 * dupTol * scale)
        throw new FsbayesError(
          `${name} is not positive semi-definite: points ${r} and ${i} are one point${sg < 0 ? ' up to sign' : ''} under it (${name}[${r}][${r}] = ${name}[${i}][${i}] = ${sg < 0 ? '−' : ''}${name}[${r}][${i}] = ${fmt(K[r * n + r])}) but ${name}[${r}][${k}] = ${fmt(K[r * n + k])} and ${name}[${i}][${k}] = ${fmt(K[i * n + k])}`,
        );
    }
  }
  const keptList: number[] = [];
  for (let i = 0; i < n; i++) if (rep[i] === i) keptList.push(i);
  const kept = Int32Array.from(keptList);
  const s: CovarianceStructure = {
    K,
    n,
    scale,
    rep,
    sign,
    kept,
    zeroVariance,
    duplicates,
    minConditional: null,
    psdJitter: null,
    tolerances: { symTol, psdTol, dupTol, singularTol },
    warnings: [],
  };
  s.warnings = structureWarnings(s, name);
  if (opts.factorise !== false) factoriseCheck(s, name);
  return s;
}

/** Zero-variance and repeated points, in words (they are handled exactly, but a degenerate kernel is worth knowing). */
function structureWarnings(s: CovarianceStructure, name: string): string[] {
  const { n, zeroVariance, duplicates, kept } = s;
  const w: string[] = [];
  if (zeroVariance > 0)
    w.push(
      zeroVariance === n
        ? `${name} is degenerate: all ${n} points have zero variance (f equals its mean there); decided exactly`
        : `${zeroVariance} of ${n} points have zero variance under ${name} (f equals its mean there): their constraints are decided exactly (probability 1 or 0)`,
    );
  if (duplicates > 0)
    w.push(
      kept.length === 1 && zeroVariance === 0
        ? `${name} is degenerate: all ${n} points are one point under it (correlation ±1 within ${s.tolerances.dupTol.toExponential()}); decided exactly`
        : `${duplicates} of ${n} points repeat other points under ${name} (correlation ±1 within ${s.tolerances.dupTol.toExponential()}): removed exactly (a repeat with a consistent label adds nothing; a conflicting label gives P = 0)`,
    );
  return w;
}

/**
 * Group coordinates with Kᵢᵢ = Kⱼⱼ = |Kᵢⱼ| (within dupTol): rep[i] becomes its
 * group's smallest index and sign[i] the sign with gᵢ = sign[i]·g_rep. Only
 * coordinates with nearly equal variances can be one, so they are compared
 * within runs of sorted variances. Returns the number of coordinates that are
 * not their group's representative.
 */
function findDuplicates(K: Float64Array, n: number, rep: Int32Array, sign: Int8Array, dupTol: number): number {
  const live: number[] = [];
  for (let i = 0; i < n; i++) if (rep[i] >= 0) live.push(i);
  live.sort((a, b) => K[a * n + a] - K[b * n + b] || a - b);
  const reps: number[] = [];
  let start = 0;
  for (const i of live) {
    const di = K[i * n + i];
    while (start < reps.length && K[reps[start] * n + reps[start]] < di * (1 - 2 * dupTol)) start++;
    sign[i] = 1;
    for (let q = start; q < reps.length; q++) {
      const j = reps[q];
      const dj = K[j * n + j];
      const c = K[i * n + j];
      const t = dupTol * Math.max(di, dj);
      if (Math.abs(Math.abs(c) - di) <= t && Math.abs(Math.abs(c) - dj) <= t) {
        rep[i] = j;
        sign[i] = c < 0 ? -1 : 1;
        break;
      }
    }
    if (rep[i] === i) reps.push(i);
  }
  // each group's representative: its smallest index (signs re-expressed relative to it)
  const low = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = rep[i];
    if (r < 0) continue;
    if (low[r] < 0 || i < low[r]) low[r] = i;
  }
  const lowSign = new Int8Array(n);
  for (let i = 0; i < n; i++) if (rep[i] >= 0 && low[rep[i]] === i) lowSign[rep[i]] = sign[i];
  let dup = 0;
  for (let i = 0; i < n; i++) {
    if (rep[i] < 0) continue;
    const r = rep[i];
    sign[i] = (sign[i] * lowSign[r]) as 1 | -1;
    rep[i] = low[r];
    if (rep[i] !== i) dup++;
  }
  return dup;
}

/** The PSD and conditioning check of the kept block (step 4 of the module comment). */
function factoriseCheck(s: CovarianceStructure, name: string): void {
  const m = s.kept.length;
  if (m === 0) {
    s.minConditional = 1;
    s.psdJitter = 0;
    return;
  }
  const R = subMatrix(s.K, s.n, s.kept);
  const { psdTol, singularTol } = s.tolerances;
  let L: Float64Array;
  try {
    L = cholesky(R, m, { jitter: 0 }).L;
    s.psdJitter = 0;
  } catch (e) {
    if (!(e instanceof NotPositiveDefiniteError)) throw e;
    const j = psdTol * s.scale;
    try {
      L = cholesky(R, m, { jitter: j }).L;
    } catch (e2) {
      if (!(e2 instanceof NotPositiveDefiniteError)) throw e2;
      throw new FsbayesError(
        `${name} is not positive semi-definite: its Cholesky factorisation fails at point ${s.kept[e2.pivot] ?? e2.pivot} (pivot ${e2.value.toExponential(3)}) even with ${j.toExponential(3)} (tolerance ${psdTol.toExponential()}·max variance) added to the diagonal`,
      );
    }
    s.psdJitter = j;
    s.warnings.push(
      `${name} is singular: it is positive semi-definite only within the tolerance (its Cholesky factorisation needs ${j.toExponential(3)} = ${psdTol.toExponential()}·max variance on the diagonal): the Gaussian is degenerate and estimates of its probabilities are less reliable`,
    );
  }
  let min = 1;
  let at = 0;
  for (let k = 0; k < m; k++) {
    const d = s.K[s.kept[k] * s.n + s.kept[k]];
    const r = (L[k * m + k] * L[k * m + k]) / d;
    if (r < min) {
      min = r;
      at = s.kept[k];
    }
  }
  s.minConditional = min;
  if (s.psdJitter === 0 && min < singularTol)
    s.warnings.push(
      `${name} is near-singular: point ${at}'s variance given the points before it is ${min.toExponential(2)} of its variance (a near-repeat or a near linear combination of other points; threshold ${singularTol}): estimates of its probabilities are less reliable`,
    );
}

/** K[idx, idx] (row-major copy). */
export function subMatrix(K: Float64Array, n: number, idx: ArrayLike<number>): Float64Array {
  const m = idx.length;
  const R = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const o = idx[a] * n;
    for (let b = 0; b < m; b++) R[a * m + b] = K[o + idx[b]];
  }
  return R;
}

/** Why a reduced problem has probability 0 exactly. */
export type ZeroCause =
  | { kind: 'zero-variance'; i: number }
  | { kind: 'conflict'; i: number; j: number }
  | { kind: 'empty-interval'; i: number };

/** A reduced interval problem: one (lo, hi) per kept coordinate `src` (an index into K), or P = 0 exactly. */
export interface ReducedIntervals {
  zero: ZeroCause | null;
  src: Int32Array;
  lo: Float64Array;
  hi: Float64Array;
  /** For each coordinate of `src`: the original coordinates whose bounds set lo and hi (−1: none, ±∞). */
  loFrom: Int32Array;
  hiFrom: Int32Array;
}

/**
 * Intersect the per-coordinate intervals (lo, hi) of g within each duplicate
 * group; zero-variance coordinates are decided by `contains0(i)`. The result
 * is empty (zero set) when a zero-variance coordinate fails or a group's
 * interval is empty (lo ≥ hi: for a coordinate of positive variance even a
 * single point has probability 0).
 */
export function reduceIntervals(
  s: CovarianceStructure,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  contains0: (i: number) => boolean,
): ReducedIntervals {
  const { n, rep, kept } = s;
  const m = kept.length;
  const slot = new Int32Array(n).fill(-1);
  for (let k = 0; k < m; k++) slot[kept[k]] = k;
  const L = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
  const U = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  const loFrom = new Int32Array(m).fill(-1);
  const hiFrom = new Int32Array(m).fill(-1);
  const out = (zero: ZeroCause | null): ReducedIntervals => ({ zero, src: kept, lo: L, hi: U, loFrom, hiFrom });
  for (let i = 0; i < n; i++) {
    if (rep[i] < 0) {
      if (!contains0(i)) return out({ kind: 'zero-variance', i });
      continue;
    }
    const k = slot[rep[i]];
    // gᵢ = sign·g_rep: a constraint on gᵢ is one on g_rep, mirrored when the sign is −1
    const a = s.sign[i] < 0 ? -hi[i] : lo[i];
    const b = s.sign[i] < 0 ? -lo[i] : hi[i];
    if (a > L[k]) {
      L[k] = a;
      loFrom[k] = i;
    }
    if (b < U[k]) {
      U[k] = b;
      hiFrom[k] = i;
    }
  }
  for (let k = 0; k < m; k++) {
    if (L[k] >= U[k]) {
      const a = loFrom[k];
      const b = hiFrom[k];
      return out(
        a >= 0 && b >= 0 && a !== b
          ? { kind: 'conflict', i: Math.min(a, b), j: Math.max(a, b) }
          : { kind: 'empty-interval', i: kept[k] },
      );
    }
  }
  return out(null);
}

/** An orthant problem after the reduction: P = 0 exactly (`zeroReason`), or the kept coordinates with one-sided constraints. */
export interface ReducedOrthant {
  /** With P = 0 exactly: why, in words (then the other fields are empty). */
  zeroReason: string | null;
  /** Kept coordinates (indices into K) and their labels and means (f = mean + g, label +1 ⇔ f > 0). */
  src: Int32Array;
  y: Float64Array;
  mean: Float64Array;
  /** The reduced intervals of g = f − mean behind this (for the rectangle methods). */
  intervals: ReducedIntervals;
  /** Some group's constraints leave a two-sided interval (repeats with different means and opposite labels): then `src` etc. are empty. */
  twoSided: boolean;
}

const sign = (v: number): string => (v > 0 ? '+1' : '−1');

/**
 * Apply labels y (±1) and means (default 0) to an analysed covariance: zero-variance points
 * decided, repeats merged (see the module comment). `twoSided` is set (and `src` etc. left
 * empty) when a group's constraints leave an interval that is not one orthant side.
 */
export function reduceOrthant(s: CovarianceStructure, y: ArrayLike<number>, mean?: ArrayLike<number>): ReducedOrthant {
  const n = s.n;
  const m = (i: number): number => (mean === undefined ? 0 : mean[i]);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = y[i] > 0 ? -m(i) : Number.NEGATIVE_INFINITY;
    hi[i] = y[i] > 0 ? Number.POSITIVE_INFINITY : -m(i);
  }
  const r = reduceIntervals(s, lo, hi, (i) => (y[i] > 0 ? m(i) > 0 : m(i) <= 0));
  const none = new Int32Array(0);
  if (r.zero)
    return {
      zeroReason: describeOrthantZero(r.zero, s, y, mean),
      src: none,
      y: new Float64Array(0),
      mean: new Float64Array(0),
      intervals: r,
      twoSided: false,
    };
  const k = r.src.length;
  const ys = new Float64Array(k);
  const ms = new Float64Array(k);
  for (let q = 0; q < k; q++) {
    const l = r.lo[q] > Number.NEGATIVE_INFINITY;
    const u = r.hi[q] < Number.POSITIVE_INFINITY;
    if (l && u) return { zeroReason: null, src: none, y: ys, mean: ms, intervals: r, twoSided: true };
    ys[q] = l ? 1 : -1;
    ms[q] = l ? -r.lo[q] : -r.hi[q];
  }
  return { zeroReason: null, src: r.src, y: ys, mean: ms, intervals: r, twoSided: false };
}

/** Why an orthant has P = 0 exactly, in words. */
export function describeOrthantZero(
  c: ZeroCause,
  s: CovarianceStructure,
  y: ArrayLike<number>,
  mean: ArrayLike<number> | undefined,
): string {
  const K = s.K;
  const n = s.n;
  if (c.kind === 'zero-variance') {
    const m = mean === undefined ? 0 : mean[c.i];
    return `point ${c.i} has zero variance (K[${c.i}][${c.i}] = 0), so f = ${m} there for every function, which predicts label ${m > 0 ? '+1' : '−1 (only f > 0 is label +1)'}; its label is ${sign(y[c.i])}`;
  }
  if (c.kind === 'conflict') {
    const neg = K[c.i * n + c.j] < 0;
    const same = neg
      ? `f(x_${c.j}) = −f(x_${c.i}) for every function (K[${c.i}][${c.i}] = K[${c.j}][${c.j}] = −K[${c.i}][${c.j}] = ${fmt(K[c.i * n + c.i])}: correlation −1)`
      : `points ${c.i} and ${c.j} are one point under K (K[${c.i}][${c.i}] = K[${c.j}][${c.j}] = K[${c.i}][${c.j}] = ${fmt(K[c.i * n + c.j])}: correlation 1)`;
    return `${same} but ${mean === undefined ? `their labels ${sign(y[c.i])} and ${sign(y[c.j])} cannot both hold` : `their labels ${sign(y[c.i])} and ${sign(y[c.j])} with means ${mean[c.i]} and ${mean[c.j]} cannot both hold`}`;
  }
  return `the constraints on point ${c.i} and its repeats leave an empty interval`;
}

/**
 * The structure of the leading n0 coordinates (e.g. S of a kernel on S ∪ E, S first):
 * since each group's representative is its smallest index, this is the restriction
 * of the groups, without another pass. Not factorised (minConditional/psdJitter as the
 * whole's); warnings are recomputed for the part.
 */
export function restrictStructure(s: CovarianceStructure, n0: number, name = 'K'): CovarianceStructure {
  if (!Number.isInteger(n0) || n0 < 0 || n0 > s.n)
    throw new FsbayesError(`restrictStructure: n0 must be in [0, ${s.n}]`);
  const K = subMatrix(
    s.K,
    s.n,
    Int32Array.from({ length: n0 }, (_, i) => i),
  );
  const rep = s.rep.slice(0, n0);
  const sign = s.sign.slice(0, n0);
  const kept = s.kept.filter((i) => i < n0);
  let zeroVariance = 0;
  let duplicates = 0;
  for (let i = 0; i < n0; i++) {
    if (rep[i] < 0) zeroVariance++;
    else if (rep[i] !== i) duplicates++;
  }
  const part = { ...s, K, n: n0, rep, sign, kept, zeroVariance, duplicates, warnings: [] as string[] };
  part.warnings = s.warnings.length === 0 ? [] : structureWarnings(part, name);
  return part;
}
