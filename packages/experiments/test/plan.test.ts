/**
 * The pieces of a cluster plan: a step split into parts and merged equals
 * the step run whole (frozen features and P_B here; SGD and rejection with
 * its accept cut run end to end in test/slurm-plan.test.ts), and the parsing
 * of Slurm times and shard counts.
 */
import { FunctionTable, type PbFile, ResumableRun } from '@fsbayes/core';
import { pbOfTable } from '@fsbayes/nngp';
import { describe, expect, it } from 'vitest';
import {
  EXPERIMENTS,
  type ExperimentContext,
  mergePbFiles,
  parseShardCounts,
  parseSlurmTime,
  slurmTime,
} from '../src/index.js';
import { rankRange } from '../src/repro/pb-parts.js';
import { pbStep, sgdStep } from '../src/repro/shards.js';
import { booleanSystem, booleanTarget } from '../src/repro/system.js';

/** 0/1 labels as a function key's words. */
function packed(bits: ArrayLike<number>): Uint32Array {
  const words = new Uint32Array(Math.ceil(bits.length / 32));
  for (let i = 0; i < bits.length; i++) if (bits[i]) words[i >>> 5] |= 1 << (i & 31);
  return words;
}

function lastLayerContext(): ExperimentContext {
  return {
    name: 'lastlayer',
    scale: 'small',
    out: '',
    seed: 3,
    quiet: true,
    threads: 1,
    overrides: { widths: [40], rejectionMaxWidth: 1, features: 5, frozenSamples: 60, pbLimit: 4 },
  };
}

