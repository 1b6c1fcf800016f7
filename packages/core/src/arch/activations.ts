/**
 * The activation table, finite-net side: for every hidden nonlinearity its
 * integer code (the one the wasm modules dispatch on), φ and φ′ in float64,
 * the scale of φ(u) used by the range checks, the float32 gpu.js helper of the
 * GPU forward pass and the AssemblyScript SIMD expression of the wasm forward
 * pass. `scripts/build-wasm.mjs` generates the wasm dispatch from this table
 * (`wasmActivationSource`), so the codes exist once; an unknown code traps
 * in the wasm modules instead of passing x through.
 *
 * The kernel side (dual maps, their float32 model, GPU and wasm sources) is
 * nngp's `DUALS` table. Both are `satisfies Record<Activation, …>`: adding a
 * name to {@link Activation} makes the compiler name every table that lacks it.
 */
import { FsbayesError } from '../errors/index.js';
import { show } from '../errors/show.js';
import { erf } from '../math/erf.js';
import type { Activation } from './spec.js';

/** How the wasm forward pass applies an activation to a SIMD vector `x` of lane type T. */
export type WasmActivation =
  /** Call-free: fused into the GEMM tiles (an AssemblyScript expression in x and T). */
  | { fused: string }
  /** Through an f64x2 function (an expression in the f64x2 `x`); f32 lanes are widened and rounded once. */
  | { f64: string };

/** One row of {@link ACTIVATION_TABLE}. */
export interface ActivationDef {
  /** The integer code of every wasm module (unique, ≥ 0). */
  code: number;
  /** φ in float64. */
  phi: (x: number) => number;
  /** φ′ for backprop; null when the gradient is zero almost everywhere (training is refused). */
  dphi: ((x: number) => number) | null;
  /**
   * √E[φ(u)²] for u ~ N(0, sd²), sd > 0 (exact, or within a small factor:
   * the range checks need its order of magnitude). Works on scales, so sd² may overflow.
   */
  rms: (sd: number) => number;
  /** Body of the float32 gpu.js helper `act<Name>(s)` (see {@link gpuActivationSource}). */
  gpu: string;
  wasm: WasmActivation;
}

export const ACTIVATION_TABLE = {
  relu: {
    code: 0,
    // biome-ignore lint/complexity/useMathMinMax: as the wasm and GPU code do, NaN maps to 0 here (Math.max would keep NaN)
    phi: (x) => (x > 0 ? x : 0),
    dphi: (z) => (z > 0 ? 1 : 0),
    rms: (sd) => sd / Math.SQRT2,
    gpu: '  return s > 0 ? s : 0;',
    wasm: { fused: 'v128.pmax<T>(i64x2.splat(0), x)' },
  },
  erf: {
    code: 1,
    phi: erf,
    dphi: (z) => (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z),
    rms: (sd) => {
      if (sd > 1e150) return 1;
      const q = sd * sd;
      return Math.sqrt((2 / Math.PI) * Math.asin((2 * q) / (1 + 2 * q)));
    },
    // Juffa's erff: two minimax pieces around |x| = 0.9277.
    gpu: `  const t = Math.abs(s);
  const q = s * s;
  let r = 0;
  if (t > 0.927734375) {
    r = -0.0000172853470 * t + 0.000383197126;
    r = r * q + (-0.00388396438 * t + 0.0242546219);
    r = r * t - 0.106777877;
    r = r * t - 0.634846687;
    r = r * t - 0.128717512;
    r = r * t - t;
    r = 1 - Math.exp(r);
    if (s < 0) {
      r = -r;
    }
  } else {
    r = -0.000596761703;
    r = r * q + 0.00499119423;
    r = r * q - 0.0267681349;
    r = r * q + 0.112819925;
    r = r * q - 0.376125336;
    r = r * q + 0.128379166;
    r = r * s + s;
  }
  return r;`,
    wasm: { f64: 'VMath.erf(x)' },
  },
  tanh: {
    code: 2,
    phi: Math.tanh,
    dphi: (z) => {
      const t = Math.tanh(z);
      return 1 - t * t;
    },
    rms: (sd) => sd / Math.hypot(1, sd),
    // some drivers' tanh overflows to NaN for large arguments; tanh 15 rounds to 1 in float32
    gpu: '  return Math.tanh(Math.min(Math.max(s, -15), 15));',
    wasm: { f64: 'VMath.tanh(x)' },
  },
  step: {
    code: 3,
    phi: (x) => (x > 0 ? 1 : 0),
    dphi: null,
    rms: () => Math.SQRT1_2,
    gpu: '  return s > 0 ? 1 : 0;',
    wasm: { fused: 'v128.and(v128.gt<T>(x, i64x2.splat(0)), v128.splat<T>(<T>1))' },
  },
} as const satisfies Record<Activation, ActivationDef>;

