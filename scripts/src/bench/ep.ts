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
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closeLinalg, mnistDataset, Rng } from '@fsbayes/core';
import { epClassify, fcnKernel, fcnKernelF32Model, logMarginalLikelihood } from '@fsbayes/nngp';

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
