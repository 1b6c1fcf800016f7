/**
 * Unconditioned prior tables for experiments: P(f) of an architecture over
 * all 2^n Boolean inputs, through the same engine as `fsbayes functions`.
 */
import {
  type ArchSpec,
  autoBackendFor,
  type Backend,
  booleanInputs,
  type FunctionTable,
  getBackend,
  parseArch,
} from '@fsbayes/core';
import { priorEnsemble } from '../ensembles/prior.js';
import { type ExperimentContext, progress, reproCommand } from './context.js';

/** The spec of `arch` on n-bit Boolean inputs. */
export function booleanSpec(arch: string, n: number, sigmaW: number, sigmaB: number): ArchSpec {
  return parseArch(arch, { inputShape: [n], activation: 'relu', sigmaW, sigmaB });
}

const backends = new Map<string, Backend>();

/** One backend per kind for the whole experiment (closed by {@link closeBackends}). */
export async function backendFor(ctx: ExperimentContext, spec: ArchSpec): Promise<Backend> {
  const name = autoBackendFor(spec);
  let b = backends.get(name);
  if (!b) {
    b = await getBackend(name, { threads: ctx.threads });
    backends.set(name, b);
  }
  return b;
}

export async function closeBackends(): Promise<void> {
  for (const b of backends.values()) await b.close();
  backends.clear();
}

/** P(f) over all 2^n inputs of {0,1}^n from `samples` prior nets of `spec` (seed stream `seed`), by {@link priorEnsemble}. */
export async function booleanPriorTable(
  ctx: ExperimentContext,
  label: string,
  spec: ArchSpec,
  n: number,
  samples: number,
  seed: number,
): Promise<FunctionTable> {
  const m = 2 ** n;
  const { table } = await priorEnsemble({
    backend: await backendFor(ctx, spec),
    spec,
    points: { inputs: booleanInputs(n), m, labels: null },
    dataset: { name: `boolean-n${n}`, m, encoding: '01' },
    seed,
    samples,
    command: reproCommand(ctx),
    progress: (total, unit) => progress(ctx, label, total, unit),
  });
  return table;
}

/** P(T = t), t = 0..m, of a table over all m inputs (T = number of ones). */
export function tDistribution(table: FunctionTable): Float64Array {
  const p = new Float64Array(table.m + 1);
  for (const e of table.entries()) p[e.ones] += e.count;
  for (let t = 0; t <= table.m; t++) p[t] /= table.total;
  return p;
}
