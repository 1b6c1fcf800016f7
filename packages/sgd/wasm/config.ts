/**
 * The configuration block the JS glue (`src/wasm.ts`) writes before training:
 * 1024 bytes of i32 slots (sizes, codes, pointers), then f32 slots
 * (hyperparameters), and `K`, the inline accessors every entry point reads it with.
 */

// Int config slots.
export const C_L = 0;
export const C_BIAS = 1;
export const C_P = 2;
export const C_CAP = 3;
export const C_MS = 4;
export const C_ME = 5;
export const C_BATCH = 6;
export const C_LOSS = 7;
export const C_OPT = 8;
export const C_NESTEROV = 9;
export const C_XS = 10;
export const C_YS = 11;
export const C_XE = 12;
export const C_PERM = 13;
export const C_GBASE = 14;
export const C_GSTRIDE = 15;
export const C_T = 16;
export const C_YB = 17;
/** Input-sparsity masks (see buildMasks): blocks per row pair, rows per block. */
export const C_KPAIR = 18;
export const C_KBATCH = 19;
/** 1: skip input coordinates that are zero in every lane (layer 0). */
export const C_SPARSE = 140;
export const C_DIMS = 20;
export const C_WOFF = 40;
export const C_BOFF = 60;
export const C_A = 80;
export const C_Z = 100;
export const C_D = 120;
// Float config slots (f32 from byte 1024).
export const F_LR = 0;
export const F_MOM = 1;
export const F_WD = 2;
export const F_DECAY = 3;
export const F_B1 = 4;
export const F_B2 = 5;
export const F_RHO = 6;
export const F_EPS = 7;
export const F_THR = 8;
export const F_TLOW = 9;

let CFG: usize = 0;

/** Point the entry points at the configuration block (1024 bytes of i32, then f32 slots). */
export function setConfig(ptr: usize): void {
  CFG = ptr;
}

export function heapBase(): usize {
  return __heap_base;
}

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class K {
  @inline static i(slot: i32): i32 {
    return load<i32>(CFG + ((slot as usize) << 2));
  }
  @inline static p(slot: i32): usize {
    return load<i32>(CFG + ((slot as usize) << 2)) as usize;
  }
  @inline static f(slot: i32): f32 {
    return load<f32>(CFG + 1024 + ((slot as usize) << 2));
  }
}
