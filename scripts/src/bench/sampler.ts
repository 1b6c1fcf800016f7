/**
 * Rejection-sampler throughput (nets/s) through the real engine
 * (`rejectionSample`: draw, evaluate on S in batches, compare with the
 * labels, recompute survivors), per backend, beside a numpy-batched
 * evaluation of the same nets (`scripts/bench/numpy_sampler.py`, run when
 * python3 with numpy is present, skipped otherwise).
 *
 * Workloads as in the issue: 7→40→40→1 with S = the 128 Boolean inputs,
 * and 784→128→128→1 with S = 1,000 MNIST digits (every net is evaluated on
 * all of S; almost none fit, so the rate is the evaluation speed); plus the
 * real Boolean system (|S| = 32 of 128), whose rate `fsbayes sample` shows.
 * With |S| = 1,000 the engine screens nets on 32 points of S first (only
 * survivors see the rest), so numpy is run both plainly (every net on all
 * of S, the baseline the issue names) and screened the same way. Beside
 * wall-clock nets/s, nets per CPU second (all threads of the process, on
 * both sides) is far less sensitive to other jobs on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type Backend,
  booleanDataset,
  type FcnSpec,
  JsBackend,
  mnistDataset,
  splitBySize,
  WasmBackend,
} from '@fsbayes/core';
import { type PointSet, rejectionSample } from '@fsbayes/sampler';

interface Workload {
  id: 'boolean7' | 'mnist1000' | 'boolean7-S32';
  name: string;
  spec: FcnSpec;
  train: PointSet;
  test: PointSet;
  /** Nets per timed run. */
  nets: number;
}

interface Row {
  workload: string;
  config: string;
  precision: string;
  netsPerSecond: number;
  /** Nets per CPU second of the whole process (all threads): less sensitive to other load than wall time. */
  netsPerCpuSecond: number;
  /** numpy rows: S points of the first pass (null: all of S). */
  screen?: number | null;
}

const relu = { kind: 'fcn', activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true } as const;

async function time(b: Backend, w: Workload, nets: number, reps: number): Promise<{ wall: number; cpu: number }> {
  const run = (first: number, count: number) =>
    rejectionSample({
      backend: b,
      spec: w.spec,
      mode: 'posterior',
      train: w.train,
      test: w.test,
      seed: 1,
      first,
      count,
      chunk: count,
    });
  await run(0, Math.min(nets, 256)); // warm-up
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // the process: main thread and the pool's workers
    await run((r + 1) * nets, nets);
    const c = process.cpuUsage(c0);
    rates.push((nets / (performance.now() - t0)) * 1000);
    cpuRates.push(nets / ((c.user + c.system) / 1e6));
  }
  const median = (xs: number[]) => xs.sort((a, z) => a - z)[xs.length >> 1]; // this VM's run-to-run noise is large
  return { wall: median(rates), cpu: median(cpuRates) };
}

/**
 * numpy rows, run twice: with OpenBLAS's default threads and with one thread
 * (under other load on a small VM OpenBLAS's threads can be 8× slower than
 * one; the ratios use the faster of the two, so numpy is never undersold).
 */
function numpyBaseline(quick: boolean): Row[] {
  const script = fileURLToPath(new URL('../../bench/numpy_sampler.py', import.meta.url));
  const rows: Row[] = [];
  for (const threads of [undefined, '1']) {
    const env = threads ? { ...process.env, OPENBLAS_NUM_THREADS: threads } : process.env;
    const r = spawnSync('python3', [script, quick ? '1.5' : '3'], { encoding: 'utf8', timeout: 300_000, env });
    if (r.status !== 0) {
      console.error(
        `numpy baseline skipped: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing'}`,
      );
      return rows;
    }
    for (const o of r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)))
      rows.push({
        workload: o.workload,
        config: `numpy ${o.numpy} batched matmul${threads ? ', OpenBLAS 1 thread' : ''}${o.screen ? `, screened on ${o.screen} points of S` : ''}`,
        precision: o.precision,
        netsPerSecond: o.netsPerSecond,
        netsPerCpuSecond: o.netsPerCpuSecond,
        screen: o.screen ?? null,
      });
  }
  return rows;
}

