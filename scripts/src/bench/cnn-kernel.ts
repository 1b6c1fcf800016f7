/**
 * CNN-GP kernel benchmark (float64, flatten readout): the NNGP of the
 * paper-like 4-layer CNN (filters 5×5, 2×2, 5×5, 2×2, SAME — 28×28 positions
 * in every layer, the costliest padding; σ_w 1.41, σ_b 0.1, relu) on n
 * MNIST digits, ours (`kernelMatrix` → core's threaded wasm conv-map
 * engine) beside numpy doing the same recursion vectorised over pairs
 * (`scripts/bench/numpy_cnn_kernel.py`; skipped when python3 with numpy is
 * absent), one after the other, never at the same time. The two kernels are
 * compared entry by entry at the smallest size. numpy's time at large n may
 * be extrapolated from its first pairs (`--cnn-numpy-pairs`, said so in the
 * table); ours at n = 10,000 is always extrapolated from the largest
 * measured size (time ∝ pairs, said so).
 * Options (read here, so that index.ts only calls this): --cnn-sizes 500,2000
 * (default; --quick: 200,500), --cnn-numpy-pairs P (default 125,250, all
 * pairs of n = 500).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CnnSpec, closeLinalg, linalgInfo, mnistDataset, parseArch } from '@fsbayes/core';
import { kernelMatrix } from '@fsbayes/nngp';

const ARCH = 'cnn:c32k5same,c32k2same,c32k5same,c32k2same';
const SW = 1.41;
const SB = 0.1;

interface NumpyRow {
  n: number;
  pairs: number;
  pairsTimed: number;
  seconds: number;
  extrapolated: boolean;
  numpy: string;
}

function numpyRun(
  dir: string,
  X: Float64Array,
  n: number,
  spec: CnnSpec,
  maxPairs: number,
  out?: string,
): NumpyRow | string {
  const images = path.join(dir, `images-${n}.f64`);
  writeFileSync(images, X.subarray(0, n * 784));
  const script = fileURLToPath(new URL('../../bench/numpy_cnn_kernel.py', import.meta.url));
  const convs = spec.convs.map((c) => `${c.kernel[0]},${c.stride[0]},${c.padding}`).join(';');
  const args = [script, '--images', images, '--n', String(n), '--shape', spec.inputShape.join(','), '--convs', convs];
  args.push('--sw', String(SW), '--sb', String(SB), '--max-pairs', String(maxPairs));
  if (out) args.push('--out', out);
  const r = spawnSync('python3', args, { encoding: 'utf8', timeout: 3_600_000 });
  if (r.status !== 0) return r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'python3 missing';
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as NumpyRow;
}

const fmtS = (s: number) => (s < 60 ? `${s.toFixed(2)} s` : `${(s / 60).toFixed(1)} min`);

/** The value after a flag, as numbers (undefined when the flag is absent). */
function flagNumbers(flag: string): number[] | undefined {
  const at = process.argv.indexOf(flag);
  return at > 0 ? (process.argv[at + 1] ?? '').split(',').map(Number) : undefined;
}

/** Measure, print the section (markdown) and return it. */
export async function benchCnnKernel(opts: { quick: boolean }): Promise<string> {
  const sizes = flagNumbers('--cnn-sizes') ?? (opts.quick ? [200, 500] : [500, 2000]);
  for (const n of sizes)
    if (!Number.isInteger(n) || n < 2 || n > 9999)
      throw new Error(`--cnn-sizes: ${n} is not an integer in [2, 9999] (the MNIST digits)`);
  // numpy: all pairs up to n = 500, then its first ~125,000 pairs, scaled (unless --cnn-numpy-pairs says otherwise)
  const maxPairs = flagNumbers('--cnn-numpy-pairs')?.[0] ?? 125_250;
  const nMax = Math.max(...sizes);
  const split = mnistDataset({ trainSize: nMax, testSize: 1, seed: 1 });
  const X = split.train.inputs;
  const spec = parseArch(ARCH, { inputShape: split.train.shape, sigmaW: SW, sigmaB: SB }) as CnnSpec;
  const dir = mkdtempSync(path.join(tmpdir(), 'fsbayes-bench-cnn-'));
  const rows: string[] = [
    `MNIST digits (28×28×1), ${ARCH} (flatten), relu, σ_w ${SW}, σ_b ${SB}: the NNGP kernel, n×n (pairs = n(n+1)/2). ` +
      `Ours: ${linalgInfo().detail}; numpy: the same recursion vectorised over pairs (chunks of 256), one thread of numpy ufuncs. ` +
      `Load average at the start: ${loadavg()[0].toFixed(1)} (${linalgInfo().threads} threads here).`,
    '',
    '| n | pairs | ours | µs / pair | numpy | numpy / ours |',
    '|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  let last = { n: 0, seconds: 0 };
  try {
    // warm-up (V8 tiers the wasm functions up on their first calls)
    kernelMatrix(spec, X.subarray(0, 40 * 784), 40);
    for (const n of sizes) {
      const pairs = (n * (n + 1)) / 2;
      const kFile = n === sizes[0] ? path.join(dir, 'numpy-kernel.f64') : undefined;
      const np = numpyRun(dir, X, n, spec, maxPairs, kFile);
      const t0 = performance.now();
      const K = kernelMatrix(spec, X.subarray(0, n * 784), n);
      const ours = (performance.now() - t0) / 1000;
      last = { n, seconds: ours };
      let theirs = '–';
      let ratio = '–';
      if (typeof np === 'string') notes.push(`numpy at n = ${n} skipped: ${np}`);
      else {
        theirs = `${fmtS(np.seconds)}${np.extrapolated ? ` (extrapolated from ${np.pairsTimed.toLocaleString('en')} pairs)` : ''}`;
        ratio = `${(np.seconds / ours).toFixed(1)}×`;
        if (kFile && !np.extrapolated) {
          const Kn = new Float64Array(readFileSync(kFile).buffer.slice(0));
          let num = 0;
          let den = 0;
          for (let k = 0; k < K.length; k++) {
            num = Math.max(num, Math.abs(K[k] - Kn[k]));
            den = Math.max(den, Math.abs(Kn[k]));
          }
          notes.push(`ours vs numpy at n = ${n}: max |ΔK| / max |K| = ${(num / den).toExponential(1)}.`);
        }
      }
      rows.push(
        `| ${n} | ${pairs.toLocaleString('en')} | ${fmtS(ours)} | ${((ours / pairs) * 1e6).toFixed(1)} | ${theirs} | ${ratio} |`,
      );
    }
    const big = 10_000;
    const scale = (big * (big + 1)) / (last.n * (last.n + 1));
    rows.push(
      `| ${big.toLocaleString('en')} | ${((big * (big + 1)) / 2).toLocaleString('en')} | ~${fmtS(last.seconds * scale)} (extrapolated from n = ${last.n}, time ∝ pairs) | – | – | – |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await closeLinalg();
  }
  const md = [...rows, '', ...notes, `Load average at the end: ${loadavg()[0].toFixed(1)}.`].join('\n');
  console.log(`## CNN-GP kernel (flatten, float64) on MNIST\n\n${md}\n`);
  return md;
}
