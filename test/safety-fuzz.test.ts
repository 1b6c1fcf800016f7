/**
 * Safety fuzz test (issue 10, "Done when"): at least 200 malformed inputs per
 * run — architecture strings and specs, masks and targets, JSON function
 * tables and checkpoints, CSV and IDX files, kernels — generated from one
 * seed and run through the library entry points. Each must end in an
 * FsbayesError whose message names what was injected, or in a result whose
 * `warnings` say why it is not to be trusted; never another exception type,
 * never a NaN without a warning.
 *
 * Replay: `FSBAYES_FUZZ_SEED=<seed> npx vitest run test/safety-fuzz.test.ts`
 * (each case also draws from its own stream (seed, 'fuzz', group, index), so
 * the failure report's group and index pin the input down).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsbayesError, parseArch } from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import { archCases, specCases } from './fuzz/gen-arch.js';
import { bitsCases } from './fuzz/gen-bits.js';
import { csvCases } from './fuzz/gen-csv.js';
import { idxCases } from './fuzz/gen-idx.js';
import { kernelCases } from './fuzz/gen-kernel.js';
import { checkpointCases, keyCases, tableCases } from './fuzz/gen-table.js';
import { FUZZ_SEED, type FuzzCase, judge, preview } from './fuzz/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Cases per group and run (≥ 200 in all without the kernels; the kernels add more). */
const PER_GROUP = { arch: 40, spec: 30, bits: 60, table: 50, key: 25, checkpoint: 15, csv: 60, idx: 45, kernel: 40 };

function generate(seed: number | string) {
  return {
    arch: archCases(seed, PER_GROUP.arch),
    spec: specCases(seed, PER_GROUP.spec),
    bits: bitsCases(seed, PER_GROUP.bits),
    table: tableCases(seed, PER_GROUP.table, join(dir, `table-${seed}`)),
    key: keyCases(seed, PER_GROUP.key),
    checkpoint: checkpointCases(seed, PER_GROUP.checkpoint, join(dir, `ckpt-${seed}`)),
    csv: csvCases(seed, PER_GROUP.csv, join(dir, `csv-${seed}`)),
    idx: idxCases(seed, PER_GROUP.idx, join(dir, `idx-${seed}`)),
  };
}

/** Run every case, collecting failures with what it takes to replay them. */
function runAll(cases: FuzzCase[]): string[] {
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const why = judge(c);
    if (why !== null) {
      failures.push(
        `seed ${JSON.stringify(FUZZ_SEED)}, ${c.group} case ${i} (${c.expect}): ${c.what}\n` +
          `  input: ${preview(c.input)}\n  -> ${why}`,
      );
    }
  });
  return failures;
}

function report(failures: string[], total: number): string {
  return `${failures.length} of ${total} cases misbehaved (replay with FSBAYES_FUZZ_SEED=${FUZZ_SEED}):\n${failures
    .slice(0, 25)
    .join('\n')}${failures.length > 25 ? `\n… and ${failures.length - 25} more` : ''}`;
}

const groups = generate(FUZZ_SEED);

describe('safety fuzz: malformed inputs through the core entry points', () => {
  it('generates at least 200 malformed inputs from the seed, the same ones for the same seed', () => {
    const all = Object.values(groups).flat();
    expect(all.length).toBeGreaterThanOrEqual(200);
    // Most must be certainly invalid, so that the test says something.
    expect(all.filter((c) => c.expect === 'reject').length).toBeGreaterThanOrEqual(150);
    const again = generate(FUZZ_SEED);
    expect(
      Object.values(again)
        .flat()
        .map((c) => `${c.what}|${preview(c.input, 2000)}`),
    ).toEqual(all.map((c) => `${c.what}|${preview(c.input, 2000)}`));
  });

  for (const [group, cases] of Object.entries(groups)) {
    it(`${group}: ${cases.length} cases end in a named FsbayesError or a warned result`, () => {
      const failures = runAll(cases);
      expect(failures, report(failures, cases.length)).toEqual([]);
    });
  }
});

describe('safety fuzz: kernels through the nngp entry points', () => {
  const cases = kernelCases(FUZZ_SEED, PER_GROUP.kernel);
  it(`kernel: ${cases.length} cases end in a named FsbayesError, a warned result or an exact −∞`, () => {
    const failures = runAll(cases);
    expect(failures, report(failures, cases.length)).toEqual([]);
  });
});

describe('the fuzz judge itself', () => {
  const base = { group: 'judge', what: 'synthetic', input: null, expect: 'reject' as const };
  it('flags other exception types, unnamed values, unwarned NaN and unwarned results of invalid inputs', () => {
    expect(
      judge({
        ...base,
        names: [],
        run: () => {
          throw new TypeError('x is undefined');
        },
      }),
    ).toMatch(/threw TypeError/);
    expect(
      judge({
        ...base,
        names: ['1e400'],
        run: () => {
          throw new FsbayesError('bad value');
        },
      }),
    ).toMatch(/does not name "1e400"/);
    expect(judge({ ...base, names: [], run: () => ({ logP: 1 }) })).toMatch(/without warnings/);
    expect(judge({ ...base, expect: 'any', names: [], run: () => ({ x: new Float64Array([1, Number.NaN]) }) })).toMatch(
      /NaN at result\.x\[1\]/,
    );
    expect(judge({ ...base, expect: 'any', names: [], run: () => ({ v: Number.POSITIVE_INFINITY }) })).toMatch(
      /Infinity/,
    );
  });

  it('accepts a named FsbayesError, a warned result, an exact −∞ and a clean result of a maybe-valid input', () => {
    expect(
      judge({
        ...base,
        names: [['line 3', 'row 3'], 'Infinity'],
        run: () => {
          throw new FsbayesError('f.csv: line 3, column 2: "1e400" is not finite (Infinity)');
        },
      }),
    ).toBeNull();
    expect(
      judge({ ...base, names: [], run: () => ({ logP: Number.NaN, warnings: ['EP did not converge'] }) }),
    ).toBeNull();
    expect(judge({ ...base, expect: 'any', names: [], run: () => ({ logP: Number.NEGATIVE_INFINITY }) })).toBeNull();
    expect(judge({ ...base, expect: 'any', names: [], run: () => parseArch('fcn:4', { inputShape: [3] }) })).toBeNull();
  });
});
