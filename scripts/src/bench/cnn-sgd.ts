/**
 * CNN SGD throughput (`pnpm bench --only cnn`): runs per second to 100%
 * training accuracy for the wasm lockstep trainer (1 and all threads) and
 * the float64 js reference, beside a numpy trainer of the same nets batched
 * over runs (`scripts/bench/numpy_cnn_sgd.py`: im2col + batched matmul,
 * manual backprop; skipped without python3 and numpy). numpy draws its own
 * initialisation from the same prior, so its mean epochs differ slightly.
 *
 * Workload: small binarised MNIST (|S| = 100, |E| = 50), cnn:c8k5s2,d32
 * (28×28×1 → 12×12×8 → 32 → 1, ReLU, σ_w = 1.41, σ_b = 0.1), plain SGD
 * η = 0.01, batch 32, cross-entropy, fit checked every epoch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CnnSpec, mnistDataset, parseArch } from '@fsbayes/core';
import { sgdFmaSupport } from '@fsbayes/sgd';
import { markdownRows, numpyRow, type Row, runNumpy, timeOne, type Workload, writePoints } from './sgd.js';

/** The CNN SGD benchmark as a markdown table. */
export async function benchCnnSgd(o: { quick: boolean }): Promise<string> {
  const arch = 'cnn:c8k5s2,d32';
  const mn = mnistDataset({ trainSize: 100, testSize: 50, seed: 1 });
  const spec = parseArch(arch, { inputShape: mn.train.shape, sigmaW: 1.41, sigmaB: 0.1 }) as CnnSpec;
  const w: Workload = {
    name: `${arch} on 100 MNIST digits (batch 32)`,
    spec,
    train: mn.train,
    test: mn.test,
    batch: 32,
    runs: o.quick ? { wasm: 32, js: 2, numpy: 32 } : { wasm: 128, js: 4, numpy: 128 },
    maxEpochs: 2_000,
  };
  const cores = availableParallelism();
  const variant = sgdFmaSupport() ? 'fma' : 'simd';
  const rows: Row[] = [];
  for (const threads of [1, cores])
    rows.push({
      config: `wasm ${variant === 'fma' ? 'simd+fma' : 'simd'}, ${threads} thread${threads > 1 ? 's' : ''}`,
      ...(await timeOne(w, { kind: 'wasm', variant, groups: 8 }, threads, w.runs.wasm)),
    });
  rows.push({ config: `js reference, ${cores} threads`, ...(await timeOne(w, { kind: 'js' }, cores, w.runs.js)) });
  const dir = mkdtempSync(join(tmpdir(), 'fsbayes-bench-cnn-'));
  const np: Row[] = [];
  try {
    const file = join(dir, 's.bin');
    writePoints(file, w.train);
    const [H, W, C] = spec.inputShape;
    const geometry = JSON.stringify({
      convs: spec.convs.map((c) => [c.channels, ...c.kernel, ...c.stride, c.padding]),
      pooling: spec.pooling,
      hidden: spec.hidden,
    });
    for (const dtype of o.quick ? ['f32'] : ['f32', 'f64']) {
      const args = [file, `${H}`, `${W}`, `${C}`, `${w.train.m}`, geometry, '0.01', `${w.batch}`];
      const r = runNumpy('numpy_cnn_sgd.py', [...args, `${w.runs.numpy}`, `${w.maxEpochs}`, dtype, '1.41', '0.1']);
      if (!r) break;
      np.push(numpyRow(w, r, dtype));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [...markdownRows(w.name, [...rows, ...np], np), ''].join('\n');
}
