/**
 * repro:optimizers — does the optimiser matter? P_OPT(f|S) of SGD, Adam,
 * Adagrad, RMSprop, Adadelta and AGD against P_B(f|S) on the Boolean system
 * (n = 7, 7→40→40→1 ReLU, |S| = 32, target 0011…), and the batch-size effect
 * (batch 8 vs 32, and 32 with a 4× learning rate), as in Mingard et al.
 * (2021). AGD (Bernstein et al. 2023) trains bias-free nets from an
 * orthogonal initialisation, so it runs on the bias-free system (σ_b = 0)
 * beside SGD there, each compared with that system's P_B. P_B is Botev's
 * (minimax tilting, with standard errors); EP's for the same functions is
 * shown beside it, with each optimiser's correlations under both.
 */
import {
  compareSources,
  type PairResult,
  pbSource,
  type ReportSection,
  tableSource,
  withInterval,
} from '@fsbayes/compare';
import type { SgdConfigInput } from '@fsbayes/sgd';
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
import { sgdStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import { booleanSystem, booleanTarget, type System } from './system.js';

interface Run {
  name: string;
  config: SgdConfigInput;
}

const WITH_BIAS: Run[] = [
  { name: 'SGD, batch 8', config: { optimizer: 'sgd', batch: 8 } },
  { name: 'Adam, batch 8', config: { optimizer: 'adam', batch: 8 } },
  { name: 'Adagrad, batch 8', config: { optimizer: 'adagrad', batch: 8 } },
  { name: 'RMSprop, batch 8', config: { optimizer: 'rmsprop', batch: 8 } },
  { name: 'Adadelta, batch 8', config: { optimizer: 'adadelta', batch: 8 } },
  { name: 'SGD, batch 32', config: { optimizer: 'sgd', batch: 32 } },
  { name: 'SGD, batch 32, 4× η', config: { optimizer: 'sgd', batch: 32, params: { lr: 0.04 } } },
];
const BIAS_FREE: Run[] = [
  { name: 'SGD, batch 8 (no bias)', config: { optimizer: 'sgd', batch: 8 } },
  { name: 'AGD, batch 8 (no bias)', config: { optimizer: 'agd', batch: 8 } },
];

/** One family's steps: an SGD ensemble per optimiser, and P_B (Botev, EP) of the functions they found together. */
function familySteps(
  ctx: ExperimentContext,
  sys: System,
  runs: Run[],
  n: number,
  pbLimit: number,
  botevSamples: number,
  tag: string,
) {
  const trained = runs.map((r) => ({
    run: r,
    step: sgdStep(ctx, `${tag}${r.name}`, sys, n, { loss: 'ce', ...r.config }, r.name),
  }));
  const pb = pbBothSteps(
    ctx,
    sys,
    trained.map((t) => t.step),
    pbLimit,
    botevSamples,
    tag,
  );
  return { sys, tag, trained, pb };
}

async function family(
  ctx: ExperimentContext,
  f: ReturnType<typeof familySteps>,
  n: number,
  bootstrap: number,
  minCount: number,
): Promise<{ rows: Record<string, unknown>[]; epMinusBotev: ReturnType<typeof epVsBotev>; sections: ReportSection[] }> {
  const { sys, tag } = f;
  const results = [];
  for (const { run: r, step } of f.trained) {
    const out = await runStep(ctx, step);
    writeTableFile(
      ctx,
      `${tag}${r.config.optimizer}-b${r.config.batch}${r.config.params?.lr ? `-lr${r.config.params.lr}` : ''}.json`,
      out.table,
    );
    results.push({ run: r, out });
  }
  const both = await pbBothEstimators(ctx, f.pb, tag);
  const pb = both.botev;
  const pbSrc = pbSource(PB_NAME, pb);
  const pbEpSrc = pbSource(PB_EP_NAME, both.ep);
  // Each optimiser's pair with P_B, intervals included (the table shows them; the summary keeps the estimates).
  const pairs: PairResult[] = [];
  const rows = results.map(({ run, out }) => {
    const c = compareSources([tableSource(run.name, out.table), pbSrc, pbEpSrc], {
      bootstrap,
      seed: ctx.seed,
      minCount,
    });
    const p = c.pairs[0];
    const pe = c.pairs[1];
    pairs.push(p);
    say(
      ctx,
      `${run.name}: ${out.fitted}/${out.runs} fitted, ${out.table.distinct} distinct, error ${out.meanTestError.toFixed(3)}, Pearson(log) vs P_B ${p.pearsonLog?.toFixed(3)} (Botev), ${pe.pearsonLog?.toFixed(3)} (EP)`,
    );
    return {
      optimizer: run.name,
      fitted: out.fitted,
      notFitted: out.notFitted,
      distinct: out.table.distinct,
      meanEpochs: out.meanEpochs,
      meanTestError: out.meanTestError,
      n: p.n,
      pearsonLog: p.pearsonLog,
      spearman: p.spearman,
      js: p.js,
      tv: p.tv,
      topMassOverlap: p.topMassOverlap,
      ep: { n: pe.n, pearsonLog: pe.pearsonLog, spearman: pe.spearman, js: pe.js, tv: pe.tv },
      out,
    };
  });
  const diff = epVsBotev(sys, both);
  const figure = tablesVsPb(
    'P_{OPT}(f|S) against P_{B}(f|S)',
    'P_{B}(f|S) (Botev)',
    'P_{OPT}(f|S)',
    pb,
    results.map(({ run, out }) => ({ name: run.name, table: out.table })),
  );
  const section: ReportSection = {
    title: `${sys.label}: every optimiser against P_B (log P(S) = ${pb.logPS.toFixed(3)} ± ${(pb.logPSStderr ?? 0).toFixed(3)} by Botev, ${both.ep.logPS.toFixed(3)} by EP)`,
    text: `${n} runs per optimiser, cross-entropy, stopped at 100% training accuracy, defaults of each method's paper (SGD η = 0.01). P_B by Botev (${pb.samples} importance samples per function; ${pb.methodError}); the last column is the correlation with EP's P_B of the same functions. Correlations over functions seen ≥ ${minCount} times (n).`,
    warnings: [
      ...pb.warnings.map((w) => `log P(S) and P_B by Botev: ${w}`),
      ...both.ep.warnings.map((w) => `log P(S) and P_B by EP: ${w}`),
    ],
    tables: [
      {
        columns: [
          'optimiser',
          'fitted',
          'distinct',
          'mean epochs',
          'test error',
          'n',
          'Pearson log',
          'Spearman',
          'JS',
          'TV',
          'top-10 overlap',
          'Pearson log vs EP',
        ],
        caption: `Estimate [95% bootstrap interval, ${bootstrap} resamples of each optimiser's table]`,
        rows: rows.map((r, i) => [
          r.optimizer,
          `${r.fitted}/${r.fitted + r.notFitted}`,
          r.distinct,
          num(r.meanEpochs),
          num(r.meanTestError),
          r.n,
          withInterval(pairs[i].pearsonLog, pairs[i].ci?.pearsonLog),
          withInterval(pairs[i].spearman, pairs[i].ci?.spearman),
          withInterval(pairs[i].js, pairs[i].ci?.js),
          withInterval(pairs[i].tv, pairs[i].ci?.tv),
          withInterval(pairs[i].topMassOverlap, pairs[i].ci?.topMassOverlap),
          num(r.ep.pearsonLog),
        ]),
        warnings: rows.map(() => pb.warnings.map((w) => `P_B: ${w}`)),
      },
    ],
    figures: [
      { name: `${tag}p-opt-vs-pb`, figure, caption: 'Functions found by each optimiser that have a P_B value.' },
    ],
  };
  const diffSection: ReportSection = {
    title: `${sys.label}: EP against Botev`,
    text: `EP − Botev over the ${diff.functions} functions: mean ${num(diff.meanDiff)?.toFixed(3)} nats (range ${num(diff.minDiff)?.toFixed(3)} … ${num(diff.maxDiff)?.toFixed(3)}), Botev's median standard error ${num(diff.medianStderr)?.toFixed(3)}; log P(S): EP − Botev = ${diff.logPS.diff.toFixed(3)}. Spearman of the difference with log P_B ${num(diff.spearmanWithLogPB)?.toFixed(3)}, with K_LZ ${num(diff.spearmanWithLz)?.toFixed(3)}.`,
    tables: [epVsBotevTable(diff)],
    figures: [epVsBotevFigure(`${tag}ep-vs-botev`, sys, both, `EP − Botev (${sys.label})`)],
  };
  return {
    rows: rows.map(({ out: _o, ...r }) => ({ ...r, logPS: pb.logPS, logPS_EP: both.ep.logPS })),
    epMinusBotev: diff,
    sections: [section, diffSection],
  };
}

export function optimizersSettings(ctx: ExperimentContext) {
  return settingsFor(
    ctx,
    { runs: 2000, pbLimit: 300, botevSamples: 10_000, bootstrap: 50, minCount: 3 },
    { runs: 20_000, pbLimit: 5000, botevSamples: 10_000, bootstrap: 200, minCount: 5 },
    { runs: COUNT, pbLimit: COUNT, botevSamples: { min: 2, integer: true }, bootstrap: COUNT0, minCount: COUNT },
  );
}

/** Both families (σ_b = 1 with every optimiser; no bias with SGD and AGD) on the target 0011…. */
function optimizerFamilies(ctx: ExperimentContext, st: ReturnType<typeof optimizersSettings>) {
  const { runs, pbLimit, botevSamples } = st;
  const target = booleanTarget(7, 0, () => 0);
  const withBias = booleanSystem(target, 7, 32, ctx.seed);
  const biasFree = booleanSystem(target, 7, 32, ctx.seed, 'fcn:40,40', 1, 0);
  return {
    targetHex: withBias.targetHex,
    a: familySteps(ctx, { ...withBias, label: 'σ_b = 1' }, WITH_BIAS, runs, pbLimit, botevSamples, 'bias-'),
    b: familySteps(ctx, { ...biasFree, label: 'No bias (σ_b = 0)' }, BIAS_FREE, runs, pbLimit, botevSamples, 'nobias-'),
  };
}

/** The shardable steps of repro:optimizers (what a plan splits into array tasks). */
export function optimizersSteps(ctx: ExperimentContext): ShardedStep[] {
  const { a, b } = optimizerFamilies(ctx, optimizersSettings(ctx));
  return [a, b].flatMap((f) => [...f.trained.map((t) => t.step), f.pb.botev, f.pb.ep]);
}

export async function reproOptimizers(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = optimizersSettings(ctx);
  const { runs, pbLimit, botevSamples, bootstrap, minCount } = st;
  const fams = optimizerFamilies(ctx, st);
  const a = await family(ctx, fams.a, runs, bootstrap, minCount);
  const b = await family(ctx, fams.b, runs, bootstrap, minCount);
  return {
    title: 'Optimisers and batch size against the Bayesian posterior (Boolean system)',
    summary: {
      runs,
      pbLimit,
      botevSamples,
      target: fams.targetHex,
      withBias: a.rows,
      biasFree: b.rows,
      epMinusBotev: { withBias: a.epMinusBotev, biasFree: b.epMinusBotev },
    },
    sections: [...a.sections, ...b.sections],
  };
}
