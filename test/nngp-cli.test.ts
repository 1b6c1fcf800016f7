/**
 * End-to-end tests of the nngp commands of the built CLI against independent
 * answers: closed-form orthant probabilities, the kernel of a perceptron, the
 * PAC-Bayes worked example, and P_B summing to one over all functions on E.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-nngp-');
const json = (args: string[]) => cliJson(args, 300_000);

describe('nngp commands', () => {
  it('--device gpu either computes the kernel or says why there is no GPU (exit 1), never falls back silently', () => {
    const r = spawnSync(process.execPath, [CLI, 'kernel', '--n', '3', '--device', 'gpu', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0) {
      const cpu = json(['kernel', '--n', '3']);
      const gpu = JSON.parse(r.stdout);
      for (let i = 0; i < 8; i++)
        for (let j = 0; j < 8; j++) expect(Math.abs(gpu.kernel[i][j] - cpu.kernel[i][j])).toBeLessThan(1e-5);
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/fsbayes kernel: error: gpu backend unavailable/);
      expect(r.stdout).toBe('');
    }
  });

  it('bound reproduces the worked example (m = 10^4, −ln P(S) = 1000, δ = 2^-10 → ε ≈ 0.0975)', () => {
    const r = json(['bound', '--log-ps', '-1000', '--m', '10000']);
    // B = (1000 + 2 ln 1e4 + 1 + 10 ln 2)/1e4 = 0.102644…, ε = 1 − e^−B
    const B = (1000 + 2 * Math.log(1e4) + 1 + 10 * Math.log(2)) / 1e4;
    expect(r.epsilon).toBeCloseTo(1 - Math.exp(-B), 12);
    expect(Math.abs(r.epsilon - 0.0975)).toBeLessThan(5e-5);
  });

  it('kernel of a perceptron is σ_b² + σ_w² x·x′/d exactly', () => {
    const x = [
      [1, 0, 2],
      [0, 3, -1],
      [1, 1, 1],
    ];
    const f = join(dir, 'x.json');
    writeFileSync(f, JSON.stringify(x));
    const r = json(['kernel', '--arch', 'fcn:', '--inputs', f, '--sigma-w', '1.5', '--sigma-b', '0.5']);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        const dot = x[i].reduce((s, v, k) => s + v * x[j][k], 0);
        expect(r.kernel[i][j]).toBeCloseTo(0.25 + (2.25 * dot) / 3, 12);
      }
  });

  it('marginal of a given 2×2 and 3×3 covariance matches the closed-form orthant probability', () => {
    const rho = 0.6;
    const k2 = join(dir, 'k2.json');
    const y2 = join(dir, 'y2.json');
    writeFileSync(
      k2,
      JSON.stringify([
        [2, rho * 2],
        [rho * 2, 2],
      ]),
    );
    writeFileSync(y2, JSON.stringify([1, 1]));
    const exact2 = Math.log(0.25 + Math.asin(rho) / (2 * Math.PI));
    for (const method of ['ep', 'botev', 'genz', 'mc']) {
      const r = json(['marginal', '--kernel', k2, '--labels', y2, '--method', method, '--samples', '200000']);
      const tol = method === 'ep' ? 0.05 : 4 * (r.stderr ?? 0) + 1e-3;
      expect(Math.abs(r.logPS - exact2), method).toBeLessThan(tol);
    }
    const k3 = join(dir, 'k3.json');
    const y3 = join(dir, 'y3.json');
    const R = [
      [1, 0.5, -0.3],
      [0.5, 1, 0.2],
      [-0.3, 0.2, 1],
    ];
    writeFileSync(k3, JSON.stringify(R));
    writeFileSync(y3, JSON.stringify([1, -1, 1]));
    // flipping y2 flips the signs of ρ12 and ρ23
    const exact3 = Math.log(1 / 8 + (Math.asin(-0.5) + Math.asin(-0.3) + Math.asin(-0.2)) / (4 * Math.PI));
    const r = json(['marginal', '--kernel', k3, '--labels', y3, '--method', 'genz', '--samples', '100000']);
    expect(Math.abs(r.logPS - exact3)).toBeLessThan(4 * r.stderr + 1e-3);
  });

  it('pb: P_B(f|S) over all 8 functions on |E| = 3 sums to 1 (Boolean n = 3, |S| = 5)', () => {
    const table = join(dir, 'prior.json');
    const data = [
      '--arch',
      'fcn:40,40',
      '--n',
      '3',
      '--train-size',
      '5',
      '--seed',
      '2',
      '--sigma-w',
      '1',
      '--sigma-b',
      '1',
    ];
    json(['functions', ...data, '--samples', '50000', '--out', table]);
    const t = JSON.parse(readFileSync(table, 'utf8'));
    expect(t.m).toBe(3);
    expect(t.distinct).toBe(8); // every sign pattern on 3 points shows up
    const out = join(dir, 'pb.json');
    const r = json(['pb', ...data, '--functions', table, '--out', out, '--method', 'ep']);
    expect(r.functions).toBe(8);
    // EP's per-function error here is a few hundredths of a nat (against Genz: mean 0.065, see
    // packages/nngp/test/pb.test.ts); the sum measured 0.977. Within 5% means EP's error, not a bug.
    expect(Math.abs(r.massCovered - 1)).toBeLessThan(0.05);
    const pb = JSON.parse(readFileSync(out, 'utf8'));
    expect(pb.functions).toHaveLength(8);
    // Same command, same bytes: no wall-clock time in the file (it goes to stdout only).
    expect(pb).not.toHaveProperty('seconds');
    const first = readFileSync(out, 'utf8');
    json(['pb', ...data, '--functions', table, '--out', out, '--force', '--method', 'ep']);
    expect(readFileSync(out, 'utf8')).toBe(first);
  });

  it('pb --method botev (the default at this size): every function ± its stderr, Σ P_B = 1 within them, same bytes on any --threads', () => {
    const data = ['--n', '3', '--train-size', '5', '--seed', '2'];
    const table = join(dir, 'prior-botev.json');
    json(['functions', ...data, '--samples', '20000', '--out', table]);
    const out = join(dir, 'pb-botev.json');
    const r = json(['pb', ...data, '--functions', table, '--samples', '4000', '--out', out, '--threads', '1']);
    expect(r.method).toBe('botev');
    expect(r.logPSStderr).toBeGreaterThan(0);
    expect(r.methodError).toMatch(/standard error of each row/);
    const pb = JSON.parse(readFileSync(out, 'utf8'));
    expect(pb.method).toBe('botev');
    expect(pb.samples).toBe(4000);
    let sum = 0;
    let var2 = 0;
    for (const f of pb.functions) {
      expect(f.stderr).toBeGreaterThan(0);
      expect(f.stderr).toBeLessThan(0.05);
      expect(f.upperBound).toBeGreaterThan(f.logPB - 4 * f.stderr);
      sum += Math.exp(f.logPB);
      var2 += (Math.exp(f.logPB) * f.stderr) ** 2;
    }
    // the rows share log P(S)'s error, so the sum's is at most Σ P·se (plus rounding)
    expect(Math.abs(sum - 1)).toBeLessThan(4 * Math.sqrt(var2) + 4 * r.logPSStderr + 1e-3);
    for (const row of r.top) expect(row.stderr).toBeGreaterThan(0);
    const first = readFileSync(out, 'utf8');
    json(['pb', ...data, '--functions', table, '--samples', '4000', '--out', out, '--threads', '2', '--force']);
    expect(readFileSync(out, 'utf8')).toBe(first);
    const human = spawnSync(
      process.execPath,
      [CLI, 'pb', ...data, '--functions', table, '--samples', '4000', '--quiet'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(human.stdout).toMatch(/log P\(S\) = -?\d+\.\d+ ± \d\.\d+ \(Botev/);
    expect(human.stdout).toMatch(/-\d+\.\d+ ± \d\.\d{3} /);
    const bad = spawnSync(process.execPath, [CLI, 'pb', ...data, '--functions', table, '--samples', '1'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--samples must be an integer ≥ 2, got 1/);
  });

  it('marginal --json: every estimator carries its error — Botev stderr and bound, Genz stderr, MC its interval, EP its bias', () => {
    const args = ['marginal', '--n', '7', '--train-size', '32', '--seed', '1'];
    const botev = json([...args, '--method', 'botev', '--samples', '20000']);
    expect(botev.stderr).toBeGreaterThan(0);
    expect(botev.upperBound).toBeGreaterThan(botev.logPS);
    const genz = json([...args, '--method', 'genz', '--samples', '20000']);
    expect(genz.stderr).toBeGreaterThan(0);
    expect(Math.abs(genz.logPS - botev.logPS)).toBeLessThan(6 * Math.hypot(genz.stderr, botev.stderr) + 0.01);
    const mc = json([...args, '--method', 'mc', '--samples', '200000']);
    expect(mc.logInterval95[0]).toBeLessThan(mc.logPS);
    expect(mc.logInterval95[1]).toBeGreaterThan(mc.logPS);
    const ep = json([...args, '--method', 'ep']);
    expect(ep.stderr).toBeNull();
    expect(ep.warnings[0]).toMatch(/EP's log P is a deterministic approximation .* biased low/);
    // and it is: EP below Botev by about 0.17 nats on this S
    expect(ep.logPS - botev.logPS).toBeLessThan(-0.1);
  });
});
