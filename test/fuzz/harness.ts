/**
 * The judge of the safety fuzz test (issue 10): each malformed input must end
 * in a thrown {@link FsbayesError} whose message names what the generator
 * injected, or in a result whose `warnings` say why it is not to be trusted.
 * Any other exception type, or a NaN (or +∞) in a result without warnings, is
 * a failure, reported with the seed and case so it can be replayed.
 */
import { FunctionTable, isFsbayesError, type Rng } from '@fsbayes/core';

/** One malformed (or possibly malformed) input and the entry point it goes through. */
export interface FuzzCase {
  /** The entry point family, e.g. `csv`, `idx`, `table`. */
  group: string;
  /** What was done to the valid input, in words. */
  what: string;
  /** The input, shown on failure (truncated). */
  input: unknown;
  /**
   * Every entry must occur in the error message (case-insensitive); an array
   * entry is satisfied by any one of its strings. Empty: any FsbayesError.
   */
  names: (string | readonly string[])[];
  /**
   * `'reject'`: the input is certainly invalid, so it must throw or warn.
   * `'any'`: the mutation may have left a valid input; a clean result is fine.
   */
  expect: 'reject' | 'any';
  /** Calls the entry point. */
  run: () => unknown;
  /** A result that is exact even without warnings (e.g. log P = −∞ for an empty orthant). */
  exact?: (result: unknown) => boolean;
}

/** The seed of this run: `FSBAYES_FUZZ_SEED`, default 20251. */
export const FUZZ_SEED: number | string = (() => {
  const s = process.env.FSBAYES_FUZZ_SEED;
  if (s === undefined || s === '') return 20251;
  return /^\d+$/.test(s) ? Number(s) : s;
})();

/** Run one case; null if it behaved, else why not. */
export function judge(c: FuzzCase): string | null {
  let result: unknown;
  try {
    result = c.run();
  } catch (e) {
    if (!isFsbayesError(e)) {
      const name = e instanceof Error ? e.constructor.name : typeof e;
      const msg = e instanceof Error ? e.message : String(e);
      return `threw ${name}, not FsbayesError: ${preview(msg, 300)}`;
    }
    const msg = e.message.toLowerCase();
    const missing = c.names.filter(
      (n) => !(typeof n === 'string' ? [n] : n).some((s) => msg.includes(s.toLowerCase())),
    );
    if (missing.length > 0) {
      return `FsbayesError does not name ${missing.map((n) => JSON.stringify(n)).join(' and ')}: ${preview(e.message, 400)}`;
    }
    return null;
  }
  if (result instanceof Promise) return 'returned a Promise (async entry points are not fuzzed here)';
  const warnings = (result as { warnings?: unknown } | null)?.warnings;
  if (Array.isArray(warnings) && warnings.length > 0) {
    if (warnings.every((w) => typeof w === 'string' && w.trim() !== '')) return null;
    return `warnings are not all non-empty strings: ${preview(warnings)}`;
  }
  if (c.exact?.(result)) return null;
  if (c.expect === 'reject') return `returned a result without warnings: ${preview(summary(result))}`;
  const bad = untrusted(result);
  return bad === null ? null : `returned ${bad} without warnings`;
}

/**
 * The first number in `x` that cannot be trusted: NaN anywhere, +∞ anywhere,
 * −∞ except in a field named log… (an exact log 0). Null if none. A function
 * table is read through its JSON form.
 */
export function untrusted(x: unknown, path = 'result', seen = new Set<unknown>()): string | null {
  if (x === undefined) return `undefined at ${path}`;
  if (typeof x === 'number') {
    if (Number.isNaN(x)) return `NaN at ${path}`;
    if (x === Number.POSITIVE_INFINITY) return `Infinity at ${path}`;
    if (x === Number.NEGATIVE_INFINITY && !/(^|\.)log\w*(\[\d+\])?$/i.test(path)) return `-Infinity at ${path}`;
    return null;
  }
  if (x === null || typeof x !== 'object' || seen.has(x)) return null;
  seen.add(x);
  if (x instanceof FunctionTable) return untrusted(x.toJSON(), `${path}.toJSON()`, seen);
  if (ArrayBuffer.isView(x)) {
    if (x instanceof Float64Array || x instanceof Float32Array) {
      for (let i = 0; i < x.length; i++) {
        const bad = untrusted(x[i], `${path}[${i}]`, seen);
        if (bad) return bad;
      }
    }
    return null;
  }
  if (x instanceof Map) {
    for (const [k, v] of x) {
      const bad = untrusted(v, `${path}.get(${String(k)})`, seen);
      if (bad) return bad;
    }
    return null;
  }
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const bad = x[i] === undefined ? null : untrusted(x[i], `${path}[${i}]`, seen);
      if (bad) return bad;
    }
    return null;
  }
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined) continue; // an absent optional field
    const bad = untrusted(v, `${path}.${k}`, seen);
    if (bad) return bad;
  }
  return null;
}