/** The sampler benchmark as markdown tables. */
export async function benchSampler(o: { quick: boolean }): Promise<string> {
  const reps = o.quick ? 3 : 5;
  const bool = booleanDataset({ n: 7 });
  const all = (d: { inputs: Float64Array; m: number; labels: Uint8Array }): PointSet => ({
    inputs: d.inputs,
    m: d.m,
    labels: d.labels,
  });
  const mn = mnistDataset({ trainSize: 1000, testSize: 8, seed: 1 });
  const s32 = splitBySize(bool, 32, 1);
  const workloads: Workload[] = [
    {
      id: 'boolean7',
      name: '7→40→40→1, S = the 128 Boolean inputs',
      spec: { ...relu, inputDim: 7, hidden: [40, 40] },
      train: all(bool),
      test: all(bool),
      nets: 16_384,
    },
    {
      id: 'mnist1000',
      name: '784→128→128→1, S = 1,000 MNIST digits',
      spec: { ...relu, inputDim: 784, hidden: [128, 128] },
      train: all(mn.train),
      test: all(mn.test),
      nets: o.quick ? 256 : 512,
    },
    {
      id: 'boolean7-S32',
      name: '7→40→40→1, the Boolean system (|S| = 32, E = the other 96)',
      spec: { ...relu, inputDim: 7, hidden: [40, 40] },
      train: all(s32.train),
      test: all(s32.test),
      nets: 65_536,
    },
  ];
  const configs: { config: string; precision: string; make: () => Promise<Backend>; scale: number }[] = [
    { config: 'js reference, 1 thread', precision: 'f64', make: async () => new JsBackend(), scale: 1 / 32 },
  ];
  for (const precision of ['f32', 'f64'] as const)
    for (const threads of [1, 2])
      configs.push({
        config: `wasm, ${threads} thread${threads > 1 ? 's' : ''}`,
        precision,
        make: () => WasmBackend.create({ threads, precision }),
        scale: 1,
      });

  const rows: Row[] = [];
  for (const w of workloads) {
    for (const c of configs) {
      if (w.id === 'mnist1000' && c.config.startsWith('js')) continue; // minutes per net batch
      const b = await c.make();
      try {
        const nets = Math.max(256, Math.round((w.nets * c.scale) / 256) * 256);
        const rate = await time(b, w, nets, reps);
        rows.push({
          workload: w.id,
          config: b.info.detail || c.config,
          precision: c.precision,
          netsPerSecond: rate.wall,
          netsPerCpuSecond: rate.cpu,
        });
        console.error(
          `sampler ${w.id} ${b.info.detail}: ${Math.round(rate.wall)} nets/s, ${Math.round(rate.cpu)} per CPU s`,
        );
      } finally {
        await b.close();
      }
    }
  }
  const numpy = numpyBaseline(o.quick);
  rows.push(...numpy);
  const md: string[] = [];
  for (const w of workloads) {
    md.push(`\n### ${w.name} — rejection sampler nets/s (median of ${reps})\n`);
    md.push(
      '| backend | precision | nets/s | vs best numpy (same precision, all of S) | vs best numpy screened alike | nets per CPU s | per CPU s vs best numpy (all of S) |',
    );
    md.push('|---|---|---:|---:|---:|---:|---:|');
    for (const r of rows.filter((x) => x.workload === w.id)) {
      const ratio = (b: Row | undefined) => (b ? `${(r.netsPerSecond / b.netsPerSecond).toFixed(2)}×` : '–');
      const cpuRatio = (b: Row | undefined) => (b ? `${(r.netsPerCpuSecond / b.netsPerCpuSecond).toFixed(2)}×` : '–');
      const same = (x: Row) => x.workload === w.id && x.precision === r.precision;
      const best = (xs: Row[], key: 'netsPerSecond' | 'netsPerCpuSecond') =>
        xs.reduce<Row | undefined>((b, x) => (b === undefined || x[key] > b[key] ? x : b), undefined);
      const base = best(
        numpy.filter((x) => same(x) && !x.screen),
        'netsPerSecond',
      );
      const screened = best(
        numpy.filter((x) => same(x) && x.screen),
        'netsPerSecond',
      );
      const baseCpu = best(
        numpy.filter((x) => same(x) && !x.screen),
        'netsPerCpuSecond',
      );
      md.push(
        `| ${r.config} | ${r.precision} | ${Math.round(r.netsPerSecond)} | ${ratio(base)} | ${ratio(screened)} | ${Math.round(r.netsPerCpuSecond)} | ${cpuRatio(baseCpu)} |`,
      );
    }
  }
  return md.join('\n');
}
