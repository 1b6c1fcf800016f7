/**
 * CNN prior sampling + forward throughput (nets/s): the wasm backend (f32 and
 * f64, 1 and 2 threads) and the float64 js reference, beside a numpy
 * evaluation of the same nets (im2col + batched matmul,
 * `scripts/bench/numpy_cnn_prior.py`, run with 1 and with 2 BLAS threads;
 * skipped when python3 with numpy is absent). Speed goals live here, never in
 * unit tests.
 *
 * Workloads on 28×28 MNIST digits, ReLU, σ_w = σ_b = 1: cnn:c16k3,gap,d64 and
 * the paper-like cnn:c32k5,c32k2,d64 (1.1M parameters, most in the dense
 * layer), each on |E| = 20 and 100 images.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type Backend,
  type CnnSpec,
  forwardMacs,
  JsBackend,
  mnistDataset,
  paramLayout,
  parseArch,
  WasmBackend,
} from '@fsbayes/core';

interface Workload {
  id: string;
  arch: string;
  spec: CnnSpec;
  inputs: Float64Array;
  m: number;
  /** Nets per thread per timed wasm call: whole 256-net blocks, so that no worker skips ahead in a stream. */
  perThread: number;
  /** Nets per timed call on one thread (from a block's start, so also no skipping). */
  single: number;
  /** Nets per timed js call. */
  jsNets: number;
  reps: number;
}

export interface CnnPriorRow {
  workload: string;
  config: string;
  precision: string;
  netsPerSecond: number;
  /** Nets per CPU-second of the whole process (all threads): robust to other load on the machine. */
  netsPerCpuSecond: number;
}

async function time(b: Backend, w: Workload, nets: number, reps: number): Promise<{ wall: number; cpu: number }> {
  const job = { spec: w.spec, inputs: w.inputs, m: w.m, seed: 1 };
  await b.priorFunctions({ ...job, first: 0, count: Math.min(nets, 16) }); // warm-up
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    // every call starts on a block boundary: pieces are whole blocks (no skipping ahead in a stream)
    const first = (r + 1) * Math.ceil(nets / 256) * 256;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await b.priorFunctions({ ...job, first, count: nets });
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    walls.push(nets / wall);
    cpus.push(nets / ((c.user + c.system) / 1e6));
  }
  const median = (x: number[]) => x.sort((a, z) => a - z)[x.length >> 1];
  return { wall: median(walls), cpu: median(cpus) };
}

