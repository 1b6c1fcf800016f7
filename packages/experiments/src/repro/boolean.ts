/**
 * repro:boolean — the Boolean result of Mingard et al. (2021): on n = 7,
 * 7→40→40→1 ReLU nets (σ_w = σ_b = 1), |S| = 32, |E| = 96, does SGD (batch 8,
 * cross-entropy, stopped at 100% training accuracy) find functions with the
 * probabilities of the Bayesian posterior? Three routes to P(f|S) for targets
 * of growing Lempel–Ziv complexity ('0011'… with k random bits flipped):
 * P_SGD from many training runs, P_B of the finite nets by rejection
 * sampling, and P_B of the NNGP for the functions the other two found — by
 * Botev's minimax tilting (unbiased, with standard errors: the P_B of every
 * comparison) and by EP beside it, with the EP − Botev difference against the
 * function's probability and LZ complexity, and SGD-vs-P_B under each.
 */

import type { ReportSection, ReportTable } from '@fsbayes/compare';
import { formatNumber, pbSource, tableSource, withInterval } from '@fsbayes/compare';
import { logRateText } from '@fsbayes/sampler';
import { compareStep, pairSummaries, rankUnderPb, sgdSummary } from './compare.js';
import { type ExperimentContext, say, settingsFor, writeTableFile } from './context.js';
import {
  epVsBotev,
  epVsBotevFigure,
  epVsBotevTable,
  PB_EP_NAME,
  PB_NAME,
  pbBothEstimators,
  pbBothSteps,
  tableVsEstimators,
} from './estimators.js';
import { type ExperimentResult, num } from './result.js';
import { intsOf } from './routes.js';
import { COUNT, COUNT0 } from './settings.js';
import { rejectionStep, sgdStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import { booleanSystem, booleanTarget } from './system.js';

export type BooleanSettings = {
  flips: number[];
  sgdRuns: number;
  rejectionNets: number;
  rejectionAccept: number;
  pbLimit: number;
  /** Botev's importance samples per function (log P(S) gets max(10×, 10⁵)). */
  botevSamples: number;
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
      botevSamples: 10_000,
      bootstrap: 100,
      minCount: 5,
    },
    {
      flips: [0, 4, 16, 48],
      sgdRuns: 100_000,
      rejectionNets: 2_000_000_000,
      rejectionAccept: 100_000,
      pbLimit: 5000,
      botevSamples: 10_000,
      bootstrap: 200,
      minCount: 5,
    },
    {
      flips: { min: 0, max: 2 ** 7, integer: true, why: 'the target has 2^7 = 128 bits' },
      sgdRuns: COUNT,
      rejectionNets: COUNT,
      rejectionAccept: COUNT,
      pbLimit: COUNT,
      botevSamples: { min: 2, integer: true },
      bootstrap: COUNT0,
      minCount: COUNT,
    },
  );
}

/** The steps of one target: its system, SGD, rejection sampling and P_B (Botev, EP) of the functions they found. */
function booleanTargets(ctx: ExperimentContext, st: BooleanSettings) {
  return st.flips.map((flips) => {
    const target = booleanTarget(7, flips, intsOf(ctx, 'target', flips));
    const sys = booleanSystem(target, 7, 32, ctx.seed);
    const tag = `t${flips}-`;
    const sgd = sgdStep(ctx, `${tag}sgd`, sys, st.sgdRuns, { optimizer: 'sgd', batch: 8, loss: 'ce' });
    const rejection = rejectionStep(ctx, `${tag}rejection`, sys, st.rejectionNets, st.rejectionAccept);
    // P_B by Botev and by EP for the functions either route found, most frequent first.
    const pb = pbBothSteps(ctx, sys, [sgd, rejection], st.pbLimit, st.botevSamples, tag);
    return { flips, sys, tag, sgd, rejection, pb };
  });
}

/** The shardable steps of repro:boolean (what a plan splits into array tasks). */
export function booleanSteps(ctx: ExperimentContext): ShardedStep[] {
  return booleanTargets(ctx, booleanSettings(ctx)).flatMap((t) => [t.sgd, t.rejection, t.pb.botev, t.pb.ep]);
}

