/**
 * `exp` and `log` exactly as the wasm kernels compute them: AssemblyScript's
 * `NativeMath.exp` / `NativeMath.log` at shrink level 0 (`exp_lut`,
 * `log_lut` of std/assembly/util/math.ts, ports of musl / ARM
 * optimized-routines), operation for operation. V8's `Math.exp` and
 * `Math.log` are other algorithms and differ in the last bit now and then;
 * the canonical Gaussian stream (`backend/normals.ts`) needs these to give
 * the wasm ziggurat's numbers bit for bit without the wasm build.
 *
 * Plain IEEE float64 arithmetic (no FMA in either language), so the same
 * expression order gives the same bits. 64-bit integer steps work on the
 * two 32-bit halves of a double.
 */
import { EXP_TABLE, LOG_TABLE_1, LOG_TABLE_2 } from './libm-tables.js';

// One 8-byte scratch cell seen as a double and as two words (platform byte order).
const cellF = new Float64Array(1);
const cellU = new Uint32Array(cellF.buffer);
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

function fromWords(hi: number, lo: number): number {
  cellU[HI] = hi;
  cellU[LO] = lo;
  return cellF[0];
}

/** Parse a table of 64-bit hex words into their doubles and their high/low words. */
function parseTable(text: string): { f: Float64Array; hi: Uint32Array; lo: Uint32Array } {
  const words = text.trim().split(/\s+/);
  const f = new Float64Array(words.length);
  const hi = new Uint32Array(words.length);
  const lo = new Uint32Array(words.length);
  words.forEach((w, k) => {
    hi[k] = Number.parseInt(w.slice(0, 8), 16);
    lo[k] = Number.parseInt(w.slice(8), 16);
    f[k] = fromWords(hi[k], lo[k]);
  });
  return { f, hi, lo };
}

const EXP_T = parseTable(EXP_TABLE);
const LOG_T1 = parseTable(LOG_TABLE_1).f;
const LOG_T2 = parseTable(LOG_TABLE_2).f;

const f = fromWords;
// exp_lut constants (N = 2^7).
const InvLn2N = f(0x3ff71547, 0x652b82fe) * 128;
const NegLn2hiN = f(0xbf762e42, 0xfefa0000);
const NegLn2loN = f(0xbd0cf79a, 0xbc9e3b3a);
const SHIFT = f(0x43380000, 0);
const C2 = f(0x3fdfffff, 0xfffffdbd);
const C3 = f(0x3fc55555, 0x5555543c);
const C4 = f(0x3fa55555, 0xcf172b91);
const C5 = f(0x3f811111, 0x67a4d017);
const TWO_M1022 = f(0x00100000, 0);
const TWO_1009 = f(0x7f000000, 0);

/** exp(x) as AssemblyScript's `exp_lut`. */
export function wasmExp(x: number): number {
  cellF[0] = x;
  const uxHi = cellU[HI];
  const uxLo = cellU[LO];
  let abstop = (uxHi >>> 20) & 0x7ff;
  if ((abstop - 0x3c9) >>> 0 >= 0x03f) {
    if ((abstop - 0x3c9) >>> 0 >= 0x80000000) return 1;
    if (abstop >= 0x409) {
      if (uxHi === 0xfff00000 && uxLo === 0) return 0;
      if (abstop >= 0x7ff) return 1.0 + x;
      return uxHi >>> 31 ? 0 : Number.POSITIVE_INFINITY;
    }
    abstop = 0;
  }
  const z = InvLn2N * x;
  let kd = z + SHIFT;
  cellF[0] = kd;
  const ki = cellU[LO];
  kd -= SHIFT;
  const r = x + kd * NegLn2hiN + kd * NegLn2loN;
  const idx = (ki & 127) << 1;
  // top = ki << 45 touches the high word only: sbits = T[idx+1] + top.
  const sbitsHi = (EXP_T.hi[idx + 1] + (ki << 13)) >>> 0;
  const sbitsLo = EXP_T.lo[idx + 1];
  const tail = EXP_T.f[idx];
  const r2 = r * r;
  const tmp = tail + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5);
  if (abstop === 0) return expSpecialCase(tmp, sbitsHi, sbitsLo, ki);
  const scale = fromWords(sbitsHi, sbitsLo);
  return scale + scale * tmp;
}

