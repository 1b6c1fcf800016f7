/**
 * P_B by both estimators on the Boolean system (shared by repro boolean,
 * optimizers and lastlayer): Botev's minimax tilting (the default P_B: an
 * unbiased estimate of each orthant probability with its standard error) and
 * EP beside it for the same functions, with the EP − Botev difference as a
 * function of the function's probability and Lempel–Ziv complexity (a
 * summary, a table and a figure) and SGD-vs-P_B correlations under each.
 */
import {
  type Comparison,
  type PairResult,
  pearson,
  type ReportFigure,
  scatterPlot,
  spearman,
  viridis,
} from '@fsbayes/compare';
import type { FunctionTable } from '@fsbayes/core';
import { keyToBits, lzComplexity, type PbFile } from '@fsbayes/core';
import { type ExperimentContext, writePbFile } from './context.js';
import { num } from './result.js';
import { pbStep } from './shards.js';
import { runStep, type ShardedStep } from './step.js';
import type { System } from './system.js';

/** The two P_B files of one system: Botev's (the P_B of every comparison) and EP's. */
export interface PbByEstimator {
  botev: PbFile;
  ep: PbFile;
}

/** Source names of the two estimators in comparisons and reports. */
export const PB_NAME = 'P_B';
export const PB_EP_NAME = 'P_B (EP)';

/** The two P_B steps of one system: Botev's and EP's, over the same functions. */
export interface PbSteps {
  botev: ShardedStep<PbFile>;
  ep: ShardedStep<PbFile>;
}

/**
 * The P_B steps of the `limit` most frequent functions the steps `needs`
 * found together: by Botev (step and file `<tag>pb`) and by EP
 * (`<tag>pb-ep`), the same functions in both; each shards over the
 * functions' ranks in a plan.
 */
export function pbBothSteps(
  ctx: ExperimentContext,
  sys: System,
  needs: ShardedStep<{ table: FunctionTable }>[],
  limit: number,
  samples: number,
  tag: string,
): PbSteps {
  return {
    botev: pbStep(ctx, `${tag}pb`, sys, needs, limit, { method: 'botev', samples }),
    ep: pbStep(ctx, `${tag}pb-ep`, sys, needs, limit, { method: 'ep' }),
  };
}

/** Run both P_B steps (Botev's first) and write their files `<tag>pb.json` and `<tag>pb-ep.json`. */
export async function pbBothEstimators(ctx: ExperimentContext, steps: PbSteps, tag: string): Promise<PbByEstimator> {
  const botev = await runStep(ctx, steps.botev);
  writePbFile(ctx, `${tag}pb.json`, botev);
  const ep = await runStep(ctx, steps.ep);
  writePbFile(ctx, `${tag}pb-ep.json`, ep);
  return { botev, ep };
}

/**
 * K_LZ of a function's whole truth table on the Boolean system: S's labels at
 * their inputs and the function's bits on E (the split's indices are the inputs'
 * numbers).
 */
export function functionLz(sys: System, key: string): number {
  const { split } = sys;
  const bits = new Uint8Array(split.source.m);
  split.trainIndex.forEach((p, i) => {
    bits[p] = split.train.labels[i];
  });
  const e = keyToBits(key, sys.nE);
  split.testIndex.forEach((p, i) => {
    bits[p] = e[i];
  });
  return lzComplexity(bits);
}

/** One function under both estimators. */
interface Paired {
  key: string;
  botev: number;
  stderr: number;
  ep: number;
  lz: number;
}

