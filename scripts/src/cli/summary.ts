/** Short summaries of a function table for the terminal and for --json. */
import { bitString, type FunctionEntry, type FunctionTable, lzComplexity } from '@fsbayes/core';

export interface TopFunction {
  key: string;
  bits: string;
  count: number;
  probability: number;
  lz: number;
  ones: number;
  errors: number | null;
}

/** The `k` most frequent functions with their probability, LZ complexity and T. */
export function topFunctions(table: FunctionTable, k: number): TopFunction[] {
  return topOf(table.entries().slice(0, k), table.m, table.total);
}

/** Entries (most frequent first) of a table on m points with `total` counts, with probability, LZ complexity and T. */
export function topOf(entries: readonly FunctionEntry[], m: number, total: number): TopFunction[] {
  return entries.map((e) => {
    const bits = bitString(e.key, m);
    return {
      key: e.key,
      bits,
      count: e.count,
      probability: e.count / total,
      lz: lzComplexity(bits),
      ones: e.ones,
      errors: e.errors,
    };
  });
}

/** A fixed-width text table of top functions. */
export function formatTop(rows: TopFunction[], m: number): string {
  const head = `${'rank'.padStart(4)}  ${'P(f)'.padStart(9)}  ${'count'.padStart(8)}  ${'K_LZ'.padStart(5)}  ${'T'.padStart(4)}  ${'err'.padStart(4)}  function (${m > 64 ? 'hex' : 'bits'})`;
  const lines = rows.map(
    (r, i) =>
      `${String(i + 1).padStart(4)}  ${r.probability.toExponential(2).padStart(9)}  ${String(r.count).padStart(8)}  ${r.lz.toFixed(1).padStart(5)}  ${String(r.ones).padStart(4)}  ${String(r.errors ?? '–').padStart(4)}  ${m > 64 ? r.key : r.bits}`,
  );
  return [head, ...lines].join('\n');
}
