/**
 * The valid values of an experiment's settings. Each experiment declares a
 * range for every setting (`settingsFor` requires one per key), so a `--set`
 * value outside it is refused before anything runs, naming the key, the
 * value and the range — not silently clipped (`flips=500` on 128 points) or
 * left to fail an hour later.
 */
import { FsbayesError, imageSource } from '@fsbayes/core';
import type { SettingValue } from './context.js';

/** Where a setting's value (each element, for a list) must lie. */
export interface SettingRange {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Whole numbers only (safe integers). */
  integer?: boolean;
  /** Why the bounds, shown with them (e.g. `the 128 points of the Boolean system`). */
  why?: string;
  /** The names a named setting may take (e.g. a dataset: `mnist`, `fashion`); a named setting must declare them. */
  choices?: readonly string[];
}

/** One range per setting of `T`. */
export type SettingRanges<T> = { readonly [K in keyof T]: SettingRange };

/** A count of things: an integer ≥ 1. */
export const COUNT: SettingRange = { min: 1, integer: true };
/** A count that may be 0 (e.g. bootstrap replicates: 0 means none). */
export const COUNT0: SettingRange = { min: 0, integer: true };
/** A standard deviation of a prior: a number ≥ 0 (0: that part is off). */
export const SIGMA: SettingRange = { min: 0 };

/** A named setting: one of `names`. */
export const oneOf = (names: readonly string[], why?: string): SettingRange => ({ choices: names, why });

/** `an integer in 0 … 128 (why)`, `a number ≥ 0`, `one of mnist, fashion`, … */
export function describeRange(r: SettingRange): string {
  if (r.choices) return `one of ${r.choices.join(', ')}${r.why ? ` (${r.why})` : ''}`;
  const kind = r.integer ? 'an integer' : 'a number';
  const lo = r.min !== undefined;
  const hi = r.max !== undefined;
  const bounds =
    lo && hi
      ? r.integer
        ? ` in ${r.min} … ${r.max}`
        : ` in [${r.min}, ${r.max}]`
      : lo
        ? ` ≥ ${r.min}`
        : hi
          ? ` ≤ ${r.max}`
          : '';
  return `${kind}${bounds}${r.why ? ` (${r.why})` : ''}`;
}

function inRange(v: number | string, r: SettingRange): boolean {
  if (typeof v === 'string' || r.choices) return typeof v === 'string' && (r.choices ?? []).includes(v);
  if (!Number.isFinite(v)) return false;
  if (r.integer && !Number.isSafeInteger(v)) return false;
  if (r.min !== undefined && v < r.min) return false;
  if (r.max !== undefined && v > r.max) return false;
  return true;
}

const show = (v: SettingValue) => (Array.isArray(v) ? v.join(',') : String(v));

/**
 * Check every setting against its range. `overridden` names the keys given
 * with `--set` (messages quote them as such); `check` tests what one range
 * cannot (e.g. |S| + |E| ≤ the dataset) and returns the problem, if any.
 */
export function checkSettings<T extends Record<string, SettingValue>>(
  experiment: string,
  settings: T,
  ranges: SettingRanges<T>,
  overridden: ReadonlySet<string>,
  check?: (s: T) => string | undefined,
): void {
  const given = (k: string) =>
    overridden.has(k) ? `--set ${k}=${show(settings[k])}` : `setting ${k} = ${show(settings[k])} of the preset`;
  for (const [k, v] of Object.entries(settings)) {
    const r = ranges[k as keyof T];
    if (!r) throw new FsbayesError(`setting '${k}' of ${experiment} declares no range`, { kind: 'internal' });
    if (typeof v === 'string' && !r.choices)
      throw new FsbayesError(`setting '${k}' of ${experiment} is a name but declares no choices`, { kind: 'internal' });
    const bad = (Array.isArray(v) ? v : [v]).find((x) => !inRange(x, r));
    if (bad !== undefined)
      throw new FsbayesError(
        `${given(k)}: ${Array.isArray(v) ? 'each value of ' : ''}${k} of ${experiment} must be ${describeRange(r)}, got ${bad}`,
      );
  }
  const problem = check?.(settings);
  if (problem !== undefined) {
    const keys = [...overridden].map((k) => `--set ${k}=${show(settings[k])}`).join(' ');
    throw new FsbayesError(`${keys ? `${keys}: ` : ''}${experiment}: ${problem}`);
  }
}

/** Digits in the `mnist` package (what `mnistDataset` draws S and E from). */
export const MNIST_DIGITS = imageSource('mnist').images;

/**
 * The cross-check of an image experiment, before anything is loaded: S and E
 * are disjoint draws from the images of the pinned package (core's table).
 */
export function imageSizes(dataset: string, trainSize: number, testSize: number): string | undefined {
  const src = imageSource(dataset);
  return trainSize + testSize > src.images
    ? `trainSize ${trainSize} + testSize ${testSize} = ${trainSize + testSize} exceeds the ${src.images} ${src.noun} of the ${src.package} package`
    : undefined;
}

/** {@link imageSizes} of MNIST. */
export function mnistSizes(trainSize: number, testSize: number): string | undefined {
  return imageSizes('mnist', trainSize, testSize);
}