export async function reproBoolean(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = booleanSettings(ctx);
  const sections: ReportSection[] = [];
  const perTarget: Record<string, unknown>[] = [];
  const overview: ReportTable = {
    caption:
      'One row per target; brackets: 95% intervals (rejection: Wilson on the acceptance rate; the rest: bootstrap over the SGD runs). Details per target below.',
    columns: [
      'flips',
      'LZ',
      'log P(S): Botev ± s.e.',
      'log P(S): EP',
      'log P(S): rejection',
      'SGD fitted',
      'SGD distinct',
      'SGD test error',
      'P_B functions (Σ P_B)',
      'SGD vs P_B: n',
      'Pearson ln P',
      'Spearman',
      'JS (nats)',
      "SGD's top function: rank under P_B",
    ],
    rows: [],
    warnings: [],
  };
  for (const t of booleanTargets(ctx, st)) {
    const { flips, sys, tag } = t;
    say(ctx, `target with ${flips} flips: ${sys.targetHex} (LZ ${sys.lz.toFixed(1)})`);
    const sgd = await runStep(ctx, t.sgd);
    writeTableFile(ctx, `${tag}sgd.json`, sgd.table);
    const rs = await runStep(ctx, t.rejection);
    writeTableFile(ctx, `${tag}rejection.json`, rs.table);
    const both = await pbBothEstimators(ctx, t.pb, tag);
    const pb = both.botev;
    const sources = [tableSource('SGD', sgd.table), pbSource(PB_NAME, pb)];
    if (rs.accepted > 0) sources.push(tableSource('rejection', rs.table));
    // EP last: the other pairs (and their bootstrap streams) are as without it
    sources.push(pbSource(PB_EP_NAME, both.ep));
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
    const sgdVsPb = cmp.comparison.pairs.find((p) => p.a === 'SGD' && p.b === PB_NAME);
    const diff = epVsBotev(sys, both);
    const sgdVsEstimators = tableVsEstimators(cmp.comparison, 'SGD');
    const summary = {
      flips,
      target: sys.targetHex,
      lz: sys.lz,
      logPS_Botev: pb.logPS,
      logPS_BotevStderr: pb.logPSStderr ?? null,
      logPS_EP: both.ep.logPS,
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
        method: pb.method,
        samples: pb.samples ?? null,
        functions: pb.functions.length,
        massCovered: pb.massCovered,
        converged: pb.converged,
        warnings: pb.warnings,
      },
      pbEp: {
        functions: both.ep.functions.length,
        massCovered: both.ep.massCovered,
        converged: both.ep.converged,
        warnings: both.ep.warnings,
      },
      epMinusBotev: diff,
      sgdVsPbByEstimator: sgdVsEstimators,
      sgdTopRankUnderPB: rankOfSgdTop,
      sgdTopP: sgdTop.count / sgd.table.total,
      pbTopP: Math.exp(pbTop),
      pairs: pairSummaries(cmp.comparison),
    };
    perTarget.push(summary);
    const sgdErr = cmp.comparison.sources.find((x) => x.name === 'SGD');
    overview.rows.push([
      flips,
      Number(sys.lz.toFixed(1)),
      `${formatNumber(Number(pb.logPS.toFixed(3)))} ± ${(pb.logPSStderr ?? 0).toFixed(3)}`,
      Number(both.ep.logPS.toFixed(3)),
      `${rejectionLogPS(rs, 2)} (${rs.accepted} of ${rs.drawn.toLocaleString('en')})`,
      `${sgd.fitted}/${sgd.runs}`,
      sgd.table.distinct,
      withInterval(sgdErr?.meanTestError ?? null, sgdErr?.meanTestErrorCi),
      `${pb.functions.length} (${formatNumber(pb.massCovered)})`,
      sgdVsPb?.n ?? null,
      sgdVsPb ? withInterval(sgdVsPb.pearsonLog, sgdVsPb.ci?.pearsonLog) : null,
      sgdVsPb ? withInterval(sgdVsPb.spearman, sgdVsPb.ci?.spearman) : null,
      sgdVsPb ? withInterval(sgdVsPb.js, sgdVsPb.ci?.js) : null,
      rankOfSgdTop > 0 ? `#${rankOfSgdTop}` : 'not listed',
    ]);
    overview.warnings?.push([
      ...pb.warnings.map((w) => `Botev: ${w}`),
      ...both.ep.warnings.map((w) => `EP: ${w}`),
      ...(rs.accepted === 0
        ? [`no net of ${rs.drawn.toLocaleString('en')} fit S: rejection gives only an upper bound on P(S) and no table`]
        : rs.accepted < 30
          ? [`rejection kept only ${rs.accepted} nets: its log P(S) and table are rough`]
          : []),
    ]);
    say(
      ctx,
      `flips ${flips}: SGD ${sgd.fitted}/${sgd.runs} fitted, ${sgd.table.distinct} distinct; rejection ${rs.accepted}/${rs.drawn}; log P(S) Botev ${pb.logPS.toFixed(2)}, EP ${both.ep.logPS.toFixed(2)}, rejection ${rejectionLogPS(rs, 2)}; SGD vs P_B: Pearson(log) ${sgdVsPb?.pearsonLog?.toFixed(3)} (Botev), ${sgdVsEstimators.ep?.pearsonLog?.toFixed(3)} (EP); EP − Botev mean ${diff.meanDiff?.toFixed(3)}; SGD's top function is #${rankOfSgdTop} under P_B`,
    );
    sections.push({
      title: `Target ${sys.targetHex} (${flips} bits flipped from 0011…, LZ ${sys.lz.toFixed(1)})`,
      text: [
        `SGD: ${sgd.fitted} of ${sgd.runs} runs fitted S (${sgd.notFitted} never did) in ${sgd.meanEpochs.toFixed(1)} epochs on average, ${sgd.table.distinct} distinct functions on E, mean test error ${sgd.meanTestError.toFixed(3)}.`,
        `Rejection sampling: ${rs.accepted} of ${rs.drawn.toLocaleString('en')} random nets fit S: log P(S) ${rs.accepted > 0 ? '= ' : ''}${rejectionLogPS(rs, 3)} (finite width 40), against ${pb.logPS.toFixed(3)} ± ${(pb.logPSStderr ?? 0).toFixed(3)} by Botev and ${both.ep.logPS.toFixed(3)} by EP for the NNGP.`,
        `P_B by Botev for the ${pb.functions.length} most frequent functions, ${pb.samples} importance samples each (together Σ P_B = ${pb.massCovered.toFixed(3)}; ${pb.methodError}), and by EP for the same functions (Σ = ${both.ep.massCovered.toFixed(3)}; per-function method ${both.ep.pbMethod}: ${both.ep.methodError}). SGD's most frequent function (P_SGD = ${summary.sgdTopP.toFixed(3)}) is #${rankOfSgdTop} under P_B.`,
      ].join(' '),
      warnings: [
        ...pb.warnings.map((w) => `log P(S) and P_B by Botev: ${w}`),
        ...both.ep.warnings.map((w) => `log P(S) and P_B by EP: ${w}`),
      ],
    });
    sections.push(cmp.section);
    sections.push({
      title: `Target ${sys.targetHex}: EP against Botev`,
      text: `EP − Botev over the ${diff.functions} functions both estimate: mean ${num(diff.meanDiff)?.toFixed(3)} nats (median ${num(diff.medianDiff)?.toFixed(3)}, range ${num(diff.minDiff)?.toFixed(3)} … ${num(diff.maxDiff)?.toFixed(3)}), against Botev's median standard error ${num(diff.medianStderr)?.toFixed(3)}; log P(S): EP − Botev = ${diff.logPS.diff.toFixed(3)}. Spearman of the difference with log P_B ${num(diff.spearmanWithLogPB)?.toFixed(3)}, with K_LZ ${num(diff.spearmanWithLz)?.toFixed(3)}. SGD against P_B: Pearson(log) ${num(sgdVsEstimators.botev?.pearsonLog)?.toFixed(3)} with Botev's, ${num(sgdVsEstimators.ep?.pearsonLog)?.toFixed(3)} with EP's (n = ${sgdVsEstimators.botev?.n}).`,
      tables: [epVsBotevTable(diff)],
      figures: [epVsBotevFigure(`${tag}ep-vs-botev`, sys, both, `EP − Botev, target ${sys.targetHex}`)],
    });
  }
  sections.unshift({
    title: 'Summary across targets',
    text: `P_SGD from ${st.sgdRuns.toLocaleString('en')} SGD runs, rejection sampling of ${st.rejectionNets.toLocaleString('en')} random nets, and P_B(f|S) by Botev (EP beside it) for the ${st.pbLimit} functions the two found most often, on each target. Correlations over the functions seen ≥ ${st.minCount} times by SGD; JS on the functions the P_B file lists (each side renormalised there; Σ P_B in its column).`,
    tables: [overview],
  });
  return {
    title: 'Is SGD a Bayesian sampler? The Boolean system (Mingard et al. 2021)',
    summary: { settings: st, targets: perTarget },
    sections,
  };
}

/** Rejection's log P(S) with its 95% interval (a bound when no net fit S). */
function rejectionLogPS(
  rs: { accepted: number; logPS: number; logPSInterval: [number, number] },
  digits: number,
): string {
  return logRateText(rs.accepted, rs.logPS, rs.logPSInterval, digits);
}
