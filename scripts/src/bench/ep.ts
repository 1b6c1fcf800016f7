/**
 * EP log P(S) benchmark: our `epClassify` against `scripts/bench/numpy_ep.py`
 * (the same algorithm in numpy/scipy: sequential sites in fixed order, rank-1
 * updates of Σ, the O(n) mean update, a refresh from chol(B) after each sweep),
 * both running exactly the same number of sweeps (tol 0) on an NNGP-like
 * kernel: the 2-hidden-layer ReLU NNGP (σ_w = σ_b = 1) of N standard-normal
 * inputs in R²⁰, labels sign(x₁). The two sides draw their inputs from their
 * own generators, so the kernels are alike but not identical (log Z is shown
 * for orientation only). numpy runs twice: rank-1 updates with BLAS dger
 * (in place, what a careful numpy author writes) and GPy's `Σ -= c·np.outer(s, s)`.
 * Skipped when python3 with numpy + scipy is absent.
 *
 * `benchEpParallel`: the parallel schedule (the one that reaches |S| = 10⁴) on
 * MNIST at N = 2000 and 4000 beside numpy_ep.py --parallel, the same algorithm
 * on the same kernel (written to a temporary raw float64 file), so log Z must
 * agree; then ours to convergence.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeLinalg, linalgInfo, mnistDataset, parseArch, Rng } from '@fsbayes/core';
import { epClassify, fcnKernel, fcnKernelF32Model, kernelMatrix, logMarginalLikelihood } from '@fsbayes/nngp';

/** The benchmark kernel (see the module comment), n×n row-major, and its labels. */
export function benchKernel(n: number, d = 20, seed = 1): { K: Float64Array; y: Float64Array } {
  const rng = new Rng(seed, 'bench-ep');
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = rng.normal();
  let K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += X[i * d + p] * X[j * d + p];
      K[i * n + j] = K[j * n + i] = 1 + s / d;
    }
  for (let l = 0; l < 2; l++) {
    const K2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const a = K[i * n + i];
      K2[i * n + i] = 1 + a / 2;
      for (let j = 0; j < i; j++) {
        const b = K[j * n + j];
        const c = K[i * n + j];
        const th = Math.atan2(Math.sqrt(Math.max(a * b - c * c, 0)), c);
        K2[i * n + j] = K2[j * n + i] =
          1 + (1 / (2 * Math.PI)) * Math.sqrt(a * b) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
      }
    }
    K = K2;
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = X[i * d] > 0 ? 1 : -1;
  return { K, y };
}

interface Side {
  seconds: number;
  updates: number;
  refresh: number;
  sweeps: number;
  logZ: number;
}

function numpySide(n: number, sweeps: number, rank1: 'blas' | 'outer'): Side | string {
  const script = fileURLToPath(new URL('../../bench/numpy_ep.py', import.meta.url));
  const r = spawnSync('python3', [script, '--bench', String(n), '--sweeps', String(sweeps), '--rank1', rank1], {
    encoding: 'utf8',
    timeout: 1_200_000,
  });
  if (r.status !== 0) return r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing';
  const o = JSON.parse(r.stdout.trim().split('\n').pop() as string);
  return { seconds: o.seconds, updates: o.secondsUpdates, refresh: o.secondsRefresh, sweeps: o.sweeps, logZ: o.logZ };
}

const fmt = (s: number) => s.toFixed(2);

