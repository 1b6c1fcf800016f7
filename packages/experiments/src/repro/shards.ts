/**
 * The shardable steps of the experiments (see `step.ts`): each is its route
 * run whole, the same route over a range of items as a part, and the exact
 * merge of the parts.
 *
 * - SGD: run r trains net r (its own minibatch stream), so runs split
 *   anywhere; counts and histograms add, means are recomputed from the sums.
 * - Rejection: the whole run stops at the net of the `accept`-th acceptance.
 *   A part stops at `accept` acceptances of its own range, which always
 *   covers what the whole run needs of it; the merge takes the parts in net
 *   order and cuts at the `accept`-th acceptance — rerunning, with the stop
 *   rule, only the one part the cut falls inside. A part whose earlier parts
 *   have finished with `accept` acceptances is skipped; one that runs while
 *   they do is wasted work.
 * - Frozen features: hidden-layer draw k has its own stream and share of
 *   the samples; probe counts add.
 * - P_B (by EP or by Botev): parts split the ranks [0, limit) of the
 *   functions the steps it needs found; each computes log P(S) again (the
 *   same number: EP is deterministic, Botev's S term has its own stream) and
 *   P_B of its functions (see `pb-parts.ts`, shared with `fsbayes pb
 *   --shard`). Numbers and the list are those of the whole step; a warning
 *   that only some parts give (EP not converged for k of their functions,
 *   …) is kept with its rank range.
 */
import {
  FsbayesError,
  FunctionTable,
  type FunctionTableJSON,
  type PbFile,
  parsePbFile,
  ResumableRun,
} from '@fsbayes/core';
import { pbOfTable } from '@fsbayes/nngp';
import { type RejectionState, rateEstimate } from '@fsbayes/sampler';
import { type SgdConfigInput, type SgdState, stateMeans } from '@fsbayes/sgd';
import { type ExperimentContext, say } from './context.js';
import { mergePbFiles, rankRange } from './pb-parts.js';
import {
  type FrozenOutcome,
  frozenRoute,
  frozenRun,
  type RejectionOutcome,
  rejectionRoute,
  rejectionRun,
  type SgdOutcome,
  sgdRoute,
  sgdRun,
} from './routes.js';
import { resultOf, type ShardedStep } from './step.js';
import { estimatorName, pbWithProgress, type System } from './system.js';

interface TablePart {
  table: FunctionTableJSON;
  seconds: number;
}

/** The parts' tables summed into one table with the first part's provenance (every part has the whole run's). */
function sumTables(parts: TablePart[]): FunctionTable {
  const tables = parts.map((p) => FunctionTable.fromJSON(p.table));
  const first = tables[0];
  const out = new FunctionTable(first.m, first.labels, first.provenance);
  for (const t of tables) for (const e of t.entries()) out.add(e.key, e.count);
  return out;
}

function seconds(parts: TablePart[]): number {
  return parts.reduce((s, p) => s + p.seconds, 0);
}

/** Time `run` on `count` items. */
async function timed(count: number, run: () => Promise<unknown>, note?: string) {
  const t0 = performance.now();
  await run();
  return { seconds: (performance.now() - t0) / 1000, count, note };
}

/** What the ensemble steps share: one table as their result, no inputs, parts that checkpoint. */
function ensembleStep(key: string, sys: System) {
  return {
    key,
    points: sys.nS + sys.nE,
    resumable: true,
    needs: [] as ShardedStep[],
    tables: ['table'],
    result: undefined,
  };
}

interface SgdPart extends TablePart {
  state: SgdState;
}

/** An SGD ensemble of `runs` runs (see {@link sgdRoute}). */
export function sgdStep(
  ctx: ExperimentContext,
  key: string,
  sys: System,
  runs: number,
  config: SgdConfigInput,
  label = 'SGD',
): ShardedStep<SgdOutcome> {
  return {
    ...ensembleStep(key, sys),
    kind: 'sgd',
    unit: 'runs',
    items: runs,
    label: `${label}, ${sys.label}`,
    whole: (driver) => sgdRoute(ctx, sys, runs, config, label, driver),
    part: async (first, count, driver) => {
      const r = await sgdRun(ctx, sys, runs, config, label, { first, count, driver });
      return r.finished ? ({ table: r.table.toJSON(), state: r.state, seconds: r.seconds } satisfies SgdPart) : null;
    },
    merge: async (raw) => {
      const parts = raw as SgdPart[];
      const state: SgdState = {
        done: 0,
        fitted: 0,
        notFitted: 0,
        epochsHistogram: {},
        testErrorHistogram: new Array(sys.nE + 1).fill(0),
      };
      for (const p of parts) {
        state.done += p.state.done;
        state.fitted += p.state.fitted;
        state.notFitted += p.state.notFitted;
        for (const [k, c] of Object.entries(p.state.epochsHistogram))
          state.epochsHistogram[k] = (state.epochsHistogram[k] ?? 0) + c;
        p.state.testErrorHistogram.forEach((c, e) => {
          state.testErrorHistogram[e] += c;
        });
      }
      if (state.done !== runs)
        throw new FsbayesError(`${key}: the parts hold ${state.done} runs, the step has ${runs}`, { kind: 'internal' });
      return sgdOutcome(sumTables(parts), state, runs, sys.nE, seconds(parts));
    },
    calibrate: (count) =>
      timed(count, () =>
        sgdRun(ctx, sys, runs, config, label, { first: 0, count, driver: ResumableRun.inMemory() }).then(() => {}),
      ),
  };
}

