/**
 * Unconditioned prior tables for experiments: P(f) of an architecture over
 * all 2^n Boolean inputs, through the same engine as `fsbayes functions`.
 */
import {
  type ArchSpec,
  autoBackendFor,
  type Backend,
  booleanInputs,
  createProvenance,
  type FunctionTable,
  getBackend,
  parseArch,
  samplePriorTable,
} from '@fsbayes/core';
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

/** P(f) over all 2^n inputs of {0,1}^n from `samples` prior nets of `spec` (seed stream `seed`). */
export async function booleanPriorTable(
  ctx: ExperimentContext,
  label: string,
  spec: ArchSpec,
  n: number,
  samples: number,
  seed: number,
): Promise<FunctionTable> {
  const backend = await backendFor(ctx, spec);
  const m = 2 ** n;
  const bar = progress(ctx, label, samples, 'nets');
  const table = await samplePriorTable({
    backend,
    spec,
    inputs: booleanInputs(n),
    m,
    labels: null,
    seed,
    samples,
    provenance: createProvenance({
      command: reproCommand(ctx),
      spec,
      dataset: { name: `boolean-n${n}`, m, encoding: '01' },
      experiment: { kind: 'prior', samples },
      seeds: [seed],
      backend: { name: backend.info.name, precision: backend.info.precision, threads: backend.info.threads },
    }),
    onProgress: (done, t) => bar.update(done, `${t.distinct} distinct`),
  });
  bar.done(`${table.distinct} distinct`);
  return table;
}

/** P(T = t), t = 0..m, of a table over all m inputs (T = number of ones). */
export function tDistribution(table: FunctionTable): Float64Array {
  const p = new Float64Array(table.m + 1);
  for (const e of table.entries()) p[e.ones] += e.count;
  for (let t = 0; t <= table.m; t++) p[t] /= table.total;
  return p;
}
