/**
 * When two function tables may be merged, and the provenance of the result:
 * one rule for in-memory tables (`FunctionTable.merge`) and table files
 * (`mergeArrowTables`).
 */
import { FsbayesError } from '../errors/index.js';
import { canonicalJson, experimentIdentity, mergeProvenance, type Provenance, toPlainJson } from './provenance.js';

/** Options of a merge. */
export interface MergeOptions {
  /**
   * Allow the two tables to share seeds or shard names. Off by default: a
   * shared seed or shard usually means the same runs would be counted twice.
   */
  allowOverlap?: boolean;
}

/** What the merge rule looks at in a table. */
export interface MergeSide {
  m: number;
  labels: Uint8Array | null;
  provenance: Provenance | null;
  /** Σ counts. */
  total: number;
}

/**
 * The provenance of `a` merged with `b`, or an error naming the difference:
 * tables whose m, labels or experiment identity (see `experimentIdentity`)
 * differ are refused, and — unless `allowOverlap` — tables that share a seed
 * or a shard. An empty `a` without provenance takes b's provenance. Seeds
 * and shards of both are recorded (see `mergeProvenance`).
 */
export function mergedProvenance(a: MergeSide, b: MergeSide, options: MergeOptions = {}): Provenance | null {
  if (b.m !== a.m) throw new FsbayesError(`merge: cannot merge tables on different test sets (m = ${a.m} vs ${b.m})`);
  const la = a.labels;
  const lb = b.labels;
  if ((la === null) !== (lb === null)) {
    throw new FsbayesError(
      `merge: labels differ (${la === null ? 'this table has none' : 'the other table has none'})`,
    );
  }
  if (la !== null && lb !== null) {
    for (let i = 0; i < a.m; i++) {
      if (la[i] !== lb[i])
        throw new FsbayesError(`merge: labels differ (first at position ${i}: ${la[i]} vs ${lb[i]})`);
    }
  }
  const pa = a.provenance;
  const pb = b.provenance;
  if (pa === null && a.total === 0) return pb === null ? null : toPlainJson(pb);
  if (experimentIdentity(pa) !== experimentIdentity(pb)) {
    throw new FsbayesError(`merge: experiment identities differ (${identityDiff(pa, pb)})`);
  }
  if (pa === null || pb === null) return null;
  if (!options.allowOverlap) {
    const seeds = pa.seeds.filter((s) => pb.seeds.includes(s));
    if (seeds.length > 0) {
      throw new FsbayesError(
        `merge: both tables used seed(s) ${seeds.map((s) => JSON.stringify(s)).join(', ')}; ` +
          'merging would count the same runs twice (pass { allowOverlap: true } if the runs differ)',
      );
    }
    const shards = (pa.shards ?? []).filter((s) => (pb.shards ?? []).includes(s));
    if (shards.length > 0) {
      throw new FsbayesError(
        `merge: both tables contain shard(s) ${shards.map((s) => JSON.stringify(s)).join(', ')}; ` +
          'merging would count them twice (pass { allowOverlap: true } to force)',
      );
    }
  }
  return mergeProvenance(pa, pb);
}

function identityDiff(a: Provenance | null, b: Provenance | null): string {
  if (a === null || b === null)
    return a === null ? 'this table has no provenance' : 'the other table has no provenance';
  const fields = (['tool', 'spec', 'dataset', 'experiment'] as const).filter(
    (f) => canonicalJson(a[f]) !== canonicalJson(b[f]),
  );
  return fields.map((f) => `${f}: ${short(canonicalJson(a[f]))} vs ${short(canonicalJson(b[f]))}`).join('; ');
}

function short(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
