/**
 * Unconditioned prior tables for experiments: P(f) of an architecture over
 * all 2^n Boolean inputs, through the same engine as `fsbayes functions`,
 * kept as Arrow files in the run's work folder and read as streams, so a
 * table of any size (10⁸ nets, ~20M functions) never sits in a Map.
 */
import { copyFileSync, existsSync, linkSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  type ArchSpec,
  arrowTableSource,
  autoBackendFor,
  type Backend,
  booleanInputs,
  FunctionTable,
  type FunctionTableJSON,
  functionTableSource,
  getBackend,
  parseArch,
  type SortedTableSource,
  summarizeTable,
  writeArrowTable,
} from '@fsbayes/core';
import { priorEnsemble } from '../ensembles/prior.js';
import {
  type ExperimentContext,
  outPath,
  PRIOR_CHECKPOINT_SECONDS,
  progress,
  reproCommand,
  say,
  withStepRun,
} from './context.js';

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

/** Spill folders of prior tables in the work folder: `spill-<pid>-XXXXXX`. */
const SPILL = 'spill-';

/**
 * Step `key` of an experiment: P(f) over all 2^n inputs of {0,1}^n from
 * `samples` prior nets of `spec` (seed stream `seed`), by
 * {@link priorEnsemble}, kept as `stages/<key>.arrow` (read back when the
 * run is resumed) and returned as a stream of that file. The table spills
 * into the work folder (never beside the user's files) within
 * `ctx.tableMemory`. Without a step folder the table stays a ColumnarTable.
 */
export async function booleanPriorStage(
  ctx: ExperimentContext,
  key: string,
  label: string,
  spec: ArchSpec,
  n: number,
  samples: number,
  seed: number,
): Promise<SortedTableSource> {
  const steps = ctx.steps;
  const saved = steps?.read(key, (s) => s.table as string | FunctionTableJSON);
  if (steps && saved !== undefined) {
    say(ctx, `resumed: ${key}`);
    // A step an earlier version kept as table JSON.
    if (typeof saved !== 'string') return functionTableSource(FunctionTable.fromJSON(saved));
    return arrowTableSource(join(steps.dir, 'stages', saved));
  }
  if (steps) removeStaleSpills(steps.dir);
  const m = 2 ** n;
  // Written inside the run: with a checkpoint the table's spilled runs go with it once the run is done.
  const file = steps?.artifact(key, 'arrow');
  const { table } = await withStepRun(ctx, key, async (driver) =>
    priorEnsemble({
      backend: await backendFor(ctx, spec),
      spec,
      points: { inputs: booleanInputs(n), m, labels: null },
      dataset: { name: `boolean-n${n}`, m, encoding: '01' },
      seed,
      samples,
      command: reproCommand(ctx),
      progress: (total, unit) => progress(ctx, label, total, unit),
      driver,
      checkpointEveryMs: (ctx.checkpointEvery ?? PRIOR_CHECKPOINT_SECONDS) * 1000,
      write:
        file === undefined
          ? undefined
          : async (t) => {
              await t.write(file);
            },
      table: {
        ...(ctx.tableMemory === undefined ? {} : { memoryBytes: ctx.tableMemory }),
        ...(steps ? { tmpDir: steps.dir, tmpPrefix: `${SPILL}${process.pid}-` } : {}),
      },
    }),
  );
  if (!steps || file === undefined) return table;
  table.close();
  steps.write(key, { table: basename(file) });
  return arrowTableSource(file);
}

/**
 * Keep a prior table among the run's results as `<name>.arrow` (pyarrow,
 * pandas, polars and `fsbayes compare` read it): a hard link to the step's
 * file where there is one (the step folder goes when the run completes; a
 * copy across file systems), else the table streamed to the file.
 */
export async function keepPriorTable(ctx: ExperimentContext, name: string, src: SortedTableSource): Promise<string> {
  const file = outPath(ctx, `${name}.arrow`);
  // One left by an interrupted render of this run (the work folder is ours): never copied onto itself.
  rmSync(file, { force: true });
  if (src.path === undefined) await writeArrowTable(file, src.header, src.sorted());
  else {
    try {
      linkSync(src.path, file);
    } catch {
      copyFileSync(src.path, file);
    }
  }
  return file;
}

/** Remove spill folders that runs killed outright left in the (locked) work folder. */
function removeStaleSpills(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(SPILL) && !name.startsWith(`${SPILL}${process.pid}-`))
      rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** P(T = t), t = 0..m, of a table over all m inputs (T = number of ones), and its distinct count: one pass. */
export async function tDistribution(src: SortedTableSource): Promise<{ p: Float64Array; distinct: number }> {
  const s = await summarizeTable(src, 0);
  const p = s.onesCounts;
  for (let t = 0; t <= s.m; t++) p[t] /= s.total;
  return { p, distinct: s.distinct };
}
