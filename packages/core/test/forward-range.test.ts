/**
 * Forward passes that would leave their precision's range are refused before
 * they run (never silently wrong functions): the a-priori scale check of
 * `checkForwardRange`, against the float64 reference (`JsBackend`, plain
 * TypeScript) on the same nets. Needs `pnpm build` (the wasm modules).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FcnSpec } from '../src/arch/spec.js';
import { JsBackend, priorParams, WasmBackend } from '../src/backend/index.js';
import { FsbayesError } from '../src/errors/index.js';

function booleanInputs(n: number): Float64Array {
  const m = 2 ** n;
  const x = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) x[i * n + k] = (i >> (n - 1 - k)) & 1;
  return x;
}

const spec = (sigmaW: number, sigmaB: number): FcnSpec => ({
  kind: 'fcn',
  inputDim: 7,
  hidden: [40, 40],
  activation: 'relu',
  sigmaW,
  sigmaB,
  bias: sigmaB !== 0,
});

describe('forward-pass range (issue 10 §2: functions --sigma-w 1e30 in float32)', () => {
  const X = booleanInputs(7);
  const m = 128;
  let f32: WasmBackend;
  let f64: WasmBackend;
  const js = new JsBackend();
  beforeAll(async () => {
    f32 = await WasmBackend.create({ threads: 1, precision: 'f32' });
    f64 = await WasmBackend.create({ threads: 1, precision: 'f64' });
  });
  afterAll(async () => {
    await f32.close();
    await f64.close();
  });
  const job = (s: FcnSpec) => ({ spec: s, inputs: X, m, seed: 3, first: 0, count: 512 });

  for (const [sw, sb, what] of [
    [1e30, 1, 'overflow'],
    [1e-30, 0, 'underflow'],
  ] as const) {
    it(`σ_w = ${sw}, σ_b = ${sb}: float32 is refused (${what}), float64 gives the reference's functions`, async () => {
      const s = spec(sw, sb);
      const err = await f32.priorFunctions(job(s)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FsbayesError);
      const msg = (err as FsbayesError).message;
      expect(msg).toContain(`f32 forward pass of σ_w = ${sw}`);
      expect(msg).toContain(`would ${what}`);
      expect(msg).toContain('--precision f64');
      // float64 is in range: the wasm f64 bits equal the plain-TS float64 reference's on the same nets
      const a = await f64.priorFunctions(job(s));
      const b = await js.priorFunctions(job(s));
      expect(Array.from(a)).toEqual(Array.from(b));
      // and they are not the degenerate answer float32 used to give (2 functions): many distinct ones
      const keys = new Set<string>();
      for (let j = 0; j < 512; j++) keys.add(Array.from(a.subarray(j * 4, j * 4 + 4)).join(','));
      expect(keys.size).toBeGreaterThan(100);
    });
  }

  it('an ordinary spec passes, and float32 then agrees with float64 on almost every sign', async () => {
    const s = spec(1.4, 0.3);
    const a = await f32.priorFunctions(job(s));
    const b = await js.priorFunctions(job(s));
    let same = 0;
    for (let k = 0; k < a.length; k++) if (a[k] === b[k]) same++;
    expect(same / a.length).toBeGreaterThan(0.99);
  });

  it('float64 itself is refused where it would overflow (σ_w = 1e200), and a forward with given parameters must be finite', async () => {
    await expect(js.priorFunctions(job(spec(1e200, 1)))).rejects.toThrow(
      /f64 forward pass of σ_w = 1e\+200.* would overflow/,
    );
    const s = spec(1e30, 1);
    const theta = priorParams(s, 1, 0, 4);
    await expect(f32.forward(s, Float64Array.from(theta), 4, X, m)).rejects.toThrow(/f32 forward pass gave/);
    const ok = await f64.forward(s, Float64Array.from(theta), 4, X, m);
    expect(ok.every(Number.isFinite)).toBe(true);
  });
});
