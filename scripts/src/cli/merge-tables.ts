/**
 * `fsbayes merge` of tables read as streams: Arrow shard files of any size
 * (JSON inputs are read whole and joined in), k-way merged with the same
 * overlap rules and pooled summaries as the JSON merge, and written to
 * --out as Arrow, or as JSON for a small result.
 */
import { FsbayesError } from '@fsbayes/core';
import { mergeShardSources } from '@fsbayes/experiments';
import { emit, type OutputArgs, writeOutputStreams } from './output.js';
import { openTableSource, type TableArgs, tableFormat, tableStreams } from './table.js';

/** Merge `files` into --out (see the module comment) and report it. */
export async function mergeTableStreams(
  a: OutputArgs & TableArgs & { 'allow-overlap': boolean; 'allow-partial': boolean },
  files: string[],
): Promise<void> {
  const sources = [];
  for (const f of files) {
    try {
      sources.push(await openTableSource(f));
    } catch (e) {
      throw new FsbayesError(`${f}: ${(e as Error).message}`, { cause: e });
    }
  }
  const { source, pooled, missing } = mergeShardSources(sources, files, a['allow-overlap'], a['allow-partial']);
  const w = tableStreams(source, { out: a.out, format: tableFormat(a) }, 0);
  await writeOutputStreams(a, w.files);
  const s = await w.summary();
  const result = {
    inputs: files.length,
    total: s.total,
    distinct: s.distinct,
    m: s.m,
    ...pooled,
    missingShards: missing,
    out: a.out ?? null,
  };
  emit(
    a,
    result,
    `${files.length} tables merged: ${s.total} functions counted, ${s.distinct} distinct on ${s.m} points${missingText(missing)}${a.out ? `\nwritten to ${a.out}` : ''}`,
    false,
  );
}

/** The line that says a merge is incomplete (empty when it is not). */
export function missingText(missing: string[]): string {
  return missing.length ? `\nINCOMPLETE (--allow-partial): missing ${missing.join('; ')}` : '';
}