function numpyBaseline(workloads: Workload[], seconds: number): CnnPriorRow[] {
  const script = fileURLToPath(new URL('../../bench/numpy_cnn_prior.py', import.meta.url));
  const arg = JSON.stringify(
    workloads.map((w) => ({
      id: w.id,
      inputShape: w.spec.inputShape,
      convs: w.spec.convs,
      pooling: w.spec.pooling,
      hidden: w.spec.hidden,
      m: w.m,
    })),
  );
  const rows: CnnPriorRow[] = [];
  for (const threads of [1, 2]) {
    const t = String(threads);
    const env = { ...process.env, OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
    const r = spawnSync('python3', [script, String(seconds), arg], { encoding: 'utf8', timeout: 600_000, env });
    if (r.status !== 0) {
      console.error(
        `numpy baseline skipped: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing'}`,
      );
      return [];
    }
    for (const line of r.stdout.trim().split('\n')) {
      const o = JSON.parse(line);
      rows.push({
        workload: o.workload,
        config: `numpy ${o.numpy} im2col + batched matmul, ${threads} BLAS thread${threads > 1 ? 's' : ''}`,
        precision: o.precision,
        netsPerSecond: o.netsPerSecond,
        netsPerCpuSecond: o.netsPerCpuSecond,
      });
    }
  }
  return rows;
}

/** The CNN prior-sampling benchmark as markdown (rows also returned for --json). */
export async function benchCnnPrior(opts: { quick: boolean }): Promise<{ markdown: string; rows: CnnPriorRow[] }> {
  const quick = opts.quick;
  const load = loadavg()[0];
  const digits = mnistDataset({ trainSize: 0, testSize: 100, seed: 1 }).test;
  const prior = { inputShape: [28, 28, 1] as number[], activation: 'relu' as const, sigmaW: 1, sigmaB: 1 };
  const workload = (arch: string, m: number, perThread: number, single: number, jsNets: number, reps: number) => ({
    id: `${arch} m=${m}`,
    arch,
    spec: parseArch(arch, prior) as CnnSpec,
    inputs: digits.inputs.subarray(0, m * 784),
    m,
    perThread,
    single,
    jsNets,
    reps: quick ? 1 : reps,
  });
  const workloads: Workload[] = [
    workload('cnn:c16k3,gap,d64', 20, 1024, 1024, 16, 3),
    workload('cnn:c16k3,gap,d64', 100, 256, 256, 4, 3),
    workload('cnn:c32k5,c32k2,d64', 20, 256, 128, 2, 3),
    ...(quick ? [] : [workload('cnn:c32k5,c32k2,d64', 100, 256, 64, 1, 1)]),
  ];
  const configs: { config: string; precision: 'f32' | 'f64'; threads: number; make: () => Promise<Backend> }[] = [
    { config: 'js reference', precision: 'f64', threads: 1, make: async () => new JsBackend() },
    ...([1, 2] as const).map((threads) => ({
      config: 'wasm',
      precision: 'f32' as const,
      threads,
      make: () => WasmBackend.create({ threads, precision: 'f32' }),
    })),
    { config: 'wasm', precision: 'f64', threads: 2, make: () => WasmBackend.create({ threads: 2, precision: 'f64' }) },
  ];
  const rows: CnnPriorRow[] = [];
  for (const c of configs) {
    const b = await c.make();
    try {
      for (const w of workloads) {
        const nets = c.config === 'js reference' ? w.jsNets : c.threads === 1 ? w.single : w.perThread * c.threads;
        const r = await time(b, w, nets, w.reps);
        rows.push({
          workload: w.id,
          config: b.info.detail,
          precision: c.precision,
          netsPerSecond: r.wall,
          netsPerCpuSecond: r.cpu,
        });
        console.error(`${w.id} ${b.info.detail}: ${r.wall.toFixed(1)} nets/s`);
      }
    } finally {
      await b.close();
    }
  }
  const numpy = numpyBaseline(workloads, quick ? 1.5 : 3);
  rows.push(...numpy);

  const md: string[] = [
    `Load average (1 min) at the start: ${load.toFixed(2)}. Ratios are of wall-clock nets/s against the faster numpy run (1 or 2 BLAS threads) of the same precision; nets per CPU-second count every thread of the process.`,
  ];
  for (const w of workloads) {
    const P = paramLayout(w.spec).size;
    const flops = 2 * forwardMacs(w.spec) * w.m;
    md.push(
      `\n### ${w.arch} on ${w.m} MNIST digits (${P.toLocaleString('en')} parameters, ${(flops / 1e6).toFixed(1)} MFLOP per net) — nets/s (median of ${w.reps})\n`,
    );
    md.push('| backend | precision | nets/s | nets/CPU-s | GFLOP/s | vs numpy |');
    md.push('|---|---|---:|---:|---:|---:|');
    for (const r of rows.filter((x) => x.workload === w.id)) {
      const best = Math.max(
        0,
        ...numpy.filter((x) => x.workload === w.id && x.precision === r.precision).map((x) => x.netsPerSecond),
      );
      const vs = best > 0 && !r.config.startsWith('numpy') ? `${(r.netsPerSecond / best).toFixed(1)}×` : '–';
      const fmt = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1));
      md.push(
        `| ${r.config} | ${r.precision} | ${fmt(r.netsPerSecond)} | ${fmt(r.netsPerCpuSecond)} | ${((r.netsPerSecond * flops) / 1e9).toFixed(1)} | ${vs} |`,
      );
    }
  }
  return { markdown: md.join('\n'), rows };
}
