import { basename, join } from 'node:path';
import {
  checkCompatible,
  checkHistogramBins,
  compareSources,
  formatNumber,
  type Hist2dNormalize,
  type PairResult,
  readPbSource,
  type Source,
  tableSource,
  type UnseenPolicy,
  withInterval,
  writeCompareReport,
} from '@fsbayes/compare';
import { FsbayesError, readTableSync } from '@fsbayes/core';
import type { Argv } from 'yargs';
import { OUTPUT_OPTIONS } from '../cli/options.js';
import { emit, log, type OutputArgs, prepareOutputs, run } from '../cli/output.js';

type Args = OutputArgs & {
  tables?: string[];
  names?: string;
  pb?: string;
  'min-count': number;
  'top-k': number;
  bootstrap: number;
  seed: number;
  level: number;
  unseen: string;
  alpha: number;
  bins: number;
  normalize: string;
};

function positiveInt(v: number, flag: string, min = 1): number {
  if (!Number.isSafeInteger(v) || v < min) throw new FsbayesError(`${flag} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** Names: --names (one per table, plus one for --pb if given), else file stems made unique. */
function sourceNames(a: Args, tables: string[]): string[] {
  const n = tables.length + (a.pb ? 1 : 0);
  if (a.names !== undefined) {
    const names = a.names.split(',').map((s) => s.trim());
    if (names.length === tables.length && a.pb) names.push('P_B');
    if (names.length !== n || names.some((s) => s === '')) {
      throw new FsbayesError(
        `--names must give ${tables.length}${a.pb ? ` (or ${n})` : ''} non-empty names, got ${JSON.stringify(a.names)}`,
      );
    }
    return names;
  }
  const stems = tables.map((t) => basename(t).replace(/\.json$/i, ''));
  if (a.pb) stems.push('P_B');
  return stems.map((s, i) => (stems.indexOf(s) === i && stems.lastIndexOf(s) === i ? s : `${s}#${i + 1}`));
}

function pairLine(p: PairResult): string {
  const c = (k: keyof NonNullable<PairResult['ci']>) => withInterval(p[k], p.ci?.[k]);
  return [
    `${p.a} vs ${p.b}: n = ${p.n} functions for correlations, support ${p.support}`,
    `  Pearson(ln P) ${c('pearsonLog')}   Spearman ${c('spearman')}`,
    `  KL(a‖b) ${c('kl')}   KL(b‖a) ${c('klReverse')}   JS ${c('js')}`,
    `  TV ${c('tv')}   Hellinger ${c('hellinger')}   top-k mass overlap ${c('topMassOverlap')}`,
    `  mass unseen by the other side: a ${formatNumber(p.massOnlyA)}, b ${formatNumber(p.massOnlyB)}; dropped (not listed by a P_B file): a ${formatNumber(p.massDroppedA)}, b ${formatNumber(p.massDroppedB)}`,
  ].join('\n');
}

export const compareCommand = {
  command: 'compare [tables..]',
  describe:
    'compare distributions over functions (tables and P_B values): metrics with bootstrap intervals, plots, report',
  builder: (y: Argv) =>
    y
      .positional('tables', { type: 'string', array: true, describe: 'FunctionTable JSON files on the same S and E' })
      .options({
        pb: { type: 'string', describe: 'a P_B file (fsbayes pb --out) for the same S and E' },
        names: {
          type: 'string',
          describe: 'comma-separated names, one per table (then one for --pb; default: file names)',
        },
        'min-count': {
          type: 'number',
          default: 5,
          describe: 'correlations use functions seen ≥ k times by every table',
        },
        'top-k': { type: 'number', default: 10, describe: 'k of the top-k probability mass overlap' },
        bootstrap: {
          type: 'number',
          default: 200,
          describe: 'bootstrap replicates (multinomial resamples of each table; 0: none)',
        },
        seed: { type: 'number', default: 1, describe: 'seed of the bootstrap (same seed, same numbers)' },
        level: { type: 'number', default: 0.95, describe: 'coverage of the bootstrap intervals' },
        unseen: {
          type: 'string',
          choices: ['smooth', 'common', 'strict'],
          default: 'smooth',
          describe: 'KL with functions one side never saw: additive smoothing, common support only, or ∞',
        },
        alpha: { type: 'number', default: 0.5, describe: 'pseudo-count per function of --unseen smooth' },
        bins: { type: 'number', default: 20, describe: 'bins per axis of the 2-D histograms' },
        normalize: {
          type: 'string',
          choices: ['row', 'column', 'none'],
          default: 'row',
          describe: '2-D histograms: normalise each row (bin of P under the first source), each column, or not',
        },
        ...OUTPUT_OPTIONS,
        out: {
          type: 'string',
          describe:
            'write a report folder: report.md, report.html (self-contained), figures (SVG, PNG), metrics.json, joint.csv; a new folder, or with --force one an earlier fsbayes run made (the folder appears whole or not at all)',
        },
      })
      .example(
        '$0 compare sgd.json abi.json --pb pb.json --out out/cmp',
        'P_SGD vs rejection sampling vs P_B, with a report',
      )
      .example('$0 compare a.json b.json --bootstrap 0 --json', 'just the metrics, as one JSON object')
      .epilogue(
        'Pairs are every (i < j) of the tables in order, then --pb. Two tables are compared on the union of their functions; a table and a P_B file on the functions the P_B file lists (each renormalised there). Correlations use functions seen ≥ --min-count times by every table side. JS, TV and Hellinger handle unseen functions exactly; KL follows --unseen. The bootstrap resamples each table’s nets (seeded); P_B values are not resampled.',
      ),
  handler: run('compare', null, async (a: Args) => {
    const report = prepareOutputs(a, [a.out ? { path: a.out, kind: 'folder' } : null]);
    const tables = a.tables ?? [];
    if (tables.length + (a.pb ? 1 : 0) < 2) {
      throw new FsbayesError(
        `give at least two tables, or one table and --pb (got ${tables.length} table${tables.length === 1 ? '' : 's'}${a.pb ? ' and --pb' : ''})`,
      );
    }
    positiveInt(a['min-count'], '--min-count');
    positiveInt(a['top-k'], '--top-k');
    positiveInt(a.bootstrap, '--bootstrap', 0);
    positiveInt(a.seed, '--seed', 0);
    checkHistogramBins(a.bins, '--bins');
    if (!(a.level > 0 && a.level < 1)) throw new FsbayesError(`--level must be in (0, 1), got ${a.level}`);
    if (!(a.alpha > 0)) throw new FsbayesError(`--alpha must be > 0, got ${a.alpha}`);
    const names = sourceNames(a, tables);
    const sources: Source[] = tables.map((path, i) => {
      const t = readTableSync(path);
      if (t.total === 0) throw new FsbayesError(`${path}: the table is empty`);
      return tableSource(names[i], t);
    });
    if (a.pb) sources.push(readPbSource(a.pb, names[names.length - 1]));
    checkCompatible(sources);
    const t0 = performance.now();
    if (a.bootstrap > 0)
      log(a, `bootstrap: ${a.bootstrap} resamples of ${sources.filter((s) => s.kind === 'table').length} table(s)…`);
    const cmp = compareSources(sources, {
      minCount: a['min-count'],
      topK: a['top-k'],
      unseen: a.unseen as UnseenPolicy,
      alpha: a.alpha,
      bootstrap: a.bootstrap,
      seed: a.seed,
      level: a.level,
    });
    const seconds = (performance.now() - t0) / 1000;
    const result = {
      sources: cmp.sources,
      pairs: cmp.pairs,
      options: cmp.options,
      m: sources[0].m,
      seconds,
      out: a.out ?? null,
    };
    if (a.out) {
      let written: string[] = [];
      // Built in a staging folder beside --out and swapped in whole: a failure (a full disk) leaves no half report.
      await report.writeFolder(a.out, async (dir) => {
        written = await writeCompareReport(dir, sources, cmp, {
          bins: a.bins,
          normalize: a.normalize as Hist2dNormalize,
        });
      });
      log(a, `report: ${written.length} files in ${a.out} (open ${join(a.out, 'report.html')})`);
    }
    const human = [
      `${sources.length} sources on |E| = ${sources[0].m}: ${cmp.sources
        .map(
          (s) =>
            `${s.name} (${s.kind === 'table' ? `${s.total} nets, ` : ''}${s.distinct} functions, test error ${withInterval(s.meanTestError, s.meanTestErrorCi)})`,
        )
        .join('; ')}`,
      ...cmp.pairs.map(pairLine),
      cmp.options.bootstrap > 0
        ? `[brackets: ${cmp.options.level * 100}% bootstrap intervals, ${cmp.options.bootstrap} resamples, seed ${cmp.options.seed}]`
        : '',
      a.out ? `report written to ${join(a.out, 'report.md')} and report.html` : '',
    ]
      .filter((s) => s !== '')
      .join('\n');
    emit(a, result, human, false);
  }),
};
