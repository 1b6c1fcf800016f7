/**
 * Issue 10 §2 (never print an untrustworthy number as if it were fine), issue
 * 16 bug 1 (the step NNGP at the all-zero input) and issue 10 §3's pb
 * provenance check, end to end through the built CLI. Each case is the
 * issue's, with the wanted behaviour; values are checked against independent
 * answers (closed forms, the finite nets, the unrepeated problem).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown } from '@fsbayes/compare';
import { describe, expect, it } from 'vitest';
import { cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-safety-numbers-');
const put = (name: string, v: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
  return f;
};
/** A 0/1 mask of the 128 Boolean points with the given points set (or cleared with `invert`). */
const mask = (points: number[], invert = false) =>
  Array.from({ length: 128 }, (_, i) => (points.includes(i) !== invert ? '1' : '0')).join('');

describe('marginal: degenerate and invalid kernels (issue 10 §2)', () => {
  it('the all-ones 3×3 kernel with labels (+, −, +): P(S) = 0 exactly, said so, logPS null (was −14.5 "converged")', () => {
    const k = put('ones.json', [
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const y = put('y3.json', [1, -1, 1]);
    for (const method of ['ep', 'botev', 'genz', 'mc']) {
      const r = cliJson(['marginal', '--kernel', k, '--labels', y, '--method', method]);
      expect(r.logPS).toBeNull();
      expect(r.pS).toBe(0);
      expect(r.exact).toBe(true);
      expect(r.zeroReason).toMatch(/points 0 and 1 are one point under K .* labels \+1 and −1 cannot both hold/);
      expect(r.warnings.join(' ')).toMatch(/K is degenerate: all 3 points are one point/);
    }
    const h = cli(['marginal', '--kernel', k, '--labels', y]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^P\(S\) = 0 exactly \(log P\(S\) = −∞\): points 0 and 1/);
    expect(h.stderr).toMatch(/fsbayes marginal: warning: K is degenerate/);
  });

  it('the zero kernel: f ≡ 0 predicts label −1 everywhere, so P = 1 or 0 exactly (was 4·ln ½)', () => {
    const k = put(
      'zero.json',
      Array.from({ length: 4 }, () => [0, 0, 0, 0]),
    );
    const one = cliJson(['marginal', '--kernel', k, '--labels', put('ym.json', [-1, -1, -1, -1])]);
    expect(one.logPS).toBe(0);
    expect(one.pS).toBe(1);
    const zero = cliJson(['marginal', '--kernel', k, '--labels', put('y4.json', [-1, 1, -1, -1])]);
    expect(zero.logPS).toBeNull();
    expect(zero.zeroReason).toMatch(/point 1 has zero variance/);
  });

  it('a kernel that is not positive semi-definite is refused, naming it and the tolerance', () => {
    const r = cli([
      'marginal',
      '--kernel',
      put('np.json', [
        [1, 2],
        [2, 1],
      ]),
      '--labels',
      put('y2.json', [1, 1]),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fsbayes marginal: error: K is not positive semi-definite: .*tolerance 1e-6·max variance/);
    expect(r.stdout).toBe('');
  });

  it('conflicting duplicate inputs (the same x with both labels): P(S) = 0 exactly for EP, Botev and Genz', () => {
    const csv = put('dup.csv', 'a,b,c,label\n0,1,1,1\n1,0,0,0\n0,1,1,0\n1,1,0,1\n');
    for (const method of ['ep', 'botev', 'genz']) {
      const r = cliJson(['marginal', '--dataset', 'csv', '--csv', csv, '--train-size', '4', '--method', method]);
      expect(r.logPS, method).toBeNull();
      expect(r.zeroReason).toMatch(/one point under K .* cannot both hold/);
    }
  });

  it('twenty points each repeated 20 times: the unrepeated problem’s log P(S) (was EP −39.41, Botev −50.82 for −30.41)', () => {
    const rows: string[] = [];
    for (let i = 0; i < 20; i++) {
      const bits = Array.from({ length: 7 }, (_, k) => ((i * 37 + 11) >> k) & 1);
      rows.push(`${bits.join(',')},${(bits[0] ^ bits[2] ^ bits[5]) & 1}`);
    }
    const head = 'x1,x2,x3,x4,x5,x6,x7,label\n';
    const once = put('once.csv', `${head}${rows.join('\n')}\n`);
    const many = put('many.csv', `${head}${Array.from({ length: 400 }, (_, j) => rows[j % 20]).join('\n')}\n`);
    const args = (f: string, m: number, method: string) => [
      'marginal',
      '--dataset',
      'csv',
      '--csv',
      f,
      '--train-size',
      String(m),
      '--method',
      method,
      '--samples',
      '20000',
    ];
    const ep1 = cliJson(args(once, 20, 'ep'));
    const ep20 = cliJson(args(many, 400, 'ep'));
    expect(ep20.reduced).toEqual({ n: 20, zeroVariance: 0, duplicates: 380 });
    expect(ep20.logPS).toBeCloseTo(ep1.logPS, 9);
    const b20 = cliJson(args(many, 400, 'botev'));
    const g1 = cliJson(args(once, 20, 'genz'));
    // Botev on the repeated problem against Genz on the unrepeated one (independent estimators)
    expect(Math.abs(b20.logPS - g1.logPS)).toBeLessThan(4 * Math.hypot(b20.stderr, g1.stderr) + 0.02);
    expect(b20.warnings.join(' ')).toMatch(/380 of 400 points repeat other points/);
  });

  it('deep nets whose kernel degenerates: every entry 2 (100 layers, σ_b = 1) gives P = 0 exactly with a warning; an underflowing kernel (1,100 layers, σ_b = 0) is refused', () => {
    const deep = (L: number) => `fcn:${Array(L).fill(40).join(',')}`;
    const r = cli([
      'marginal',
      '--arch',
      deep(100),
      '-n',
      '7',
      '--train-size',
      '32',
      '--seed',
      '1',
      '--json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.logPS).toBeNull();
    expect(j.warnings.join(' ')).toMatch(/K is degenerate: all 32 points are one point/);
    expect(r.stderr).toMatch(/fsbayes marginal: warning: K is degenerate/);
    const u = cli(['marginal', '--arch', deep(1100), '--sigma-b', '0', '-n', '7', '--train-size', '32', '--seed', '1']);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/error: the kernel of σ_w = 1, σ_b = 0 underflows float64 at hidden layer \d+/);
    expect(u.stdout).toBe('');
  });

  it('the human line says NOT CONVERGED when EP did not converge, and reports show warnings beside the numbers', async () => {
    const { marginalLine } = await import('../scripts/src/commands/marginal.js');
    const line = marginalLine({
      logPS: -3.2,
      stderr: null,
      method: 'ep',
      m: 5,
      seconds: 0.1,
      exact: false,
      converged: false,
      iterations: 200,
      warnings: ['EP did not converge: 200 sweeps'],
    } as never);
    expect(line).toMatch(/log P\(S\) = -3\.2000 nats {2}NOT CONVERGED \(200 sweeps\).*\[1 warning\]/);
    const md = renderMarkdown({
      title: 't',
      sections: [{ title: 's', text: 'log P(S) = −3.2', warnings: ['EP did not converge: 200 sweeps'] }],
    });
    expect(md).toMatch(/log P\(S\) = −3\.2\n\n> \*\*Warning:\*\* EP did not converge: 200 sweeps/);
  });

  it('bound: P(S) = 0 exactly gives the vacuous bound ε = 1, said so, not a number from a wrong log P(S)', () => {
    const r = cliJson(['bound', '--kernel', join(dir, 'ones.json'), '--labels', join(dir, 'y3.json')]);
    expect(r.epsilon).toBe(1);
    expect(r.logPS).toBeNull();
    expect(r.pS).toBe(0);
    expect(r.warnings.length).toBeGreaterThan(0);
  });
});

describe('overflow (issue 10 §2)', () => {
  it('kernel --sigma-w 1e200 is refused naming σ_w (was a matrix of nulls, exit 0)', () => {
    const r = cli(['kernel', '--sigma-w', '1e200', '-n', '3', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fsbayes kernel: error: the kernel of σ_w = 1e\+200, σ_b = 1 overflows float64/);
    expect(r.stdout).toBe('');
    const mid = cli(['kernel', '--sigma-w', '1e60', '--arch', 'fcn:40,40', '-n', '3']);
    expect(mid.code).toBe(1);
    expect(mid.stderr).toMatch(/overflows float64 at the readout/);
  });

  it('functions --sigma-w 1e30: float32 is refused (it gave 2 functions), float64 gives the plain-TS reference’s table', () => {
    const base = ['functions', '-n', '5', '--sigma-w', '1e30', '--samples', '3000', '--seed', '2'];
    const f32 = cli([...base, '--precision', 'f32']);
    expect(f32.code).toBe(1);
    expect(f32.stderr).toMatch(/f32 forward pass of σ_w = 1e\+30, σ_b = 1 would overflow.*--precision f64/);
    const f64 = cliJson([...base, '--precision', 'f64', '--out', join(dir, 'f64.json')]);
    const js = cliJson([...base, '--backend', 'js', '--out', join(dir, 'js.json')]);
    expect(f64.distinct).toBe(js.distinct);
    expect(f64.distinct).toBeGreaterThan(100);
    expect(f64.top).toEqual(js.top);
  });
});

describe('issue 16 bug 1: the step activation with σ_b = 0 at the all-zero input', () => {
  const step = ['--activation', 'step', '--sigma-b', '0', '--sigma-w', '1.41'];

  it('kernel: the all-zero input’s row is 0 on the threaded wasm path (-n 7) as on the reference path (-n 6)', () => {
    for (const n of ['6', '7']) {
      const r = cliJson(['kernel', '--arch', 'fcn:40,40,40', ...step, '-n', n]);
      const N = 2 ** Number(n);
      expect(r.kernel[0]).toEqual(Array(N).fill(0));
      expect(r.kernel.map((row: number[]) => row[0])).toEqual(Array(N).fill(0));
      expect(r.kernel[1][1]).toBeGreaterThan(0);
      expect(r.warnings.join(' ')).toMatch(/1 of \d+ points have zero variance/);
    }
  });

  it('marginal: point 0 (label 0) in S adds nothing, and log P(S) matches the finite nets’ frequency (was −6.807 against −6.114)', () => {
    const S = [0, 5, 17, 33, 64, 90, 101, 127];
    const withZero = cliJson(['marginal', '-n', '7', ...step, '--train-mask', mask(S)]);
    const without = cliJson(['marginal', '-n', '7', ...step, '--train-mask', mask(S.slice(1))]);
    expect(withZero.reduced.zeroVariance).toBe(1);
    expect(withZero.logPS).toBe(without.logPS);
    // independent: the fraction of 100 000 random nets (width 40) whose function on these 8 points is S's labels
    const csv = join(dir, 'step.csv');
    cli([
      'functions',
      '-n',
      '7',
      ...step,
      '--train-mask',
      mask(S, true),
      '--samples',
      '100000',
      '--seed',
      '4',
      '--csv-out',
      csv,
      '--quiet',
    ]);
    const fit = readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .find((c) => c[4] === '0');
    const p = Number(fit?.[2]) / 100_000;
    // ~570 hits: sd ≈ 0.04 nats; EP's error and finite width ≈ 0.1; the old value was off by ln 2
    expect(Math.abs(withZero.logPS - Math.log(p))).toBeLessThan(0.25);
  });
});

describe('pb checks the table’s provenance before any compute (issue 10 §3)', () => {
  it('a table from another split or another architecture is refused, naming what differs', () => {
    const t = join(dir, 'table.json');
    const base = ['-n', '7', '--train-size', '32', '--arch', 'fcn:40,40'];
    cliJson(['functions', ...base, '--seed', '1', '--samples', '200', '--out', t]);
    const split = cli(['pb', ...base, '--seed', '2', '--functions', t]);
    expect(split.code).toBe(1);
    expect(split.stderr).toMatch(/table\.json was made on another training set S \(trainMask 0x/);
    const arch = cli(['pb', '-n', '7', '--train-size', '32', '--seed', '1', '--arch', 'fcn:40', '--functions', t]);
    expect(arch.code).toBe(1);
    expect(arch.stderr).toMatch(/made by another architecture .*hidden: \[40,40\] there, \[40\] here/);
    const sw = cli([...['pb', ...base], '--seed', '1', '--sigma-w', '2', '--functions', t]);
    expect(sw.code).toBe(1);
    expect(sw.stderr).toMatch(/sigmaW: 1 there, 2 here/);
  });
});
