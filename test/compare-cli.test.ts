import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable, writeTableSync } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../packages/core/test/schema-validator.js';
import { cliJson, cli as runCli, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-compare-');
const cli = (args: string[]) => runCli(['compare', ...args], 60_000);
const json = (args: string[]) => cliJson(['compare', ...args], 60_000);

/** A table on m = 4 points with labels 0000 (so errors = number of ones). */
function tableFile(name: string, counts: Record<string, number>, m = 4): string {
  const t = new FunctionTable(m, new Uint8Array(m));
  for (const [k, c] of Object.entries(counts)) t.add(k, c);
  const p = join(dir, name);
  writeTableSync(p, t);
  return p;
}

// p = (.6, .3, .1, 0), q = (.5, .4, 0, .1) on '0', '1', '3', 'f': TV = .2, Hellinger √(1 − √.3 − √.12).
const A = tableFile('a.json', { 0: 60, 1: 30, 3: 10 });
const B = tableFile('b.json', { 0: 50, 1: 40, f: 10 });
const PB = join(dir, 'pb.json');
writeFileSync(
  PB,
  JSON.stringify({
    format: 'fsbayes.pb',
    formatVersion: 1,
    nE: 4,
    logPS: -1,
    functions: [
      { key: '0', logPB: Math.log(0.4), errors: 0, count: 60 },
      { key: '1', logPB: Math.log(0.2), errors: 1, count: 30 },
      { key: '3', logPB: Math.log(0.1), errors: 2, count: 10 },
    ],
  }),
);

describe('fsbayes compare', () => {
  it('--json: one object with the pair metrics of issue 6, known values', () => {
    const r = json([A, B, '--names', 'sgd,abi', '--bootstrap', '0', '--min-count', '1', '--top-k', '2']);
    expect(r.pairs).toHaveLength(1);
    const p = r.pairs[0];
    for (const k of ['a', 'b', 'pearsonLog', 'spearman', 'kl', 'js', 'tv', 'hellinger', 'topMassOverlap', 'n']) {
      expect(p).toHaveProperty(k);
    }
    expect([p.a, p.b, p.n]).toEqual(['sgd', 'abi', 2]);
    expect(p.tv).toBeCloseTo(0.2, 12);
    expect(p.hellinger).toBeCloseTo(Math.sqrt(1 - Math.sqrt(0.3) - Math.sqrt(0.12)), 12);
    expect(p.topMassOverlap).toBeCloseTo(0.8, 12);
    expect(r.sources.map((s: { meanTestError: number }) => s.meanTestError)).toEqual([
      (30 * 1 + 10 * 2) / 400,
      (40 * 1 + 10 * 4) / 400,
    ]);
  });

  it('with --pb: three pairs, the table–P_B pair on the functions P_B lists', () => {
    const r = json([A, B, '--pb', PB, '--bootstrap', '20', '--seed', '7']);
    expect(r.pairs.map((p: { a: string; b: string }) => `${p.a}/${p.b}`)).toEqual(['a/b', 'a/P_B', 'b/P_B']);
    // a on {'0','1','3'} = (.6,.3,.1) against (4,2,1)/7: TV = ½(|.6−4/7| + |.3−2/7| + |.1−1/7|)
    const tv = 0.5 * (Math.abs(0.6 - 4 / 7) + Math.abs(0.3 - 2 / 7) + Math.abs(0.1 - 1 / 7));
    expect(r.pairs[1].tv).toBeCloseTo(tv, 12);
    expect(r.pairs[1].ci.tv.finite).toBe(20);
    expect(r.pairs[2].massDroppedA).toBeCloseTo(0.1, 12); // b's 'f' is not listed by P_B
    expect(r.sources[2]).toMatchObject({ name: 'P_B', kind: 'pb', distinct: 3 });
  });

  it('--out DIR writes the report, figures, metrics.json and joint.csv; same seed, same bytes', () => {
    const out = join(dir, 'rep');
    const r = cli([A, B, '--pb', PB, '--bootstrap', '20', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('a vs b:');
    expect(r.stdout).toContain('TV 0.2 [');
    const files = readdirSync(out);
    for (const f of [
      'report.md',
      'report.html',
      'metrics.json',
      'joint.csv',
      'scatter-a-vs-P_B.png',
      'rank.png',
      'lz.svg',
      'p-of-t.png',
      'test-error.svg',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
    const metrics = readFileSync(join(out, 'metrics.json'), 'utf8');
    expect(schemaErrors('metrics', JSON.parse(metrics))).toEqual([]);
    const png = readFileSync(join(out, 'scatter-a-vs-P_B.png'));
    expect(readFileSync(join(out, 'joint.csv'), 'utf8').split('\n')[0]).toBe(
      'key,bits,ones,errors,lz,count_a,p_a,log10p_a,count_b,p_b,log10p_b,p_P_B,log10p_P_B',
    );
    // an existing report is replaced only with --force (it is fsbayes's: it holds .fsbayes-output)
    expect(cli([A, B, '--pb', PB, '--bootstrap', '20', '--out', out, '--quiet']).code).toBe(1);
    expect(cli([A, B, '--pb', PB, '--bootstrap', '20', '--out', out, '--quiet', '--force']).code).toBe(0);
    expect(readFileSync(join(out, 'metrics.json'), 'utf8')).toBe(metrics);
    expect(readFileSync(join(out, 'scatter-a-vs-P_B.png')).equals(png)).toBe(true);
  });

  it('errors name the bad file or value, exit 1, and write nothing', () => {
    const out = join(dir, 'never');
    let r = cli([A, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/at least two tables, or one table and --pb/);
    r = cli([A, join(dir, 'missing.json'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.json: cannot read function table');
    r = cli([A, tableFile('m5.json', { '00': 3 }, 5), '--out', out]);
    expect(r.stderr).toMatch(/m5 has functions on \|E\| = 5 points but a on 4/);
    r = cli([A, B, '--min-count', '0', '--out', out]);
    expect(r.stderr).toContain('--min-count must be an integer ≥ 1, got 0');
    r = cli([A, B, '--names', 'x', '--out', out]);
    expect(r.stderr).toContain('--names must give 2');
    writeFileSync(
      join(dir, 'bad-pb.json'),
      '{"format":"fsbayes.pb","formatVersion":1,"nE":4,"functions":[{"key":"0","logPB":"x"}]}',
    );
    r = cli([A, '--pb', join(dir, 'bad-pb.json'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad-pb.json: functions[0].logPB: must be a finite number, got "x"');
    expect(existsSync(out)).toBe(false);
  });
});