/** EP timings as a markdown table (N = 1000, 2000; --quick: N = 1000 only, 2 sweeps). */
export async function benchEp(opts: { quick: boolean }): Promise<string> {
  const sizes = opts.quick ? [1000] : [1000, 2000];
  const sweeps = opts.quick ? 2 : 3;
  const rows: string[] = [
    `EP sweeps fixed at ${sweeps} (sequential, fixed order, tol 0); seconds for the whole run, then site updates (rank-1) / refreshes (chol(B), L⁻¹S̃½K, K − WᵀW).`,
    '',
    '| N | implementation | sweeps | seconds | updates | refresh | vs numpy (dger) | log Z |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  let skipped = '';
  {
    // warm-up: start the linalg worker threads and let V8 tier up (numpy's imports are not timed either)
    const w = benchKernel(300);
    epClassify(w.K, 300, w.y, { order: 'fixed', tol: 0, maxIterations: 1 });
  }
  const ours = new Map<number, Side>();
  for (const n of sizes) {
    const { K, y } = benchKernel(n);
    const t0 = performance.now();
    const r = epClassify(K, n, y, { order: 'fixed', tol: 0, maxIterations: sweeps });
    ours.set(n, {
      seconds: (performance.now() - t0) / 1000,
      updates: r.seconds.updates,
      refresh: r.seconds.refresh,
      sweeps: r.iterations,
      logZ: r.logZ,
    });
    console.error(`ep N=${n}: ours ${fmt((performance.now() - t0) / 1000)} s`);
  }
  // release the linalg worker threads so they cannot compete with numpy's BLAS threads for the cores
  await closeLinalg();
  for (const n of sizes) {
    const dger = numpySide(n, sweeps, 'blas');
    const outer = typeof dger === 'string' || n > 1000 ? null : numpySide(n, sweeps, 'outer'); // GPy-style takes minutes at 2000
    const base = typeof dger === 'string' ? null : dger;
    const row = (name: string, s: Side) =>
      `| ${n} | ${name} | ${s.sweeps} | ${fmt(s.seconds)} | ${fmt(s.updates)} | ${fmt(s.refresh)} | ${
        base ? `${(s.seconds / base.seconds).toFixed(2)}× time` : '–'
      } | ${s.logZ.toFixed(3)} |`;
    rows.push(row('fsbayes epClassify (TS + wasm linalg, float64)', ours.get(n) as Side));
    if (typeof dger === 'string') skipped = dger;
    else {
      rows.push(row('numpy + scipy, rank-1 by BLAS dger', dger));
      if (outer && typeof outer !== 'string') rows.push(row('numpy, GPy-style np.outer rank-1', outer));
    }
  }
  if (skipped) rows.push('', `numpy baseline skipped: ${skipped}`);
  return rows.join('\n');
}

/** The paper's MNIST kernel (FCN 784→128→128→1, σ_w 1.41, σ_b 0.1) on n digits (seed 1) and their ±1 labels. */
function mnistKernel(n: number): { K: Float64Array; y: Float64Array } {
  const split = mnistDataset({ trainSize: n, testSize: 1, seed: 1 });
  const spec = parseArch('fcn:128,128', { inputShape: split.train.shape, sigmaW: 1.41, sigmaB: 0.1 });
  return {
    K: kernelMatrix(spec, split.train.inputs, n),
    y: Float64Array.from(split.train.labels, (l) => (l ? 1 : -1)),
  };
}

/** numpy's parallel EP (scripts/bench/numpy_ep.py --parallel) on the same kernel, from raw float64 files. */
function numpyParallel(kernelFile: string, labelsFile: string, n: number, sweeps: number): Side | string {
  const script = fileURLToPath(new URL('../../bench/numpy_ep.py', import.meta.url));
  const r = spawnSync(
    'python3',
    [
      script,
      '--parallel',
      '--kernel-bin',
      kernelFile,
      '--labels-bin',
      labelsFile,
      '--n',
      String(n),
      '--sweeps',
      String(sweeps),
      '--tol',
      '0',
    ],
    { encoding: 'utf8', timeout: 3_600_000 },
  );
  if (r.status !== 0) return r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing';
  const o = JSON.parse(r.stdout.trim().split('\n').pop() as string);
  return { seconds: o.seconds, updates: o.secondsUpdates, refresh: o.secondsRefresh, sweeps: o.sweeps, logZ: o.logZ };
}

/**
 * The parallel EP (schedule 'parallel': all sites from one posterior, adaptive damping, then a refresh of
 * diag Σ and μ only — chol(B) and the column norms of L⁻¹, n³/3 per sweep) on binarised MNIST at N = 2000
 * and 4000 (--quick: 500), against numpy's implementation of the same algorithm (numpy_ep.py --parallel:
 * LAPACK dpotrf + dtrtri, OpenBLAS threads) on the same kernel, both for the same number of sweeps (log Z
 * must agree: same algorithm, same damping path); then ours to convergence (tol 1e−4, P_B's default).
 */
export async function benchEpParallel(opts: { quick: boolean; sizes?: number[] }): Promise<string> {
  const sizes = opts.sizes ?? (opts.quick ? [500] : [2000, 4000]);
  for (const n of sizes)
    if (!Number.isInteger(n) || n < 2 || n > 9999)
      throw new Error(`--ep-sizes: ${n} is not an integer in [2, 9999] (the MNIST digits)`);
  const sweeps = opts.quick ? 3 : 8;
  const rows: string[] = [
    `MNIST (FCN 784→128→128→1, σ_w 1.41, σ_b 0.1), EP on S alone; ${sweeps} sweeps on both sides (tol 0), then ours to convergence (tol 1e−4). Linalg: ${linalgInfo().detail}.`,
    '',
    '| N | implementation | sweeps | seconds | s/sweep | updates | refresh | vs numpy | log Z |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const dir = mkdtempSync(join(tmpdir(), 'fsbayes-bench-ep-'));
  const ours = new Map<number, { fixed: Side; conv: Side }>();
  try {
    {
      const w = mnistKernel(300);
      epClassify(w.K, 300, w.y, { schedule: 'parallel', tol: 0, maxIterations: 2 }); // warm-up
    }
    for (const n of sizes) {
      const { K, y } = mnistKernel(n);
      const run = (tol: number, maxIterations: number): Side => {
        const t0 = performance.now();
        const r = epClassify(K, n, y, { schedule: 'parallel', tol, maxIterations });
        const seconds = (performance.now() - t0) / 1000;
        return { seconds, updates: r.seconds.updates, refresh: r.seconds.refresh, sweeps: r.iterations, logZ: r.logZ };
      };
      const fixed = run(0, sweeps);
      const conv = run(1e-4, 200);
      ours.set(n, { fixed, conv });
      console.error(
        `ep parallel N=${n}: ${fmt(fixed.seconds)} s for ${sweeps} sweeps, ${conv.sweeps} sweeps to tol 1e-4`,
      );
      writeFileSync(join(dir, `K${n}.f64`), K);
      writeFileSync(join(dir, `y${n}.f64`), y);
    }
    await closeLinalg(); // our worker threads must not compete with numpy's BLAS threads
    let skipped = '';
    for (const n of sizes) {
      const o = ours.get(n) as { fixed: Side; conv: Side };
      const np = numpyParallel(join(dir, `K${n}.f64`), join(dir, `y${n}.f64`), n, sweeps);
      const base = typeof np === 'string' ? null : np;
      const row = (name: string, s: Side) =>
        `| ${n} | ${name} | ${s.sweeps} | ${fmt(s.seconds)} | ${fmt(s.seconds / s.sweeps)} | ${fmt(s.updates)} | ${fmt(s.refresh)} | ${
          base && s.sweeps === base.sweeps ? `${(s.seconds / base.seconds).toFixed(2)}× time` : '–'
        } | ${s.logZ.toFixed(6)} |`;
      rows.push(row('fsbayes epClassify, parallel (TS + wasm linalg)', o.fixed));
      if (base) rows.push(row('numpy + scipy (LAPACK dpotrf, dtrtri)', base));
      else skipped = np as string;
      rows.push(row('fsbayes, parallel, to convergence (tol 1e−4)', o.conv));
      if (base)
        rows.push(
          '',
          `N = ${n}: |Δ log Z| after ${sweeps} sweeps = ${Math.abs(o.fixed.logZ - base.logZ).toExponential(1)}`,
          '',
        );
    }
    if (skipped) rows.push('', `numpy baseline skipped: ${skipped}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows.join('\n');
}

/**
 * What float32 kernels (the GPU path) cost EP: log P(S) of binarised MNIST
 * subsets (fcn:128,128, σ_w = 1.41, σ_b = 0.1) on the float64 kernel and on
 * the float32 model of the GPU kernel (`fcnKernelF32Model`).
 */
export function benchKernelPrecision(opts: { quick: boolean }): string {
  const sizes = opts.quick ? [200] : [200, 1000];
  const p = { hidden: 2, activation: 'relu' as const, sigmaW: 1.41, sigmaB: 0.1, bias: true };
  const rows = [
    '| |S| | max rel. entry error | log P(S), float64 kernel | log P(S), float32 kernel | difference (nats) |',
    '|---:|---:|---:|---:|---:|',
  ];
  for (const n of sizes) {
    const split = mnistDataset({ trainSize: n, testSize: 20, seed: 1 });
    const X = split.train.inputs;
    const d = split.train.d;
    const y = Int8Array.from(split.train.labels, (l) => (l ? 1 : -1));
    const k64 = fcnKernel(X, n, d, p).nngp;
    const k32 = fcnKernelF32Model(X, n, d, p).nngp;
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        worst = Math.max(worst, Math.abs(k32[i * n + j] - k64[i * n + j]) / Math.sqrt(k64[i * n + i] * k64[j * n + j]));
    const a = logMarginalLikelihood(k64, n, y).logPS;
    const b = logMarginalLikelihood(k32, n, y).logPS;
    rows.push(`| ${n} | ${worst.toExponential(1)} | ${a.toFixed(5)} | ${b.toFixed(5)} | ${(b - a).toExponential(1)} |`);
  }
  return rows.join('\n');
}