/** The outcome of merged SGD parts (as {@link sgdRoute}'s); means from the summed state (integer sums: exact for any split). */
function sgdOutcome(table: FunctionTable, state: SgdState, runs: number, nE: number, secs: number): SgdOutcome {
  const means = stateMeans(state, nE);
  return {
    table,
    runs,
    fitted: state.fitted,
    notFitted: state.notFitted,
    meanEpochs: means.meanEpochs,
    meanTestError: means.meanTestError,
    seconds: secs,
  };
}

interface RejectionPart extends TablePart {
  first: number;
  count: number;
  state: RejectionState;
  stopped: string;
}

/** Rejection sampling of at most `maxNets` nets, stopping at `accept` acceptances (see {@link rejectionRoute}). */
export function rejectionStep(
  ctx: ExperimentContext,
  key: string,
  sys: System,
  maxNets: number,
  accept: number,
): ShardedStep<RejectionOutcome> {
  const outcome = (table: FunctionTable, drawn: number, accepted: number, secs: number): RejectionOutcome => {
    const est = rateEstimate(accepted, drawn);
    return { table, drawn, accepted, logPS: est.log, logPSInterval: est.logInterval, seconds: secs };
  };
  return {
    ...ensembleStep(key, sys),
    kind: 'rejection',
    unit: 'nets',
    items: maxNets,
    label: `rejection sampling, ${sys.label}`,
    stopAt: accept,
    whole: (driver) => rejectionRoute(ctx, sys, maxNets, accept, driver),
    part: async (first, count, driver) => {
      const r = await rejectionRun(ctx, sys, maxNets, accept, { first, count, driver });
      if (!r.finished) return null;
      return {
        first,
        count,
        table: r.table.toJSON(),
        state: r.state,
        stopped: r.stopped,
        seconds: r.seconds,
      } satisfies RejectionPart;
    },
    settledBy: (earlier) => (earlier as RejectionPart[]).reduce((n, p) => n + p.state.accepted, 0) >= accept,
    merge: async (raw) => {
      const parts = raw as RejectionPart[];
      const taken: TablePart[] = [];
      let drawn = 0;
      let accepted = 0;
      for (const p of parts) {
        const need = accept - accepted;
        // The part's own stop rule ran to its range's end (fewer than `need`), or stopped at exactly the net the cut needs.
        if (p.state.accepted < need || (p.state.accepted === need && p.stopped === 'accept')) {
          taken.push(p);
          drawn += p.state.drawn;
          accepted += p.state.accepted;
        } else {
          // The cut falls inside this part: rerun its range up to its `need`-th acceptance (the same nets, deterministic).
          say(
            ctx,
            `${key}: the ${accept}-th acceptance falls in nets [${p.first}, ${p.first + p.count}): recounting them`,
          );
          const cut = await rejectionRun(ctx, sys, maxNets, need, {
            first: p.first,
            count: p.count,
            driver: ResumableRun.inMemory(),
          });
          taken.push({ table: cut.table.toJSON(), seconds: cut.seconds });
          drawn += cut.state.drawn;
          accepted += cut.state.accepted;
        }
        if (accepted >= accept) break;
      }
      if (accepted < accept && drawn < maxNets)
        throw new FsbayesError(
          `${key}: the parts hold ${drawn} of ${maxNets} nets and ${accepted} of ${accept} acceptances`,
          {
            kind: 'internal',
          },
        );
      return outcome(sumTables(taken), drawn, accepted, seconds(taken));
    },
    calibrate: async (count) => {
      const r = await rejectionRun(ctx, sys, maxNets, accept, {
        first: 0,
        count,
        driver: ResumableRun.inMemory(),
      });
      return {
        seconds: r.seconds,
        count: r.state.drawn,
        hits: r.state.accepted,
        note: `${r.state.accepted} of ${r.state.drawn.toLocaleString('en')} accepted`,
      };
    },
  };
}

interface FrozenPart extends TablePart {
  accepted: number;
  proposals: number;
}

