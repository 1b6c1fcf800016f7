/**
 * The canonical Gaussian stream: the wasm xor4096 port against seedrandom,
 * the ziggurat's distribution against Φ, determinism and block addressing,
 * and the wasm vector math against the float64 references.
 * Needs the wasm build (`node scripts/build-wasm.mjs`).
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { paramLayout, paramScales } from '../src/arch/params.js';
import type { FcnSpec } from '../src/arch/spec.js';
import { NET_BLOCK, netNormals, priorParams } from '../src/backend/index.js';
import { localInstance } from '../src/backend/prior.js';
import { WasmInstance, wasmModule } from '../src/backend/wasm-module.js';
import { erf } from '../src/math/erf.js';
import { Rng, streamKey } from '../src/rng/rng.js';

type Xor = ReturnType<typeof seedrandom.xor4096> & { state(): { X: number[]; i: number; w: number } };

function freshInstance(): WasmInstance {
  const { module, variant } = wasmModule('simd');
  return new WasmInstance(module, variant);
}

describe('xor4096 port', () => {
  it('reproduces seedrandom int32 outputs exactly', () => {
    const k = freshInstance();
    for (const key of [streamKey(1, ['nets', 0]), streamKey('abc', ['nets', 7]), 'hello', '']) {
      const g = seedrandom.xor4096(key, { state: true }) as Xor;
      const s = g.state();
      k.seedState({ X: Int32Array.from(s.X), i: s.i, w: s.w | 0 });
      const got = k.rawInt32(5000);
      const want = Int32Array.from({ length: 5000 }, () => g.int32());
      expect(got).toEqual(want);
    }
  });

  it('continues from a state in mid-cycle (scalar path) and from Rng.xorState', () => {
    const k = freshInstance();
    const g = seedrandom.xor4096('mid', { state: true }) as Xor;
    for (let j = 0; j < 77; j++) g.int32();
    const s = g.state();
    expect(s.i).not.toBe(127);
    k.seedState({ X: Int32Array.from(s.X), i: s.i, w: s.w | 0 });
    expect(k.rawInt32(3000)).toEqual(Int32Array.from({ length: 3000 }, () => g.int32()));

    const r = new Rng(42, 'nets', 3);
    k.seedState(r.xorState());
    const first = k.rawInt32(1000);
    const r2 = new Rng(42, 'nets', 3);
    expect(first).toEqual(Int32Array.from({ length: 1000 }, () => r2.uint32() | 0));
  });
});

/** Standard normal CDF. */
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

