/**
 * The comparison of tables too large to hold as sources (tens of millions
 * of functions): every table is read as a stream in key order, the streams
 * are walked side by side (a zip of their sorted keys, never a Map), and
 * each pair's statistics are accumulated in one pass, with the same
 * definitions as `pairStats` (two tables: the union of their functions):
 * - TV, JS, Hellinger, the unseen masses and KL ('strict') are sums over
 *   the support;
 * - KL 'smooth' needs the support size in its denominators:
 *   KL = T/D_A + ln(D_B/D_A) with T = Σ (c_A+α) ln((c_A+α)/(c_B+α)) and
 *   D = N + α·|support|, so T is summed and D applied at the end;
 * - KL 'common': Σ_{both > 0} p_A ln(p_A/p_B) / m_A + ln(m_B/m_A);
 * - the correlation set (functions seen ≥ minCount times by both) is kept,
 *   and so are the top-k lists.
 * No bootstrap (it would resample every table's nets many times over).
 */
import { compareKeys, EntryStats, FsbayesError, type PackedBatch, type SortedTableSource } from '@fsbayes/core';
import { checkCompatible, type Source, sourceOfHeader } from '../sources.js';
import type { CompareOptions, Comparison, PairResult, SourceSummary } from './compare.js';
import { pearson, spearman } from './correlation.js';
import { DEFAULT_PAIR_OPTIONS, type PairOptions } from './pair.js';

/** A table to compare, read as a stream. */
export interface TableStream {
  name: string;
  source: SortedTableSource;
}

interface Cursor {
  it: AsyncIterator<PackedBatch> | Iterator<PackedBatch>;
  b: PackedBatch | null;
  pos: number;
}

async function advance(c: Cursor): Promise<void> {
  for (;;) {
    const r = await c.it.next();
    if (r.done) {
      c.b = null;
      return;
    }
    if (r.value.length > 0) {
      c.b = r.value;
      c.pos = 0;
      return;
    }
  }
}

