/**
 * A resumable frozen-feature run (`fsbayes sample --mode frozen`, and the
 * experiments' last-layer step): hidden-layer draws [first, first + count)
 * of K, each with its share of the readout samples given S. Checkpoints,
 * resume and signals go through core's `ResumableRun`.
 */
import {
  type ArchSpec,
  createProvenance,
  describeSplit,
  type FunctionTable,
  type Provenance,
  rangeShard,
  type Split,
} from '@fsbayes/core';
import { type FeatureDiagnostics, type FrozenState, frozenSample, rateEstimate, samplesOfDraw } from '@fsbayes/sampler';
import { hooksOf, type SamplerRunOptions } from './hooks.js';

type FrozenStop = 'done' | 'time' | 'signal';

/** What a frozen-feature (last-layer) ensemble samples: the spec and split, its seed, features, samples and range of draws. */
export interface FrozenEnsembleOptions extends SamplerRunOptions {
  spec: ArchSpec;
  split: Split;
  seed: number;
  /** Independent hidden-layer draws K. */
  features: number;
  /** Readout samples in all, split evenly over the K draws. */
  samples: number;
  /** Rejection proposals per draw (estimate P(S|Φ)); default the sampler's. */
  probe?: number;
  /** Draws [firstDraw, firstDraw + drawCount) of the K (a shard; default all). */
  firstDraw?: number;
  drawCount?: number;
  /** The table's provenance at a state (default: the command, its draw range as shard, the counts and P(S)). */
  provenance?: (state: FrozenState, stopped: FrozenStop | null) => Provenance;
}

/** Pooled P(S|Φ) over the draws so far, and how the draws were sampled. */
export interface FrozenEstimate {
  pS: number;
  pSInterval: [number, number];
  logPS: number;
  logPSInterval: [number, number];
  confidence: number;
  methods: Record<string, number>;
  hmcSamples: number;
}

/** What {@link frozenEnsemble} did: its table and state, why it stopped, each draw's diagnostics and the pooled estimate. */
export interface FrozenEnsembleResult {
  table: FunctionTable;
  state: FrozenState;
  stopped: FrozenStop;
  finished: boolean;
  seconds: number;
  draws: FeatureDiagnostics[];
  /** Rejection proposals of the probes, and their acceptances. */
  proposals: number;
  accepted: number;
  estimate: FrozenEstimate;
}

/** Run (or continue) a frozen-feature ensemble; see the module comment. */
export async function frozenEnsemble(o: FrozenEnsembleOptions): Promise<FrozenEnsembleResult> {
  const { driver, progress } = hooksOf(o);
  const { spec, split, samples, features: K } = o;
  const first = o.firstDraw ?? 0;
  const count = o.drawCount ?? K - first;
  const confidence = o.confidence ?? 0.95;
  const S = split.train;
  const E = split.test;
  const dataset = describeSplit(split);
  const estimateOf = (st: FrozenState): FrozenEstimate => {
    const est = rateEstimate(st.accepted, st.proposals, confidence);
    return {
      pS: est.rate,
      pSInterval: est.interval,
      logPS: est.log,
      logPSInterval: est.logInterval,
      confidence,
      methods: countBy(st.draws.map((d) => d.method)),
      hmcSamples: st.draws.reduce((s, d) => s + d.hmcSamples, 0),
    };
  };
  const provenance =
    o.provenance ??
    ((st: FrozenState, stopped: FrozenStop | null) =>
      createProvenance({
        command: o.command,
        spec,
        dataset,
        experiment: { kind: 'frozen-feature', features: K },
        seeds: [o.seed],
        shards: [rangeShard(o.seed, first, st.nextDraw, 'draws', o.shardOf)],
        backend: { name: 'js', precision: 'f64', threads: 1 },
        extra: {
          mode: 'frozen',
          samples,
          probe: o.probe,
          firstDraw: first,
          nextDraw: st.nextDraw,
          drawn: st.proposals,
          accepted: st.accepted,
          stopped,
          ...estimateOf(st),
          draws: st.draws,
        },
      }));
  let t0 = 0;
  const r = await driver.drive({
    identity: {
      command: 'sample',
      mode: 'frozen',
      spec,
      dataset,
      seed: o.seed,
      features: K,
      samples,
      probe: o.probe,
      draws: [first, first + count],
    },
    resumed: (s: FrozenState) => `resuming at hidden-layer draw ${s.nextDraw}`,
    checkpointProvenance: (s) => provenance(s, null),
    compute: async ({ resume, onCheckpoint, shouldStop }) => {
      let done0 = 0;
      for (let k = first; k < (resume?.state.nextDraw ?? first); k++) done0 += samplesOfDraw(samples, K, k);
      let total = 0;
      for (let k = first; k < first + count; k++) total += samplesOfDraw(samples, K, k);
      const bar = progress(total - done0, 'samples');
      t0 = performance.now();
      const run = await frozenSample({
        spec,
        train: { inputs: S.inputs, m: S.m, labels: S.labels },
        test: { inputs: E.inputs, m: E.m, labels: E.labels },
        seed: o.seed,
        features: K,
        samples,
        probe: o.probe,
        firstDraw: first,
        drawCount: count,
        resume,
        provenance: provenance(resume?.state ?? { nextDraw: first, draws: [], accepted: 0, proposals: 0 }, null),
        checkpointEveryMs: o.checkpointEveryMs,
        onCheckpoint,
        timeLimitMs: o.timeLimitMs,
        shouldStop,
        onProgress: (done) => bar.update(done - done0),
      });
      bar.done();
      run.table.provenance = provenance(run.state, run.stopped);
      return run;
    },
    finished: (run) => run.stopped === 'done',
    write: (run) => o.write?.(run.table),
    writeStopped: true,
    stopped: (run, ckpt) =>
      ckpt
        ? `stopped (${run.stopped === 'time' ? 'time limit' : 'signal'}) before draw ${run.state.nextDraw}; continue with --resume`
        : null,
  });
  return {
    table: r.table,
    state: r.state,
    stopped: r.stopped,
    finished: r.stopped === 'done',
    seconds: (performance.now() - t0) / 1000,
    draws: r.draws,
    proposals: r.proposals,
    accepted: r.accepted,
    estimate: estimateOf(r.state),
  };
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
