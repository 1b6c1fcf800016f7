/**
 * End-to-end tests of function tables in Arrow (built CLI; `pnpm build`
 * first): `functions` and `sample --mode prior` counting columnar and
 * writing .arrow or JSON, the checkpoint of a columnar prior run killed and
 * resumed, `merge` of Arrow shards, and `compare` reading .arrow (in memory
 * and as streams).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable, readTableArrow, tableText } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { CLI, cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-table-cli-');
const at = (name: string) => join(dir, name);
const json = cliJson;

/** A small prior: 5 → 16 → 1 on the 32 Boolean inputs (m = 32, one word per function). */
const PRIOR = ['--arch', 'fcn:16', '--n', '5', '--seed', '2'];

describe('fsbayes functions', () => {
  it('writes .arrow and JSON with the same functions; the JSON is a FunctionTable’s own bytes; no spill folder is left', async () => {
    const small = '--table-memory=64KiB'; // a few thousand functions in memory: the run spills sorted runs
    const a = json(['functions', ...PRIOR, '--samples', '60000', '--out', at('p.arrow'), small]);
    const j = json(['functions', ...PRIOR, '--samples', '60000', '--out', at('p.json'), '--csv-out', at('p.csv')]);
    expect(a.distinct).toBe(j.distinct);
    expect(a.samples).toBe(60000);
    expect(a.top).toEqual(j.top);
    expect(a.meanTestError).toBe(j.meanTestError);
    const fromArrow = await readTableArrow(at('p.arrow'));
    const text = readFileSync(at('p.json'), 'utf8');
    const fromJson = FunctionTable.fromJSON(JSON.parse(text));
    expect(fromArrow.toJSON().functions).toEqual(fromJson.toJSON().functions);
    expect(tableText(fromJson)).toBe(text);
    expect(readFileSync(at('p.csv'), 'utf8')).toBe(fromJson.toCSV());
    expect(readdirSync(dir).filter((f) => f.includes('.spill-'))).toEqual([]);
    // --table-memory only steers when the table spills: it is not part of the recorded command
    expect(fromArrow.provenance?.command).not.toContain('table-memory');
  });

  it('interrupted (SIGINT), it leaves neither the table nor its spill folder', async () => {
    const out = at('int.arrow');
    const args = [
      CLI,
      'functions',
      ...PRIOR,
      '--samples',
      '20000000',
      '--out',
      out,
      '--table-memory',
      '64KiB',
      '--quiet',
    ];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const spills = () => readdirSync(dir).filter((f) => f.startsWith('int.arrow.spill-'));
    const t0 = Date.now();
    while (spills().length === 0 && Date.now() - t0 < 60_000) await new Promise((res) => setTimeout(res, 20));
    expect(spills()).toHaveLength(1);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(spills()).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.startsWith('int.arrow'))).toEqual([]);
  });

  it('refuses, before any compute, JSON for a run that may pass what JSON holds, and a bad --table-memory', () => {
    const t0 = Date.now();
    const big = cli(['functions', ...PRIOR, '--samples', '20000000', '--out', at('big.json')]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(
      /--out .*big\.json: 20,000,000 nets may find more functions than a JSON\/CSV table holds/,
    );
    expect(big.stderr).toMatch(/--out table\.arrow, or --format arrow/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(existsSync(at('big.json'))).toBe(false);
    const bad = cli(['functions', ...PRIOR, '--samples', '100', '--table-memory', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--table-memory must be a size such as 512MiB.*"lots"/);
  });
});

describe('fsbayes sample --mode prior (columnar)', () => {
  const LONG = ['sample', '--mode', 'prior', ...PRIOR, '--max-samples', '1500000', '--table-memory', '1MiB'];
  const run = at('run.arrow');
  let whole: Buffer;

  it('killed mid-run and resumed, it writes the bytes of an uninterrupted run', async () => {
    json([...LONG, '--out', run]);
    whole = readFileSync(run);
    rmSync(run);
    const ckpt = `${run}.ckpt`;
    const args = [CLI, ...LONG, '--out', run, '--checkpoint-every', '0', '--threads', '1', '--quiet'];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise((res) => child.on('exit', res));
    const t0 = Date.now();
    // a checkpoint with at least one spilled run behind it
    const ready = () => {
      try {
        return JSON.parse(readFileSync(ckpt, 'utf8')).columnar.table.runs.length > 0;
      } catch {
        return false;
      }
    };
    while (!ready() && Date.now() - t0 < 60_000) await new Promise((res) => setTimeout(res, 20));
    expect(ready()).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(run)).toBe(false);
    expect(existsSync(`${ckpt}.runs`)).toBe(true);
    const state = JSON.parse(readFileSync(ckpt, 'utf8')).state;
    expect(state.next).toBeGreaterThan(0);
    expect(state.next).toBeLessThan(1_500_000);
    const refused = cli([...LONG, '--out', run]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/run\.arrow\.ckpt exists: pass --resume/);
    const r = json([...LONG, '--out', run, '--resume']);
    expect(r).toMatchObject({ total: 1_500_000, stopped: 'samples' });
    expect(existsSync(ckpt)).toBe(false);
    expect(existsSync(`${ckpt}.runs`)).toBe(false);
    expect(readFileSync(run).equals(whole)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('run.arrow'))).toEqual(['run.arrow']);
  });

  it('a time-limited leg resumed at the same --out writes the same bytes as the uninterrupted run', () => {
    rmSync(run);
    // one thread (results never depend on it) keeps the run long enough to be cut
    const p = json([...LONG, '--out', run, '--threads', '1', '--time-limit', '0.5']);
    expect(p.stopped).toBe('time');
    expect(existsSync(run)).toBe(true); // the partial table
    json([...LONG, '--out', run, '--resume']);
    expect(readFileSync(run).equals(whole)).toBe(true);
  });

  it('Arrow shards merge, as a stream, into the bytes the JSON merge of the same shards writes', {
    timeout: 240_000,
  }, () => {
    const shards = [1, 2, 3].map((i) => {
      const out = at(`s${i}.arrow`);
      json(['sample', '--mode', 'prior', ...PRIOR, '--max-samples', '90000', '--shard', `${i}/3`, '--out', out]);
      // the same shard as JSON: `merge` of one table exports it, provenance and all (one part of three: --allow-partial)
      json(['merge', out, '--allow-partial', '--out', at(`s${i}.json`)]);
      return out;
    });
    const m = json(['merge', ...shards, '--out', at('merged.json')]);
    const old = json(['merge', ...[1, 2, 3].map((i) => at(`s${i}.json`)), '--out', at('merged-old.json')]);
    expect(m).toEqual({ ...old, out: at('merged.json') });
    expect(readFileSync(at('merged.json'), 'utf8')).toBe(readFileSync(at('merged-old.json'), 'utf8'));
    json(['merge', ...shards, '--out', at('merged.arrow')]);
    const clash = cli(['merge', shards[0], shards[0], '--json']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/net ranges overlap/);
  });
});