describe('sharded steps', () => {
  it('frozen features: hidden-layer draws split over parts merge to the whole run', async () => {
    const exp = EXPERIMENTS.find((e) => e.name === 'lastlayer');
    const steps = exp?.steps?.(lastLayerContext()) ?? [];
    const frozen = steps.find((s) => s.kind === 'frozen');
    if (!frozen) throw new Error('lastlayer has no frozen step');
    expect(frozen.items).toBe(5);
    const whole = (await frozen.whole()) as { table: FunctionTable; logPS: number };
    const parts: object[] = [];
    for (const [first, count] of [
      [0, 2],
      [2, 1],
      [3, 2],
    ]) {
      const p = await frozen.part(first, count, ResumableRun.inMemory());
      if (!p) throw new Error('a part stopped');
      parts.push(JSON.parse(JSON.stringify(p)));
    }
    const merged = (await frozen.merge(parts)) as { table: FunctionTable; logPS: number };
    expect(merged.table.toJSON()).toEqual(whole.table.toJSON());
    expect(merged.logPS).toBe(whole.logPS);
  });

  it('P_B of rank ranges merges to P_B of all the functions, by EP and by Botev (its rows with stderr and upperBound)', () => {
    const sys = booleanSystem(
      booleanTarget(7, 4, () => 5),
      7,
      32,
      2,
    );
    const table = new FunctionTable(sys.nE, sys.test.labels);
    // The labels, and functions a few flips away (different counts and ties, so the ranking matters).
    const base = Uint8Array.from(sys.test.labels);
    for (let k = 0; k < 7; k++) {
      const bits = base.slice();
      for (let j = 0; j < k; j++) bits[(j * 13) % bits.length] ^= 1;
      table.add(packed(bits), 1 + (k % 3));
    }
    const ranges: [number, number][] = [
      [0, 2],
      [2, 5],
      [5, 6],
    ];
    for (const o of [{ method: 'ep' as const }, { method: 'botev' as const, samples: 400, samplesS: 4000, seed: 7 }]) {
      const whole = pbOfTable(sys, table, { limit: 6, ...o });
      const parts = ranges.map(([a, b]) => ({
        file: pbOfTable(sys, rankRange(table, a, b - a, 6), { limit: 6, ...o }),
        first: a,
        end: b,
        name: `[${a}, ${b})`,
      }));
      const merged = mergePbFiles(parts);
      expect(JSON.stringify(merged)).toBe(JSON.stringify(whole));
      if (o.method === 'botev') expect(merged.functions.every((f) => f.stderr !== undefined)).toBe(true);
    }
  });

  it('a P_B step with fewer functions than ranks: empty parts, merged to the whole step (EP and Botev)', async () => {
    const sys = booleanSystem(
      booleanTarget(7, 0, () => 0),
      7,
      32,
      1,
    );
    const found = new FunctionTable(sys.nE, sys.test.labels);
    found.add(packed(sys.test.labels), 3);
    found.add(packed(sys.test.labels.map((b, i) => (i < 3 ? 1 - b : b))), 2);
    found.add(packed(sys.test.labels.map((b, i) => (i % 7 === 0 ? 1 - b : b))), 2);
    const source = sgdStep(lastLayerContext(), 'sgd', sys, 1, { optimizer: 'sgd', batch: 8 });
    source.result = { table: found, runs: 7, fitted: 7, notFitted: 0, meanEpochs: 1, meanTestError: 0, seconds: 0 };
    for (const estimate of [{ method: 'ep' as const }, { method: 'botev' as const, samples: 300 }]) {
      const pb = pbStep(lastLayerContext(), 'pb', sys, [source], 8, estimate);
      const whole = await pb.whole();
      expect(whole.method).toBe(estimate.method);
      const parts: object[] = [];
      for (const [first, count] of [
        [0, 2],
        [2, 3],
        [5, 3],
      ])
        parts.push(JSON.parse(JSON.stringify(await pb.part(first, count, ResumableRun.inMemory()))));
      expect(parts.map((p) => (p as { pb: unknown }).pb === null)).toEqual([false, false, true]);
      const merged = await pb.merge(parts);
      expect(merged.functions).toHaveLength(3);
      expect(JSON.stringify(merged)).toBe(JSON.stringify(whole));
    }
  });

  it('P_B parts of different files are refused (estimator, log P(S)); warnings of one part keep its range', () => {
    const f = (logPS: number, method = 'ep'): PbFile =>
      ({
        format: 'fsbayes.pb',
        formatVersion: 1,
        logPS,
        method,
        nS: 1,
        nE: 1,
        massCovered: 0.5,
        converged: true,
        warnings: ['w'],
        functions: [{ key: '0x1', count: 1, errors: 0, logPB: Math.log(0.5) }],
        provenance: { tool: 'fsbayes' },
      }) as unknown as PbFile;
    const part = (file: PbFile, first: number) => ({ file, first, end: first + 1, name: `part ${first + 1}` });
    const ok = mergePbFiles([
      part(f(-1), 0),
      part({ ...f(-1), warnings: ['w', 'only here', 'EP did not converge for 1 of 1 functions'] }, 1),
      part({ ...f(-1), warnings: ['w', 'EP did not converge for 1 of 1 functions'] }, 2),
    ]);
    // A warning that counts functions is the part's own count, even where every part gives it.
    expect(ok.warnings).toEqual([
      'w',
      'functions of rank [1, 2): only here',
      'functions of rank [1, 2): EP did not converge for 1 of 1 functions',
      'functions of rank [2, 3): EP did not converge for 1 of 1 functions',
    ]);
    expect(ok.massCovered).toBe(1.5);
    expect(() => mergePbFiles([part(f(-1), 0), part(f(-2), 1)])).toThrow(/part 2 and part 1 .*log P\(S\) differs/);
    expect(() => mergePbFiles([part(f(-1), 0), part(f(-1, 'botev'), 1)])).toThrow(/estimator \(method\) differs/);
    expect(() => mergePbFiles([part(f(-1), 1), part(f(-1), 0)])).toThrow(/overlap or are out of order/);
  });
});

describe('plan options', () => {
  it('Slurm times', () => {
    expect(parseSlurmTime('1-02:03:04')).toBe(93_784);
    expect(parseSlurmTime('02:03:04')).toBe(7384);
    expect(parseSlurmTime('90')).toBe(5400); // minutes
    expect(parseSlurmTime('01:30')).toBe(90); // minutes:seconds
    expect(parseSlurmTime('2-5')).toBe(2 * 86_400 + 5 * 3600);
    expect(parseSlurmTime('soon')).toBeNull();
    expect(slurmTime(3601)).toBe('01:01:00'); // rounded up to the minute
    expect(slurmTime(2 * 86_400 + 60)).toBe('2-00:01:00');
    for (const s of [900, 7380, 93_780]) expect(parseSlurmTime(slurmTime(s))).toBe(s);
  });

  it('shard counts', () => {
    expect(parseShardCounts('auto')).toEqual({ all: 'auto', byKind: {} });
    expect(parseShardCounts('64,rejection=200,pb=8')).toEqual({ all: 64, byKind: { rejection: 200, pb: 8 } });
    expect(() => parseShardCounts('0')).toThrow(/integer in 1 … 1000/);
    expect(() => parseShardCounts('sgd=x')).toThrow(/sgd must be an integer/);
    expect(() => parseShardCounts('adam=3')).toThrow(/unknown step kind 'adam'/);
  });
});