function summary(x: unknown): unknown {
  if (x instanceof FunctionTable) return { m: x.m, total: x.total, distinct: x.distinct };
  if (x !== null && typeof x === 'object' && 'inputs' in x && 'm' in x)
    return { m: (x as { m: unknown }).m, d: (x as { d?: unknown }).d };
  return x;
}

/** A short printable form of any input (typed arrays, buffers, long strings cut). */
export function preview(x: unknown, max = 240): string {
  let s: string;
  if (typeof x === 'string') s = JSON.stringify(x);
  else if (x instanceof Uint8Array)
    s = `${x.constructor.name}(${x.length}) [${Array.from(x.subarray(0, 48), (b) => b.toString(16).padStart(2, '0')).join(' ')}${x.length > 48 ? ' …' : ''}]`;
  else if (ArrayBuffer.isView(x))
    s = `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length}) [${Array.from(
      x as unknown as ArrayLike<number>,
    )
      .slice(0, 16)
      .join(', ')}…]`;
  else {
    try {
      s =
        JSON.stringify(x, (_k, v: unknown) => {
          if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
          if (typeof v === 'bigint') return `${v}n`;
          if (ArrayBuffer.isView(v)) return preview(v, 120);
          return v;
        }) ?? String(x);
    } catch {
      s = String(x);
    }
  }
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}

/** How the test expects a value to be named in a message: numbers as JS prints them, short strings as they are. */
export function valueName(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return v.length > 40 ? v.slice(0, 20) : v;
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (typeof v === 'object' && Object.keys(v as object).length === 0) return '{}';
  return '';
}

/** A maker of hand-written cases of `group` that must be refused. */
export function handCase(group: string) {
  return (what: string, input: unknown, names: (string | readonly string[])[], run: () => unknown): FuzzCase => ({
    group,
    what,
    input,
    names,
    expect: 'reject',
    run,
  });
}

// ---- mutation primitives -------------------------------------------------------------------

export function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

/** An integer in [lo, hi]. */
export function between(r: Rng, lo: number, hi: number): number {
  return lo + r.int(hi - lo + 1);
}

/** Tokens that are not decimal numbers at all. */
export const NOT_NUMBERS = [
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  'abc',
  '0x10',
  '1e',
  '--1',
  '１',
  '٣',
  'é',
  '💥',
  '"3"',
  '1_000',
  '.',
  '+',
  'e5',
  '1.2.3',
  '\u0000',
  'null',
  'true',
  '1 2',
] as const;

/** Decimal numbers that overflow float64 to ±Infinity. */
export const OVERFLOWS = ['1e400', '-1e400', '9'.repeat(400), '-2e308', '1.8e308'] as const;

/** JSON values to swap in for a field of another type. */
export const SWAPS: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -Number.MAX_VALUE,
  2 ** 53,
  '',
  'x',
  '12',
  '💥',
  'y'.repeat(5000),
  [],
  [1, 2],
  {},
  { a: 1 },
];

/** Replace character i of `s` (UTF-16 unit) by `t`. */
export function replaceAt(s: string, i: number, t: string): string {
  return s.slice(0, i) + t + s.slice(i + 1);
}

/** A path into a JSON value: object keys and array indices. */
export type Path = (string | number)[];

/** Every path into `x` (objects and arrays, then their members), the root excluded. */
export function leafPaths(x: unknown, at: Path = []): Path[] {
  const out: Path[] = at.length > 0 ? [at] : [];
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) out.push(...leafPaths(x[i], [...at, i]));
  } else if (x !== null && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) out.push(...leafPaths(v, [...at, k]));
  }
  return out;
}

/** The value at `path` in `x`. */
export function getAt(x: unknown, path: Path): unknown {
  return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], x);
}
