/**
 * Brent's xor4096 (xorgens), bit for bit as seedrandom's `xor4096` `next()`:
 *
 *   w += 0x61c88647;  v = X[(i+34)&127];  i = (i+1)&127;  t = X[i];
 *   v ^= v<<13; t ^= t<<17; v ^= v>>>15; t ^= t>>>12;  X[i] = v ^ t;
 *   out = (X[i] + (w ^ (w>>>16))) | 0
 *
 * The state (X, i, w) is handed over from JS (`Rng.xorState()`). Outputs are
 * produced 128 at a time into a buffer: the recurrence's shortest lag is 94,
 * so 4 consecutive steps are independent and one i32x4 does them at once.
 * When the state index is not at the start of a cycle (i != 127), the buffer
 * is filled by the scalar recurrence instead; both give the same sequence.
 */

const WEYL: i32 = 0x61c88647;

/** X[0..127], plus X[128..131] mirroring X[0..3] so a 4-wide read never wraps. */
const X: usize = memory.data(132 * 4, 16);
/** Buffered outputs, consumed from `pos` to 128. */
const OUT: usize = memory.data(128 * 4, 16);

let xi: i32 = 127;
let xw: i32 = 0;
/** Next unread output in OUT (128 = empty). Exported through `Rng` for the ziggurat's inlined fast path. */
let pos: i32 = 128;

/** Direct access to the output buffer for inlined consumers (the ziggurat). */
// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class Rng {
  @inline static out(): usize {
    return OUT;
  }
  @inline static getPos(): i32 {
    return pos;
  }
  @inline static setPos(p: i32): void {
    pos = p;
  }
}

/** Where JS writes the 128 state words X before calling `rngSeed`. */
export function rngStatePtr(): usize {
  return X;
}

/** Start the stream from state (X at `rngStatePtr()`, i, w); drops buffered outputs. */
export function rngSeed(i: i32, w: i32): void {
  xi = i & 127;
  xw = w;
  v128.store(X + 512, v128.load(X));
  pos = 128;
}

function stepScalar(): i32 {
  xw += WEYL;
  let v = load<i32>(X + ((((xi + 34) & 127) as usize) << 2));
  xi = (xi + 1) & 127;
  const p = X + ((xi as usize) << 2);
  let t = load<i32>(p);
  v ^= v << 13;
  t ^= t << 17;
  v ^= v >>> 15;
  t ^= t >>> 12;
  v ^= t;
  store<i32>(p, v);
  if (xi < 4) store<i32>(p + 512, v);
  return v + (xw ^ (xw >>> 16));
}

function refill(): void {
  if (xi !== 127) {
    for (let k = 0; k < 128; k++) store<i32>(OUT + ((k as usize) << 2), stepScalar());
    pos = 0;
    return;
  }
  // Step p (p = 0..127) writes X[p] from X[p] and X[(p+33)&127].
  let w = i32x4(xw + WEYL, xw + 2 * WEYL, xw + 3 * WEYL, xw + 4 * WEYL);
  const inc = i32x4.splat(4 * WEYL);
  for (let k = 0; k < 128; k += 4) {
    const p = X + ((k as usize) << 2);
    let v = v128.load(X + ((((k + 33) & 127) as usize) << 2));
    let t = v128.load(p);
    v = v128.xor(v, i32x4.shl(v, 13));
    t = v128.xor(t, i32x4.shl(t, 17));
    v = v128.xor(v, i32x4.shr_u(v, 15));
    t = v128.xor(t, i32x4.shr_u(t, 12));
    v = v128.xor(v, t);
    v128.store(p, v);
    if (k === 0) v128.store(X + 512, v);
    v128.store(OUT + ((k as usize) << 2), i32x4.add(v, v128.xor(w, i32x4.shr_u(w, 16))));
    w = i32x4.add(w, inc);
  }
  xw += 128 * WEYL;
  pos = 0;
}

/** The next 32 random bits (seedrandom's `int32()`). */
export function nextU32(): u32 {
  if (pos === 128) refill();
  const r = load<u32>(OUT + ((pos as usize) << 2));
  pos++;
  return r;
}

/** Uniform in [0, 1) with 53 random bits (two draws). */
export function uniform53(): f64 {
  const a = nextU32();
  const b = nextU32();
  return (<f64>(a >>> 11) * 4294967296.0 + <f64>b) * 1.1102230246251565e-16;
}

/** Fill out[0..n) (i32) with the next n outputs; for tests against seedrandom. */
export function rngFill(out: usize, n: i32): void {
  for (let k = 0; k < n; k++) store<u32>(out + ((k as usize) << 2), nextU32());
}
