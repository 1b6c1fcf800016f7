/**
 * SGD throughput: runs per second to 100% training accuracy, and the
 * GFLOP/s that implies, for the wasm lockstep trainer (each build, 1 and all
 * threads) and the float64 js reference, beside a numpy trainer of the same
 * nets batched over runs (`scripts/bench/numpy_sgd.py`, when python3 with
 * numpy is present; skipped otherwise). Speed goals live here, never in
 * unit tests.
 *
 * Workloads (plain SGD, η = 0.01, cross-entropy, fit checked every epoch):
 * - the Boolean system: n = 7, 7→40→40→1, σ_w = σ_b = 1, |S| = 32, batch 8;
 * - an MNIST subset: 784→128→128→1 (σ_w = 1.41, σ_b = 0.1), |S| = 1000, batch 32.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArchSpec, booleanDataset, cnnShapes, type FcnSpec, mnistDataset, splitBySize } from '@fsbayes/core';
import {
  type Engine,
  type LabelledPoints,
  openSgdPool,
  resolveConfig,
  sgdFmaSupport,
  trainSgdTable,
} from '@fsbayes/sgd';

export interface Workload {
  name: string;
  spec: ArchSpec;
  train: LabelledPoints;
  test: LabelledPoints;
  batch: number;
  /** Runs per timed configuration: wasm, js, numpy. */
  runs: { wasm: number; js: number; numpy: number };
  maxEpochs: number;
}

type FcnWorkload = Workload & { spec: FcnSpec };

export interface Row {
  config: string;
  precision: string;
  runs: number;
  fitted: number;
  meanEpochs: number;
  runsPerSecond: number;
  /** Runs per CPU-second (all threads): robust to other load on the machine. */
  runsPerCpuSecond: number;
  gflops: number;
}

/**
 * Flops of one epoch of one net: training steps (forward + backward) on all of S, then the fit
 * check (a forward pass). Dense-equivalent: the multiply-adds that skipping zero inputs avoids
 * are counted too, so on MNIST the rate can exceed what the hardware does.
 */
function flopsPerEpoch(spec: ArchSpec, mS: number): number {
  // multiply-adds per point of each layer, input layer first
  const macs: number[] = [];
  let width = spec.kind === 'fcn' ? spec.inputDim : 0;
  if (spec.kind === 'cnn') {
    const shapes = cnnShapes(spec);
    spec.convs.forEach((c, l) => {
      const [oh, ow, oc] = shapes[l + 1];
      macs.push(oh * ow * oc * c.kernel[0] * c.kernel[1] * shapes[l][2]);
    });
    const [h, w, ch] = shapes[shapes.length - 1];
    width = spec.pooling === 'gap' ? ch : h * w * ch;
  }
  for (const out of [...spec.hidden, 1]) {
    macs.push(width * out);
    width = out;
  }
  let fwd = 0;
  let back = 0;
  macs.forEach((mac, l) => {
    fwd += 2 * mac;
    back += 2 * mac * (l > 0 ? 2 : 1); // ∇W, and the delta of the layer below (not for the input layer)
  });
  return mS * (2 * fwd + back);
}

