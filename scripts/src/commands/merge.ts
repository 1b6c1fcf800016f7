/**
 * `fsbayes merge A.json B.json … --out all.json`: exact merge of function
 * tables of one experiment (same spec, data and sampling procedure), e.g.
 * the shards of a Slurm job array, for the sampler or for SGD: the
 * experiments package's `mergeShards` (overlap rules, and the run summaries
 * pooled through its table of each kind of run).
 */
import { FsbayesError, readTableSync, tableText } from '@fsbayes/core';
import { mergeShards } from '@fsbayes/experiments';
import type { Argv } from 'yargs';
import { mergeTableStreams } from '../cli/merge-tables.js';
import { OUTPUT_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run, writeOutputs } from '../cli/output.js';
import { isArrowFile, TABLE_OPTIONS, type TableArgs, tableFormat } from '../cli/table.js';

type Args = OutputArgs & TableArgs & { tables?: string[]; 'allow-overlap': boolean };

export const mergeCommand = {
  command: 'merge <tables..>',
  describe: 'merge function tables of one experiment (e.g. shards of one seed) exactly',
  builder: (y: Argv) =>
    y
      .positional('tables', { type: 'string', array: true, describe: 'function table files (JSON or Arrow)' })
      .options({
        'allow-overlap': {
          type: 'boolean',
          default: false,
          describe: 'merge even when tables share seeds or shards (counts them twice if they are the same runs)',
        },
        format: TABLE_OPTIONS.format,
        ...OUTPUT_OPTIONS,
      })
      .example('$0 merge rs-*.json --out all.json --json', 'join the shards of a job array')
      .example('$0 merge prior-*.arrow --out prior.arrow', 'Arrow shards, merged as a stream (any size)'),
  handler: run('merge', async (a: Args) => {
    const files = a.tables ?? [];
    if (files.length < 1) throw new FsbayesError('give at least one table');
    // Arrow tables (in or out) are merged as streams.
    if (files.some(isArrowFile) || tableFormat(a) === 'arrow') return mergeTableStreams(a, files);
    const tables = files.map((f) => {
      try {
        return readTableSync(f);
      } catch (e) {
        throw new FsbayesError(`${f}: ${(e as Error).message}`);
      }
    });
    const { table: merged, pooled } = mergeShards(tables, files, a['allow-overlap']);
    if (a.out) writeOutputs(a, [{ path: a.out, data: tableText(merged) }]);
    const result = {
      inputs: files.length,
      total: merged.total,
      distinct: merged.distinct,
      m: merged.m,
      ...pooled,
      out: a.out ?? null,
    };
    emit(
      a,
      result,
      `${files.length} tables merged: ${merged.total} functions counted, ${merged.distinct} distinct on ${merged.m} points${a.out ? `\nwritten to ${a.out}` : ''}`,
      false,
    );
  }),
};
