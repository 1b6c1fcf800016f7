/**
 * repro:simplicity — the simplicity bias of Valle-Pérez et al. (2019):
 * P(f) of random 7→40→40→1 ReLU nets (σ_w = 1; σ_b = 1, and 0 at full
 * scale) on all 128 inputs of {0,1}^7, against the Lempel–Ziv complexity of
 * f, and the rank plot of P(f) with its power-law tail.
 */

import { basename } from 'node:path';
import { fitLine, lzPlot, rankPlot, spearman } from '@fsbayes/compare';
import {
  bitString,
  countHistogram,
  countOrder,
  csvKeyCell,
  EntryStats,
  keyOf,
  lzComplexity,
  type SortedTableSource,
  type TextFileSink,
  wordsFor,
} from '@fsbayes/core';
import { type ExperimentContext, say, settingsFor, writeTextStream } from './context.js';
import { booleanPriorStage, booleanSpec, keepPriorTable } from './prior.js';
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
  /** P(f) of every function, by rank, as runs of equal values (the rank plot). */
  pRuns: { value: number; count: number }[];
  top: { bits: string; probability: number; lz: number }[];
}

/**
 * Simplicity-bias statistics of a prior table over all 128 inputs, read as
 * a stream in count order (count descending, then key); the rows of
 * functions.csv go to `csv` (every function seen twice or more, and the
 * first 50,001 in all). Only what is kept is held: the functions seen ≥
 * `minCount` times (Spearman, Zipf), the points drawn and the top five.
 */