/** Runs/s of one engine and thread count on a workload, from a warmed-up pool. */
export async function timeOne(
  w: Workload,
  engine: Engine,
  threads: number,
  runs: number,
): Promise<Omit<Row, 'config'>> {
  const config = resolveConfig({ optimizer: 'sgd', batch: w.batch, stop: { maxEpochs: w.maxEpochs } });
  // Few, long runs (MNIST): one job per thread; many short ones: the default job size.
  const jobSize = runs < 64 ? Math.ceil(runs / threads) : undefined;
  // One worker pool for the warm-up and the timed run: starting the workers (and compiling the
  // wasm in each) is a one-off cost of a process, like numpy's imports, and is not timed.
  const pool = await openSgdPool(threads, { spec: w.spec, config, train: w.train, test: w.test, engine });
  const base = { spec: w.spec, config, train: w.train, test: w.test, seed: 1, threads, engine, jobSize, pool };
  let r: Awaited<ReturnType<typeof trainSgdTable>>;
  let cu: NodeJS.CpuUsage;
  try {
    // warm-up: a few runs (other nets of the stream), so V8 has tiered the wasm code up before the timed part
    await trainSgdTable({
      ...base,
      first: 1_000_000,
      runs: runs < 64 ? threads : 8 * threads,
      jobSize: runs < 64 ? 1 : 4,
    });
    const c0 = process.cpuUsage();
    r = await trainSgdTable({ ...base, runs });
    cu = process.cpuUsage(c0);
  } finally {
    await pool.close();
  }
  let epochs = 0;
  for (const [k, c] of Object.entries(r.state.epochsHistogram)) epochs += Number(k) * c;
  return {
    precision: engine.kind === 'js' ? 'f64' : 'f32',
    runs,
    fitted: r.state.fitted,
    meanEpochs: epochs / Math.max(1, r.state.fitted),
    runsPerSecond: runs / r.seconds,
    runsPerCpuSecond: runs / ((cu.user + cu.system) / 1e6),
    gflops: (epochs * flopsPerEpoch(w.spec, w.train.m)) / r.seconds / 1e9,
  };
}

/** What a numpy baseline script prints (one JSON line). */
export interface NumpyResult {
  runs: number;
  fitted: number;
  epochs: number;
  seconds: number;
  cpuSeconds: number;
  numpy: string;
}

/**
 * Run a numpy baseline (`scripts/bench/<file>`) with one BLAS thread: these products are too
 * small for BLAS threads to help, and on a busy machine OpenBLAS's spinning threads slow numpy
 * down several-fold. Null (with a message) when python3 or numpy is missing or it fails.
 */
