/**
 * P_B over rank ranges of a table's functions, and the merge of such parts:
 * one piece of code for a plan's P_B parts (`pbStep`) and for
 * `fsbayes pb --shard i/N` with `fsbayes merge`.
 *
 * A part computes P_B for the functions of ranks [first, end) (most
 * frequent first, the order of every P_B file). Each function's value
 * depends only on S and the function (EP: deterministic; Botev: its own
 * stream keyed by the function), and every part computes the same log P(S),
 * so the parts' rows are the whole file's rows. The merge joins them in rank
 * order and recomputes what sums over all functions (Σ P_B, convergence).
 * Warnings that every part gives alike are kept once (those of S and the
 * kernel); the others are kept with their rank range, as are warnings that
 * count functions ("k of n functions": n is the part's).
 */
import { canonicalJson, FsbayesError, FunctionTable, type PbFile } from '@fsbayes/core';

/**
 * The functions of ranks [first, first + count) among the first `limit` of
 * `table` (its provenance kept), ranked among themselves as among all
 * (count, then key).
 */
export function rankRange(
  table: FunctionTable,
  first: number,
  count: number,
  limit = Number.POSITIVE_INFINITY,
): FunctionTable {
  const out = new FunctionTable(table.m, table.labels, table.provenance);
  for (const e of table
    .entries()
    .slice(0, limit)
    .slice(first, first + count))
    out.add(e.key, e.count);
  return out;
}

/** A P_B part: its file and the ranks [first, end) it holds. */
export interface PbPart {
  file: PbFile;
  first: number;
  end: number;
  /** How errors name it (a path, or a step's rank range). */
  name: string;
}

/** Fields that differ between the parts of one P_B file (the rest must agree). */
function common(f: PbFile): Record<string, unknown> {
  const { functions: _f, massCovered: _m, converged: _c, warnings: _w, shard: _s, ...rest } = f;
  return rest;
}

/**
 * Refuse parts that are not of one P_B file: another estimator, another S,
 * another log P(S), or anything else in which they differ (samples, seed,
 * the table, the kernel), naming both parts and the field.
 */
export function checkPbParts(parts: readonly PbPart[]): void {
  const a = parts[0];
  const ca = common(a.file);
  for (const b of parts.slice(1)) {
    const differ = (what: string, x: unknown, y: unknown) =>
      new FsbayesError(
        `${b.name} and ${a.name} are not parts of one P_B file: ${what} differs (${show(y)} there, ${show(x)} here)`,
      );
    if (b.file.method !== a.file.method) throw differ('the estimator (method)', a.file.method, b.file.method);
    const sA = [a.file.nS, a.file.nE, maskOf(a.file)];
    const sB = [b.file.nS, b.file.nE, maskOf(b.file)];
    if (canonicalJson(sA) !== canonicalJson(sB)) throw differ('S or E (nS, nE, trainMask)', sA, sB);
    if (!Object.is(a.file.logPS, b.file.logPS)) throw differ('log P(S)', a.file.logPS, b.file.logPS);
    const cb = common(b.file);
    const field = Object.keys({ ...ca, ...cb }).find((k) => canonicalJson(ca[k]) !== canonicalJson(cb[k]));
    if (field !== undefined) throw differ(field, ca[field], cb[field]);
  }
}

function maskOf(f: PbFile): unknown {
  return (f.provenance?.dataset as { trainMask?: unknown } | undefined)?.trainMask ?? null;
}

function show(x: unknown): string {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A warning that counts functions: its numbers are the part's, so it is kept with the part's range. */
const COUNTS_FUNCTIONS = /\d+ of \d+ functions/;

/**
 * Parts of rank ranges, in order, of one P_B file (see {@link checkPbParts})
 * → the file of the functions they hold: of their whole range when the
 * ranges are consecutive (the caller checks that none is missing); see the
 * module comment. Throws when ranges overlap or are out of order.
 */
export function mergePbFiles(parts: readonly PbPart[]): PbFile {
  if (parts.length === 0) throw new FsbayesError('no P_B parts to merge', { kind: 'internal' });
  parts.forEach((p, i) => {
    if (i > 0 && p.first < parts[i - 1].end)
      throw new FsbayesError(
        `P_B parts overlap or are out of order: ${parts[i - 1].name} ends at rank ${parts[i - 1].end}, ${p.name} starts at ${p.first}`,
      );
    // Σ P_B as pbOfTable sums it: if that ever changes, the merge must too.
    if (massOf(p.file) !== p.file.massCovered)
      throw new FsbayesError(`${p.name}: massCovered is not Σ exp(log P_B) of its functions`);
  });
  checkPbParts(parts);
  const files = parts.map((p) => p.file);
  const { shard: _s, ...first } = files[0];
  const merged: PbFile = { ...first, functions: files.flatMap((f) => f.functions) };
  merged.massCovered = massOf(merged);
  merged.converged = files.every((f) => f.converged);
  const everywhere = files[0].warnings.filter(
    (w) => !COUNTS_FUNCTIONS.test(w) && files.every((f) => f.warnings.includes(w)),
  );
  merged.warnings = [
    ...everywhere,
    ...parts.flatMap((p) =>
      p.file.warnings
        .filter((w) => !everywhere.includes(w))
        .map((w) => `functions of rank [${p.first}, ${p.end}): ${w}`),
    ),
  ];
  return merged;
}

function massOf(f: PbFile): number {
  let mass = 0;
  for (const r of f.functions) mass += Math.exp(r.logPB);
  return mass;
}
