/**
 * What every experiment gets: its scale, output folder, seed, a logger and
 * atomic writers. Experiments are thin: they call the packages and write
 * tables, plots and one report into `out`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  FsbayesError,
  FunctionTable,
  type PbFile,
  pbFileText,
  type ResumableRun,
  type StepFolder,
  type TextFileSink,
  writeFileAtomicSync,
  writeFilesAtomic,
  writeTableSync,
  writeTextFile,
} from '@fsbayes/core';
import { Progress } from '../progress.js';
import { checkSettings, describeRange, type SettingRanges } from './settings.js';

/** An experiment's size: 'small' (minutes on 2 cores: the tests and the README) or 'full' (the paper's). */
export type Scale = 'small' | 'full';

/** What every experiment gets: name, scale, output folder, seed, logging, threads, overrides and its step folder. */
export interface ExperimentContext {
  name: string;
  scale: Scale;
  /** Output folder (created). */
  out: string;
  seed: number;
  quiet: boolean;
  /** Worker threads for the packages (default: all cores). */
  threads?: number;
  /** Settings that replace the scale's (`--set key=value`). */
  overrides?: Record<string, SettingValue>;
  /**
   * Where finished steps are kept, and read back when the run is resumed
   * (see {@link stage}); without it every step is computed.
   */
  steps?: StepFolder;
  /**
   * Wall-clock timings taken out of the result files (`<file>: <json path>`
   * → seconds), written to timings.json: same command, same result bytes.
   */
  timings?: Record<string, number>;
  /** Memory budget of each prior table in bytes (`--table-memory`; default: ColumnarTable's, 2 GiB). */
  tableMemory?: number;
  /**
   * Seconds between the checkpoints inside a long step (`--checkpoint-every`;
   * default: 60 for ensembles, {@link PRIOR_CHECKPOINT_SECONDS} for prior tables).
   */
  checkpointEvery?: number;
}

/**
 * Default seconds between checkpoints of a prior table: each writes the
 * table's in-memory part (up to `--table-memory`, 2 GiB by default).
 */
export const PRIOR_CHECKPOINT_SECONDS = 600;

/** The command that reproduces this run exactly (every `--set` included). */
export function reproCommand(ctx: ExperimentContext): string {
  const sets = Object.entries(ctx.overrides ?? {}).map(([k, v]) => ` --set ${k}=${Array.isArray(v) ? v.join(',') : v}`);
  return `fsbayes repro ${ctx.name} --scale ${ctx.scale} --seed ${ctx.seed}${sets.join('')}`;
}

/**
 * `value` without its wall-clock fields (`seconds` at any depth), and those
 * fields by JSON path: timings differ run to run, results must not.
 */
export function splitTimings(value: unknown): { value: unknown; timings: Record<string, number> } {
  const timings: Record<string, number> = {};
  const strip = (v: unknown, at: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => strip(x, `${at}[${i}]`));
    if (v === null || typeof v !== 'object' || v.constructor !== Object) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'seconds' && typeof x === 'number') timings[at ? `${at}.${k}` : k] = x;
      else out[k] = strip(x, at ? `${at}.${k}` : k);
    }
    return out;
  };
  return { value: strip(value, ''), timings };
}

/** A log line on stderr (unless quiet), prefixed with the experiment's name. */
export function say(ctx: ExperimentContext, msg: string): void {
  if (!ctx.quiet) process.stderr.write(`[${ctx.name}] ${msg}\n`);
}

/**
 * Lines on EP's sweeps, for `epClassify`'s `onSweep`: EP on S at |S| in the thousands takes minutes
 * before anything else shows. Sweeps under a second stay silent; slower ones give a line at most
 * every 10 s.
 */
export function epSweepLines(
  ctx: ExperimentContext,
  what: string,
): (s: { iteration: number; change: number; seconds: number }) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (s) => {
    const now = Date.now();
    if (s.seconds < 1 || now - last < 10_000) return;
    last = now;
    say(
      ctx,
      `${what}: sweep ${s.iteration}, largest site change ${s.change.toExponential(1)}, ${s.seconds.toFixed(1)} s`,
    );
  };
}

/** A progress bar labelled with the experiment's name. */
export function progress(ctx: ExperimentContext, label: string, total: number, unit: string): Progress {
  return new Progress(`[${ctx.name}] ${label}`, total, unit, ctx.quiet);
}

/** The path of a file in the output folder (its folder created). */
export function outPath(ctx: ExperimentContext, ...parts: string[]): string {
  const p = join(ctx.out, ...parts);
  mkdirSync(join(p, '..'), { recursive: true });
  return p;
}

/** Write JSON atomically into the output folder, its timings kept apart (see {@link splitTimings}); returns the path. */
export function writeJson(ctx: ExperimentContext, name: string, value: unknown): string {
  const p = outPath(ctx, name);
  const split = splitTimings(value);
  for (const [k, s] of Object.entries(split.timings)) if (ctx.timings) ctx.timings[`${name}: ${k}`] = s;
  writeFileAtomicSync(p, `${JSON.stringify(split.value, null, 2)}\n`);
  return p;
}

/** Write text (CSV, markdown) atomically into the output folder; returns the path. */
export function writeText(ctx: ExperimentContext, name: string, text: string): string {
  const p = outPath(ctx, name);
  writeFileAtomicSync(p, text);
  return p;
}

/** Write text too large for one string (a table's CSV) atomically into the output folder, piece by piece; returns the path. */
export async function writeTextStream(
  ctx: ExperimentContext,
  name: string,
  fill: (sink: TextFileSink) => Promise<void>,
): Promise<string> {
  const p = outPath(ctx, name);
  await writeFilesAtomic([{ path: p, write: (tmp) => writeTextFile(tmp, fill) }]);
  return p;
}

