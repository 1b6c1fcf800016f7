import type { Argv } from 'yargs';
import type { DataArgs } from '../cli/dataset.js';
import { ARCH_OPTIONS, COMPUTE_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { commandLine, emit, type OutputArgs, run, writeOutputStreams } from '../cli/output.js';
import { type ArchArgs, type ComputeArgs, checkPriorArgs, runPriorTable } from '../cli/prior.js';
import { formatTop, topOf } from '../cli/summary.js';
import {
  checkExportSize,
  spillOptions,
  TABLE_OPTIONS,
  type TableArgs,
  tableFormat,
  tableMemory,
  tableStreams,
} from '../cli/table.js';

const PRIOR_OPTIONS = {
  samples: { type: 'number', default: 100_000, describe: 'number of random nets to draw' },
  first: {
    type: 'number',
    default: 0,
    describe: 'index of the first net in the seed’s stream (shards of one seed use disjoint ranges)',
  },
  'csv-out': { type: 'string', describe: 'also write the table as CSV to this file' },
} as const;

type Args = DataArgs &
  ArchArgs &
  ComputeArgs &
  OutputArgs &
  TableArgs & { samples: number; first: number; 'csv-out'?: string };

export const functionsCommand = {
  command: 'functions',
  describe: 'the prior over functions: draw random nets, count their functions on E (all points unless S is given)',
  builder: (y: Argv) =>
    y
      .options({
        ...ARCH_OPTIONS,
        ...DATA_OPTIONS,
        ...SEED_OPTIONS,
        ...COMPUTE_OPTIONS,
        ...PRIOR_OPTIONS,
        ...TABLE_OPTIONS,
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 functions --arch fcn:40,40 --n 7 --sigma-w 1 --sigma-b 1 --samples 1000000 --seed 1 --out table.json',
        'P(f) of 7→40→40→1 ReLU nets on all 128 Boolean inputs',
      )
      .example(
        '$0 functions --arch fcn:40,40 --samples 100000000 --seed 1 --out prior.arrow --table-memory 4GiB',
        'the 10⁸-net run: ~20M distinct functions, written as an Arrow table (pandas.read_feather reads it)',
      )
      .example(
        '$0 functions --arch fcn: --sigma-b 0 --samples 100000 --json',
        'a perceptron without bias (Theorem 4.1)',
      )
      .epilogue(
        'Net i of a seed is the same net in every command (sampler, SGD initialisation): its parameters are drawn from the stream (seed, nets, floor(i/256)). Functions are counted in typed arrays within --table-memory; past it, sorted runs spill to a folder beside --out (removed at the end). --out writes the table with full provenance: Arrow IPC (.arrow or --format arrow; any size) or the FunctionTable JSON (format fsbayes.function-table; small tables).',
      ),
  handler: run('functions', async (a: Args) => {
    checkPriorArgs(a);
    checkExportSize(a, a.samples, 'nets');
    const memoryBytes = tableMemory(a);
    const r = await runPriorTable(a, commandLine(), spillOptions(a.out, memoryBytes));
    const t = r.table;
    try {
      const w = tableStreams(t, { out: a.out, format: tableFormat(a), csv: a['csv-out'] }, 10);
      await writeOutputStreams(a, w.files);
      const s = await w.summary();
      const top = topOf(s.top, t.m, s.total);
      const result = {
        samples: s.total,
        distinct: s.distinct,
        m: t.m,
        entropyBits: s.entropyBits,
        meanTestError: s.meanTestError,
        seconds: r.seconds,
        netsPerSecond: s.total / r.seconds,
        backend: r.backend,
        out: a.out ?? null,
        top,
      };
      emit(
        a,
        result,
        `${s.total} nets, ${s.distinct} distinct functions on ${t.m} points (${r.backend.detail}, ${r.seconds.toFixed(1)} s)\n${formatTop(top, t.m)}${a.out ? `\ntable written to ${a.out}` : ''}`,
        false,
      );
    } finally {
      t.close();
    }
  }),
};
