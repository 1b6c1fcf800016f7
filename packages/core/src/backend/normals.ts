/**
 * The canonical Gaussian stream in plain TypeScript: the twin of the wasm
 * kernels' xor4096 port (`wasm/rng.ts`) and ziggurat (`wasm/gaussian.ts`),
 * giving the same normals bit for bit, so the js backend, `netNormals` and
 * `priorParams` work where the wasm build is missing (an install without
 * `wasm/build/`, a V8 without SIMD). The wasm kernels stay the faster
 * source and are used whenever they load (`prior.ts`).
 *
 * Semantics shared with the wasm code: a stream of 32-bit outputs; each
 * ziggurat attempt takes two of them (a, then b): layer a & 255, sign bit 8
 * of a, magnitude u = (b·2²⁰ + (a >>> 12))·2⁻⁵²; a rejected rectangle test
 * resolves with fresh 53-bit uniforms (wedge, or tail beyond R). `exp` and
 * `log` are AssemblyScript's (`math/wasm-libm.ts`), not V8's.
 */
import { wasmExp, wasmLog } from '../math/wasm-libm.js';
import { Rng, type Seed } from '../rng/rng.js';

/** What `netNormals` needs from a source of the canonical stream (the wasm `Kernels` are one). */
export interface NormalSource {
  /** Seed the stream of `block` of `seed` and skip to net `offset` of it (P normals per net). */
  seedBlock(seed: Seed, block: number, offset: number, P: number): void;
  /** The next n standard normals of the stream, into out[at..at+n). */
  normalsInto(out: Float64Array, at: number, n: number): void;
}

const WEYL = 0x61c88647;
/** Right edge of the base layer and the common area of the 256 layers (as in wasm/gaussian.ts). */
const R = 3.654152885361009;
const V = 0.004928673233974655;
const TWO_M52 = 2 ** -52;
const TWO_M53 = 1.1102230246251565e-16;

let tables: { zx: Float64Array; zf: Float64Array } | undefined;

/** Layer edges x[0..256] and f(x) = exp(−x²/2), computed as `initTables` in wasm/gaussian.ts does. */
function zigguratTables(): { zx: Float64Array; zf: Float64Array } {
  if (tables) return tables;
  const zx = new Float64Array(257);
  const zf = new Float64Array(257);
  const fR = wasmExp(-0.5 * R * R);
  zx[0] = V / fR;
  zf[0] = fR;
  zx[1] = R;
  zf[1] = fR;
  let x = R;
  for (let i = 1; i < 255; i++) {
    x = Math.sqrt(-2.0 * wasmLog(V / x + wasmExp(-0.5 * x * x)));
    zx[i + 1] = x;
    zf[i + 1] = wasmExp(-0.5 * x * x);
  }
  zx[256] = 0.0;
  zf[256] = 1.0;
  tables = { zx, zf };
  return tables;
}

/** One stream: xor4096 (seedrandom's `int32()` sequence) feeding the ziggurat. */
export class TsNormals implements NormalSource {
  private readonly X = new Int32Array(128);
  private xi = 127;
  private xw = 0;
  private readonly zx: Float64Array;
  private readonly zf: Float64Array;

  constructor() {
    ({ zx: this.zx, zf: this.zf } = zigguratTables());
  }

  /** Start the xor4096 stream at the given state (`Rng.xorState()`). */
  seedState(s: { X: Int32Array; i: number; w: number }): void {
    this.X.set(s.X);
    this.xi = s.i & 127;
    this.xw = s.w | 0;
  }

  seedBlock(seed: Seed, block: number, offset: number, P: number): void {
    this.seedState(new Rng(seed, 'nets', block).xorState());
    if (offset > 0) this.skip(offset * P);
  }

  /** The next 32 random bits, unsigned. */
  nextU32(): number {
    const X = this.X;
    this.xw = (this.xw + WEYL) | 0;
    let v = X[(this.xi + 34) & 127];
    this.xi = (this.xi + 1) & 127;
    let t = X[this.xi];
    v ^= v << 13;
    t ^= t << 17;
    v ^= v >>> 15;
    t ^= t >>> 12;
    v ^= t;
    X[this.xi] = v;
    return (v + (this.xw ^ (this.xw >>> 16))) >>> 0;
  }

  /** Uniform in [0, 1) from two draws (wasm `uniform53`). */
  private uniform53(): number {
    const a = this.nextU32();
    const b = this.nextU32();
    return ((a >>> 11) * 4294967296.0 + b) * TWO_M53;
  }

  /** The next standard normal: ziggurat attempts until one is accepted. */
  next(): number {
    const { zx, zf } = this;
    for (;;) {
      const a = this.nextU32();
      const b = this.nextU32();
      const i = a & 255;
      const neg = (a & 256) !== 0;
      const x = (b * 1048576 + (a >>> 12)) * TWO_M52 * zx[i];
      if (x < zx[i + 1]) return neg ? -x : x;
      if (i === 0) {
        // Tail beyond R (Marsaglia 1964).
        let t: number;
        let y: number;
        do {
          t = -wasmLog(1.0 - this.uniform53()) / R;
          y = -wasmLog(1.0 - this.uniform53());
        } while (y + y < t * t);
        return neg ? -(R + t) : R + t;
      }
      const f0 = zf[i];
      const f1 = zf[i + 1];
      if (f0 + this.uniform53() * (f1 - f0) < wasmExp(-0.5 * x * x)) return neg ? -x : x;
    }
  }

  normalsInto(out: Float64Array, at: number, n: number): void {
    for (let k = 0; k < n; k++) out[at + k] = this.next();
  }

  /** Draw and discard n normals (to reach a net inside a block). */
  skip(n: number): void {
    for (let k = 0; k < n; k++) this.next();
  }
}
