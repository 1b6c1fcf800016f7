/**
 * Shard sets end to end (issue 16): `--shard slurm` in a job array counted
 * from 0 or from 1 gives the parts `--shard i/N` gives; `merge` refuses a set
 * that lacks a part (naming it) unless `--allow-partial`, which records what
 * is missing; `pb --shard i/N` parts merge into the bytes of the unsharded
 * `pb` file, and validate against the pb-file schema.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../packages/core/test/schema-validator.js';
import { CLI, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-shardset-');

/** The environment of a run: this one's without Slurm variables, then `slurm`. */
function envWith(slurm: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...slurm };
  for (const k of Object.keys(env)) if (k.startsWith('SLURM_') && !(k in slurm)) delete env[k];
  return env;
}

/** `fsbayes …args --json --quiet` in `cwd`, with the Slurm variables `slurm` (and no others). */
function run(cwd: string, args: string[], slurm: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args, '--json', '--quiet'], {
    cwd,
    env: envWith(slurm),
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr, json: r.status === 0 ? JSON.parse(r.stdout) : null };
}

function ok(cwd: string, args: string[], slurm: Record<string, string> = {}) {
  const r = run(cwd, args, slurm);
  expect(r.code, r.stderr).toBe(0);
  return r.json;
}

type Job = [cwd: string, args: string[], slurm?: Record<string, string>];