/** Frozen-feature sampling with `features` hidden-layer draws (see {@link frozenRoute}). */
export function frozenStep(
  ctx: ExperimentContext,
  key: string,
  sys: System,
  features: number,
  samples: number,
): ShardedStep<FrozenOutcome> {
  const outcome = (table: FunctionTable, accepted: number, proposals: number, secs: number): FrozenOutcome => ({
    table,
    features,
    samples,
    logPS: Math.log(accepted / proposals),
    seconds: secs,
  });
  return {
    ...ensembleStep(key, sys),
    kind: 'frozen',
    unit: 'draws',
    items: features,
    label: `frozen features, ${sys.label}`,
    whole: (driver) => frozenRoute(ctx, sys, features, samples, driver),
    part: async (first, count, driver) => {
      const r = await frozenRun(ctx, sys, features, samples, { first, count, driver });
      if (!r.finished) return null;
      return {
        table: r.table.toJSON(),
        accepted: r.accepted,
        proposals: r.proposals,
        seconds: r.seconds,
      } satisfies FrozenPart;
    },
    merge: async (raw) => {
      const parts = raw as FrozenPart[];
      const sum = (f: (p: FrozenPart) => number) => parts.reduce((s, p) => s + f(p), 0);
      return outcome(
        sumTables(parts),
        sum((p) => p.accepted),
        sum((p) => p.proposals),
        seconds(parts),
      );
    },
    calibrate: (count) =>
      timed(count, () =>
        frozenRun(ctx, sys, features, samples, { first: 0, count, driver: ResumableRun.inMemory() }).then(() => {}),
      ),
  };
}

interface PbStepPart {
  first: number;
  count: number;
  /** The P_B file of the part's functions (null: no function has a rank in its range). */
  pb: unknown;
}

/** Which estimator a P_B step runs: EP, or Botev with `samples` importance samples per function. */
export type PbEstimate = { method: 'ep' } | { method: 'botev'; samples: number };

/**
 * P_B of the `limit` most frequent functions the steps `needs` found
 * together (their tables summed), as a P_B file, by `estimate`'s estimator.
 */
export function pbStep(
  ctx: ExperimentContext,
  key: string,
  sys: System,
  needs: ShardedStep<{ table: FunctionTable }>[],
  limit: number,
  estimate: PbEstimate = { method: 'ep' },
): ShardedStep<PbFile> {
  const union = () => {
    const u = new FunctionTable(sys.nE, sys.test.labels);
    for (const s of needs) for (const e of resultOf(s, key).table.entries()) u.add(e.key, e.count);
    return u;
  };
  const name = estimatorName(estimate);
  const pbOf = (table: FunctionTable) => pbWithProgress(ctx, sys, table, limit, estimate);
  return {
    key,
    kind: 'pb',
    unit: 'functions',
    items: limit,
    label: `P_B by ${name}, ${sys.label}`,
    points: sys.nS + sys.nE,
    resumable: false,
    needs,
    tables: [],
    result: undefined,
    revive: (kept) => {
      const pb = parsePbFile(kept, `step ${key}`) as PbFile;
      for (const w of pb.warnings) say(ctx, `warning: P_B by ${name}: ${w}`);
      return pb;
    },
    whole: () => pbOf(union()),
    part: async (first, count) => {
      const mine = rankRange(union(), first, count, limit);
      if (mine.distinct === 0) return { first, count, pb: null } satisfies PbStepPart;
      return { first, count, pb: JSON.parse(JSON.stringify(await pbOf(mine))) } satisfies PbStepPart;
    },
    merge: async (raw) => {
      const parts = (raw as PbStepPart[]).filter((p) => p.pb !== null);
      if (parts.length === 0) return pbOf(union());
      return mergePbFiles(
        parts.map((p) => {
          const name = `${key} part [${p.first}, ${p.first + p.count})`;
          const file = parsePbFile(p.pb, name) as PbFile;
          return { file, first: p.first, end: p.first + file.functions.length, name };
        }),
      );
    },
    calibrate: async (count) => {
      // Only where EP is cheap enough to try here; its cost grows as (|S| + |E|)³.
      if (sys.nS + sys.nE > 1500) return null;
      const t = new FunctionTable(sys.nE, sys.test.labels);
      t.add(packLabels(sys.test.labels));
      return timed(
        Math.min(count, 1),
        async () => pbOfTable(sys, t, { ...estimate, seed: ctx.seed }),
        `${name} on S and one function`,
      );
    },
  };
}

/** E's labels as a function key (the function that fits E). */
function packLabels(labels: Uint8Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(labels.length / 32));
  for (let i = 0; i < labels.length; i++) if (labels[i]) words[i >>> 5] |= 1 << (i & 31);
  return words;
}
