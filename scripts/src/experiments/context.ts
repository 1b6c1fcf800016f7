/**
 * What every experiment gets: its scale, output folder, seed, a logger and
 * atomic writers. Experiments are thin: they call the packages and write
 * tables, plots and one report into `out`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type FunctionTable, writeFileAtomicSync, writeTableSync } from '@fsbayes/core';
import { Progress } from '../cli/progress.js';

export type Scale = 'small' | 'full';

export interface ExperimentContext {
  name: string;
  scale: Scale;
  /** Output folder (created). */
  out: string;
  seed: number;
  quiet: boolean;
  /** Worker threads for the packages (default: all cores). */
  threads?: number;
}

/** A log line on stderr (unless quiet), prefixed with the experiment's name. */
export function say(ctx: ExperimentContext, msg: string): void {
  if (!ctx.quiet) process.stderr.write(`[${ctx.name}] ${msg}\n`);
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

/** Write JSON atomically into the output folder; returns the path. */
export function writeJson(ctx: ExperimentContext, name: string, value: unknown): string {
  const p = outPath(ctx, name);
  writeFileAtomicSync(p, `${JSON.stringify(value, null, 2)}\n`);
  return p;
}

/** Write text (CSV, markdown) atomically into the output folder; returns the path. */
export function writeText(ctx: ExperimentContext, name: string, text: string): string {
  const p = outPath(ctx, name);
  writeFileAtomicSync(p, text);
  return p;
}

/** Write a function table (JSON) atomically into the output folder; returns the path. */
export function writeTableFile(ctx: ExperimentContext, name: string, table: FunctionTable): string {
  const p = outPath(ctx, name);
  writeTableSync(p, table);
  return p;
}

/** `small` or `full` value of a setting. */
export function byScale<T>(ctx: ExperimentContext, small: T, full: T): T {
  return ctx.scale === 'full' ? full : small;
}
