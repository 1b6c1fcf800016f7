/**
 * repro:optimizers — does the optimiser matter? P_OPT(f|S) of SGD, Adam,
 * Adagrad, RMSprop, Adadelta and AGD against P_B(f|S) on the Boolean system
 * (n = 7, 7→40→40→1 ReLU, |S| = 32, target 0011…), and the batch-size effect
 * (batch 8 vs 32, and 32 with a 4× learning rate), as in Mingard et al.
 * (2021). AGD (Bernstein et al. 2023) trains bias-free nets from an
 * orthogonal initialisation, so it runs on the bias-free system (σ_b = 0)
 * beside SGD there, each compared with that system's P_B.
 */
import { compareSources, pbSource, type ReportSection, tableSource } from '@fsbayes/compare';
import type { SgdConfigInput } from '@fsbayes/sgd';
import { tablesVsPb } from './compare.js';
import { type ExperimentContext, say, settingsFor, writePbFile, writeTableFile } from './context.js';
import { type ExperimentResult, num } from './result.js';
import { COUNT, COUNT0 } from './settings.js';
import { pbStep, sgdStep } from './shards.js';
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

/** One family's steps: an SGD ensemble per optimiser, and P_B of the functions they found together. */
function familySteps(ctx: ExperimentContext, sys: System, runs: Run[], n: number, pbLimit: number, tag: string) {
  const trained = runs.map((r) => ({
    run: r,
    step: sgdStep(ctx, `${tag}${r.name}`, sys, n, { loss: 'ce', ...r.config }, r.name),
  }));
  const pb = pbStep(
    ctx,
    `${tag}pb`,
    sys,
    trained.map((t) => t.step),
    pbLimit,
  );
  return { sys, tag, trained, pb };
}

async function family(
  ctx: ExperimentContext,
  f: ReturnType<typeof familySteps>,
  n: number,
  bootstrap: number,
  minCount: number,
): Promise<{ rows: Record<string, unknown>[]; section: ReportSection }> {
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
  const pb = await runStep(ctx, f.pb);
  writePbFile(ctx, `${tag}pb.json`, pb);
  const pbSrc = pbSource('P_B', pb);
  const rows = results.map(({ run, out }) => {
    const c = compareSources([tableSource(run.name, out.table), pbSrc], { bootstrap, seed: ctx.seed, minCount });
    const p = c.pairs[0];
    say(
      ctx,
      `${run.name}: ${out.fitted}/${out.runs} fitted, ${out.table.distinct} distinct, error ${out.meanTestError.toFixed(3)}, Pearson(log) vs P_B ${p.pearsonLog?.toFixed(3)}`,
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
      out,
    };
  });
  const figure = tablesVsPb(
    'P_OPT against P_B',
    'P_B (EP)',
    'P_OPT',
    pb,
    results.map(({ run, out }) => ({ name: run.name, table: out.table })),
  );
  const section: ReportSection = {
    title: `${sys.label}: every optimiser against P_B (log P(S) = ${pb.logPS.toFixed(3)} by EP)`,
    text: `${n} runs per optimiser, cross-entropy, stopped at 100% training accuracy, defaults of each method's paper (SGD η = 0.01). Correlations over functions seen ≥ ${minCount} times (n).`,
    warnings: pb.warnings.map((w) => `log P(S) and P_B by EP: ${w}`),
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
        ],
        rows: rows.map((r) => [
          r.optimizer,
          `${r.fitted}/${r.fitted + r.notFitted}`,
          r.distinct,
          num(r.meanEpochs),
          num(r.meanTestError),
          r.n,
          num(r.pearsonLog),
          num(r.spearman),
          num(r.js),
          num(r.tv),
          num(r.topMassOverlap),
        ]),
      },
    ],
    figures: [
      { name: `${tag}p-opt-vs-pb`, figure, caption: 'Functions found by each optimiser that have a P_B value.' },
    ],
  };
  return { rows: rows.map(({ out: _o, ...r }) => ({ ...r, logPS: pb.logPS })), section };
}

export function optimizersSettings(ctx: ExperimentContext) {
  return settingsFor(
    ctx,
    { runs: 2000, pbLimit: 300, bootstrap: 50, minCount: 3 },
    { runs: 20_000, pbLimit: 5000, bootstrap: 200, minCount: 5 },
    { runs: COUNT, pbLimit: COUNT, bootstrap: COUNT0, minCount: COUNT },
  );
}

/** Both families (σ_b = 1 with every optimiser; no bias with SGD and AGD) on the target 0011…. */
function optimizerFamilies(ctx: ExperimentContext, st: ReturnType<typeof optimizersSettings>) {
  const target = booleanTarget(7, 0, () => 0);
  const withBias = booleanSystem(target, 7, 32, ctx.seed);
  const biasFree = booleanSystem(target, 7, 32, ctx.seed, 'fcn:40,40', 1, 0);
  return {
    targetHex: withBias.targetHex,
    a: familySteps(ctx, { ...withBias, label: 'σ_b = 1' }, WITH_BIAS, st.runs, st.pbLimit, 'bias-'),
    b: familySteps(ctx, { ...biasFree, label: 'No bias (σ_b = 0)' }, BIAS_FREE, st.runs, st.pbLimit, 'nobias-'),
  };
}

/** The shardable steps of repro:optimizers (what a plan splits into array tasks). */
export function optimizersSteps(ctx: ExperimentContext): ShardedStep[] {
  const { a, b } = optimizerFamilies(ctx, optimizersSettings(ctx));
  return [a, b].flatMap((f) => [...f.trained.map((t) => t.step), f.pb]);
}

export async function reproOptimizers(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = optimizersSettings(ctx);
  const { runs, pbLimit, bootstrap, minCount } = st;
  const fams = optimizerFamilies(ctx, st);
  const a = await family(ctx, fams.a, runs, bootstrap, minCount);
  const b = await family(ctx, fams.b, runs, bootstrap, minCount);
  return {
    title: 'Optimisers and batch size against the Bayesian posterior (Boolean system)',
    summary: { runs, pbLimit, target: fams.targetHex, withBias: a.rows, biasFree: b.rows },
    sections: [a.section, b.section],
  };
}
