/**
 * Linear-algebra benchmark (float64): the FCN NNGP kernel (N = 4000,
 * d = 784, 2 ReLU layers), its Gram step, Cholesky (N = 1000, 2000, 4000)
 * and triangular solves, each beside numpy/LAPACK doing the same
 * (`scripts/bench/numpy_linalg.py`, run when python3 with numpy is present,
 * skipped otherwise). Our numbers are sync calls (the calling thread plus
 * workers), medians after a warm-up call; numpy runs before ours, never at
 * the same time. Also measures the copy in/out of wasm memory that every
 * call pays.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cholesky, closeLinalg, gram, linalgInfo, Rng, solveTriangular } from '@fsbayes/core';
import { type FcnKernelParams, fcnKernel } from '@fsbayes/nngp';

interface NumpyRow {
  op: string;
  n: number;
  seconds: number;
  transpose?: boolean;
  nrhs?: number;
  numpy: string;
}

function numpyBaseline(quick: boolean): NumpyRow[] {
  const script = fileURLToPath(new URL('../../bench/numpy_linalg.py', import.meta.url));
  const r = spawnSync('python3', [script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) {
    console.error(
      `numpy linalg baseline skipped: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing'}`,
    );
    return [];
  }
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as NumpyRow);
}

/** Median seconds of `reps` calls after one warm-up call. */
function timeIt(f: () => unknown, reps: number): number {
  f();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, z) => a - z);
  return ts[ts.length >> 1];
}

function uniform(len: number, seed: number): Float64Array {
  const rng = new Rng(seed, 'bench', 'linalg');
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = rng.uniform();
  return out;
}

/** X Xᵀ + 0.1·n·I for X n×50 standard-ish normal: the SPD test matrix (numpy builds the same kind). */
function spd(n: number): Float64Array {
  const X = uniform(n * 50, n).map((u) => u - 0.5);
  const A = gram(X, n, 50);
  for (let i = 0; i < n; i++) A[i * n + i] += 0.1 * n;
  return A;
}

const fmtS = (s: number) => (s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(3)} s`);

export async function benchLinalg(opts: { quick: boolean }): Promise<string> {
  const reps = opts.quick ? 3 : 7;
  const numpy = numpyBaseline(opts.quick);
  const np = (op: string, n: number, pred: (r: NumpyRow) => boolean = () => true) =>
    numpy.find((r) => r.op === op && r.n === n && pred(r))?.seconds;
  const info = linalgInfo();
  const rows: string[] = [];
  const row = (what: string, ours: number, flops: number | undefined, theirs: number | undefined) => {
    const gf = flops ? (flops / ours / 1e9).toFixed(1) : '–';
    const base = theirs === undefined ? '–' : fmtS(theirs);
    const ratio =
      theirs === undefined
        ? '–'
        : ours <= theirs
          ? `**${(theirs / ours).toFixed(2)}× faster**`
          : `${(ours / theirs).toFixed(2)}× slower`;
    rows.push(`| ${what} | ${fmtS(ours)} | ${gf} | ${base} | ${ratio} |`);
  };

  // FCN kernel and its Gram step
  {
    const n = 4000;
    const d = 784;
    const X = uniform(n * d, 1);
    const p: FcnKernelParams = { hidden: 2, activation: 'relu', sigmaW: 1.4, sigmaB: 0.1, bias: true };
    row(
      `Gram X Xᵀ, N=${n}, d=${d}`,
      timeIt(() => gram(X, n, d), reps),
      n * n * d,
      np('gram', n),
    );
    const fr = Math.max(3, reps >> 1);
    row(
      `FCN NNGP, N=${n}, d=${d}, 2 ReLU layers`,
      timeIt(() => fcnKernel(X, n, d, p), fr),
      undefined,
      np('fcn', n),
    );
    const pn = { ...p, ntk: true };
    row(
      `FCN NNGP + NTK, N=${n}, d=${d}, 2 ReLU layers`,
      timeIt(() => fcnKernel(X, n, d, pn), fr),
      undefined,
      undefined,
    );
  }
  // Cholesky and solves
  let copy = '';
  for (const n of [1000, 2000, 4000]) {
    const A = spd(n);
    row(
      `Cholesky N=${n}`,
      timeIt(() => cholesky(A, n, { jitter: 0 }), reps),
      n ** 3 / 3,
      np('cholesky', n),
    );
    const { L } = cholesky(A, n);
    const b = uniform(n, 7);
    for (const tr of [false, true]) {
      row(
        `triangular solve N=${n}, 1 rhs${tr ? ', Lᵀ' : ''}`,
        timeIt(() => solveTriangular(L, n, b, 1, { transpose: tr }), reps),
        n * n,
        np('trsv', n, (r) => r.transpose === tr),
      );
    }
    const B = uniform(n * 256, 9);
    row(
      `triangular solve N=${n}, 256 rhs`,
      timeIt(() => solveTriangular(L, n, B, 256), reps),
      n * n * 256,
      np('trsm', n),
    );
    if (n === 4000) {
      // what a wasm call pays to move a 4000×4000 matrix in (into reused shared memory) and out (a fresh array)
      const shared = new Float64Array(new SharedArrayBuffer(A.byteLength));
      const tIn = timeIt(() => shared.set(A), reps);
      const tOut = timeIt(() => shared.slice(), reps);
      copy = `Copying one ${n}×${n} float64 matrix (128 MB) into the wasm memory takes ${fmtS(tIn)} and out into a fresh array ${fmtS(tOut)} here (included above; the fresh array's page faults dominate).`;
    }
  }
  await closeLinalg();
  const head = [
    `fsbayes: ${info.detail}; numpy: ${numpy[0] ? `numpy ${numpy[0].numpy} (OpenBLAS/LAPACK; Cholesky is the faster of numpy.linalg and scipy.linalg)` : 'skipped (no python3 with numpy)'}. GFLOP/s: Gram n²d, Cholesky n³/3, solves n²·nrhs.`,
    '',
    '| workload (float64) | fsbayes | GFLOP/s | numpy/LAPACK | fsbayes vs numpy |',
    '|---|---:|---:|---:|---:|',
  ];
  return [...head, ...rows, '', copy].join('\n');
}