function paired(sys: System, p: PbByEstimator): Paired[] {
  const ep = new Map(p.ep.functions.map((f) => [f.key, f.logPB]));
  const out: Paired[] = [];
  for (const f of p.botev.functions) {
    const e = ep.get(f.key);
    if (e === undefined || !Number.isFinite(e) || !Number.isFinite(f.logPB)) continue;
    out.push({ key: f.key, botev: f.logPB, stderr: f.stderr ?? 0, ep: e, lz: functionLz(sys, f.key) });
  }
  return out;
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
const median = (v: number[]) => {
  if (!v.length) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
};

/** Quantile bins of `x` (at most `k`, equal counts), as index lists in increasing x. */
function quantileBins<T>(rows: T[], x: (r: T) => number, k: number): T[][] {
  const s = [...rows].sort((a, b) => x(a) - x(b));
  const bins: T[][] = [];
  const n = Math.min(k, s.length);
  for (let b = 0; b < n; b++) bins.push(s.slice(Math.floor((b * s.length) / n), Math.floor(((b + 1) * s.length) / n)));
  return bins.filter((b) => b.length > 0);
}

/** The EP − Botev difference of log P(S) and of every function's log P_B, for summary.json and the report. */
export function epVsBotev(sys: System, p: PbByEstimator) {
  const rows = paired(sys, p);
  const d = rows.map((r) => r.ep - r.botev);
  const binRow = (b: Paired[]) => {
    const dd = b.map((r) => r.ep - r.botev);
    return {
      n: b.length,
      from: Math.min(...b.map((r) => r.botev)),
      to: Math.max(...b.map((r) => r.botev)),
      lzFrom: Math.min(...b.map((r) => r.lz)),
      lzTo: Math.max(...b.map((r) => r.lz)),
      meanDiff: mean(dd),
      minDiff: Math.min(...dd),
      maxDiff: Math.max(...dd),
      meanStderr: mean(b.map((r) => r.stderr)),
    };
  };
  return {
    logPS: {
      botev: p.botev.logPS,
      botevStderr: p.botev.logPSStderr ?? null,
      ep: p.ep.logPS,
      diff: p.ep.logPS - p.botev.logPS,
    },
    functions: rows.length,
    meanDiff: num(mean(d)),
    medianDiff: num(median(d)),
    minDiff: num(rows.length ? Math.min(...d) : Number.NaN),
    maxDiff: num(rows.length ? Math.max(...d) : Number.NaN),
    meanAbsDiff: num(mean(d.map(Math.abs))),
    medianStderr: num(median(rows.map((r) => r.stderr))),
    maxStderr: num(rows.length ? Math.max(...rows.map((r) => r.stderr)) : Number.NaN),
    /** How the difference moves with the function's probability and complexity (Spearman over functions). */
    spearmanWithLogPB:
      rows.length > 2
        ? num(
            spearman(
              rows.map((r) => r.botev),
              d,
            ),
          )
        : null,
    spearmanWithLz:
      rows.length > 2
        ? num(
            spearman(
              rows.map((r) => r.lz),
              d,
            ),
          )
        : null,
    pearsonWithLogPB:
      rows.length > 2
        ? num(
            pearson(
              rows.map((r) => r.botev),
              d,
            ),
          )
        : null,
    /** Quartiles of log P_B (Botev), most improbable first, and of LZ complexity. */
    byLogPB: quantileBins(rows, (r) => r.botev, 4).map(binRow),
    byLz: quantileBins(rows, (r) => r.lz, 4).map(binRow),
  };
}

/** The report table of {@link epVsBotev}: its bins by probability and by complexity. */
export function epVsBotevTable(s: ReturnType<typeof epVsBotev>) {
  const f = (x: number) => Number(x.toFixed(2));
  const row = (label: string, b: (typeof s.byLz)[number]) => [
    label,
    b.n,
    `${f(b.from)} … ${f(b.to)}`,
    `${f(b.lzFrom)} … ${f(b.lzTo)}`,
    num(b.meanDiff),
    num(b.minDiff),
    num(b.maxDiff),
    num(b.meanStderr),
  ];
  return {
    columns: ['bin', 'n', 'log P_B (Botev)', 'K_LZ', 'mean EP − Botev', 'min', 'max', 'mean stderr'],
    rows: [
      ...s.byLogPB.map((b, i) => row(`log P_B quartile ${i + 1}`, b)),
      ...s.byLz.map((b, i) => row(`K_LZ quartile ${i + 1}`, b)),
    ],
  };
}

/**
 * Scatter of EP − Botev against log P_B (Botev), coloured by K_LZ: one series per LZ quintile
 * (viridis, simple = dark).
 */
export function epVsBotevFigure(name: string, sys: System, p: PbByEstimator, title: string): ReportFigure {
  const rows = paired(sys, p);
  const bands = quantileBins(rows, (r) => r.lz, 5);
  const series = bands.map((b, i) => {
    const lo = Math.min(...b.map((r) => r.lz));
    const hi = Math.max(...b.map((r) => r.lz));
    return {
      name: `K_LZ ${lo.toFixed(1)}–${hi.toFixed(1)}`,
      color: viridis(bands.length > 1 ? i / (bands.length - 1) : 0),
      radius: 2.5,
      opacity: 0.8,
      points: b.map((r): [number, number] => [r.botev, r.ep - r.botev]),
    };
  });
  return {
    name,
    figure: scatterPlot({
      title,
      x: { label: 'log P_B(f|S), Botev' },
      y: { label: 'EP − Botev (nats)' },
      series,
      legend: 'top-right',
    }),
    caption: `Each function's log P_B by EP minus Botev's (standard error of Botev's value: median ${median(rows.map((r) => r.stderr)).toFixed(3)} nats), against Botev's, coloured by the Lempel–Ziv complexity of its whole truth table (S's labels and its bits on E; dark = simple). log P(S): EP ${p.ep.logPS.toFixed(3)}, Botev ${p.botev.logPS.toFixed(3)} ± ${(p.botev.logPSStderr ?? 0).toFixed(3)}.`,
  };
}

/** The SGD-vs-P_B headline numbers under each estimator, from a comparison holding both P_B sources. */
export function tableVsEstimators(c: Comparison, table: string) {
  const pick = (b: string) => {
    const p = c.pairs.find((q: PairResult) => q.a === table && q.b === b);
    return p ? { n: p.n, pearsonLog: p.pearsonLog, spearman: p.spearman, js: p.js, tv: p.tv } : null;
  };
  return { botev: pick(PB_NAME), ep: pick(PB_EP_NAME) };
}