/** exp_lut's `specialcase`: results that may overflow or underflow (|x| ≳ 512). */
function expSpecialCase(tmp: number, sbitsHi: number, sbitsLo: number, ki: number): number {
  if (!(ki & 0x80000000)) {
    const scale = fromWords((sbitsHi - (1009 << 20)) >>> 0, sbitsLo);
    return TWO_1009 * (scale + scale * tmp);
  }
  const hi = (sbitsHi + (1022 << 20)) >>> 0;
  const scale = fromWords(hi, sbitsLo);
  let y = scale + scale * tmp;
  if (Math.abs(y) < 1.0) {
    const one = y < 0 || Object.is(y, -0) ? -1.0 : 1.0;
    let lo = scale - y + scale * tmp;
    const h = one + y;
    lo = one - h + y + lo;
    y = h + lo - one;
    if (y === 0) y = hi >>> 31 ? -0 : 0;
  }
  return y * TWO_M1022;
}

// log_lut constants.
const B0 = f(0xbfe00000, 0);
const B1 = f(0x3fd55555, 0x55555577);
const B2 = f(0xbfcfffff, 0xfffffdcb);
const B3 = f(0x3fc99999, 0x9995dd0c);
const B4 = f(0xbfc55555, 0x556745a7);
const B5 = f(0x3fc24924, 0xa344de30);
const B6 = f(0xbfbfffff, 0xa4423d65);
const B7 = f(0x3fbc7184, 0x282ad6ca);
const B8 = f(0xbfb999eb, 0x43b068ff);
const B9 = f(0x3fb78182, 0xf7afd085);
const B10 = f(0xbfb55213, 0x75d145cd);
const A0 = f(0xbfe00000, 0x00000001);
const A1 = f(0x3fd55555, 0x5551305b);
const A2 = f(0xbfcfffff, 0xffeb4590);
const A3 = f(0x3fc999b3, 0x24f10111);
const A4 = f(0xbfc55575, 0xe506c89f);
const Ln2hi = f(0x3fe62e42, 0xfefa3800);
const Ln2lo = f(0x3d2ef357, 0x93c76730);
const TWO_27 = f(0x41a00000, 0);
const TWO_52 = f(0x43300000, 0);

/** log(x) as AssemblyScript's `log_lut`. */
export function wasmLog(x: number): number {
  cellF[0] = x;
  let ixHi = cellU[HI];
  let ixLo = cellU[LO];
  // Near 1 (0x3FEE000000000000 ≤ ix < 0x3FF1090000000000): a polynomial in r = x − 1.
  if (ixHi >= 0x3fee0000 && ixHi < 0x3ff10900) {
    const r = x - 1.0;
    const r2 = r * r;
    const r3 = r2 * r;
    const y = r3 * (B1 + r * B2 + r2 * B3 + r3 * (B4 + r * B5 + r2 * B6 + r3 * (B7 + r * B8 + r2 * B9 + r3 * B10)));
    let w = r * TWO_27;
    const rhi = r + w - w;
    const rlo = r - rhi;
    w = rhi * rhi * B0;
    const hi = r + w;
    let lo = r - hi + w;
    lo += B0 * rlo * (rhi + r);
    return y + lo + hi;
  }
  const top = ixHi >>> 16;
  if ((top - 0x0010) >>> 0 >= 0x7ff0 - 0x0010) {
    if (((ixHi << 1) | ixLo) === 0) return -1.0 / (x * x);
    if (ixHi === 0x7ff00000 && ixLo === 0) return x;
    if (top & 0x8000 || (top & 0x7ff0) === 0x7ff0) return (x - x) / (x - x);
    // Subnormal: normalise.
    cellF[0] = x * TWO_52;
    ixHi = (cellU[HI] - (52 << 20)) >>> 0;
    ixLo = cellU[LO];
  }
  // x = 2^k z with z in [0x1.6p-1, 0x1.6p0); tmp = ix − 0x3FE6000000000000 (low word unchanged).
  const tmpHi = (ixHi - 0x3fe60000) >>> 0;
  const i = (tmpHi >>> 13) & 127;
  const k = (tmpHi | 0) >> 20;
  const z = fromWords((ixHi - (tmpHi & 0xfff00000)) >>> 0, ixLo);
  const invc = LOG_T1[2 * i];
  const logc = LOG_T1[2 * i + 1];
  const chi = LOG_T2[2 * i];
  const clo = LOG_T2[2 * i + 1];
  const r = (z - chi - clo) * invc;
  const kd = k;
  const w = kd * Ln2hi + logc;
  const hi = w + r;
  const lo = w - hi + r + kd * Ln2lo;
  const r2 = r * r;
  return lo + r2 * A0 + r * r2 * (A1 + r * A2 + r2 * (A3 + r * A4)) + hi;
}