/** Write a function table (JSON) atomically into the output folder; returns the path. */
export function writeTableFile(ctx: ExperimentContext, name: string, table: FunctionTable): string {
  const p = outPath(ctx, name);
  writeTableSync(p, table);
  return p;
}

/** Write a P_B file (core's writer, indented) atomically into the output folder; returns the path. */
export function writePbFile(ctx: ExperimentContext, name: string, pb: PbFile): string {
  return writeText(ctx, name, pbFileText(pb, 2));
}

/** `small` or `full` value of a setting. */
export function byScale<T>(ctx: ExperimentContext, small: T, full: T): T {
  return ctx.scale === 'full' ? full : small;
}

/** A setting's value: a number, a list of numbers, or a name (one of the setting's `choices`, e.g. a dataset). */
export type SettingValue = number | number[] | string;

/**
 * The experiment's settings at the context's scale, with `--set` overrides
 * applied. An override must name a setting, keep its kind (number or list)
 * and lie in the setting's declared range (`ranges`, one per key; `check`
 * tests what spans several settings); errors name the bad key, its value
 * and what is allowed. Experiments call this first, and `repro` calls it
 * before anything is written, so a bad value never starts a run.
 */
export function settingsFor<T extends Record<string, SettingValue>>(
  ctx: ExperimentContext,
  small: T,
  full: T,
  ranges: SettingRanges<T>,
  check?: (s: T) => string | undefined,
): T {
  const out: Record<string, SettingValue> = { ...(ctx.scale === 'full' ? full : small) };
  for (const [k, v] of Object.entries(ctx.overrides ?? {})) {
    if (!(k in out))
      throw new FsbayesError(`unknown setting '${k}' for ${ctx.name}; settings: ${Object.keys(out).join(', ')}`);
    const named = typeof out[k] === 'string';
    if (named !== (typeof v === 'string'))
      throw new FsbayesError(
        named
          ? `setting '${k}' takes ${describeRange(ranges[k as keyof T])}, got ${Array.isArray(v) ? v.join(',') : v}`
          : `setting '${k}' takes ${Array.isArray(out[k]) ? 'numbers' : 'a number'}, got '${v}'`,
      );
    const want = Array.isArray(out[k]);
    const value = want && typeof v === 'number' ? [v] : v;
    if (!want && Array.isArray(value))
      throw new FsbayesError(`setting '${k}' takes one number, got ${value.join(',')}`);
    out[k] = value;
  }
  checkSettings(ctx.name, out as T, ranges, new Set(Object.keys(ctx.overrides ?? {})), check);
  return out as T;
}

/** Parse `key=v` or `key=v1,v2,…` (numbers), or `key=name` (a named setting, e.g. `dataset=fashion`), into overrides. */
export function parseOverrides(items: string[]): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const item of items) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(item.trim());
    if (!m) throw new FsbayesError(`--set must look like key=value or key=v1,v2 (numbers), got '${item}'`);
    // A name starts with a letter; the setting's own range says whether it takes one (and which).
    if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(m[2].trim())) {
      out[m[1]] = m[2].trim();
      continue;
    }
    const parts = m[2].split(',').map((x) => x.trim());
    const nums = parts.map(Number);
    if (parts.some((x) => x === '') || nums.some((x) => !Number.isFinite(x)))
      throw new FsbayesError(`--set ${m[1]}: values must be numbers, got '${m[2]}'`);
    out[m[1]] = parts.length === 1 && !m[2].includes(',') ? nums[0] : nums;
  }
  return out;
}

/**
 * A resumable step of an experiment. Its result is kept in the work folder
 * (core's StepFolder: `stages/<key>.json`, written atomically) as soon as it
 * is done; when the run is resumed a finished step is read back instead of
 * recomputed, so a killed full-scale run loses at most the step it was in.
 * `tables` names the fields that hold FunctionTables (stored as their JSON).
 */
export async function stage<T extends object>(
  ctx: ExperimentContext,
  key: string,
  compute: () => Promise<T> | T,
  tables: readonly (keyof T & string)[] = [],
): Promise<T> {
  const saved = ctx.steps?.read(key, (s) => stepFromPlain<T>(s, tables));
  if (saved !== undefined) {
    say(ctx, `resumed: ${key}`);
    return saved;
  }
  const value = await compute();
  ctx.steps?.write(key, stepToPlain(value, tables));
  return value;
}

/**
 * Run `body` with the resumable run inside step `key` (core's
 * `StepFolder.stepRun`: `stages/<key>.ckpt`, continued by `--resume`, gone
 * once the step is kept); without a step folder, `body` runs in memory.
 */
export async function withStepRun<T>(
  ctx: ExperimentContext,
  key: string,
  body: (driver: ResumableRun | undefined) => Promise<T>,
): Promise<T> {
  const driver = ctx.steps?.stepRun(key, (msg) => say(ctx, `${key}: ${msg}`));
  try {
    return await body(driver);
  } finally {
    driver?.close();
  }
}

/** A step's result as it is kept (plain JSON): its FunctionTable fields `tables` as their JSON. */
export function stepToPlain<T extends object>(
  value: T,
  tables: readonly (keyof T & string)[],
): Record<string, unknown> {
  const plain: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const t of tables) plain[t] = (value[t] as FunctionTable).toJSON();
  return plain;
}

/** A kept step's result read back: the inverse of {@link stepToPlain}. */
export function stepFromPlain<T extends object>(saved: Record<string, unknown>, tables: readonly string[]): T {
  for (const t of tables) saved[t] = FunctionTable.fromJSON(saved[t]);
  return saved as T;
}
