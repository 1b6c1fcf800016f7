/**
 * `fsbayes merge A.json B.json … --out all.json`: exact merge of function
 * tables of one experiment (same spec, data and sampling procedure), e.g.
 * the shards of a Slurm job array, for the sampler or for SGD: the
 * experiments package's `mergeShards` (overlap rules, and the run summaries
 * pooled through its table of each kind of run). P_B files made by
 * `pb --shard i/N` merge into the file of the whole run (the experiments'
 * `mergePbFiles`). Shards of a split run must form a complete set unless
 * `--allow-partial` (core's `checkShardSets`).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import {
  checkShardSets,
  FsbayesError,
  type PbFile,
  pbFileText,
  readPbFile,
  readTableSync,
  type ShardMember,
  tableText,
} from '@fsbayes/core';
import { mergePbFiles, mergeShards, type PbPart } from '@fsbayes/experiments';
import type { Argv } from 'yargs';
import { mergeTableStreams, missingText } from '../cli/merge-tables.js';
import { OUTPUT_OPTIONS } from '../cli/options.js';
import { emit, type OutputArgs, run, writeOutputs } from '../cli/output.js';
import { isArrowFile, TABLE_OPTIONS, type TableArgs, tableFormat } from '../cli/table.js';

type Args = OutputArgs & TableArgs & { tables?: string[]; 'allow-overlap': boolean; 'allow-partial': boolean };

export const mergeCommand = {
  command: 'merge <tables..>',
  describe: 'merge function tables of one experiment (e.g. shards of one seed), or the parts of a P_B file, exactly',
  builder: (y: Argv) =>
    y
      .positional('tables', {
        type: 'string',
        array: true,
        describe: 'function table files (JSON or Arrow), or P_B files of pb --shard',
      })
      .options({
        'allow-overlap': {
          type: 'boolean',
          default: false,
          describe: 'merge even when tables share seeds or shards (counts them twice if they are the same runs)',
        },
        'allow-partial': {
          type: 'boolean',
          default: false,
          describe:
            'merge shards of a split run (--shard i/N) even when some are missing: the missing ones are named, and recorded in the merged file (provenance extra.missingShards)',
        },
        format: TABLE_OPTIONS.format,
        ...OUTPUT_OPTIONS,
      })
      .example('$0 merge rs-*.json --out all.json --json', 'join the shards of a job array')
      .example('$0 merge prior-*.arrow --out prior.arrow', 'Arrow shards, merged as a stream (any size)')
      .example('$0 merge pb-*.json --out pb.json', 'join the parts of pb --shard i/N into the whole P_B file'),
  handler: run('merge', async (a: Args) => {
    const files = a.tables ?? [];
    if (files.length < 1) throw new FsbayesError('give at least one table');
    const pbs = files.filter(isPbFile);
    if (pbs.length > 0) {
      if (pbs.length < files.length)
        throw new FsbayesError(
          `${pbs[0]} is a P_B file but ${files.find((f) => !pbs.includes(f))} is not: merge P_B parts with P_B parts, tables with tables`,
        );
      return mergePb(a, files);
    }
    // Arrow tables (in or out) are merged as streams.
    if (files.some(isArrowFile) || tableFormat(a) === 'arrow') return mergeTableStreams(a, files);
    const tables = files.map((f) => {
      try {
        return readTableSync(f);
      } catch (e) {
        throw new FsbayesError(`${f}: ${(e as Error).message}`);
      }
    });
    const { table: merged, pooled, missing } = mergeShards(tables, files, a['allow-overlap'], a['allow-partial']);
    if (a.out) writeOutputs(a, [{ path: a.out, data: tableText(merged) }]);
    const result = {
      inputs: files.length,
      total: merged.total,
      distinct: merged.distinct,
      m: merged.m,
      ...pooled,
      missingShards: missing,
      out: a.out ?? null,
    };
    emit(
      a,
      result,
      `${files.length} tables merged: ${merged.total} functions counted, ${merged.distinct} distinct on ${merged.m} points${missingText(missing)}${a.out ? `\nwritten to ${a.out}` : ''}`,
      false,
    );
  }),
};

/** Whether a file is a P_B file: its JSON starts with `"format": "fsbayes.pb"` as fsbayes writes it (read: 1 KiB). */
function isPbFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false; // the table reader says what is wrong with it
  }
  try {
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{\s*"format"\s*:\s*"fsbayes\.pb"/.test(head.subarray(0, n).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

/** The parts of `pb --shard i/N` → the P_B file of the whole run (complete set unless --allow-partial). */
function mergePb(a: Args, files: string[]): void {
  const parts = files.map((path) => {
    const file = readPbFile(path) as unknown as PbFile;
    const s = file.shard;
    if (!s)
      throw new FsbayesError(
        `${path} is a whole P_B file, not a part (no shard field): merge the parts of pb --shard i/N`,
      );
    return { path, file, shard: s };
  });
  const members: ShardMember[] = parts.map(({ shard: s }) => ({
    run: `P_B of ${s.functions} functions`,
    index: s.index,
    count: s.count,
    unit: 'functions of rank',
    first: 0,
    total: s.functions,
  }));
  const missing = checkShardSets(members, a['allow-partial']);
  const seen = new Map<number, string>();
  for (const p of parts) {
    const twice = seen.get(p.shard.index);
    if (twice) throw new FsbayesError(`${p.path} and ${twice} are both shard ${p.shard.index}/${p.shard.count}`);
    seen.set(p.shard.index, p.path);
  }
  parts.sort((x, y) => x.shard.index - y.shard.index);
  const merged = mergePbFiles(
    parts.map((p): PbPart => ({ file: p.file, first: p.shard.first, end: p.shard.end, name: p.path })),
  );
  if (missing.length > 0) {
    merged.warnings = [
      ...merged.warnings,
      `merged with --allow-partial: the functions of ${missing.join('; ')} are not listed`,
    ];
    merged.provenance = {
      ...merged.provenance,
      extra: { ...merged.provenance.extra, missingShards: missing },
    };
  }
  if (a.out) writeOutputs(a, [{ path: a.out, data: pbFileText(merged) }]);
  const result = {
    inputs: files.length,
    functions: merged.functions.length,
    massCovered: merged.massCovered,
    logPS: merged.logPS,
    method: merged.method,
    converged: merged.converged,
    missingShards: missing,
    warnings: merged.warnings,
    out: a.out ?? null,
  };
  emit(
    a,
    result,
    `${files.length} P_B parts merged: ${merged.functions.length} functions, Σ P_B = ${merged.massCovered.toPrecision(4)}, log P(S) = ${merged.logPS.toFixed(4)} (${merged.method})${missingText(missing)}${a.out ? `\nwritten to ${a.out}` : ''}`,
    false,
  );
}
