/**
 * A "system" of the experiments: a spec, a split S/E with labels, and the
 * NNGP kernel on S ∪ E (S first) — everything the three routes to P(f|S)
 * (EP, rejection sampling, SGD) and the comparison share.
 */
import {
  bitsToHex,
  booleanDataset,
  type FunctionTable,
  lzComplexity,
  type PbFile,
  parseArch,
  type Split,
  splitBySize,
} from '@fsbayes/core';
import { kernelMatrix, type PbOfTableOptions, type PbSystem, pbOfTableAsync, stackSplit } from '@fsbayes/nngp';
import type { PointSet } from '@fsbayes/sampler';
import { type ExperimentContext, epSweepLines, progress } from './context.js';

/** A split, its spec and NNGP kernel on S ∪ E (S first; nngp's PbSystem), and the point sets the routes train and sample on. */
export interface System extends PbSystem {
  label: string;
  train: PointSet & { labels: Uint8Array };
  test: PointSet & { labels: Uint8Array };
}

/** A system from a split: spec of `arch` on its inputs, and the kernel. */
export function systemOf(label: string, split: Split, arch: string, sigmaW: number, sigmaB: number): System {
  const spec = parseArch(arch, { inputShape: split.train.shape, activation: 'relu', sigmaW, sigmaB });
  const s = stackSplit(split);
  let K: Float64Array | undefined;
  return {
    label,
    spec,
    split,
    // Computed when first read: the SGD and sampler parts of a plan never need it (at full MNIST scale it is 10⁴ × 10⁴).
    get K() {
      K ??= kernelMatrix(spec, s.X, s.nS + s.nE);
      return K;
    },
    nS: s.nS,
    nE: s.nE,
    y: s.y,
    train: { inputs: split.train.inputs, m: split.train.m, labels: split.train.labels },
    test: { inputs: split.test.inputs, m: split.test.m, labels: split.test.labels },
  };
}

/** '0011' repeated (the authors' target 6) with `flips` seeded bit flips: complexity grows with flips. */
export function booleanTarget(n: number, flips: number, rngInts: () => number): string {
  const m = 2 ** n;
  const bits = Array.from({ length: m }, (_, i) => (i % 4 >= 2 ? 1 : 0));
  const idx = Array.from({ length: m }, (_, i) => i);
  for (let i = m - 1; i > 0; i--) {
    const j = rngInts() % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  for (let k = 0; k < flips; k++) bits[idx[k]] ^= 1;
  return bits.join('');
}

/** The Boolean system: n-bit inputs, the given target, |S| chosen with the seed. */
export function booleanSystem(
  target: string,
  n: number,
  trainSize: number,
  seed: number,
  arch = 'fcn:40,40',
  sigmaW = 1,
  sigmaB = 1,
): System & { target: string; lz: number; targetHex: string } {
  const ds = booleanDataset({ n, target });
  const split = splitBySize(ds, trainSize, seed);
  const hex = bitsToHex(Uint8Array.from(target, (c) => (c === '1' ? 1 : 0)));
  const sys = systemOf(`target ${hex}`, split, arch, sigmaW, sigmaB);
  return { ...sys, target, lz: lzComplexity(target), targetHex: hex };
}

/** 'EP' or 'Botev', for messages. */
export function estimatorName(pb: Pick<PbFile, 'method'>): string {
  return pb.method === 'botev' ? 'Botev' : 'EP';
}

/**
 * P_B for the most frequent `limit` functions of `table` (on E), with a progress bar: by EP unless
 * `o.method` says otherwise (Botev runs on the context's threads; its numbers do not depend on them).
 */
export async function pbWithProgress(
  ctx: ExperimentContext,
  sys: System,
  table: FunctionTable,
  limit: number,
  o: Pick<PbOfTableOptions, 'method' | 'samples'> = {},
): Promise<PbFile> {
  const n = Math.min(limit, table.distinct);
  const bar = progress(ctx, `P_B by ${o.method === 'botev' ? 'Botev' : 'EP'}, ${sys.label}`, n, 'functions');
  const pb = await pbOfTableAsync(sys, table, {
    limit,
    onProgress: (d) => bar.update(d),
    onSweepS: epSweepLines(ctx, `P_B by EP, ${sys.label}: EP on S`),
    seed: ctx.seed,
    ...o,
    threads: ctx.threads,
  });
  bar.done();
  return pb;
}
