/**
 * Merge function-table files (Arrow IPC) into one, streaming: a k-way merge
 * of the files' sorted rows with exact count sums, never the whole table in
 * memory. The same rules as `FunctionTable.merge` (see `merge-rules.ts`)
 * decide, from the files' headers and before any row is read, whether they
 * may be merged and what provenance the result has.
 */

import { wordsFor } from '../bits.js';
import { FsbayesError } from '../errors/index.js';
import type { ArrowTableHeader } from './arrow-format.js';
import { type ArrowWriteResult, readArrowTable, readArrowTableHeader, writeArrowTable } from './arrow-io.js';
import { mergeSorted } from './kway-merge.js';
import { type MergeOptions, type MergeSide, mergedProvenance } from './merge-rules.js';
import type { Provenance } from './provenance.js';

/** Options of {@link mergeArrowTables}. */
export interface ArrowMergeOptions extends MergeOptions {
  /**
   * Rewrite the merged provenance before it is written (e.g. to pool
   * per-shard numbers), given the inputs' headers in order.
   */
  provenance?: (merged: Provenance | null, inputs: ArrowTableHeader[]) => Provenance | null;
  /** Rows per output batch. Default 65,536. */
  batchRows?: number;
}

/** What {@link mergeArrowTables} did. */
export interface ArrowMergeResult extends ArrowWriteResult {
  /** The provenance written. */
  provenance: Provenance | null;
}

/**
 * The header of the merge of tables with these headers, folded left to right
 * as `FunctionTable.merge` would (errors are prefixed by the offending
 * input's name from `names`).
 */
export function mergedHeader(
  headers: ArrowTableHeader[],
  names: string[],
  options: MergeOptions = {},
): ArrowTableHeader {
  if (headers.length === 0) throw new FsbayesError('merge: give at least one table');
  let acc: MergeSide = headers[0];
  for (let i = 1; i < headers.length; i++) {
    const h = headers[i];
    let provenance: Provenance | null;
    try {
      provenance = mergedProvenance(acc, h, options);
    } catch (err) {
      throw new FsbayesError(`${names[i]}: ${(err as Error).message}`, { cause: err });
    }
    const total = acc.total + h.total;
    if (!Number.isSafeInteger(total)) throw new FsbayesError(`merge: the total count passes 2^53`, { kind: 'numeric' });
    acc = { m: acc.m, labels: acc.labels, provenance, total };
  }
  return { m: acc.m, labels: acc.labels, total: acc.total, provenance: acc.provenance };
}

/**
 * Merge the table files `inputs` into `output` (written atomically; it may be
 * one of the inputs). Headers are read and checked first, so a refused merge
 * reads no rows and writes nothing. Holds one batch per input in memory.
 */
export async function mergeArrowTables(
  inputs: string[],
  output: string,
  options: ArrowMergeOptions = {},
): Promise<ArrowMergeResult> {
  const headers: ArrowTableHeader[] = [];
  for (const p of inputs) headers.push(await readArrowTableHeader(p));
  const merged = mergedHeader(headers, inputs, options);
  const provenance = options.provenance ? options.provenance(merged.provenance, headers) : merged.provenance;
  const header = { ...merged, provenance };
  const w = wordsFor(header.m);
  const rows = mergeSorted(
    inputs.map((p) => readArrowTable(p)),
    w,
    options.batchRows,
  );
  const r = await writeArrowTable(output, header, rows);
  return { ...r, provenance };
}