describe('fsbayes compare with Arrow tables', () => {
  it('reads .arrow as it reads JSON; --stream gives the in-memory numbers without a Map', () => {
    const a = at('s1.arrow');
    const b = at('s2.arrow');
    const opts = ['--bootstrap', '0', '--min-count', '2'];
    const fromArrow = json(['compare', a, b, ...opts]);
    const fromJson = json(['compare', at('s1.json'), at('s2.json'), ...opts]);
    const { seconds: _s1, ...x } = fromArrow;
    const { seconds: _s2, ...y } = fromJson;
    expect(x).toEqual(y);
    const streamed = json(['compare', a, b, ...opts, '--stream']);
    expect(streamed.sources).toEqual(fromJson.sources);
    expect(streamed.pairs[0].support).toBe(fromJson.pairs[0].support);
    for (const k of ['js', 'tv', 'hellinger', 'kl', 'klReverse', 'pearsonLog', 'spearman'])
      expect(streamed.pairs[0][k]).toBeCloseTo(fromJson.pairs[0][k], 10);
    expect(streamed.warnings).toEqual([]);
    const report = cli(['compare', a, b, '--stream', '--out', at('cmp')]);
    expect(report.code).toBe(1);
    expect(report.stderr).toMatch(/--out .*cmp: tables compared as streams with --stream get metrics only/);
  });
});
