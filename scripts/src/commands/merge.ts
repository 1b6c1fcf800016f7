/**
 * `fsbayes merge A.json B.json … --out all.json`: exact merge of function
 * tables of one experiment (same spec, data and sampling procedure), e.g.
 * the shards of a Slurm job array, for the sampler or for SGD (generic).
 *
 * Overlap: tables that share a seed are refused (the same nets or runs would
 * be counted twice) — except sampler tables whose shard names state disjoint
 * net ranges of the seed (`seed s nets [a, b)`), which are different nets.
 * `--allow-overlap` forces a merge.
 */
import { experimentIdentity, FsbayesError, readTableSync, tableText } from '@fsbayes/core';
import { findRangeOverlap, parseRangeShard, rateEstimate } from '@fsbayes/sampler';
import { poolSgdExtras } from '@fsbayes/sgd';
import type { Argv } from 'yargs';
import { OUTPUT_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run, writeOutputs } from '../cli/output.js';

type Args = OutputArgs & { tables?: string[]; 'allow-overlap': boolean };

export const mergeCommand = {
  command: 'merge <tables..>',
  describe: 'merge function tables of one experiment (e.g. shards of one seed) exactly',
  builder: (y: Argv) =>
    y
      .positional('tables', { type: 'string', array: true, describe: 'function table JSON files' })
      .options({
        'allow-overlap': {
          type: 'boolean',
          default: false,
          describe: 'merge even when tables share seeds or shards (counts them twice if they are the same runs)',
        },
        ...OUTPUT_OPTIONS,
      })
      .example('$0 merge rs-*.json --out all.json --json', 'join the shards of a job array'),
  handler: run('merge', async (a: Args) => {
    const files = a.tables ?? [];
    if (files.length < 1) throw new FsbayesError('give at least one table');
    const tables = files.map((f) => {
      try {
        return readTableSync(f);
      } catch (e) {
        throw new FsbayesError(`${f}: ${(e as Error).message}`);
      }
    });
    const shards = tables.flatMap((t) => t.provenance?.shards ?? []);
    // Range shards only decide overlap within one experiment; across experiments merge() reports the difference.
    const oneExperiment = tables.every(
      (t) => experimentIdentity(t.provenance) === experimentIdentity(tables[0].provenance),
    );
    const ranged =
      oneExperiment &&
      tables.every((t) => {
        const s = t.provenance?.shards ?? [];
        return s.length > 0 && s.every((x) => parseRangeShard(x) !== null);
      });
    let allowOverlap = a['allow-overlap'];
    if (ranged && !allowOverlap) {
      const clash = findRangeOverlap(shards);
      if (clash)
        throw new FsbayesError(`net ranges overlap: '${clash[0]}' and '${clash[1]}' (pass --allow-overlap to force)`);
      allowOverlap = true; // same seed, disjoint nets
    }
    const merged = tables[0];
    for (let i = 1; i < tables.length; i++) {
      try {
        merged.merge(tables[i], { allowOverlap });
      } catch (e) {
        throw new FsbayesError(`${files[i]}: ${(e as Error).message}`);
      }
    }
    // Sampler tables: pooled acceptance over the shards (drawn and accepted add up).
    const counts = tables.map((t) => t.provenance?.extra ?? {});
    let pooled: Record<string, unknown> = {};
    if (counts.every((x) => typeof x.drawn === 'number' && typeof x.accepted === 'number')) {
      const drawn = counts.reduce((s, x) => s + (x.drawn as number), 0);
      const accepted = counts.reduce((s, x) => s + (x.accepted as number), 0);
      pooled = { drawn, accepted };
      const mode = counts[0].mode;
      if ((mode === 'posterior' || mode === 'frozen') && counts.every((x) => x.mode === mode)) {
        const est = rateEstimate(accepted, drawn);
        pooled = { ...pooled, logPS: est.log, logPSInterval: est.logInterval };
      }
      const p = merged.provenance;
      if (p) {
        // Per-shard fields (ranges, stop reasons, estimates, per-draw diagnostics) stay in each shard's file.
        const perShard = ['pS', 'pSInterval', 'logPS', 'logPSInterval', 'next', 'first', 'nextDraw', 'firstDraw'];
        const rest = Object.fromEntries(
          Object.entries(p.extra ?? {}).filter(
            ([k]) => !perShard.includes(k) && !['stopped', 'stopRule', 'draws', 'methods', 'hmcSamples'].includes(k),
          ),
        );
        merged.provenance = { ...p, extra: { ...rest, ...pooled } };
      }
    }
    // SGD tables: runs, fitted, notFitted and the histograms of epochs and test errors add up over shards.
    if (counts.every((x) => typeof x.notFitted === 'number' && Array.isArray(x.testErrorHistogram))) {
      const sgd = poolSgdExtras(counts);
      pooled = { runs: sgd.runs, fitted: sgd.fitted, notFitted: sgd.notFitted, meanEpochs: sgd.meanEpochs };
      const p = merged.provenance;
      if (p) {
        const { firstRun: _first, ...rest } = (p.extra ?? {}) as Record<string, unknown>;
        merged.provenance = { ...p, extra: { ...rest, ...sgd } };
      }
    }
    if (a.out) writeOutputs(a, [{ path: a.out, data: tableText(merged) }]);
    const result = {
      inputs: files.length,
      total: merged.total,
      distinct: merged.distinct,
      m: merged.m,
      ...pooled,
      out: a.out ?? null,
    };
    emit(
      a,
      result,
      `${files.length} tables merged: ${merged.total} functions counted, ${merged.distinct} distinct on ${merged.m} points${a.out ? `\nwritten to ${a.out}` : ''}`,
      false,
    );
  }),
};
