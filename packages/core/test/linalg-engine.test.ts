/**
 * The linalg engine in a fresh Node process: the first threaded job of a
 * new engine, before V8 has tiered anything up, must be exact. With wasm's
 * own `memory.atomic.wait32`/`notify` in the barrier, Node 20 / V8 11.3 came
 * back from them with a live f64 (the kernel's scale factor) missing its low
 * 32 bits, and this job was wrong by ~1e-6; the barrier now sleeps and wakes
 * through imported `Atomics.wait`/`Atomics.notify`. (Inside vitest's process
 * the module's code may already be optimised, hence a child process on the
 * built files.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = (f: string) => fileURLToPath(new URL(`../dist/linalg/${f}`, import.meta.url));

const script = `
import { LinalgEngine } from ${JSON.stringify(dist('engine.js'))};
import { layerMapPlan, runPlan } from ${JSON.stringify(dist('ops.js'))};
let x = 203;
const [n, d] = [203, 77];
const X = new Float64Array(n * d).map(() => { x = (x * 16807) % 2147483647; return x / 2147483647 - 0.5; });
const e = new LinalgEngine('auto');
e.spins = 0; // every barrier sleeps: the path that was broken
const jobs = [0, 1].map((code) => ({ layers: 3, code, sw2: 1.4 * 1.4, sb2: 0.2 * 0.2, ntk: true })); // relu, erf
const got = jobs.map((p) => runPlan(e, layerMapPlan(e, X, n, d, p, undefined, n), 2));
const pool = e.poolSize;
await e.close();
// the reference: the same jobs on one thread of a second engine, after a warm-up (results do not depend on threads)
const e2 = new LinalgEngine('auto');
for (const p of jobs) runPlan(e2, layerMapPlan(e2, X, n, d, p, undefined, n), 1);
const errs = jobs.map((p, k) => {
  const ref = runPlan(e2, layerMapPlan(e2, X, n, d, p, undefined, n), 1);
  let m = 0, s = 0;
  for (let i = 0; i < n * n; i++) { m = Math.max(m, Math.abs(got[k].nngp[i] - ref.nngp[i]), Math.abs(got[k].ntk[i] - ref.ntk[i])); s = Math.max(s, Math.abs(ref.ntk[i])); }
  return m / s;
});
await e2.close();
console.log(JSON.stringify({ errs, pool }));
`;

describe('linalg engine', () => {
  it('computes the first threaded job of a fresh engine exactly (fresh process)', () => {
    // A script file, not \`node -e\`: there Node cannot start a worker while the main thread blocks.
    const dir = mkdtempSync(path.join(tmpdir(), 'fsbayes-linalg-'));
    try {
      const file = path.join(dir, 'first-job.mjs');
      writeFileSync(file, script);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { errs: number[]; pool: number };
      expect(out.pool).toBe(1);
      for (const e of out.errs) expect(e).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('linalg process lifetime', () => {
  it('lets a script that used the threaded API exit without closing it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fsbayes-linalg-'));
    try {
      const file = path.join(dir, 'exit.mjs');
      writeFileSync(
        file,
        `import { gram, gramAsync, linalgInfo } from ${JSON.stringify(dist('index.js'))};
const X = new Float64Array(300 * 300).map((_, i) => Math.sin(i));
const G = gram(X, 300, 300);
const H = await gramAsync(X, 300, 300);
console.log(JSON.stringify({ same: G.every((v, i) => v === H[i]), info: linalgInfo().detail }));
`,
      );
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, 'the process did not exit by itself').toBe(null);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim()).same).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('linalg engine failures', () => {
  // Before the engine waited for every thread to leave an abandoned job, and
  // before an abort moved the barrier's generation on, this sequence hung the
  // pool (a thread slept through the abort) or failed the next good job (a
  // straggler raised ABORT in it) in most of a few dozen rounds.
  it('abandons jobs whose threads trap instead of hanging, and stays usable (12 rounds)', async () => {
    const { LinalgEngine, OP } = await import('../src/linalg/engine.js');
    const { gramPlan, runPlan } = await import('../src/linalg/ops.js');
    const X = new Float64Array(200 * 30).map((_, i) => Math.sin(i));
    let s = 0;
    for (let k = 0; k < 30; k++) s += X[5 * 30 + k] * X[7 * 30 + k];
    // Beyond the memory, and far enough below 4 GiB that the module's u32
    // address arithmetic cannot wrap round into the control blocks (as
    // 0xfffff000 did: a thread wrote through it into the pool's words).
    const bad = 0x40000000;
    const job = { op: OP.kernel, args: [bad, 64, 64, 0, 64, bad, 0, 0, 0, 0, 0, 0, 0, bad, bad] };
    for (let round = 0; round < 12; round++) {
      const e = new LinalgEngine('auto');
      try {
        e.startPool(2);
        expect(() => e.runSync(job, 3)).toThrow();
        await expect(
          e.runAsync(
            3,
            () => job,
            () => 0,
          ),
        ).rejects.toThrow(/worker thread failed/);
        for (let k = 0; k < 2; k++) {
          const G = runPlan(e, gramPlan(e, X, 200, undefined, 200, 30), 3);
          expect(G[5 * 200 + 7]).toBeCloseTo(s, 12);
        }
        expect(e.poolError).toBeUndefined();
      } finally {
        await e.close();
      }
    }
  });
});
