/**
 * repro:mnist and repro:fashion — P_SGD against P_B on a binarised image
 * dataset (class ≥ 5), the image result of Mingard et al. (2021): FCN
 * 784→128→128→1 ReLU (σ_w = 1.41, σ_b = 0.1, the authors' April-2020
 * settings with narrower layers), SGD with batch 32 and cross-entropy to 100%
 * training accuracy; P_B(f|S) of each function SGD found by EP on the NNGP
 * of the same spec; and the authors' fourth sampler, functions drawn from the
 * EP posterior on E (GP-EP). Rejection sampling is hopeless here
 * (P(S) ≈ e^-300). One experiment, run on MNIST or Fashion-MNIST.
 */
import { pbSource, tableSource } from '@fsbayes/compare';
import { FunctionTable, imageDataset, imageSource, packBits } from '@fsbayes/core';
import { sampleEpPosterior } from '@fsbayes/nngp';
import { compareStep, pairSummaries, rankUnderPb, sgdSummary } from './compare.js';
import { type ExperimentContext, say, settingsFor, writePbFile, writeTableFile } from './context.js';
import { type ExperimentResult, num } from './result.js';
import { COUNT, COUNT0, imageSizes } from './settings.js';
import { pbStep, sgdStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import { systemOf } from './system.js';

export type ImageSettings = {
  trainSize: number;
  testSize: number;
  sgdRuns: number;
  pbLimit: number;
  epSamples: number;
  bootstrap: number;
};

/** What differs between the image experiments: the dataset, its wording in the report, and the presets. */
interface ImageExperiment {
  /** The dataset in core's image table. */
  dataset: string;
  /** The 0/1 rule as the report states it. */
  rule: string;
  small: ImageSettings;
  full: ImageSettings;
}

const SMALL: ImageSettings = {
  trainSize: 200,
  testSize: 20,
  sgdRuns: 300,
  pbLimit: 40,
  epSamples: 100_000,
  bootstrap: 100,
};
const FULL = { sgdRuns: 100_000, pbLimit: 2000, epSamples: 10_000_000, bootstrap: 200 };

const MNIST: ImageExperiment = {
  dataset: 'mnist',
  rule: 'digit ≥ 5',
  small: SMALL,
  // |S| + |E| = all 10,000 digits of the mnist package (|S| = 10,000 left no E).
  full: { trainSize: 9_900, testSize: 100, ...FULL },
};

const FASHION: ImageExperiment = {
  dataset: 'fashion',
  rule: 'class ≥ 5: sandal, shirt, sneaker, bag, ankle boot',
  small: SMALL,
  // The paper's |S| = 10^4 and |E| = 100 (of the 70,000 images).
  full: { trainSize: 10_000, testSize: 100, ...FULL },
};

function imageSettings(ctx: ExperimentContext, ex: ImageExperiment): ImageSettings {
  const src = imageSource(ex.dataset);
  const size = { min: 1, max: src.images - 1, integer: true, why: `${src.images} ${src.noun} in all` };
  return settingsFor<ImageSettings>(
    ctx,
    ex.small,
    ex.full,
    { trainSize: size, testSize: size, sgdRuns: COUNT, pbLimit: COUNT, epSamples: COUNT, bootstrap: COUNT0 },
    (s) => imageSizes(ex.dataset, s.trainSize, s.testSize),
  );
}

export const mnistSettings = (ctx: ExperimentContext): ImageSettings => imageSettings(ctx, MNIST);
export const fashionSettings = (ctx: ExperimentContext): ImageSettings => imageSettings(ctx, FASHION);
export const reproMnist = (ctx: ExperimentContext): Promise<ExperimentResult> => reproImages(ctx, MNIST);
export const reproFashion = (ctx: ExperimentContext): Promise<ExperimentResult> => reproImages(ctx, FASHION);

/** The system (FCN 784→128→128→1 on the binarised images) and its steps: SGD, and P_B (EP) of the functions SGD found. */
function imageSteps(ctx: ExperimentContext, ex: ImageExperiment, st: ImageSettings) {
  const name = imageSource(ex.dataset).title;
  const split = imageDataset(ex.dataset, { trainSize: st.trainSize, testSize: st.testSize, seed: ctx.seed });
  const sys = systemOf(`${name} |S| = ${st.trainSize}`, split, 'fcn:128,128', 1.41, 0.1);
  const sgd = sgdStep(ctx, 'sgd', sys, st.sgdRuns, { optimizer: 'sgd', batch: 32, loss: 'ce' });
  const pb = pbStep(ctx, 'pb', sys, [sgd], st.pbLimit);
  return { name, sys, sgd, pb };
}

/** The shardable steps of an image experiment (what a plan splits into array tasks). */
function imagePlanSteps(ctx: ExperimentContext, ex: ImageExperiment): ShardedStep[] {
  const { sgd, pb } = imageSteps(ctx, ex, imageSettings(ctx, ex));
  return [sgd, pb];
}

export const mnistPlanSteps = (ctx: ExperimentContext): ShardedStep[] => imagePlanSteps(ctx, MNIST);
export const fashionPlanSteps = (ctx: ExperimentContext): ShardedStep[] => imagePlanSteps(ctx, FASHION);

async function reproImages(ctx: ExperimentContext, ex: ImageExperiment): Promise<ExperimentResult> {
  const st = imageSettings(ctx, ex);
  const steps = imageSteps(ctx, ex, st);
  const { name, sys } = steps;
  say(ctx, `binarised ${name}: |S| = ${st.trainSize}, |E| = ${st.testSize}; NNGP kernel on S ∪ E`);
  const sgd = await runStep(ctx, steps.sgd);
  writeTableFile(ctx, 'sgd.json', sgd.table);
  // The GP-EP sampler: functions drawn from the EP posterior predictive on E.
  const ep = sampleEpPosterior(sys.K, sys.nS, sys.y.subarray(0, sys.nS), st.epSamples, { seed: ctx.seed });
  for (const w of ep.warnings) say(ctx, `warning: GP-EP samples: ${w}`);
  const gp = new FunctionTable(sys.nE, sys.test.labels);
  for (const f of ep.functions) gp.add(packBits(f));
  writeTableFile(ctx, 'gp-ep-samples.json', gp);
  const pb = await runStep(ctx, steps.pb);
  writePbFile(ctx, 'pb.json', pb);
  const sources = [tableSource('SGD', sgd.table), pbSource('P_B', pb), tableSource('GP-EP samples', gp)];
  const cmp = compareStep(
    ctx,
    '',
    'P_SGD against P_B and the GP-EP sampler',
    sources,
    [
      [1, 0],
      [2, 0],
    ],
    {
      bootstrap: st.bootstrap,
    },
  );
  const rankOfSgdTop = rankUnderPb(sgd.table, pb);
  // Mass of the top functions: a few functions hold most of it.
  const top = (t: FunctionTable, k: number) =>
    t
      .entries()
      .slice(0, k)
      .reduce((s, e) => s + e.count, 0) / t.total;
  const pairs = pairSummaries(cmp.comparison);
  const sgdVsPb = pairs.find((p) => p.a === 'SGD' && p.b === 'P_B');
  say(
    ctx,
    `SGD ${sgd.fitted}/${sgd.runs} fitted, ${sgd.table.distinct} distinct, test error ${sgd.meanTestError.toFixed(3)}; log P(S) ${pb.logPS.toFixed(2)}; SGD vs P_B Pearson(log) ${sgdVsPb?.pearsonLog?.toFixed(3)}; SGD's top function #${rankOfSgdTop} under P_B`,
  );
  return {
    title: `Is SGD a Bayesian sampler? Binarised ${name} (Mingard et al. 2021)`,
    summary: {
      settings: st,
      logPS: pb.logPS,
      sgd: { ...sgdSummary(sgd), top10Mass: top(sgd.table, 10) },
      gpEp: { samples: gp.total, distinct: gp.distinct, meanTestError: gp.meanTestError(), top10Mass: top(gp, 10) },
      pb: {
        functions: pb.functions.length,
        massCovered: pb.massCovered,
        converged: pb.converged,
        warnings: pb.warnings,
      },
      gpEpWarnings: ep.warnings,
      sgdTopRankUnderPB: rankOfSgdTop,
      pairs,
    },
    sections: [
      {
        title: 'Setting',
        text: `FCN 784→128→128→1 ReLU, σ_w = 1.41, σ_b = 0.1; binarised ${name} (${ex.rule}), |S| = ${st.trainSize}, |E| = ${st.testSize}. SGD: batch 32, cross-entropy, η = 0.01, stopped at 100% training accuracy; ${sgd.fitted} of ${sgd.runs} runs fitted (mean ${sgd.meanEpochs.toFixed(1)} epochs), ${sgd.table.distinct} distinct functions on E, mean test error ${sgd.meanTestError.toFixed(3)}. EP: log P(S) = ${pb.logPS.toFixed(3)}; P_B for the ${pb.functions.length} most frequent SGD functions (Σ P_B = ${pb.massCovered.toFixed(3)}; per-function method ${pb.pbMethod}: ${pb.methodError}). SGD's most frequent function is #${rankOfSgdTop} under P_B. GP-EP: ${gp.total.toLocaleString('en')} draws from the EP posterior on E.`,
        warnings: [
          ...pb.warnings.map((w) => `log P(S) and P_B by EP: ${w}`),
          ...ep.warnings.map((w) => `GP-EP samples: ${w}`),
        ],
        tables: [
          {
            columns: ['distribution', 'distinct', 'mass of top 10', 'mean test error'],
            rows: [
              ['SGD', sgd.table.distinct, top(sgd.table, 10), num(sgd.meanTestError)],
              ['GP-EP samples', gp.distinct, top(gp, 10), num(gp.meanTestError())],
            ],
          },
        ],
      },
      cmp.section,
    ],
  };
}
