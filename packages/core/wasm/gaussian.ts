/**
 * Standard normals by the ziggurat of Marsaglia & Tsang (2000), 256 layers,
 * in float64 on the xor4096 stream of `rng.ts`.
 *
 * Each attempt takes two 32-bit draws a, b (in stream order): the layer
 * index is a's low 8 bits, the sign is bit 8, and the magnitude uses 52
 * other bits (a's bits 12–31 below all 32 bits of b) as a uniform
 * u = k·2⁻⁵² ∈ [0, 1). No bit serves twice (the flaw of the original 32-bit
 * version, which took the layer from the value's own bits). Rejected attempts
 * (≈1.2%) resolve with fresh 53-bit uniforms: the wedge with one more, the
 * tail (|z| > R) by Marsaglia's exponential method.
 *
 * This is the canonical Gaussian stream of fsbayes: the prior sampler, the
 * prior-function code here and SGD's initialisation all read it, so any change
 * here changes every net drawn from a seed.
 */
import { nextU32, Rng, uniform53 } from './rng';

/** Right edge of the base layer, and the common area of all 256 layers (50-digit bisection). */
const R: f64 = 3.654152885361009;
const V: f64 = 0.004928673233974655;

/** Layer edges x[0..256] (x[0] = V/f(R), x[1] = R, …, x[256] = 0) and f(x) = exp(−x²/2). */
const ZX: usize = memory.data(257 * 8, 16);
const ZF: usize = memory.data(257 * 8, 16);

function initTables(): void {
  const fR = Math.exp(-0.5 * R * R);
  store<f64>(ZX, V / fR);
  store<f64>(ZF, fR);
  store<f64>(ZX + 8, R);
  store<f64>(ZF + 8, fR);
  let x = R;
  for (let i = 1; i < 255; i++) {
    x = Math.sqrt(-2.0 * Math.log(V / x + Math.exp(-0.5 * x * x)));
    store<f64>(ZX + (((i + 1) as usize) << 3), x);
    store<f64>(ZF + (((i + 1) as usize) << 3), Math.exp(-0.5 * x * x));
  }
  store<f64>(ZX + 256 * 8, 0.0);
  store<f64>(ZF + 256 * 8, 1.0);
}
initTables();

/**
 * One attempt from 64 random bits ab (a = low word, b = high word): the
 * signed normal, or NaN if rejected. The rectangle test is inlined in
 * `fastRun`; this is the complete version (wedge and tail with fresh
 * uniforms) for the rare cases.
 */
function attempt(ab: u64): f64 {
  const a = <u32>ab;
  const i = a & 255;
  const neg = (a & 256) !== 0;
  // 1.f with f = the 52 bits above a's bit 11, minus 1: u ∈ [0, 1) exactly.
  const u = reinterpret<f64>((ab >>> 12) | 0x3ff0000000000000) - 1.0;
  const zp = ZX + ((i as usize) << 3);
  const x = u * load<f64>(zp);
  if (x < load<f64>(zp, 8)) return neg ? -x : x;
  if (i === 0) {
    // Tail beyond R (Marsaglia 1964).
    let t: f64;
    let y: f64;
    do {
      t = -Math.log(1.0 - uniform53()) / R;
      y = -Math.log(1.0 - uniform53());
    } while (y + y < t * t);
    return neg ? -(R + t) : R + t;
  }
  // Wedge of layer i: y uniform in [f(x[i]), f(x[i+1])].
  const q = ZF + ((i as usize) << 3);
  const f0 = load<f64>(q);
  const f1 = load<f64>(q, 8);
  if (f0 + uniform53() * (f1 - f0) < Math.exp(-0.5 * x * x)) return neg ? -x : x;
  return NaN;
}

/**
 * The hot loop: attempts from buffered pairs while they pass the rectangle
 * test, storing T(scale·z) at o, o + stride, … < end. Returns the next o; it
 * stops early when the buffer runs out or an attempt fails the rectangle
 * test (then `pos` points at that attempt's pair). It makes no calls, so V8
 * keeps its values in registers.
 */
function fastRun<T>(o: usize, end: usize, scale: f64, stride: usize): usize {
  const buf = Rng.out();
  let p = Rng.getPos();
  while (o < end && p <= 126) {
    const ab = load<u64>(buf + ((p as usize) << 2));
    const a = <u32>ab;
    const u = reinterpret<f64>((ab >>> 12) | 0x3ff0000000000000) - 1.0;
    const zp = ZX + (((a & 255) as usize) << 3);
    const x = u * load<f64>(zp);
    if (!(x < load<f64>(zp, 8))) break;
    p += 2;
    const sx = reinterpret<f64>(reinterpret<u64>(x) | ((ab << 55) & 0x8000000000000000));
    store<T>(o, <T>(sx * scale));
    o += stride;
  }
  Rng.setPos(p);
  return o;
}

/**
 * T(scale · z_k) for the next n normals z_k of the stream, stored at
 * out + k·stride (the product is taken in f64, then rounded to T).
 */
export function normalsInto<T>(out: usize, n: i32, scale: f64, stride: usize = sizeof<T>()): void {
  const end = out + (n as usize) * stride;
  let o = fastRun<T>(out, end, scale, stride);
  while (o < end) {
    const p = Rng.getPos();
    let ab: u64;
    if (p <= 126) {
      // the attempt at p failed the rectangle test: finish it
      ab = load<u64>(Rng.out() + ((p as usize) << 2));
      Rng.setPos(p + 2);
    } else {
      ab = <u64>nextU32();
      ab |= (<u64>nextU32()) << 32;
    }
    const z = attempt(ab);
    if (!Number.isNaN(z)) {
      store<T>(o, <T>(z * scale));
      o += stride;
    }
    o = fastRun<T>(o, end, scale, stride);
  }
}

/** Fill out[0..n) (f64) with the next n normals. */
export function normalsFill(out: usize, n: i32): void {
  normalsInto<f64>(out, n, 1.0);
}

/** Draw and discard n normals (to reach a net inside a block). */
export function normalsSkip(n: f64): void {
  const chunk: i32 = 1024;
  while (n > 0) {
    const k = n < <f64>chunk ? <i32>n : chunk;
    normalsInto<f64>(SKIP, k, 1.0);
    n -= <f64>k;
  }
}
const SKIP: usize = memory.data(1024 * 8, 16);
