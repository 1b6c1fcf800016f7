import { tableText } from '@fsbayes/core';
import type { Argv } from 'yargs';
import type { DataArgs } from '../cli/dataset.js';
import { ARCH_OPTIONS, COMPUTE_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, SEED_OPTIONS } from '../cli/options.js';
import { commandLine, emit, type OutputArgs, run, writeOutputs } from '../cli/output.js';
import { type ArchArgs, type ComputeArgs, runPriorTable } from '../cli/prior.js';
import { formatTop, topFunctions } from '../cli/summary.js';

const PRIOR_OPTIONS = {
  samples: { type: 'number', default: 100_000, describe: 'number of random nets to draw' },
  first: {
    type: 'number',
    default: 0,
    describe: 'index of the first net in the seed’s stream (shards of one seed use disjoint ranges)',
  },
  'csv-out': { type: 'string', describe: 'also write the table as CSV to this file' },
} as const;

type Args = DataArgs & ArchArgs & ComputeArgs & OutputArgs & { samples: number; first: number; 'csv-out'?: string };

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
        ...OUTPUT_OPTIONS,
      })
      .example(
        '$0 functions --arch fcn:40,40 --n 7 --sigma-w 1 --sigma-b 1 --samples 1000000 --seed 1 --out table.json',
        'P(f) of 7→40→40→1 ReLU nets on all 128 Boolean inputs',
      )
      .example(
        '$0 functions --arch fcn: --sigma-b 0 --samples 100000 --json',
        'a perceptron without bias (Theorem 4.1)',
      )
      .epilogue(
        'Net i of a seed is the same net in every command (sampler, SGD initialisation): its parameters are drawn from the stream (seed, nets, floor(i/256)). --out writes the FunctionTable JSON (format fsbayes.function-table) with full provenance.',
      ),
  handler: run('functions', async (a: Args) => {
    const r = await runPriorTable(a, commandLine());
    writeOutputs(a, [
      ...(a.out ? [{ path: a.out, data: tableText(r.table) }] : []),
      ...(a['csv-out'] ? [{ path: a['csv-out'], data: r.table.toCSV() }] : []),
    ]);
    const top = topFunctions(r.table, 10);
    const result = {
      samples: r.table.total,
      distinct: r.table.distinct,
      m: r.table.m,
      entropyBits: r.table.entropy().bits,
      meanTestError: r.table.meanTestError(),
      seconds: r.seconds,
      netsPerSecond: r.table.total / r.seconds,
      backend: r.backend,
      out: a.out ?? null,
      top,
    };
    emit(
      a,
      result,
      `${r.table.total} nets, ${r.table.distinct} distinct functions on ${r.table.m} points (${r.backend.detail}, ${r.seconds.toFixed(1)} s)\n${formatTop(top, r.table.m)}${a.out ? `\ntable written to ${a.out}` : ''}`,
      false,
    );
  }),
};