export function runNumpy(file: string, args: string[]): NumpyResult | null {
  const script = fileURLToPath(new URL(`../../bench/${file}`, import.meta.url));
  const r = spawnSync('python3', [script, ...args], {
    encoding: 'utf8',
    timeout: 900_000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) {
    console.error(`numpy baseline skipped: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'no python3'}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

/** S as the numpy scripts read it: m·d float64 inputs, then m float64 labels. */
export function writePoints(file: string, p: LabelledPoints): void {
  const buf = new Float64Array(p.inputs.length + p.m);
  buf.set(p.inputs);
  buf.set(p.labels, p.inputs.length);
  writeFileSync(file, new Uint8Array(buf.buffer));
}

function numpyRows(w: FcnWorkload, dir: string, quick: boolean): Row[] {
  const file = join(dir, `${w.spec.inputDim}-${w.train.m}.bin`);
  writePoints(file, w.train);
  const rows: Row[] = [];
  for (const dtype of quick ? ['f32'] : ['f32', 'f64']) {
    const args = [file, `${w.spec.inputDim}`, `${w.train.m}`, w.spec.hidden.join(','), '0.01', `${w.batch}`];
    const tail = [`${w.runs.numpy}`, `${w.maxEpochs}`, dtype, `${w.spec.sigmaW}`, `${w.spec.sigmaB}`];
    const o = runNumpy('numpy_sgd.py', [...args, ...tail]);
    if (!o) return rows;
    rows.push(numpyRow(w, o, dtype));
  }
  return rows;
}

/** A numpy script's JSON line as a row (its nets, precision, and the workload's flops). */
export function numpyRow(w: Workload, o: NumpyResult, dtype: string): Row {
  return {
    config: `numpy ${o.numpy} (1 BLAS thread), ${o.runs} nets in lockstep`,
    precision: dtype,
    runs: o.runs,
    fitted: o.fitted,
    meanEpochs: o.epochs / Math.max(1, o.fitted),
    runsPerSecond: o.runs / o.seconds,
    runsPerCpuSecond: o.runs / o.cpuSeconds,
    gflops: (o.epochs * flopsPerEpoch(w.spec, w.train.m)) / o.seconds / 1e9,
  };
}

/** Rows as a markdown table, each beside numpy at the same precision (f32 when numpy ran only f32). */
export function markdownRows(name: string, rows: Row[], np: Row[]): string[] {
  const npRow = (p: string) => np.find((r) => r.precision === p) ?? np.find((r) => r.precision === 'f32');
  const md = [
    `| ${name} | precision | runs | fitted | mean epochs | runs/s | GFLOP/s | vs numpy | runs per CPU·s | vs numpy |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const n = npRow(r.precision);
    const isNp = r.config.startsWith('numpy');
    const vs = (a: number, b: number | undefined) => (isNp ? '1' : b ? `${(a / b).toFixed(2)}×` : '–');
    md.push(
      `| ${r.config} | ${r.precision} | ${r.runs} | ${r.fitted} | ${r.meanEpochs.toFixed(1)} | ${fmt(r.runsPerSecond, 2)} | ${fmt(r.gflops)} | ${vs(r.runsPerSecond, n?.runsPerSecond)} | ${fmt(r.runsPerCpuSecond, 2)} | ${vs(r.runsPerCpuSecond, n?.runsPerCpuSecond)} |`,
    );
  }
  return md;
}

const fmt = (x: number, digits = 1) =>
  x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(x >= 10 ? 1 : digits);

/** The SGD benchmark as markdown tables. */
export async function benchSgd(o: { quick: boolean }): Promise<string> {
  const relu = { kind: 'fcn', activation: 'relu', bias: true } as const;
  const bool = splitBySize(booleanDataset({ n: 7 }), 32, 1);
  const mn = mnistDataset({ trainSize: 1000, testSize: 100, seed: 1 });
  const workloads: FcnWorkload[] = [
    {
      name: '7→40→40→1 on the Boolean system (|S| = 32, batch 8)',
      spec: { ...relu, inputDim: 7, hidden: [40, 40], sigmaW: 1, sigmaB: 1 },
      train: bool.train,
      test: bool.test,
      batch: 8,
      runs: o.quick ? { wasm: 256, js: 32, numpy: 256 } : { wasm: 2048, js: 128, numpy: 2048 },
      maxEpochs: 10_000,
    },
    {
      name: '784→128→128→1 on 1,000 MNIST digits (batch 32)',
      spec: { ...relu, inputDim: 784, hidden: [128, 128], sigmaW: 1.41, sigmaB: 0.1 },
      train: mn.train,
      test: mn.test,
      batch: 32,
      runs: o.quick ? { wasm: 8, js: 0, numpy: 8 } : { wasm: 16, js: 0, numpy: 16 },
      maxEpochs: 2_000,
    },
  ];
  const cores = availableParallelism();
  const variants = sgdFmaSupport() ? (['fma', 'simd'] as const) : (['simd'] as const);
  const dir = mkdtempSync(join(tmpdir(), 'fsbayes-bench-sgd-'));
  const md: string[] = [];
  try {
    for (const w of workloads) {
      const rows: Row[] = [];
      for (const variant of variants)
        for (const threads of variant === 'fma' ? [1, cores] : [cores]) {
          const name = `wasm ${variant === 'fma' ? 'simd+fma' : 'simd'}, ${threads} thread${threads > 1 ? 's' : ''}`;
          rows.push({
            config: name,
            ...(await timeOne(w, { kind: 'wasm', variant, groups: 8 }, threads, w.runs.wasm)),
          });
        }
      // The same trainer with input sparsity off (it is on by default for inputs of ≥ 64
      // coordinates): what skipping zero pixels buys, with the same bits either way.
      if (variants[0] === 'fma' && w.spec.inputDim >= 64)
        rows.push({
          config: `wasm simd+fma, ${cores} threads, dense inputs (sparseInputs off)`,
          ...(await timeOne(w, { kind: 'wasm', variant: 'fma', groups: 8, sparseInputs: false }, cores, w.runs.wasm)),
        });
      if (w.runs.js > 0)
        rows.push({
          config: `js reference, ${cores} threads`,
          ...(await timeOne(w, { kind: 'js' }, cores, w.runs.js)),
        });
      const np = w.runs.numpy > 0 ? numpyRows(w, dir, o.quick) : [];
      rows.push(...np);
      md.push(...markdownRows(w.name, rows, np));
      md.push('');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return md.join('\n');
}