/** Run independent `fsbayes` commands (as {@link ok}; one thread each) two at a time, as a job array's tasks would run. */
async function okAll(jobs: Job[]): Promise<unknown[]> {
  const out: unknown[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const k = next++;
      const [cwd, args, slurm = {}] = jobs[k];
      // one thread each: two at a time on two cores
      const threads = args[0] === 'merge' ? [] : ['--threads', '1'];
      const child = spawn(process.execPath, [CLI, ...args, '--json', '--quiet', ...threads], {
        cwd,
        env: envWith(slurm),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(0);
      out[k] = JSON.parse(stdout);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** The variables Slurm sets in task `id` of `sbatch --array=<min>-<max>`. */
const arrayTask = (id: number, min: number, max: number) => ({
  SLURM_ARRAY_JOB_ID: '4242',
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(max),
  SLURM_ARRAY_TASK_STEP: '1',
  SLURM_ARRAY_TASK_COUNT: String(max - min + 1),
});

const bytes = (p: string) => readFileSync(p, 'utf8');
const folder = (name: string) => {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
};

/** A small Boolean system (P(S) ≈ 1e-3: a few hundred acceptances in 200,000 nets, a second per part). */
const SAMPLE = [
  'sample',
  '--arch',
  'fcn:8',
  '--n',
  '5',
  '--train-size',
  '12',
  '--seed',
  '3',
  '--max-samples',
  '200000',
];

describe('shard sets of sample', () => {
  // Each set runs in its own folder with the same file names, so the recorded commands (--out) agree.
  const explicit = folder('explicit');
  const zero = folder('zero');
  const one = folder('one');
  const parts = ['p1.json', 'p2.json', 'p3.json', 'p4.json'];

  it('--shard slurm in --array=0-3 and --array=1-4 gives the merged table of --shard 1/4 … 4/4, byte for byte', {
    timeout: 240_000,
  }, async () => {
    await okAll(
      parts.flatMap((p, k): Job[] => [
        [explicit, [...SAMPLE, '--shard', `${k + 1}/4`, '--out', p]],
        [zero, [...SAMPLE, '--shard', 'slurm', '--out', p], arrayTask(k, 0, 3)],
        [one, [...SAMPLE, '--shard', 'slurm', '--out', p], arrayTask(k + 1, 1, 4)],
      ]),
    );
    await okAll([explicit, zero, one].map((d): Job => [d, ['merge', ...parts, '--out', 'all.json']]));
    const merged = bytes(join(explicit, 'all.json'));
    expect(bytes(join(zero, 'all.json'))).toBe(merged);
    expect(bytes(join(one, 'all.json'))).toBe(merged);
    // each part says which shard of which run it is
    const p3 = JSON.parse(bytes(join(zero, 'p3.json')));
    expect(p3.provenance.shards).toEqual(['seed 3 nets [100000, 150000) shard 3/4 of [0, 200000)']);
    expect(p3.provenance.command).toMatch(/--shard 3\/4/);
    // and the parts together are the whole run
    const whole = ok(explicit, [...SAMPLE, '--threads', '1', '--out', 'whole.json']);
    const read = (p: string) => FunctionTable.fromJSON(JSON.parse(bytes(p)));
    expect(read(join(explicit, 'all.json')).entries()).toEqual(read(join(explicit, 'whole.json')).entries());
    expect(whole.total).toBe(200_000);
  });

  it('a set without a part is refused, naming it; --allow-partial merges the rest and records what is missing', () => {
    const three = ['p1.json', 'p2.json', 'p4.json'];
    const refused = run(explicit, ['merge', ...three, '--out', 'three.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /not a complete set: missing shard 3\/4 \(nets \[100000, 150000\)\) of seed 3 nets \[0, 200000\).*--allow-partial/,
    );
    const missing = ['shard 3/4 (nets [100000, 150000)) of seed 3 nets [0, 200000)'];
    const m = ok(explicit, ['merge', ...three, '--allow-partial', '--out', 'three.json']);
    expect(m.missingShards).toEqual(missing);
    expect(m.drawn).toBe(150_000);
    const t = JSON.parse(bytes(join(explicit, 'three.json')));
    expect(t.provenance.extra.missingShards).toEqual(missing);
    expect(schemaErrors('function-table', t)).toEqual([]);
    // the missing part merged in later completes the set: nothing is recorded missing any more
    const done = ok(explicit, ['merge', 'three.json', 'p3.json', '--out', 'four.json']);
    expect(done.missingShards).toEqual([]);
    const four = JSON.parse(bytes(join(explicit, 'four.json')));
    expect(four.provenance.extra.missingShards).toBeUndefined();
    expect(four.functions).toEqual(JSON.parse(bytes(join(explicit, 'all.json'))).functions);
  });

  it('--shard slurm outside a job array, or with a broken array, is refused before any compute', () => {
    const outside = run(explicit, [...SAMPLE, '--shard', 'slurm']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/SLURM_ARRAY_TASK_ID is not set/);
    const list = run(explicit, [...SAMPLE, '--shard', 'slurm'], { ...arrayTask(3, 1, 8), SLURM_ARRAY_TASK_COUNT: '3' });
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/not one range/);
  });
});

describe('pb --shard i/N and merge', () => {
  const pbDir = folder('pb');
  const DATA = ['--n', '3', '--train-size', '5', '--seed', '2', '--sigma-w', '1', '--sigma-b', '1'];
  const PB = ['pb', ...DATA, '--functions', 'table.json'];

  it('the parts merge into the unsharded P_B file byte for byte (EP and Botev), and validate against the schema', {
    timeout: 240_000,
  }, async () => {
    ok(pbDir, ['functions', ...DATA, '--samples', '50000', '--out', 'table.json']);
    for (const method of [
      ['--method', 'ep'],
      ['--method', 'botev', '--samples', '2000'],
    ]) {
      const tag = method[1];
      const parts = [1, 2, 3].map((i) => `${tag}-${i}.json`);
      const [whole, ...shards] = (await okAll([
        [pbDir, [...PB, ...method, '--out', `${tag}-whole.json`]],
        ...parts.map((out, k): Job => [pbDir, [...PB, ...method, '--shard', `${k + 1}/3`, '--out', out]]),
      ])) as { functions: number; logPS: number; shard: unknown }[];
      expect(whole.functions).toBe(8);
      shards.forEach((r, k) => {
        expect(r.shard).toMatchObject({ index: k + 1, count: 3, functions: 8 });
        const file = JSON.parse(bytes(join(pbDir, parts[k])));
        expect(schemaErrors('pb-file', file)).toEqual([]);
        expect(file.logPS).toBe(whole.logPS);
      });
      // ranks [0, 3), [3, 6), [6, 8)
      expect(JSON.parse(bytes(join(pbDir, parts[2]))).shard).toEqual({
        index: 3,
        count: 3,
        first: 6,
        end: 8,
        functions: 8,
      });
      ok(pbDir, ['merge', parts[2], parts[0], parts[1], '--out', `${tag}-merged.json`]);
      expect(bytes(join(pbDir, `${tag}-merged.json`))).toBe(bytes(join(pbDir, `${tag}-whole.json`)));
    }
    // a Slurm array task counted from 0 computes the same part as --shard 2/3
    await okAll([[pbDir, [...PB, '--method', 'ep', '--shard', 'slurm', '--out', 'ep-slurm.json'], arrayTask(1, 0, 2)]]);
    expect(bytes(join(pbDir, 'ep-slurm.json'))).toBe(bytes(join(pbDir, 'ep-2.json')));
  });

  it('refuses parts of different P_B files and incomplete sets (unless --allow-partial)', () => {
    const mixed = run(pbDir, ['merge', 'ep-1.json', 'botev-2.json', 'ep-3.json']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(
      /botev-2\.json and ep-1\.json are not parts of one P_B file: the estimator \(method\) differs/,
    );
    const notPart = run(pbDir, ['merge', 'ep-whole.json', 'ep-2.json']);
    expect(notPart.code).toBe(1);
    expect(notPart.stderr).toMatch(/ep-whole\.json is a whole P_B file, not a part/);
    const withTable = run(pbDir, ['merge', 'ep-1.json', 'table.json']);
    expect(withTable.code).toBe(1);
    expect(withTable.stderr).toMatch(/ep-1\.json is a P_B file but table\.json is not/);
    const gap = run(pbDir, ['merge', 'ep-1.json', 'ep-3.json', '--out', 'ep-gap.json']);
    expect(gap.code).toBe(1);
    expect(gap.stderr).toMatch(/missing shard 2\/3 \(functions of rank \[3, 6\)\)/);
    const partial = ok(pbDir, ['merge', 'ep-1.json', 'ep-3.json', '--allow-partial', '--out', 'ep-gap.json']);
    expect(partial.functions).toBe(5);
    const file = JSON.parse(bytes(join(pbDir, 'ep-gap.json')));
    expect(file.provenance.extra.missingShards).toEqual(['shard 2/3 (functions of rank [3, 6)) of P_B of 8 functions']);
    expect(file.warnings.at(-1)).toMatch(/--allow-partial: the functions of shard 2\/3 .* are not listed/);
    expect(schemaErrors('pb-file', file)).toEqual([]);
    const tooMany = run(pbDir, [...PB, '--method', 'ep', '--shard', '9/9']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/has only 8 functions, fewer than the 9 shards/);
  });
});
