/**
 * repro:lastlayer — is training only the last layer by random sampling the
 * same as sampling the whole net? On the Boolean system (n = 7, |S| = 32,
 * target 0011…): whole-net rejection sampling of 7→w→w→1 nets; the
 * frozen-feature sampler (K independent random hidden layers, the readout
 * sampled exactly from its prior conditioned on fitting S); and the NNGP
 * posterior by EP, the infinite-width limit both should approach. Averaged
 * over hidden layers the frozen-feature posterior is a mixture, not the
 * whole-net posterior: this measures how far apart they are at each width.
 * The NNGP posterior is Botev's (minimax tilting, with standard errors); EP's
 * for the same functions is shown beside it.
 */
import { compareSources, pbSource, type ReportSection, tableSource, withInterval } from '@fsbayes/compare';
import { FsbayesError, type FunctionTable } from '@fsbayes/core';
import { tablesVsPb } from './compare.js';
import { type ExperimentContext, say, settingsFor, writeTableFile } from './context.js';
import {
  epVsBotev,
  epVsBotevFigure,
  epVsBotevTable,
  PB_EP_NAME,
  PB_NAME,
  pbBothEstimators,
  pbBothSteps,
} from './estimators.js';
import { type ExperimentResult, num } from './result.js';
import { COUNT, COUNT0 } from './settings.js';
import { frozenStep, rejectionStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import { booleanSystem, booleanTarget, type System } from './system.js';

export type LastLayerSettings = {
  widths: number[];
  /** Whole-net rejection sampling only up to this width (it costs ~width² per net). */
  rejectionMaxWidth: number;
  rejectionNets: number;
  rejectionAccept: number;
  features: number;
  frozenSamples: number;
  pbLimit: number;
  /** Botev's importance samples per function. */
  botevSamples: number;
  bootstrap: number;
};

export function lastLayerSettings(ctx: ExperimentContext): LastLayerSettings {
  return settingsFor<LastLayerSettings>(
    ctx,
    {
      widths: [40, 160],
      rejectionMaxWidth: 40,
      rejectionNets: 10_000_000,
      rejectionAccept: 1000,
      features: 20,
      frozenSamples: 4000,
      pbLimit: 200,
      botevSamples: 10_000,
      bootstrap: 50,
    },
    {
      widths: [40, 200, 1000],
      rejectionMaxWidth: 200,
      rejectionNets: 1_000_000_000,
      rejectionAccept: 50_000,
      features: 200,
      frozenSamples: 100_000,
      pbLimit: 3000,
      botevSamples: 10_000,
      bootstrap: 200,
    },
    {
      widths: COUNT,
      rejectionMaxWidth: COUNT,
      rejectionNets: COUNT,
      rejectionAccept: COUNT,
      features: COUNT,
      frozenSamples: COUNT,
      pbLimit: COUNT,
      botevSamples: { min: 2, integer: true },
      bootstrap: COUNT0,
    },
  );
}

/** Per width: whole-net rejection sampling (up to `rejectionMaxWidth`) and frozen features; then P_B (Botev, EP) over all they found. */
function lastLayerSteps(ctx: ExperimentContext, st: LastLayerSettings) {
  const target = booleanTarget(7, 0, () => 0);
  const widths = st.widths.map((w) => {
    const sys = booleanSystem(target, 7, 32, ctx.seed, `fcn:${w},${w}`);
    const labelled = { ...sys, label: `width ${w}` };
    const rejection =
      w <= st.rejectionMaxWidth
        ? rejectionStep(ctx, `w${w}-rejection`, labelled, st.rejectionNets, st.rejectionAccept)
        : null;
    const frozen = frozenStep(ctx, `w${w}-frozen`, labelled, st.features, st.frozenSamples);
    return { w, sys, rejection, frozen };
  });
  const samplers = widths.flatMap((x) => (x.rejection ? [x.rejection, x.frozen] : [x.frozen]));
  // The NNGP does not depend on the width: one P_B, over the functions every width found.
  const last = widths[widths.length - 1];
  if (!last) throw new FsbayesError('lastlayer: give at least one width');
  const nngp: System = { ...last.sys, label: 'NNGP' };
  const pb = pbBothSteps(ctx, nngp, samplers, st.pbLimit, st.botevSamples, '');
  return { target, widths, samplers, nngp, pb };
}

/** The shardable steps of repro:lastlayer (what a plan splits into array tasks). */
export function lastLayerPlanSteps(ctx: ExperimentContext): ShardedStep[] {
  const { samplers, pb } = lastLayerSteps(ctx, lastLayerSettings(ctx));
  return [...samplers, pb.botev, pb.ep];
}

export async function reproLastLayer(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = lastLayerSettings(ctx);
  const steps = lastLayerSteps(ctx, st);
  const { target, nngp } = steps;
  const tables: { name: string; width: number; kind: string; table: FunctionTable; logPS: number }[] = [];
  const rows: (string | number | null)[][] = [];
  const summary: Record<string, unknown>[] = [];
  const figures = [];
  for (const { w, rejection, frozen } of steps.widths) {
    if (rejection) {
      const rs = await runStep(ctx, rejection);
      writeTableFile(ctx, `w${w}-rejection.json`, rs.table);
      if (rs.accepted > 0)
        tables.push({ name: `whole net, width ${w}`, width: w, kind: 'whole net', table: rs.table, logPS: rs.logPS });
    }
    const fr = await runStep(ctx, frozen);
    writeTableFile(ctx, `w${w}-frozen.json`, fr.table);
    tables.push({ name: `last layer, width ${w}`, width: w, kind: 'last layer', table: fr.table, logPS: fr.logPS });
  }
  const both = await pbBothEstimators(ctx, steps.pb, '');
  const pb = both.botev;
  const logPS = pb.logPS;
  const pbSrc = pbSource(PB_NAME, pb);
  const pbEpSrc = pbSource(PB_EP_NAME, both.ep);
  const diff = epVsBotev(nngp, both);
  for (const t of tables) {
    const c = compareSources([tableSource(t.name, t.table), pbSrc, pbEpSrc], {
      bootstrap: st.bootstrap,
      seed: ctx.seed,
    });
    const p = c.pairs[0];
    const pe = c.pairs[1];
    rows.push([
      t.name,
      t.table.total,
      t.table.distinct,
      num(t.logPS),
      num(t.table.meanTestError()),
      p.n,
      withInterval(p.pearsonLog, p.ci?.pearsonLog),
      withInterval(p.js, p.ci?.js),
      withInterval(p.tv, p.ci?.tv),
      withInterval(p.topMassOverlap, p.ci?.topMassOverlap),
      num(pe.pearsonLog),
    ]);
    summary.push({
      name: t.name,
      width: t.width,
      kind: t.kind,
      samples: t.table.total,
      distinct: t.table.distinct,
      logPS: t.logPS,
      meanTestError: t.table.meanTestError(),
      n: p.n,
      pearsonLog: p.pearsonLog,
      js: p.js,
      tv: p.tv,
      topMassOverlap: p.topMassOverlap,
      ep: { n: pe.n, pearsonLog: pe.pearsonLog, js: pe.js, tv: pe.tv },
    });
    say(
      ctx,
      `${t.name}: ${t.table.distinct} distinct, log P(S) ${t.logPS.toFixed(2)}, vs P_B: Pearson(log) ${p.pearsonLog?.toFixed(3)} (Botev), ${pe.pearsonLog?.toFixed(3)} (EP), TV ${p.tv.toFixed(3)}`,
    );
  }
  figures.push(epVsBotevFigure('ep-vs-botev', nngp, both, 'EP − Botev, NNGP posterior'));
  figures.push({
    name: 'vs-pb',
    figure: tablesVsPb(
      'Whole-net and last-layer sampling against the NNGP posterior',
      'P_{B}(f|S) (NNGP, Botev)',
      'P(f|S) (sampler)',
      pb,
      tables,
    ),
  });
  // Whole net against last layer at the same width.
  const pairsSameWidth = [];
  for (const w of st.widths) {
    const whole = tables.find((t) => t.width === w && t.kind === 'whole net');
    const last = tables.find((t) => t.width === w && t.kind === 'last layer');
    if (!whole || !last) continue;
    const c = compareSources([tableSource(whole.name, whole.table), tableSource(last.name, last.table)], {
      bootstrap: st.bootstrap,
      seed: ctx.seed,
    });
    pairsSameWidth.push({ width: w, ...c.pairs[0] });
  }
  const section: ReportSection = {
    title: 'Samplers against the NNGP posterior',
    text: `Target ${booleanSystem(target, 7, 32, ctx.seed).targetHex}, |S| = 32, σ_w = σ_b = 1. Last layer: ${st.features} independent random hidden layers, ${st.frozenSamples} readout samples in all (exact: rejection while it accepts enough, else exact HMC for the truncated Gaussian). NNGP: log P(S) = ${logPS.toFixed(3)} ± ${(pb.logPSStderr ?? 0).toFixed(3)} by Botev (${both.ep.logPS.toFixed(3)} by EP); P_B by Botev, ${pb.samples} importance samples per function (${pb.methodError}); EP − Botev over the ${diff.functions} functions: mean ${num(diff.meanDiff)?.toFixed(3)} nats (range ${num(diff.minDiff)?.toFixed(3)} … ${num(diff.maxDiff)?.toFixed(3)}). log P(S) of a sampler is its acceptance rate (last layer: averaged over the hidden layers). Distances between two samples that are mostly singletons (a few thousand draws over thousands of functions) are biased far upwards; at small scale read the P(S) column and the distances to P_B, and raise the sample counts (--set) before reading whole net against last layer.`,
    warnings: [
      ...pb.warnings.map((w) => `NNGP log P(S) and P_B by Botev: ${w}`),
      ...both.ep.warnings.map((w) => `NNGP log P(S) and P_B by EP: ${w}`),
    ],
    tables: [
      {
        columns: [
          'sampler',
          'samples',
          'distinct',
          'log P(S)',
          'test error',
          'n',
          'Pearson log vs P_B',
          'JS',
          'TV',
          'top-10 overlap',
          'Pearson log vs EP',
        ],
        rows,
      },
      epVsBotevTable(diff),
      ...(pairsSameWidth.length
        ? [
            {
              columns: ['width', 'whole net vs last layer: n', 'Pearson log', 'JS', 'TV', 'top-10 overlap'],
              rows: pairsSameWidth.map((p) => [
                p.width,
                p.n,
                withInterval(p.pearsonLog, p.ci?.pearsonLog),
                withInterval(p.js, p.ci?.js),
                withInterval(p.tv, p.ci?.tv),
                withInterval(p.topMassOverlap, p.ci?.topMassOverlap),
              ]),
            },
          ]
        : []),
    ],
    figures,
  };
  return {
    title: 'Last-layer (frozen-feature) sampling against whole-net sampling and the NNGP',
    summary: {
      settings: st,
      logPS_Botev: logPS,
      logPS_BotevStderr: pb.logPSStderr ?? null,
      logPS_EP: both.ep.logPS,
      samplers: summary,
      epMinusBotev: diff,
      wholeVsLast: pairsSameWidth.map(({ width, n, pearsonLog, js, tv, topMassOverlap }) => ({
        width,
        n,
        pearsonLog,
        js,
        tv,
        topMassOverlap,
      })),
    },
    sections: [section],
  };
}
