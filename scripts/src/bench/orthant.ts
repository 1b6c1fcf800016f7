/**
 * P_B by Botev on the Boolean system (n = 7, FCN 40,40 ReLU, σ_w = σ_b = 1,
 * |S| = 32 chosen with seed 1, |E| = 96, target 0011…): functions per second
 * at the default 10⁴ importance samples, on one thread and on all cores, with
 * the warm start from S and without it (Newton iterations), the standard
 * errors it gives, and EP's joint P_B on the same functions for comparison.
 * Functions: the target on E with 0–15 seeded bit flips (those SGD finds are
 * of this kind). The machine's load average is printed beside the numbers.
 */
import os from 'node:os';
import { booleanDataset, keyOfBits, parseArch, Rng, splitBySize } from '@fsbayes/core';
import {
  botevPosteriorProbabilities,
  botevPosteriorProbabilitiesParallel,
  kernelMatrix,
  logPosteriorProbabilities,
  stackSplit,
} from '@fsbayes/nngp';

function booleanBenchSystem() {
  const n = 7;
  const target = Array.from({ length: 2 ** n }, (_, i) => (i % 4 >= 2 ? '1' : '0')).join('');
  const split = splitBySize(booleanDataset({ n, target }), 32, 1);
  const spec = parseArch('fcn:40,40', { inputShape: split.train.shape, activation: 'relu', sigmaW: 1, sigmaB: 1 });
  const s = stackSplit(split);
  return { K: kernelMatrix(spec, s.X, s.nS + s.nE), nS: s.nS, nE: s.nE, y: s.y, testLabels: split.test.labels };
}

const median = (v: ArrayLike<number>) => {
  const s = Array.from(v).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : Number.NaN;
};

/** The Botev P_B rates as a markdown table (--quick: 24 functions, else 120). */
export async function benchOrthant(opts: { quick: boolean }): Promise<{ markdown: string; rows: object[] }> {
  const sys = booleanBenchSystem();
  const count = opts.quick ? 24 : 120;
  const rng = new Rng(1, 'bench-orthant');
  const fns: Uint8Array[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; fns.length < count; attempt++) {
    const b = Uint8Array.from(sys.testLabels);
    const flips = attempt % 16;
    for (let k = 0; k < flips; k++) b[rng.int(sys.nE)] ^= 1;
    const key = keyOfBits(b);
    if (seen.has(key)) continue;
    seen.add(key);
    fns.push(b);
  }
  const yS = sys.y.subarray(0, sys.nS);
  const load0 = os.loadavg()[0];
  const rows: {
    run: string;
    threads: number;
    functions: number;
    seconds: number;
    perSecond: number;
    iterations: number;
    stderr: number;
  }[] = [];
  const time = async (
    run: string,
    threads: number,
    f: () =>
      | Promise<{ iterations?: Int32Array; stderr?: Float64Array }>
      | { iterations?: Int32Array; stderr?: Float64Array },
    k: number,
  ) => {
    const t0 = performance.now();
    const r = await f();
    const seconds = (performance.now() - t0) / 1000;
    rows.push({
      run,
      threads,
      functions: k,
      seconds,
      perSecond: k / seconds,
      iterations: r.iterations ? median(r.iterations) : Number.NaN,
      stderr: r.stderr ? median(r.stderr) : Number.NaN,
    });
  };
  // warm-up (V8 tiers up on the sampling loop), not timed
  botevPosteriorProbabilities(sys.K, sys.nS, yS, fns.slice(0, 2), { samples: 2000, samplesS: 2000 });
  // the S term alone (10⁵ samples), so that the per-function rates below can leave it out
  await time('log P(S) alone (10⁵ samples)', 1, () => botevPosteriorProbabilities(sys.K, sys.nS, yS, [], {}), 0);
  const sTime = rows[0].seconds;
  await time('Botev, warm start from S', 1, () => botevPosteriorProbabilities(sys.K, sys.nS, yS, fns, {}), count);
  const half = fns.slice(0, count / 2);
  await time(
    'Botev, cold start',
    1,
    () => botevPosteriorProbabilities(sys.K, sys.nS, yS, half, { warmStart: 'none' }),
    half.length,
  );
  const cores = os.availableParallelism();
  await time(
    `Botev, warm start, ${cores} worker threads`,
    cores,
    () => botevPosteriorProbabilitiesParallel(sys.K, sys.nS, yS, fns, { threads: cores }),
    count,
  );
  await time(
    'EP joint (for comparison)',
    1,
    () => logPosteriorProbabilities(sys.K, sys.nS, yS, half, { mode: 'joint' }),
    half.length,
  );
  const load1 = os.loadavg()[0];
  const md = [
    `Boolean system, |S| = 32, |E| = 96 (joint orthants of d = 128), ${count} functions (target with 0–15 flips), Botev at 10⁴ samples per function; log P(S) (10⁵ samples, once per call) took ${sTime.toFixed(2)} s and is included below. Load average ${load0.toFixed(2)} → ${load1.toFixed(2)} on ${cores} cores (os.loadavg).`,
    '',
    '| run | threads | functions | seconds | functions/s | median Newton iterations | median stderr of log P_B |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows
      .slice(1)
      .map(
        (r) =>
          `| ${r.run} | ${r.threads} | ${r.functions} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(2)} | ${Number.isNaN(r.iterations) ? '–' : r.iterations} | ${Number.isNaN(r.stderr) ? '–' : r.stderr.toFixed(3)} |`,
      ),
  ].join('\n');
  return { markdown: md, rows: rows.map((r) => ({ ...r, load: [load0, load1] })) };
}
