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
/** Values per input point, and where gatherBatch/broadcastRows put the rows (A[0], or the first conv's input). */
export const C_XDIM = 141;
export const C_XBUF = 142;
/** Conv layers in front of the dense layers (0: an FCN), and their pooling (0 flatten, 1 global average). */
export const C_NCONV = 143;
export const C_POOL = 144;
/** Where the dense layers' backward pass leaves ∂loss/∂features for the conv stack, and the pre-activations masking it (0: none). */
export const C_DF = 145;
export const C_DFZ = 146;
/** Conv layer l's slots start at C_CONV + CONV_SLOTS·l; CV_* are the offsets within them. */
export const C_CONV = 160;
export const CONV_SLOTS = 20;
export const CV_H = 0;
export const CV_W = 1;
export const CV_C = 2;
export const CV_OH = 3;
export const CV_OW = 4;
export const CV_OC = 5;
export const CV_KH = 6;
export const CV_KW = 7;
export const CV_SH = 8;
export const CV_SW = 9;
export const CV_PH = 10;
export const CV_PW = 11;
export const CV_WOFF = 12;
export const CV_BOFF = 13;
/** im2col rows [n·OH·OW × KH·KW·C] (reused for their delta in the backward pass). */
export const CV_COL = 14;
export const CV_Z = 15;
/** The layer's input [n × H·W·C] and output relu(z) (the next layer's input, or the stack's output). */
export const CV_IN = 16;
export const CV_OUT = 17;
/** ∂loss/∂z [n × OH·OW·OC]. */
export const CV_D = 18;
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
