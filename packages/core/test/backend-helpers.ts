/**
 * Shared by the backend tests (`backend.test.ts`, `cnn-wasm.test.ts`): error
 * measures against the float64 reference and the four wasm backends they
 * compare (f64/f32 × 2/1 threads), opened before and closed after a file's tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { type Backend, getBackend } from '../src/backend/index.js';

/** Largest |got − want| in units of (|want| + rms(want)). */
export function relErr(got: Float64Array, want: Float64Array): number {
  let ss = 0;
  for (const v of want) ss += v * v;
  const rms = Math.sqrt(ss / want.length) || 1;
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + rms));
  return e;
}

/** Number of bits in which two packed function arrays differ. */
export function countDiffBits(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = (a[i] ^ b[i]) >>> 0;
    while (x) {
      x &= x - 1;
      n++;
    }
  }
  return n;
}

/** The wasm backends of a test file: f64 and f32 on 2 threads and on 1 (filled in by beforeAll). */
export interface WasmBackends {
  w64: Backend;
  w32: Backend;
  w64one: Backend;
  w32one: Backend;
}

/** Open the four wasm backends before the file's tests and close them after. */
export function useWasmBackends(): WasmBackends {
  const b = {} as WasmBackends;
  beforeAll(async () => {
    [b.w64, b.w32, b.w64one, b.w32one] = await Promise.all([
      getBackend('wasm', { precision: 'f64', threads: 2 }),
      getBackend('wasm', { precision: 'f32', threads: 2 }),
      getBackend('wasm', { precision: 'f64', threads: 1 }),
      getBackend('wasm', { precision: 'f32', threads: 1 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(b).map((x) => x?.close()));
  });
  return b;
}
