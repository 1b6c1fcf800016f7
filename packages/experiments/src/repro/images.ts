/**
 * The image experiments — repro:mnist, repro:fashion and repro:cnn: P_SGD
 * against P_B on a binarised image dataset (class ≥ 5), the image result of
 * Mingard et al. (2021). A net (an FCN or the paper's CNN, one spec), SGD with
 * batch 32 and cross-entropy to 100% training accuracy; P_B(f|S) of each
 * function SGD found by EP on the NNGP / CNN-GP of the same spec; and the
 * authors' fourth sampler, functions drawn from the EP posterior on E
 * (GP-EP). Rejection sampling is hopeless here (P(S) ≈ e^-300). One
 * experiment, parameterised by the dataset and the net (`ImageExperiment`).
 */
import { pbSource, tableSource } from '@fsbayes/compare';
import { type ArchSpec, describeArch, FunctionTable, imageDataset, imageSource, packBits } from '@fsbayes/core';
import { sampleEpPosterior } from '@fsbayes/nngp';
import { resolveConfig, type SgdConfigInput } from '@fsbayes/sgd';
import { compareStep, pairSummaries, rankUnderPb, sgdSummary } from './compare.js';
import {
  type ExperimentContext,
  epSweepLines,
  type SettingValue,
  say,
  settingsFor,
  writePbFile,
  writeTableFile,
} from './context.js';
import { type ExperimentResult, num } from './result.js';
import { COUNT, COUNT0, imageSizes, type SettingRanges } from './settings.js';
import { pbStep, sgdStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import { systemOf } from './system.js';

/** The settings every image experiment has. */
export type ImageSettings = {
  trainSize: number;
  testSize: number;
  sgdRuns: number;
  pbLimit: number;
  epSamples: number;
  bootstrap: number;
};

/** The image datasets an experiment can run on: the 0/1 rule as the report states it, and the full-scale sizes. */
export const IMAGE_EXPERIMENT_DATASETS = {
  // |S| + |E| = all 10,000 digits of the mnist package (|S| = 10,000 left no E).
  mnist: { rule: 'digit ≥ 5', full: { trainSize: 9_900, testSize: 100 } },
  // The paper's |S| = 10^4 and |E| = 100 (of the 70,000 images).
  fashion: {
    rule: 'class ≥ 5: sandal, shirt, sneaker, bag, ankle boot',
    full: { trainSize: 10_000, testSize: 100 },
  },
} as const;

/** A dataset of {@link IMAGE_EXPERIMENT_DATASETS}. */
export type ImageDatasetName = keyof typeof IMAGE_EXPERIMENT_DATASETS;

/** The names of {@link IMAGE_EXPERIMENT_DATASETS} (the choices of a `dataset` setting). */
export const IMAGE_DATASET_NAMES = Object.keys(IMAGE_EXPERIMENT_DATASETS) as ImageDatasetName[];

/** A net of an image experiment: its arch string (core's `parseArch`) and prior. */
export interface ImageNet {
  arch: string;
  sigmaW: number;
  sigmaB: number;
}

/** What differs between the image experiments: the dataset, the net, and the presets. */
export interface ImageExperiment<T extends ImageSettings> {
  /** The dataset when no setting chooses it. */
  dataset: ImageDatasetName;
  /** The presets on a dataset (the full sizes depend on it). */
  presets(dataset: ImageDatasetName): { small: T; full: T };
  /** Ranges of the settings beyond {@link ImageSettings}. */
  ranges: Omit<SettingRanges<T>, keyof ImageSettings>;
  /** The dataset the settings choose (default: always {@link dataset}). */
  datasetOf?(s: T): ImageDatasetName;
  /** The net the settings give. */
  net(s: T): ImageNet;
  /** SGD's learning rate the settings give (default: the optimiser's, η = 0.01). */
  lr?(s: T): number;
  /** SGD's epoch cap the settings give (default: sgd's, 10,000): a run not fitted by then counts as not fitted. */
  maxEpochs?(s: T): number;
}

/** Small scale of every image experiment: a minute or a few on 2 cores. */
export const IMAGE_SMALL: ImageSettings = {
  trainSize: 200,
  testSize: 20,
  sgdRuns: 300,
  pbLimit: 40,
  epSamples: 100_000,
  bootstrap: 100,
};

/** Full scale of every image experiment, without the sizes (those are the dataset's). */
export const IMAGE_FULL = { sgdRuns: 100_000, pbLimit: 2000, epSamples: 10_000_000, bootstrap: 200 };

/** The settings of `ex` at the context's scale and `--set`s, validated. */
export function imageSettings<T extends ImageSettings>(ctx: ExperimentContext, ex: ImageExperiment<T>): T {
  // The presets follow a `--set dataset=…` (a bad name keeps the default here and is refused by settingsFor).
  const chosen: SettingValue | undefined = ctx.overrides?.dataset;
  const dataset = IMAGE_DATASET_NAMES.find((d) => d === chosen) ?? ex.dataset;
  const { small, full } = ex.presets(dataset);
  const src = imageSource(dataset);
  const size = { min: 1, max: src.images - 1, integer: true, why: `${src.images} ${src.noun} in all` };
  const ranges = {
    trainSize: size,
    testSize: size,
    sgdRuns: COUNT,
    pbLimit: COUNT,
    epSamples: COUNT,
    bootstrap: COUNT0,
    ...ex.ranges,
  } as SettingRanges<T>;
  return settingsFor<T>(ctx, small, full, ranges, (s) => imageSizes(datasetOf(ex, s), s.trainSize, s.testSize));
}

const datasetOf = <T extends ImageSettings>(ex: ImageExperiment<T>, s: T): ImageDatasetName =>
  ex.datasetOf?.(s) ?? ex.dataset;

/** The system (the net on the binarised images) and its steps: SGD, and P_B (EP) of the functions SGD found. */
function imageSteps<T extends ImageSettings>(ctx: ExperimentContext, ex: ImageExperiment<T>, st: T) {
  const dataset = datasetOf(ex, st);
  const name = imageSource(dataset).title;
  const split = imageDataset(dataset, { trainSize: st.trainSize, testSize: st.testSize, seed: ctx.seed });
  const net = ex.net(st);
  const sys = systemOf(`${name} |S| = ${st.trainSize}`, split, net.arch, net.sigmaW, net.sigmaB);
  const config: SgdConfigInput = {
    optimizer: 'sgd',
    batch: 32,
    loss: 'ce',
    params: { lr: ex.lr?.(st) },
    ...(ex.maxEpochs ? { stop: { maxEpochs: ex.maxEpochs(st) } } : {}),
  };
  const sgd = sgdStep(ctx, 'sgd', sys, st.sgdRuns, config);
  const pb = pbStep(ctx, 'pb', sys, [sgd], st.pbLimit);
  return { dataset, name, sys, lr: resolveConfig(config).params.lr, sgd, pb };
}

/** The shardable steps of an image experiment (what a plan splits into array tasks). */
export function imagePlanSteps<T extends ImageSettings>(ctx: ExperimentContext, ex: ImageExperiment<T>): ShardedStep[] {
  const { sgd, pb } = imageSteps(ctx, ex, imageSettings(ctx, ex));
  return [sgd, pb];
}

/** The net as the report states it, e.g. `FCN 784→128→128→1 ReLU, σ_w = 1.41, σ_b = 0.1`. */
export function netText(spec: ArchSpec): string {
  const act = spec.activation === 'relu' ? 'ReLU' : spec.activation;
  const prior = `${act}, σ_w = ${spec.sigmaW}, σ_b = ${spec.bias ? spec.sigmaB : '0 (no bias)'}`;
  if (spec.kind === 'fcn') return `FCN ${[spec.inputDim, ...spec.hidden, 1].join('→')} ${prior}`;
  const convs = spec.convs.map(
    (c) =>
      `conv ${c.channels}@${c.kernel.join('×')}${c.stride.some((s) => s > 1) ? ` stride ${c.stride.join('×')}` : ''} ${c.padding}`,
  );
  const pool = spec.pooling === 'gap' ? 'global average pooling' : 'flatten';
  return `CNN ${[spec.inputShape.join('×'), ...convs, pool, ...spec.hidden.map((w) => `dense ${w}`), '1'].join(' → ')}, ${prior}`;
}

/** Run an image experiment (see the module comment). */
export async function reproImages<T extends ImageSettings>(
  ctx: ExperimentContext,
  ex: ImageExperiment<T>,
): Promise<ExperimentResult> {
  const st = imageSettings(ctx, ex);
  const steps = imageSteps(ctx, ex, st);
  const { name, sys } = steps;
  const kernel = sys.spec.kind === 'cnn' ? 'CNN-GP' : 'NNGP';
  say(ctx, `binarised ${name}: |S| = ${st.trainSize}, |E| = ${st.testSize}; ${kernel} kernel on S ∪ E`);
  const sgd = await runStep(ctx, steps.sgd);
  writeTableFile(ctx, 'sgd.json', sgd.table);
  // The GP-EP sampler: functions drawn from the EP posterior predictive on E.
  const ep = sampleEpPosterior(sys.K, sys.nS, sys.y.subarray(0, sys.nS), st.epSamples, {
    seed: ctx.seed,
    ep: { onSweep: epSweepLines(ctx, `GP-EP samples, ${sys.label}: EP on S`) },
  });
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
    title: `Is SGD a Bayesian sampler? Binarised ${name}${sys.spec.kind === 'cnn' ? ', CNN' : ''} (Mingard et al. 2021)`,
    summary: {
      settings: st,
      arch: describeArch(sys.spec),
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
        text: `${netText(sys.spec)}; binarised ${name} (${IMAGE_EXPERIMENT_DATASETS[steps.dataset].rule}), |S| = ${st.trainSize}, |E| = ${st.testSize}. SGD: batch 32, cross-entropy, η = ${steps.lr}, stopped at 100% training accuracy; ${sgd.fitted} of ${sgd.runs} runs fitted (mean ${sgd.meanEpochs.toFixed(1)} epochs), ${sgd.table.distinct} distinct functions on E, mean test error ${sgd.meanTestError.toFixed(3)}. EP on the ${kernel} kernel of the same spec: log P(S) = ${pb.logPS.toFixed(3)}; P_B for the ${pb.functions.length} most frequent SGD functions (Σ P_B = ${pb.massCovered.toFixed(3)}; per-function method ${pb.pbMethod}: ${pb.methodError}). SGD's most frequent function is #${rankOfSgdTop} under P_B. GP-EP: ${gp.total.toLocaleString('en')} draws from the EP posterior on E.`,
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
