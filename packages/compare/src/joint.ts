/**
 * The joint table: every function any source lists, with its probability
 * under each source, as rows and as CSV.
 */
import { bitString, csvBitsCell, csvKeyCell, lzComplexity } from '@fsbayes/core';
import type { Source } from './sources.js';

/** One function of the joint table. */
export interface JointRow {
  key: string;
  ones: number;
  /** Test errors on E, or null when no source knows them. */
  errors: number | null;
  /** Per source: its count (tables; 0 when unseen), or null (P_B files). */
  counts: (number | null)[];
  /**
   * Per source: its probability as the source gives it (tables count/total,
   * 0 when unseen; P_B files P_B as given, not renormalised), or null when a
   * P_B file does not list the function (unknown).
   */
  p: (number | null)[];
  /** Natural logs of `p` (−Infinity for 0, null when unknown). */
  logP: (number | null)[];
}

/** The joint table of `sources`: the union of their functions, most probable (under any source) first, then by key. */
export function jointTable(sources: readonly Source[]): JointRow[] {
  const rows = new Map<string, JointRow>();
  sources.forEach((s, k) => {
    s.keys.forEach((key, i) => {
      let row = rows.get(key);
      if (!row) {
        row = {
          key,
          ones: s.ones[i],
          errors: null,
          counts: sources.map((t) => (t.kind === 'table' ? 0 : null)),
          p: sources.map((t) => (t.kind === 'table' ? 0 : null)),
          logP: sources.map((t) => (t.kind === 'table' ? Number.NEGATIVE_INFINITY : null)),
        };
        rows.set(key, row);
      }
      if (row.errors === null) row.errors = s.errors[i];
      if (s.counts) row.counts[k] = s.counts[i];
      row.logP[k] = s.logP[i];
      // Tables: count/total exactly (exp(log) would round).
      row.p[k] = s.counts ? s.counts[i] / (s.total as number) : Math.exp(s.logP[i]);
    });
  });
  const best = (r: JointRow) => Math.max(...r.p.map((v) => v ?? 0));
  const out = [...rows.values()];
  const score = new Map(out.map((r) => [r.key, best(r)]));
  out.sort((a, b) => (score.get(b.key) as number) - (score.get(a.key) as number) || (a.key < b.key ? -1 : 1));
  return out;
}

/**
 * CSV of the joint table. Columns: key (`0x` + hex), bits (`b` + the bits,
 * bit 0 first: both prefixed so CSV readers keep them as text), ones, errors,
 * lz (Lempel–Ziv complexity), then for each source `count_<name>` (tables)
 * and `p_<name>`, `log10p_<name>`. An empty cell means unknown (a function a
 * P_B file does not list); an unseen function of a table has count and p 0.
 */
export function jointCSV(sources: readonly Source[], rows: readonly JointRow[], m: number): string {
  const cols = ['key', 'bits', 'ones', 'errors', 'lz'];
  for (const s of sources) {
    const name = csvName(s.name);
    if (s.kind === 'table') cols.push(`count_${name}`);
    cols.push(`p_${name}`, `log10p_${name}`);
  }
  const lines = [cols.join(',')];
  for (const r of rows) {
    const bits = bitString(r.key, m);
    const cells: (string | number)[] = [
      csvKeyCell(r.key),
      csvBitsCell(r.key, m),
      r.ones,
      r.errors ?? '',
      lzComplexity(bits),
    ];
    sources.forEach((s, k) => {
      if (s.kind === 'table') cells.push(r.counts[k] ?? 0);
      const lp = r.logP[k];
      cells.push(r.p[k] ?? '', lp === null ? '' : Number.isFinite(lp) ? lp / Math.LN10 : '-inf');
    });
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

function csvName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}