describe('ziggurat normals', () => {
  const n = 1_000_000;
  const z = netNormals(2024, 0, 1, n);

  it('moments within sampling error (10^6 draws, 5σ)', () => {
    let s1 = 0;
    for (const v of z) s1 += v;
    const mean = s1 / n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of z) {
      const d = v - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    const skew = m3 / m2 ** 1.5;
    const kurt = m4 / (m2 * m2);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(skew)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(kurt - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
  });

  it('passes Kolmogorov–Smirnov against Φ', () => {
    const sorted = Float64Array.from(z).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = Phi(sorted[i]);
      d = Math.max(d, (i + 1) / n - f, f - i / n);
    }
    // P(√n·D > 1.95) ≈ 0.001
    expect(d * Math.sqrt(n)).toBeLessThan(1.95);
  });

  it('passes a χ² test on 100 equiprobable bins', () => {
    const bins = 100;
    const counts = new Float64Array(bins);
    for (const v of z) counts[Math.min(bins - 1, Math.floor(Phi(v) * bins))]++;
    const e = n / bins;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - e) ** 2 / e;
    // 99 dof: mean 99, sd 14; 99.9th percentile ≈ 148
    expect(chi2).toBeLessThan(148);
  });

  it('has the right tail frequencies beyond ±3, ±R (ziggurat tail), ±4, ±4.5', () => {
    const big = netNormals('tails', 0, 1, 4_000_000);
    const N = big.length;
    for (const t of [3, 3.6541528853610088, 4, 4.5]) {
      const p = 1 - Phi(t);
      let hi = 0;
      let lo = 0;
      for (const v of big) {
        if (v > t) hi++;
        else if (v < -t) lo++;
      }
      const sd = Math.sqrt(N * p * (1 - p));
      expect(Math.abs(hi - N * p)).toBeLessThan(5 * sd + 1);
      expect(Math.abs(lo - N * p)).toBeLessThan(5 * sd + 1);
    }
  });

  it('is deterministic and block-addressed', () => {
    const P = 37;
    const a = netNormals(5, 0, 600, P);
    const b = netNormals(5, 0, 600, P);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    // nets 300..309 alone (inside block 1) equal the same nets inside the big draw
    expect(netNormals(5, 300, 10, P)).toEqual(a.subarray(300 * P, 310 * P));
    // a draw across the block boundary
    expect(netNormals(5, NET_BLOCK - 3, 6, P)).toEqual(a.subarray((NET_BLOCK - 3) * P, (NET_BLOCK + 3) * P));
    // net 0 of block 1 starts the stream of new Rng(5, 'nets', 1)
    const k = freshInstance();
    k.seedState(new Rng(5, 'nets', 1).xorState());
    const head = new Float64Array(P);
    k.normalsInto(head, 0, P);
    expect(head).toEqual(a.subarray(NET_BLOCK * P, (NET_BLOCK + 1) * P));
    // other seeds, other streams
    expect(netNormals(6, 0, 1, P)).not.toEqual(a.subarray(0, P));
    expect(netNormals('5', 0, 1, P)).not.toEqual(a.subarray(0, P));
  });

  it('priorParams is scale ⊙ netNormals', () => {
    const spec: FcnSpec = {
      kind: 'fcn',
      inputDim: 3,
      hidden: [4],
      activation: 'relu',
      sigmaW: 1.5,
      sigmaB: 0.3,
      bias: true,
    };
    const layout = paramLayout(spec);
    const P = layout.size;
    const scales = paramScales(layout);
    const z = netNormals(9, 250, 12, P);
    const theta = priorParams(spec, 9, 250, 12);
    for (let j = 0; j < z.length; j++) expect(theta[j]).toBe(z[j] * scales[j % P]);
  });

  it('rejects bad arguments', () => {
    expect(() => netNormals(-1, 0, 1, 3)).toThrow(/seed/);
    expect(() => netNormals(1, -1, 1, 3)).toThrow(/first/);
    expect(() => netNormals(1, 0, 1.5, 3)).toThrow(/count/);
    expect(() => netNormals(1, 0, 1, 0)).toThrow(/parameters/);
  });
});

describe('wasm vector math (activations)', () => {
  const k = localInstance();
  const xs = Float64Array.from({ length: 20001 }, (_, i) => -10 + i * 0.001);
  const tiny = Float64Array.from({ length: 200 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-i / 10));

  function maxRel(got: Float64Array, want: (x: number) => number, x: Float64Array): number {
    let e = 0;
    for (let i = 0; i < x.length; i++) {
      const w = want(x[i]);
      e = Math.max(e, Math.abs(got[i] - w) / Math.max(Math.abs(w), 1e-300));
    }
    return e;
  }

  it('exp to ~1e-15 relative', () => {
    const x = Float64Array.from({ length: 14001 }, (_, i) => -700 + i * 0.1);
    expect(maxRel(k.vmath(0, x), Math.exp, x)).toBeLessThan(1e-15);
  });

  it('tanh to ~1e-15 relative, including tiny arguments', () => {
    expect(maxRel(k.vmath(1, xs), Math.tanh, xs)).toBeLessThan(1e-15);
    expect(maxRel(k.vmath(1, tiny), Math.tanh, tiny)).toBeLessThan(1e-15);
  });

  // The reference erf is itself accurate to about 1e-15 (at x = −2.233 it is off
  // by 1.1e-15 and the wasm value is the correctly rounded one).
  it('erf to ~2e-15 relative of the reference, including tiny arguments', () => {
    expect(maxRel(k.vmath(2, xs), erf, xs)).toBeLessThan(2e-15);
    expect(maxRel(k.vmath(2, tiny), erf, tiny)).toBeLessThan(1e-15);
  });
});
