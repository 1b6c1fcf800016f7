/**
 * repro:boolean — the Boolean result of Mingard et al. (2021): on n = 7,
 * 7→40→40→1 ReLU nets (σ_w = σ_b = 1), |S| = 32, |E| = 96, does SGD (batch 8,
 * cross-entropy, stopped at 100% training accuracy) find functions with the
 * probabilities of the Bayesian posterior? Three routes to P(f|S) for targets
 * of growing Lempel–Ziv complexity ('0011'… with k random bits flipped):
 * P_SGD from many training runs, P_B of the finite nets by rejection
 * sampling, and P_B of the NNGP by EP for the functions the other two found.
 */

import type { ReportSection } from '@fsbayes/compare';
import { pbSource, tableSource } from '@fsbayes/compare';
import { compareStep, pairSummaries, rankUnderPb, sgdSummary } from './compare.js';
import { type ExperimentContext, say, settingsFor, writePbFile, writeTableFile } from './context.js';
import type { ExperimentResult } from './result.js';
import { intsOf } from './routes.js';
import { COUNT, COUNT0 } from './settings.js';
import { pbStep, rejectionStep, sgdStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import { booleanSystem, booleanTarget } from './system.js';

export type BooleanSettings = {
  flips: number[];
  sgdRuns: number;
  rejectionNets: number;
  rejectionAccept: number;
  pbLimit: number;
  bootstrap: number;
  /** Correlations over functions seen at least this often by each table. */
  minCount: number;
};

export function booleanSettings(ctx: ExperimentContext): BooleanSettings {
  return settingsFor<BooleanSettings>(
    ctx,
    {
      flips: [0, 4],
      sgdRuns: 5000,
      rejectionNets: 6_000_000,
      rejectionAccept: 2000,
      pbLimit: 300,
      bootstrap: 100,
      minCount: 5,
    },
    {
      flips: [0, 4, 16, 48],
      sgdRuns: 100_000,
      rejectionNets: 2_000_000_000,
      rejectionAccept: 100_000,
      pbLimit: 5000,
      bootstrap: 200,
      minCount: 5,
    },
    {
      flips: { min: 0, max: 2 ** 7, integer: true, why: 'the target has 2^7 = 128 bits' },
      sgdRuns: COUNT,
      rejectionNets: COUNT,
      rejectionAccept: COUNT,
      pbLimit: COUNT,
      bootstrap: COUNT0,
      minCount: COUNT,
    },
  );
}

/** The steps of one target: its system, SGD, rejection sampling and P_B of the functions they found. */
function booleanTargets(ctx: ExperimentContext, st: BooleanSettings) {
  return st.flips.map((flips) => {
    const target = booleanTarget(7, flips, intsOf(ctx, 'target', flips));
    const sys = booleanSystem(target, 7, 32, ctx.seed);
    const tag = `t${flips}-`;
    const sgd = sgdStep(ctx, `${tag}sgd`, sys, st.sgdRuns, { optimizer: 'sgd', batch: 8, loss: 'ce' });
    const rejection = rejectionStep(ctx, `${tag}rejection`, sys, st.rejectionNets, st.rejectionAccept);
    // P_B by EP for the functions either route found, most frequent first.
    const pb = pbStep(ctx, `${tag}pb`, sys, [sgd, rejection], st.pbLimit);
    return { flips, sys, tag, sgd, rejection, pb };
  });
}

/** The shardable steps of repro:boolean (what a plan splits into array tasks). */
export function booleanSteps(ctx: ExperimentContext): ShardedStep[] {
  return booleanTargets(ctx, booleanSettings(ctx)).flatMap((t) => [t.sgd, t.rejection, t.pb]);
}

export async function reproBoolean(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = booleanSettings(ctx);
  const sections: ReportSection[] = [];
  const perTarget: Record<string, unknown>[] = [];
  for (const t of booleanTargets(ctx, st)) {
    const { flips, sys, tag } = t;
    say(ctx, `target with ${flips} flips: ${sys.targetHex} (LZ ${sys.lz.toFixed(1)})`);
    const sgd = await runStep(ctx, t.sgd);
    writeTableFile(ctx, `${tag}sgd.json`, sgd.table);
    const rs = await runStep(ctx, t.rejection);
    writeTableFile(ctx, `${tag}rejection.json`, rs.table);
    const pb = await runStep(ctx, t.pb);
    writePbFile(ctx, `${tag}pb.json`, pb);
    const sources = [tableSource('SGD', sgd.table), pbSource('P_B', pb)];
    if (rs.accepted > 0) sources.push(tableSource('rejection', rs.table));
    const pairs: [number, number][] =
      rs.accepted > 0
        ? [
            [1, 0],
            [2, 0],
            [1, 2],
          ]
        : [[1, 0]];
    const cmp = compareStep(
      ctx,
      tag,
      `Target ${flips === 0 ? '0011… ' : ''}with ${flips} flipped bits: metrics`,
      sources,
      pairs,
      { bootstrap: st.bootstrap, minCount: st.minCount },
    );
    // Where SGD's favourite lands under P_B.
    const sgdTop = sgd.table.entries()[0];
    const rankOfSgdTop = rankUnderPb(sgd.table, pb);
    const pbTop = Math.max(...pb.functions.map((f) => f.logPB));
    const sgdVsPb = cmp.comparison.pairs.find((p) => p.a === 'SGD' && p.b === 'P_B');
    const summary = {
      flips,
      target: sys.targetHex,
      lz: sys.lz,
      logPS_EP: pb.logPS,
      rejection: {
        drawn: rs.drawn,
        accepted: rs.accepted,
        logPS: rs.logPS,
        logPSInterval: rs.logPSInterval,
        distinct: rs.table.distinct,
        meanTestError: rs.accepted > 0 ? rs.table.meanTestError() : null,
      },
      sgd: sgdSummary(sgd),
      pb: {
        functions: pb.functions.length,
        massCovered: pb.massCovered,
        converged: pb.converged,
        warnings: pb.warnings,
      },
      sgdTopRankUnderPB: rankOfSgdTop,
      sgdTopP: sgdTop.count / sgd.table.total,
      pbTopP: Math.exp(pbTop),
      pairs: pairSummaries(cmp.comparison),
    };
    perTarget.push(summary);
    say(
      ctx,
      `flips ${flips}: SGD ${sgd.fitted}/${sgd.runs} fitted, ${sgd.table.distinct} distinct; rejection ${rs.accepted}/${rs.drawn}; log P(S) EP ${pb.logPS.toFixed(2)} vs rejection ${rs.logPS.toFixed(2)}; SGD vs P_B: Pearson(log) ${sgdVsPb?.pearsonLog.toFixed(3)}, SGD's top function is #${rankOfSgdTop} under P_B`,
    );
    sections.push({
      title: `Target ${sys.targetHex} (${flips} bits flipped from 0011…, LZ ${sys.lz.toFixed(1)})`,
      text: [
        `SGD: ${sgd.fitted} of ${sgd.runs} runs fitted S (${sgd.notFitted} never did) in ${sgd.meanEpochs.toFixed(1)} epochs on average, ${sgd.table.distinct} distinct functions on E, mean test error ${sgd.meanTestError.toFixed(3)}.`,
        `Rejection sampling: ${rs.accepted} of ${rs.drawn.toLocaleString('en')} random nets fit S: log P(S) = ${rs.logPS.toFixed(3)} [${rs.logPSInterval.map((x) => x.toFixed(3)).join(', ')}] (finite width 40), against EP's ${pb.logPS.toFixed(3)} for the NNGP.`,
        `P_B by EP for the ${pb.functions.length} most frequent functions (together Σ P_B = ${pb.massCovered.toFixed(3)}). SGD's most frequent function (P_SGD = ${summary.sgdTopP.toFixed(3)}) is #${rankOfSgdTop} under P_B.`,
      ].join(' '),
      warnings: pb.warnings.map((w) => `log P(S) and P_B by EP: ${w}`),
    });
    sections.push(cmp.section);
  }
  return {
    title: 'Is SGD a Bayesian sampler? The Boolean system (Mingard et al. 2021)',
    summary: { settings: st, targets: perTarget },
    sections,
  };
}
