/** Short summaries of a function table for the terminal and for --json. */
import { bitString, type FunctionTable, lzComplexity } from '@fsbayes/core';

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
  return table
    .entries()
    .slice(0, k)
    .map((e) => {
      const bits = bitString(e.key, table.m);
      return {
        key: e.key,
        bits,
        count: e.count,
        probability: e.count / table.total,
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

/** Spearman rank correlation (average ranks for ties). */
export function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const idx = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
      for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const n = x.length;
  const mx = rx.reduce((s, v) => s + v, 0) / n;
  const my = ry.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