/** A growing Float64Array. */
class Floats {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get values(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

/** The best k rows of one side by probability (ties: the earlier, i.e. smaller, key). */
class TopK {
  readonly rows: { p: number; q: number; id: number }[] = [];
  constructor(private readonly k: number) {}
  offer(p: number, q: number, id: number): void {
    const r = this.rows;
    if (!(p > 0) || (r.length === this.k && !(p > r[r.length - 1].p))) return;
    let at = r.length;
    while (at > 0 && r[at - 1].p < p) at--;
    r.splice(at, 0, { p, q, id });
    if (r.length > this.k) r.pop();
  }
}

/** The sums of one pair (A, B). */
class PairAcc {
  support = 0;
  tv = 0;
  js = 0;
  bc = 0;
  onlyA = 0;
  onlyB = 0;
  strictAB = 0;
  strictBA = 0;
  smoothAB = 0;
  smoothBA = 0;
  commonAB = 0;
  commonBA = 0;
  ma = 0;
  mb = 0;
  kept = 0;
  la = new Floats();
  lb = new Floats();
  readonly topA: TopK;
  readonly topB: TopK;
  constructor(
    readonly i: number,
    readonly j: number,
    k: number,
  ) {
    this.topA = new TopK(k);
    this.topB = new TopK(k);
  }
}

/**
 * Compare tables read as streams: every pair (i < j) on the union of its
 * functions, and each table's summary (see the module comment). The tables
 * must be on the same E (checked from their headers: m, labels, masks).
 */
export async function compareTableStreams(
  tables: readonly TableStream[],
  options: Omit<CompareOptions, 'bootstrap'> = {},
): Promise<Comparison> {
  if (tables.length < 2) throw new FsbayesError(`compare needs at least two sources, got ${tables.length}`);
  const o: Required<PairOptions> = {
    minCount: options.minCount ?? DEFAULT_PAIR_OPTIONS.minCount,
    topK: options.topK ?? DEFAULT_PAIR_OPTIONS.topK,
    unseen: options.unseen ?? DEFAULT_PAIR_OPTIONS.unseen,
    alpha: options.alpha ?? DEFAULT_PAIR_OPTIONS.alpha,
  };
  if (o.unseen === 'smooth' && !(o.alpha > 0))
    throw new FsbayesError(`smoothing pseudo-count must be > 0, got ${o.alpha}`);
  const heads: Source[] = tables.map((t) => sourceOfHeader(t.name, t.source.header));
  checkCompatible(heads);
  const m = heads[0].m;
  const w = (m + 31) >>> 5;
  const N = tables.map((t) => t.source.header.total);
  N.forEach((n, k) => {
    if (!(n > 0)) throw new FsbayesError(`${tables[k].name}: the table is empty`);
  });
  const logN = N.map((n) => Math.log(n));
  const stats = tables.map((t) => new EntryStats(t.source.header));
  const distinct = tables.map(() => 0);
  const errSum = tables.map(() => 0);
  const pairs: PairAcc[] = [];
  for (let i = 0; i < tables.length; i++)
    for (let j = i + 1; j < tables.length; j++) pairs.push(new PairAcc(i, j, o.topK));

  const cursors: Cursor[] = tables.map((t) => {
    const s = t.source.sorted();
    const it = Symbol.asyncIterator in s ? s[Symbol.asyncIterator]() : (s as Iterable<PackedBatch>)[Symbol.iterator]();
    return { it, b: null, pos: 0 };
  });
  try {
    for (const c of cursors) await advance(c);
    const c = new Float64Array(tables.length);
    let id = 0;
    for (;;) {
      // The smallest key among the cursors, and every side's count of it.
      let min = -1;
      for (let k = 0; k < cursors.length; k++) {
        const ck = cursors[k];
        if (ck.b === null) continue;
        if (min < 0) min = k;
        else {
          const cm = cursors[min];
          if (compareKeys(ck.b.keys, ck.pos * w, (cm.b as PackedBatch).keys, cm.pos * w, w) < 0) min = k;
        }
      }
      if (min < 0) break;
      const mc = cursors[min];
      const mb = mc.b as PackedBatch;
      const keyAt = mc.pos * w;
      const keys = mb.keys;
      for (let k = 0; k < cursors.length; k++) {
        const ck = cursors[k];
        c[k] = 0;
        if (ck.b === null) continue;
        if (k !== min && compareKeys(ck.b.keys, ck.pos * w, keys, keyAt, w) !== 0) continue;
        c[k] = ck.b.counts[ck.pos];
        distinct[k]++;
        const e = stats[k].errors(ck.b.keys, ck.pos * w);
        if (e !== null) errSum[k] += c[k] * e;
      }
      for (const p of pairs) add(p, c[p.i], c[p.j], id);
      id++;
      // Advance every cursor that held this key (after reading: the minimum's batch may be replaced).
      for (let k = 0; k < cursors.length; k++) {
        const ck = cursors[k];
        if (c[k] === 0 || ck.b === null) continue;
        if (++ck.pos === ck.b.length) await advance(ck);
      }
    }
  } finally {
    await Promise.all(cursors.map((cur) => cur.it.return?.()));
  }

  function add(p: PairAcc, ca: number, cb: number, rowId: number): void {
    if (ca === 0 && cb === 0) return;
    const Na = N[p.i];
    const Nb = N[p.j];
    p.support++;
    const pa = ca / Na;
    const pb = cb / Nb;
    const la = ca > 0 ? Math.log(ca) - logN[p.i] : Number.NEGATIVE_INFINITY;
    const lb = cb > 0 ? Math.log(cb) - logN[p.j] : Number.NEGATIVE_INFINITY;
    p.tv += Math.abs(pa - pb);
    const mid = (pa + pb) / 2;
    if (pa > 0) p.js += pa * Math.log(pa / mid);
    if (pb > 0) p.js += pb * Math.log(pb / mid);
    p.bc += Math.sqrt(pa * pb);
    if (cb === 0) p.onlyA += pa;
    if (ca === 0) p.onlyB += pb;
    // strict KL: a side with mass where the other has none makes it infinite
    if (ca > 0) p.strictAB = cb > 0 ? p.strictAB + Math.exp(la) * (la - lb) : Number.POSITIVE_INFINITY;
    if (cb > 0) p.strictBA = ca > 0 ? p.strictBA + Math.exp(lb) * (lb - la) : Number.POSITIVE_INFINITY;
    const sa = Math.log(ca + o.alpha);
    const sb = Math.log(cb + o.alpha);
    p.smoothAB += (ca + o.alpha) * (sa - sb);
    p.smoothBA += (cb + o.alpha) * (sb - sa);
    if (ca > 0 && cb > 0) {
      p.kept++;
      p.ma += pa;
      p.mb += pb;
      p.commonAB += pa * (la - lb);
      p.commonBA += pb * (lb - la);
      if (ca >= o.minCount && cb >= o.minCount) {
        p.la.push(la);
        p.lb.push(lb);
      }
    }
    p.topA.offer(pa, pb, rowId);
    p.topB.offer(pb, pa, rowId);
  }

  const pairResults: PairResult[] = pairs.map((p) => {
    const S = p.support;
    let kl: number;
    let klReverse: number;
    let leftA = 0;
    let leftB = 0;
    if (o.unseen === 'strict') {
      kl = Math.max(0, p.strictAB);
      klReverse = Math.max(0, p.strictBA);
    } else if (o.unseen === 'smooth') {
      const Da = N[p.i] + o.alpha * S;
      const Db = N[p.j] + o.alpha * S;
      kl = Math.max(0, p.smoothAB / Da + Math.log(Db) - Math.log(Da));
      klReverse = Math.max(0, p.smoothBA / Db + Math.log(Da) - Math.log(Db));
    } else if (p.kept === 0) {
      kl = Number.NaN;
      klReverse = Number.NaN;
      leftA = 1;
      leftB = 1;
    } else {
      kl = Math.max(0, p.commonAB / p.ma - Math.log(p.ma) + Math.log(p.mb));
      klReverse = Math.max(0, p.commonBA / p.mb - Math.log(p.mb) + Math.log(p.ma));
      leftA = 1 - p.ma;
      leftB = 1 - p.mb;
    }
    const inB = new Set(p.topB.rows.map((r) => r.id));
    let topMass = 0;
    let topShared = 0;
    for (const r of p.topA.rows) {
      if (!inB.has(r.id)) continue;
      topShared++;
      topMass += Math.min(r.p, r.q);
    }
    const la = p.la.values;
    const lb = p.lb.values;
    return {
      a: tables[p.i].name,
      b: tables[p.j].name,
      pearsonLog: pearson(la, lb),
      spearman: spearman(la, lb),
      kl,
      js: Math.min(Math.LN2, Math.max(0, p.js / 2)),
      tv: Math.min(1, p.tv / 2),
      hellinger: Math.sqrt(Math.max(0, 1 - p.bc)),
      topMassOverlap: topMass,
      n: la.length,
      klReverse,
      support: S,
      topShared,
      massOnlyA: p.onlyA,
      massOnlyB: p.onlyB,
      massDroppedA: 0,
      massDroppedB: 0,
      klMassLeftOutA: leftA,
      klMassLeftOutB: leftB,
      ci: null,
    };
  });
  const summaries: SourceSummary[] = tables.map((t, k) => ({
    name: t.name,
    kind: 'table',
    total: N[k],
    distinct: distinct[k],
    massListed: 1,
    meanTestError: t.source.header.labels === null ? null : errSum[k] / (N[k] * m),
    meanTestErrorCi: null,
  }));
  return {
    sources: summaries,
    pairs: pairResults,
    options: { ...o, bootstrap: 0, seed: options.seed ?? 1, level: options.level ?? 0.95 },
  };
}
