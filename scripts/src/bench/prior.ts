/**
 * Prior sampling + forward throughput (nets/s) of random
 * fully connected ReLU nets, for every backend and wasm build here, printed
 * side by side with a numpy-batched evaluation of the same nets when python3
 * with numpy is present (skipped otherwise). Speed goals live here, never in
 * unit tests.
 *
 * Workloads: 7→40→40→1 on the 128 inputs of {0,1}^7, and 784→128→128→1 on
 * 1,000 real MNIST digits.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type Backend,
  booleanDataset,
  type FcnSpec,
  fmaSupport,
  getBackend,
  JsBackend,
  mnistDataset,
  WasmBackend,
} from '@fsbayes/core';

interface Workload {
  id: 'boolean7' | 'mnist1000';
  name: string;
  spec: FcnSpec;
  inputs: Float64Array;
  m: number;
  /** Nets per timed call. */
  nets: number;
}

export interface Row {
  workload: string;
  config: string;
  precision: string;
  netsPerSecond: number;
  gflops: number;
}

let quick = false;
let reps = 7;
const relu = { kind: 'fcn', activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true } as const;

function flopsPerNet(w: Workload): number {
  const dims = [w.spec.inputDim, ...w.spec.hidden, 1];
  let f = 0;
  for (let l = 0; l + 1 < dims.length; l++) f += 2 * dims[l] * dims[l + 1];
  return f * w.m;
}

async function time(b: Backend, w: Workload, nets: number): Promise<number> {
  const job = { spec: w.spec, inputs: w.inputs, m: w.m, seed: 1 };
  await b.priorFunctions({ ...job, first: 0, count: Math.min(nets, 256) }); // warm-up (V8 tiers up)
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await b.priorFunctions({ ...job, first: (r + 1) * nets, count: nets });
    rates.push((nets / (performance.now() - t0)) * 1000);
  }
  rates.sort((a, z) => a - z);
  return rates[rates.length >> 1]; // median: this VM's run-to-run noise is large
}

function numpyBaseline(): Row[] {
  const script = fileURLToPath(new URL('../../bench/numpy_prior.py', import.meta.url));
  const r = spawnSync('python3', [script, quick ? '1.5' : '3'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    console.error(
      `numpy baseline skipped: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing'}`,
    );
    return [];
  }
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((o) => ({
      workload: o.workload,
      config: `numpy ${o.numpy} batched matmul`,
      precision: o.precision,
      netsPerSecond: o.netsPerSecond,
      gflops: 0,
    }));
}

/** The prior-sampling benchmark as markdown tables (rows also returned for --json). */
export async function benchPrior(opts: { quick: boolean }): Promise<{ markdown: string; rows: Row[] }> {
  quick = opts.quick;
  reps = quick ? 3 : 7;
  const md: string[] = [];
  const mn = mnistDataset({ trainSize: 0, testSize: 1000, seed: 1 }).test;
  const workloads: Workload[] = [
    {
      id: 'boolean7',
      name: '7→40→40→1 on 128 Boolean inputs',
      spec: { ...relu, inputDim: 7, hidden: [40, 40] },
      inputs: booleanDataset({ n: 7 }).inputs,
      m: 128,
      nets: 8192,
    },
    {
      id: 'mnist1000',
      name: '784→128→128→1 on 1,000 MNIST digits',
      spec: { ...relu, inputDim: 784, hidden: [128, 128] },
      inputs: mn.inputs,
      m: 1000,
      nets: quick ? 32 : 64,
    },
  ];
  const configs: { config: string; precision: string; make: () => Promise<Backend>; scale: number }[] = [
    { config: 'js reference, 1 thread', precision: 'f64', make: async () => new JsBackend(), scale: 1 / 16 },
  ];
  const variants = fmaSupport().ok ? (['fma', 'simd'] as const) : (['simd'] as const);
  for (const variant of variants)
    for (const precision of ['f32', 'f64'] as const)
      for (const threads of [1, 2])
        configs.push({
          config: `wasm ${variant === 'fma' ? 'simd+fma' : 'simd'}, ${threads} thread${threads > 1 ? 's' : ''}`,
          precision,
          make: () => WasmBackend.create({ threads, precision, variant }),
          scale: 1,
        });
  configs.push({ config: 'gpu (gpu.js)', precision: 'f32', make: () => getBackend('gpu'), scale: 4 });

  const rows: Row[] = [];
  for (const w of workloads) {
    for (const c of configs) {
      let b: Backend;
      try {
        b = await c.make();
      } catch (e) {
        console.error(`${c.config}: skipped (${(e as Error).message.split('\n')[0]})`);
        continue;
      }
      try {
        const nets = Math.max(1, Math.round(w.nets * c.scale));
        const rate = await time(b, w, nets);
        rows.push({
          workload: w.id,
          config: b.info.detail || c.config,
          precision: c.precision,
          netsPerSecond: rate,
          gflops: (rate * flopsPerNet(w)) / 1e9,
        });
        console.error(`${w.id} ${c.config} ${c.precision}: ${Math.round(rate)} nets/s`);
      } finally {
        await b.close();
      }
    }
  }
  const numpy = numpyBaseline();
  rows.push(...numpy);

  for (const w of workloads) {
    md.push(`\n### ${w.name} — prior sampling + forward, nets/s (median of ${reps})\n`);
    md.push('| backend | precision | nets/s | GFLOP/s | vs numpy (same precision) |');
    md.push('|---|---|---:|---:|---:|');
    for (const r of rows.filter((x) => x.workload === w.id)) {
      const base = numpy.find((x) => x.workload === w.id && x.precision === r.precision);
      const gf = r.gflops > 0 ? r.gflops.toFixed(1) : ((r.netsPerSecond * flopsPerNet(w)) / 1e9).toFixed(1);
      const vs = base ? `${(r.netsPerSecond / base.netsPerSecond).toFixed(2)}×` : '–';
      md.push(`| ${r.config} | ${r.precision} | ${Math.round(r.netsPerSecond)} | ${gf} | ${vs} |`);
    }
  }
  return { markdown: md.join('\n'), rows };
}
