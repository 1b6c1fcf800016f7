/**
 * repro:simplicity — the simplicity bias of Valle-Pérez et al. (2019):
 * P(f) of random 7→40→40→1 ReLU nets (σ_w = 1; σ_b = 1, and 0 at full
 * scale) on all 128 inputs of {0,1}^7, against the Lempel–Ziv complexity of
 * f, and the rank plot of P(f) with its power-law tail.
 */

import { fitLine, lzPlot, rankPlot, spearman } from '@fsbayes/compare';
import { bitString, csvKeyCell, type FunctionTable, lzComplexity } from '@fsbayes/core';
import { type ExperimentContext, say, settingsFor, stage, writeText } from './context.js';
import { booleanPriorTable, booleanSpec } from './prior.js';
import { type ExperimentResult, num } from './result.js';
import { COUNT, SIGMA } from './settings.js';

const N = 7;
const M = 2 ** N;

interface Analysis {
  label: string;
  samples: number;
  distinct: number;
  constantMass: number;
  mostProbableIsConstant: boolean;
  spearmanCountLz: number | null;
  zipfSlope: number | null;
  lz: number[];
  p: number[];
  pAll: number[];
  top: { bits: string; probability: number; lz: number }[];
}

/** Simplicity-bias statistics of a prior table over all 128 inputs. */
export function analyse(label: string, t: FunctionTable, minCount: number): Analysis {
  const entries = t.entries(); // by count, descending
  const lz = entries.map((e) => lzComplexity(bitString(e.key, M)));
  const seen = entries.map((e, i) => ({ e, lz: lz[i] })).filter((x) => x.e.count >= minCount);
  const rho =
    seen.length > 2
      ? spearman(
          seen.map((x) => x.e.count),
          seen.map((x) => x.lz),
        )
      : null;
  const constantMass = entries.filter((e) => e.ones === 0 || e.ones === M).reduce((s, e) => s + e.count, 0) / t.total;
  // Zipf slope of log10 P against log10 rank over the well-counted ranks (count ≥ minCount), past the top 10.
  const ranks = seen.slice(10).map((_, i) => Math.log10(i + 11));
  const logp = seen.slice(10).map((x) => Math.log10(x.e.count / t.total));
  const zipf = ranks.length > 5 ? fitLine(ranks, logp).slope : null;
  // Points drawn: the 2,000 most probable and every k-th of the rest (the CSV keeps them all).
  const stride = Math.max(1, Math.ceil((entries.length - 2000) / 4000));
  const drawn = entries.map((_, i) => i).filter((i) => i < 2000 || (i - 2000) % stride === 0);
  return {
    label,
    samples: t.total,
    distinct: t.distinct,
    constantMass,
    mostProbableIsConstant: entries[0].ones === 0 || entries[0].ones === M,
    spearmanCountLz: rho,
    zipfSlope: zipf,
    lz: drawn.map((i) => lz[i]),
    p: drawn.map((i) => entries[i].count / t.total),
    pAll: entries.map((e) => e.count / t.total),
    top: entries.slice(0, 5).map((e, i) => ({ bits: bitString(e.key, M), probability: e.count / t.total, lz: lz[i] })),
  };
}

export function simplicitySettings(ctx: ExperimentContext) {
  return settingsFor(
    ctx,
    { samples: 1_000_000, sigmaB: [1], minCount: 5 },
    { samples: 100_000_000, sigmaB: [1, 0], minCount: 5 },
    { samples: COUNT, sigmaB: SIGMA, minCount: COUNT },
  );
}

export async function reproSimplicity(ctx: ExperimentContext): Promise<ExperimentResult> {
  const st = simplicitySettings(ctx);
  const { samples, sigmaB: sigmaBs, minCount } = st;
  const results: Analysis[] = [];
  const csv = ['config,key,count,probability,lz,ones'];
  for (const [k, sb] of sigmaBs.entries()) {
    const label = `7→40→40→1 ReLU, σ_w = 1, σ_b = ${sb}`;
    const spec = booleanSpec('fcn:40,40', N, 1, sb);
    const { table: t } = await stage(
      ctx,
      `prior-${k}`,
      async () => ({ table: await booleanPriorTable(ctx, label, spec, N, samples, ctx.seed + k) }),
      ['table'],
    );
    const a = analyse(label, t, minCount);
    results.push(a);
    for (const [i, e] of t.entries().entries()) {
      if (e.count < 2 && i > 50_000) break;
      csv.push(
        `"${label}",${csvKeyCell(e.key)},${e.count},${e.count / t.total},${lzComplexity(bitString(e.key, M))},${e.ones}`,
      );
    }
    say(
      ctx,
      `${label}: ${t.distinct} distinct of ${t.total}; constants ${(100 * a.constantMass).toFixed(1)}%; Spearman(count, LZ) = ${a.spearmanCountLz?.toFixed(3)}; Zipf slope ${a.zipfSlope?.toFixed(2)}`,
    );
  }
  writeText(ctx, 'functions.csv', `${csv.join('\n')}\n`);
  const lzFig = {
    name: 'p-vs-lz',
    figure: lzPlot({
      title: 'P(f) against Lempel–Ziv complexity',
      series: results.map((r) => ({ name: r.label, lz: r.lz, p: r.p })),
    }),
    caption: 'The 2,000 most probable functions and an even thinning of the rest (all of them are in functions.csv).',
  };
  const rankFig = {
    name: 'rank',
    figure: rankPlot({ title: 'P(f) against rank', series: results.map((r) => ({ name: r.label, values: r.pAll })) }),
  };
  return {
    title: 'Simplicity bias of random 7→40→40→1 nets (Valle-Pérez et al. 2019)',
    summary: {
      settings: st,
      samples,
      minCount,
      results: results.map(({ lz: _l, p: _p, pAll: _a, ...rest }) => rest),
    },
    sections: [
      {
        title: 'P(f) against complexity',
        text: `${samples.toLocaleString('en')} random nets per setting; functions on all 128 inputs. Simple (low-LZ) functions are exponentially more probable: the upper envelope of P(f) falls with K_LZ, and the constant functions are the most probable. Spearman correlation of count and LZ over functions seen ≥ ${minCount} times, and the Zipf slope of the rank plot past the top 10:`,
        tables: [
          {
            columns: ['setting', 'distinct', 'P(constant)', 'Spearman(count, LZ)', 'Zipf slope'],
            rows: results.map((r) => [r.label, r.distinct, r.constantMass, num(r.spearmanCountLz), num(r.zipfSlope)]),
          },
        ],
        figures: [lzFig, rankFig],
      },
    ],
  };
}
