import { basename, join } from 'node:path';
import {
  type Comparison,
  checkCompatible,
  checkHistogramBins,
  compareSources,
  compareTableStreams,
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
import { FsbayesError, readTableArrow, readTableSync } from '@fsbayes/core';
import type { Argv } from 'yargs';
import { OUTPUT_OPTIONS } from '../cli/options.js';
import { emit, log, type OutputArgs, prepareOutputs, run } from '../cli/output.js';
import { arrowRowsBound, isArrowFile, openTableSource } from '../cli/table.js';

/** Arrow tables above this many functions are compared as streams (the in-memory sources take ~300 B a function). */
const IN_MEMORY_MAX = 1 << 22;

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
  stream: boolean;
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
  const stems = tables.map((t) => basename(t).replace(/\.(json|arrow)$/i, ''));
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
      .positional('tables', {
        type: 'string',
        array: true,
        describe: 'function tables (JSON or Arrow) on the same S and E',
      })
      .options({
        stream: {
          type: 'boolean',
          default: false,
          describe: `read the tables as streams in key order (any size: no Map of functions); automatic for Arrow tables above ${IN_MEMORY_MAX.toLocaleString('en')} functions. Tables only (no --pb), metrics only (no bootstrap, no --out report)`,
        },
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
    let large = false;
    for (const p of tables) if (isArrowFile(p) && (await arrowRowsBound(p)) > IN_MEMORY_MAX) large = true;
    if (a.stream || large) return compareStreams(a, tables, names, large);
    const sources: Source[] = [];
    for (const [i, path] of tables.entries()) {
      const t = isArrowFile(path) ? await readTableArrow(path) : readTableSync(path);
      if (t.total === 0) throw new FsbayesError(`${path}: the table is empty`);
      sources.push(tableSource(names[i], t));
    }
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
      ...comparisonLines(cmp, sources[0].m),
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

/** The human lines of a comparison's sources and pairs. */
function comparisonLines(cmp: Comparison, m: number): string[] {
  return [
    `${cmp.sources.length} sources on |E| = ${m}: ${cmp.sources
      .map(
        (s) =>
          `${s.name} (${s.kind === 'table' ? `${s.total} nets, ` : ''}${s.distinct} functions, test error ${withInterval(s.meanTestError, s.meanTestErrorCi)})`,
      )
      .join('; ')}`,
    ...cmp.pairs.map(pairLine),
  ];
}

/** Compare tables read as streams (any size): metrics only, checked before any row is read. */
async function compareStreams(a: Args, tables: string[], names: string[], large: boolean): Promise<void> {
  const why = a.stream ? 'with --stream' : `for tables above ${IN_MEMORY_MAX.toLocaleString('en')} functions`;
  if (a.pb)
    throw new FsbayesError(
      `--pb: tables are compared as streams ${why}, and a P_B file cannot be yet; compare the tables alone`,
    );
  if (a.out)
    throw new FsbayesError(
      `--out ${a.out}: tables compared as streams ${why} get metrics only (--json), not a report of every function`,
    );
  const streams = [];
  for (const [i, path] of tables.entries()) streams.push({ name: names[i], source: await openTableSource(path) });
  const warnings =
    a.bootstrap > 0
      ? [
          `no bootstrap intervals: tables compared as streams ${why} are not resampled (--bootstrap ${a.bootstrap} ignored)`,
        ]
      : [];
  for (const w of warnings) log(a, `warning: ${w}`);
  if (large) log(a, `comparing ${tables.length} tables as streams (key order, one pass)…`);
  const t0 = performance.now();
  const cmp = await compareTableStreams(streams, {
    minCount: a['min-count'],
    topK: a['top-k'],
    unseen: a.unseen as UnseenPolicy,
    alpha: a.alpha,
    seed: a.seed,
    level: a.level,
  });
  const m = streams[0].source.header.m;
  const result = {
    sources: cmp.sources,
    pairs: cmp.pairs,
    options: cmp.options,
    m,
    seconds: (performance.now() - t0) / 1000,
    out: null,
    warnings,
  };
  emit(a, result, [...comparisonLines(cmp, m), ...warnings.map((w) => `warning: ${w}`)].join('\n'), false);
}