/** Every activation, in table order. */
export const ACTIVATIONS = Object.keys(ACTIVATION_TABLE) as readonly Activation[];

/** The row of an activation; a clear error for a name that is none (e.g. from untyped input). */
export function activationDef(a: Activation): ActivationDef {
  const def: ActivationDef | undefined = Object.hasOwn(ACTIVATION_TABLE, a) ? ACTIVATION_TABLE[a] : undefined;
  if (!def) throw new FsbayesError(`unknown activation ${show(a)}: not one of ${ACTIVATIONS.join(', ')}`);
  return def;
}

/** The pointwise nonlinearity φ of a hidden layer. */
export function activationFn(a: Activation): (x: number) => number {
  return activationDef(a).phi;
}

/** φ′ of a hidden nonlinearity, or null when it is zero almost everywhere (step). */
export function activationDerivative(a: Activation): ((z: number) => number) | null {
  return activationDef(a).dphi;
}

/** The integer code of an activation in every wasm module. */
export function activationCode(a: Activation): number {
  return activationDef(a).code;
}

/** Name of an activation's gpu.js helper function: `actRelu`, … */
export function gpuActivationName(a: Activation): string {
  return `act${a[0].toUpperCase()}${a.slice(1)}`;
}

/** The float32 gpu.js helper function of an activation. */
export function gpuActivationSource(a: Activation): string {
  return `function ${gpuActivationName(a)}(s) {\n${activationDef(a).gpu}\n}`;
}

/**
 * The AssemblyScript module `wasm/generated/activations.ts` that the wasm
 * forward pass (`wasm/mlp.ts`) imports: one constant per code and the
 * dispatch, whose unknown code traps (`unreachable`).
 */
export function wasmActivationSource(): string {
  const rows = ACTIVATIONS.map((a) => ({ a, code: ACTIVATION_TABLE[a].code, wasm: ACTIVATION_TABLE[a].wasm }));
  const codes = new Set(rows.map((r) => r.code));
  if (codes.size !== rows.length || rows.some((r) => !Number.isInteger(r.code) || r.code < 0))
    throw new FsbayesError(`activation codes must be distinct integers ≥ 0: ${rows.map((r) => r.code).join(', ')}`);
  const fused = rows.filter((r) => 'fused' in r.wasm);
  const smooth = rows.filter((r) => 'f64' in r.wasm);
  const any = (rs: typeof rows) => (rs.length ? rs.map((r) => `act === ${r.code}`).join(' || ') : 'false');
  const body = (r: (typeof rows)[number]) => ('fused' in r.wasm ? r.wasm.fused : (r.wasm as { f64: string }).f64);
  return `// Generated by scripts/build-wasm.mjs from packages/core/src/arch/activations.ts: do not edit.
import { VMath } from '../vmath';

${rows.map((r) => `export const ACT_${r.a.toUpperCase()}: i32 = ${r.code};`).join('\n')}
/** No activation (the readout). */
export const ACT_NONE: i32 = -1;

// biome-ignore lint/complexity/noStaticOnlyClass: AssemblyScript's @inline decorator works on methods, not on top-level functions
export class Act {
  /** Whether \`act\` is an activation code (ACT_NONE is not). */
  @inline static known(act: i32): bool {
    return ${any(rows)};
  }

  /** Whether \`act\` is call-free, fused into the tiles by \`fused\`. */
  @inline static isFused(act: i32): bool {
    return ${any(fused)};
  }

  /** Whether \`act\` goes through an f64x2 function (\`smooth\`), in a separate pass. */
  @inline static isSmooth(act: i32): bool {
    return ${any(smooth)};
  }

  /** The fused activations on a vector of T; any other code passes x through (smooth ones are applied after). */
  @inline static fused<T>(x: v128, act: i32): v128 {
${fused.map((r) => `    if (act === ${r.code}) return ${body(r)};`).join('\n')}
    return x;
  }

  /** The smooth activations on an f64x2; traps on any other code. */
  @inline static smooth(x: v128, act: i32): v128 {
${smooth.map((r) => `    if (act === ${r.code}) return ${body(r)};`).join('\n')}
    unreachable();
    return x;
  }
}
`;
}