export async function analyse(
  label: string,
  src: SortedTableSource,
  minCount: number,
  csv: TextFileSink | null,
  sliceRows?: number,
): Promise<Analysis> {
  const hist = await countHistogram(src);
  const { total, distinct } = hist;
  const st = new EntryStats(src.header);
  const seenCount: number[] = [];
  const seenLz: number[] = [];
  const lzDrawn: number[] = [];
  const pDrawn: number[] = [];
  const top: Analysis['top'] = [];
  let constant = 0;
  let mostProbableIsConstant = false;
  // Points drawn: the 2,000 most probable and every k-th of the rest (the CSV keeps them all).
  const stride = Math.max(1, Math.ceil((distinct - 2000) / 4000));
  let i = 0;
  for await (const b of countOrder(src, hist, { sliceRows })) {
    for (let r = 0; r < b.length; r++, i++) {
      const o = r * st.words;
      const c = b.counts[r];
      const ones = st.ones(b.keys, o);
      const isConstant = ones === 0 || ones === M;
      if (isConstant) constant += c;
      if (i === 0) mostProbableIsConstant = isConstant;
      const seen = c >= minCount;
      const drawn = i < 2000 || (i - 2000) % stride === 0;
      const inCsv = csv !== null && !(c < 2 && i > 50_000);
      if (!(seen || drawn || inCsv || i < 5)) continue;
      const key = keyOf(b.keys, M, o);
      const bits = bitString(key, M);
      const lz = lzComplexity(bits);
      if (seen) {
        seenCount.push(c);
        seenLz.push(lz);
      }
      if (drawn) {
        lzDrawn.push(lz);
        pDrawn.push(c / total);
      }
      if (i < 5) top.push({ bits, probability: c / total, lz });
      if (inCsv) csv.write(`"${label}",${csvKeyCell(key)},${c},${c / total},${lz},${ones}\n`);
    }
  }
  const rho = seenCount.length > 2 ? spearman(seenCount, seenLz) : null;
  // Zipf slope of log10 P against log10 rank over the well-counted ranks (count ≥ minCount), past the top 10.
  const ranks = seenCount.slice(10).map((_, k) => Math.log10(k + 11));
  const logp = seenCount.slice(10).map((c) => Math.log10(c / total));
  const zipf = ranks.length > 5 ? fitLine(ranks, logp).slope : null;
  return {
    label,
    samples: total,
    distinct,
    constantMass: constant / total,
    mostProbableIsConstant,
    spearmanCountLz: rho,
    zipfSlope: zipf,
    lz: lzDrawn,
    p: pDrawn,
    pRuns: hist.classes.map((c, k) => ({ value: c / total, count: hist.sizes[k] })),
    top,
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
  const labels = sigmaBs.map((sb) => `7→40→40→1 ReLU, σ_w = 1, σ_b = ${sb}`);
  const tables: SortedTableSource[] = [];
  for (const [k, sb] of sigmaBs.entries()) {
    const spec = booleanSpec('fcn:40,40', N, 1, sb);
    tables.push(await booleanPriorStage(ctx, `prior-${k}`, labels[k], spec, N, samples, ctx.seed + k));
  }
  // Count order sorts slices of the table in memory: half the table's budget at a time (fewer passes over the file).
  const sliceRows = Math.max(1 << 16, Math.floor((ctx.tableMemory ?? 2 ** 31) / 2 / (4 * wordsFor(M) + 8)));
  // functions.csv may hold millions of rows at full scale: written as a stream.
  await writeTextStream(ctx, 'functions.csv', async (csv) => {
    csv.write('config,key,count,probability,lz,ones\n');
    for (const [k, t] of tables.entries()) {
      const a = await analyse(labels[k], t, minCount, csv, sliceRows);
      results.push(a);
      say(
        ctx,
        `${a.label}: ${a.distinct} distinct of ${a.samples}; constants ${(100 * a.constantMass).toFixed(1)}%; Spearman(count, LZ) = ${a.spearmanCountLz?.toFixed(3)}; Zipf slope ${a.zipfSlope?.toFixed(2)}`,
      );
    }
  });
  // The whole tables, beside the CSV that lists only the functions seen twice or more (and the 50,000 most probable).
  const tableFiles: string[] = [];
  for (const [k, sb] of sigmaBs.entries())
    tableFiles.push(basename(await keepPriorTable(ctx, `prior-sigma-b-${sb}`, tables[k])));
  const lzFig = {
    name: 'p-vs-lz',
    figure: lzPlot({
      title: 'P(f) against Lempel–Ziv complexity',
      series: results.map((r) => ({ name: r.label, lz: r.lz, p: r.p })),
    }),
    caption:
      'The 2,000 most probable functions and an even thinning of the rest (functions.csv lists every function seen twice or more and the 50,000 most probable; the whole tables are the .arrow files).',
  };
  const rankFig = {
    name: 'rank',
    figure: rankPlot({ title: 'P(f) against rank', series: results.map((r) => ({ name: r.label, runs: r.pRuns })) }),
  };
  return {
    title: 'Simplicity bias of random 7→40→40→1 nets (Valle-Pérez et al. 2019)',
    summary: {
      settings: st,
      samples,
      minCount,
      results: results.map(({ lz: _l, p: _p, pRuns: _a, ...rest }, k) => ({ ...rest, table: tableFiles[k] })),
    },
    sections: [
      {
        title: 'P(f) against complexity',
        text: `${samples.toLocaleString('en')} random nets per setting; functions on all 128 inputs. Simple (low-LZ) functions are exponentially more probable: the upper envelope of P(f) falls with K_LZ, and the constant functions are the most probable. Spearman correlation of count and LZ over functions seen ≥ ${minCount} times, and the Zipf slope of the rank plot past the top 10:`,
        tables: [
          {
            columns: ['setting', 'distinct', 'P(constant)', 'Spearman(count, LZ)', 'Zipf slope', 'table'],
            rows: results.map((r, k) => [
              r.label,
              r.distinct,
              r.constantMass,
              num(r.spearmanCountLz),
              num(r.zipfSlope),
              tableFiles[k],
            ]),
          },
        ],
        figures: [lzFig, rankFig],
      },
    ],
  };
}
