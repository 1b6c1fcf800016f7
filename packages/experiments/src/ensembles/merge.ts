/**
 * The exact merge of function tables of one experiment (`fsbayes merge`),
 * e.g. the shards of a Slurm job array, for any kind of run.
 *
 * Overlap: tables that share a seed are refused (the same nets or runs would
 * be counted twice) — except tables whose shard names state disjoint ranges
 * of the seed (`seed s nets [a, b)`), which are different nets.
 * `allowOverlap` forces a merge. Shards of a split run (`--shard i/N`)
 * must form complete sets (core's `checkShardSets`) unless `allowPartial`;
 * the merged table then records the missing parts in its provenance
 * (`extra.missingShards`). The run summaries in the tables' provenance are
 * pooled by the entry of {@link SHARD_POOLING} that owns them.
 */
import {
  checkShardSets,
  experimentIdentity,
  FsbayesError,
  type FunctionTable,
  findRangeOverlap,
  mergedHeader,
  mergeSorted,
  type Provenance,
  parseRangeShard,
  rangeShardMembers,
  type ShardPooling,
  type SortedTableSource,
  wordsFor,
} from '@fsbayes/core';
import { samplerPooling } from '@fsbayes/sampler';
import { poolSgdExtras } from '@fsbayes/sgd';

/** SGD's entry: runs, fitted, notFitted and the histograms of epochs and test errors add up. */
const sgdPooling: ShardPooling = {
  owns: (x) => typeof x.notFitted === 'number' && Array.isArray(x.testErrorHistogram),
  pool(extras, merged) {
    const sgd = poolSgdExtras(extras);
    const { firstRun: _first, ...rest } = merged;
    return {
      summary: { runs: sgd.runs, fitted: sgd.fitted, notFitted: sgd.notFitted, meanEpochs: sgd.meanEpochs },
      extra: { ...rest, ...sgd },
    };
  },
};

/** How the run summaries of each kind of sharded run are pooled (rejection, prior and frozen runs are the sampler's). */
export const SHARD_POOLING = { sampler: samplerPooling, sgd: sgdPooling } as const satisfies Record<
  string,
  ShardPooling
>;

/** What {@link mergeShards} returns: the merged table, the pooled run summary and the missing shards. */
export interface MergedTables {
  /** The merged table (the first input, merged into). */
  table: FunctionTable;
  /** The pooled run summary (e.g. drawn and accepted, or runs and fitted), empty when no kind owns the tables. */
  pooled: Record<string, unknown>;
  /** The shards of split runs that were not there (only with `allowPartial`), in words. */
  missing: string[];
}

/**
 * Merge `tables` (named `names` in errors) into the first; see the module
 * comment. Throws an FsbayesError naming the file that cannot be merged.
 */
export function mergeShards(
  tables: FunctionTable[],
  names: string[],
  allowOverlap = false,
  allowPartial = false,
): MergedTables {
  if (tables.length < 1) throw new FsbayesError('give at least one table');
  const provs = tables.map((t) => t.provenance);
  const allow = overlapRule(provs, allowOverlap);
  const merged = tables[0];
  for (let i = 1; i < tables.length; i++) {
    try {
      merged.merge(tables[i], { allowOverlap: allow });
    } catch (e) {
      throw new FsbayesError(`${names[i]}: ${(e as Error).message}`);
    }
  }
  // After the identity and overlap checks: tables that cannot be merged at all say why first.
  const missing = missingShards(provs, allowPartial);
  const { provenance, pooled } = poolExtras(provs, merged.provenance, missing);
  if (provenance !== merged.provenance) merged.provenance = provenance;
  return { table: merged, pooled, missing };
}

/** What {@link mergeShardSources} returns: the merged table as a stream, the pooled run summary and the missing shards. */
export interface MergedSources {
  /** The merge, read as a stream (k-way over the inputs' streams, counts summed): never the whole table in memory. */
  source: SortedTableSource;
  pooled: Record<string, unknown>;
  /** The shards of split runs that were not there (only with `allowPartial`), in words. */
  missing: string[];
}

/**
 * {@link mergeShards} for tables read as streams (Arrow files of any size):
 * the same overlap, shard-set and pooling rules, decided from the headers
 * before any row is read; the rows are merged when the result is read.
 */
export function mergeShardSources(
  sources: SortedTableSource[],
  names: string[],
  allowOverlap = false,
  allowPartial = false,
): MergedSources {
  if (sources.length < 1) throw new FsbayesError('give at least one table');
  const provs = sources.map((s) => s.header.provenance);
  const allow = overlapRule(provs, allowOverlap);
  const merged = mergedHeader(
    sources.map((s) => s.header),
    names,
    { allowOverlap: allow },
  );
  const missing = missingShards(provs, allowPartial);
  const { provenance, pooled } = poolExtras(provs, merged.provenance, missing);
  const header = { ...merged, provenance };
  const w = wordsFor(header.m);
  return {
    source: {
      header,
      sorted: () =>
        mergeSorted(
          sources.map((s) => s.sorted()),
          w,
        ),
    },
    pooled,
    missing,
  };
}

/**
 * Whether tables with these provenances may share seeds: range shards of one
 * experiment may, when their net ranges are disjoint (else refused).
 */
function overlapRule(provs: (Provenance | null)[], allowOverlap: boolean): boolean {
  const shards = provs.flatMap((p) => p?.shards ?? []);
  // Range shards only decide overlap within one experiment; across experiments merge() reports the difference.
  const oneExperiment = provs.every((p) => experimentIdentity(p) === experimentIdentity(provs[0]));
  const ranged =
    oneExperiment &&
    provs.every((p) => {
      const s = p?.shards ?? [];
      return s.length > 0 && s.every((x) => parseRangeShard(x) !== null);
    });
  if (ranged && !allowOverlap) {
    const clash = findRangeOverlap(shards);
    if (clash)
      throw new FsbayesError(`net ranges overlap: '${clash[0]}' and '${clash[1]}' (pass --allow-overlap to force)`);
    return true; // same seed, disjoint nets
  }
  return allowOverlap;
}

/** The parts of split runs (`--shard i/N`) these tables lack: refused unless `allowPartial`. */
function missingShards(provs: (Provenance | null)[], allowPartial: boolean): string[] {
  return checkShardSets(rangeShardMembers(provs.flatMap((p) => p?.shards ?? [])), allowPartial);
}

/**
 * The merged provenance with the inputs' run summaries pooled by the kind
 * that owns them, and the missing shards recorded (unchanged when neither applies).
 */
function poolExtras(
  provs: (Provenance | null)[],
  merged: Provenance | null,
  missing: string[],
): { provenance: Provenance | null; pooled: Record<string, unknown> } {
  const extras = provs.map((p) => p?.extra ?? {});
  const kind = Object.values(SHARD_POOLING).find((k) => extras.every((x) => k.owns(x)));
  let pooled: Record<string, unknown> = {};
  let extra = merged?.extra;
  if (kind) {
    const r = kind.pool(extras, merged?.extra ?? {});
    pooled = r.summary;
    extra = r.extra;
  }
  // Recomputed for this merge: an input merged with --allow-partial may have been missing what is here now.
  if (missing.length > 0 || (extra && 'missingShards' in extra)) {
    const { missingShards: _stale, ...rest } = extra ?? {};
    extra = missing.length > 0 ? { ...rest, missingShards: missing } : rest;
  }
  if (!merged || extra === merged.extra) return { provenance: merged, pooled };
  return { provenance: { ...merged, extra }, pooled };
}
