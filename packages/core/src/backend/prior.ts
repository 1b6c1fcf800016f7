/**
 * The canonical Gaussian stream: one source of truth for every net's
 * parameters (prior sampling, rejection sampling, SGD initialisation).
 *
 * Net i of seed s belongs to block b = floor(i / NET_BLOCK). The block's
 * uniforms are `new Rng(s, 'nets', b)` (xor4096), its standard normals are
 * drawn in order by the wasm ziggurat (`wasm/gaussian.ts`, float64) — or,
 * where the wasm build is missing or does not load, by its plain TypeScript
 * twin (`normals.ts`, the same numbers bit for bit) — and net i takes the P normals at positions [(i mod NET_BLOCK)·P, (i mod NET_BLOCK + 1)·P)
 * of its block. θ = scale ⊙ z with `paramScales` (σ_w/√fan_in, σ_b).
 */
import { paramLayout, paramScales } from '../arch/params.js';
import type { ArchSpec } from '../arch/spec.js';
import { FsbayesError } from '../errors/index.js';
import { checkMemory } from '../resources/memory.js';
import { checkSeed, type Seed } from '../rng/rng.js';
import { type NormalSource, TsNormals } from './normals.js';
import { blockSegments, WasmInstance, wasmModule } from './wasm-module.js';

let local: WasmInstance | undefined;
let source: NormalSource | undefined;
let wasmNormals = true;

/** The calling thread's wasm instance (compiled and instantiated synchronously, cached). */
export function localInstance(): WasmInstance {
  if (!local) {
    // Normals use no FMA, so both builds give the same bits; the plain one needs no V8 flag.
    const { module, variant } = wasmModule('simd');
    local = new WasmInstance(module, variant);
    // Tier the sampler up from V8's baseline compiler with short calls (every use reseeds).
    const tmp = new Float64Array(64);
    local.seedBlock('warmup', 0, 0, 1);
    for (let r = 0; r < 64; r++) local.normalsInto(tmp, 0, 64);
  }
  return local;
}

/**
 * The calling thread's source of the canonical stream: the wasm kernels when
 * they load, else the TypeScript twin (same bits, slower). Cached.
 */
export function normalSource(): NormalSource {
  if (source) return source;
  if (wasmNormals) {
    try {
      source = localInstance();
    } catch {
      // No wasm build (an install without wasm/build/) or a V8 without SIMD: the TypeScript stream.
    }
  }
  source ??= new TsNormals();
  return source;
}

/**
 * Whether `netNormals` may use the wasm kernels (default true); `false`
 * forces the TypeScript stream, for tests and comparisons.
 */
export function configureNormals(opts: { wasm: boolean }): void {
  wasmNormals = opts.wasm;
  source = undefined;
}

/** Names of the two numbers of a net range in messages (the CLI passes its flags). */
export interface NetRangeNames {
  first: string;
  count: string;
}

/**
 * Validate nets [first, first + count) of a seed's stream, the one check
 * every command and library entry uses: both non-negative integers, and the
 * range inside the stream, whose indices are exact only up to 2^53 − 1
 * (first + count ≤ Number.MAX_SAFE_INTEGER). `names` label the numbers in
 * messages (e.g. `--first` and `--samples`).
 */
export function checkNetRange(
  first: number,
  count: number,
  names: NetRangeNames = { first: 'first net', count: 'net count' },
): void {
  if (!Number.isSafeInteger(first) || first < 0)
    throw new FsbayesError(`${names.first} must be a non-negative integer, got ${first}`);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new FsbayesError(`${names.count} must be a non-negative integer, got ${count}`);
  if (first > Number.MAX_SAFE_INTEGER - count)
    throw new FsbayesError(
      `${names.first} ${first} with ${names.count} ${count} runs past the end of a seed's net stream: nets are numbered 0 … 2^53 − 2, so ${names.first} + ${names.count} must be ≤ ${Number.MAX_SAFE_INTEGER}`,
    );
}

function checkRange(first: number, count: number, P: number): void {
  checkNetRange(first, count);
  if (!Number.isSafeInteger(P) || P < 1)
    throw new FsbayesError(`parameters per net must be a positive integer, got ${P}`);
}

/** Standard normals z of nets [first, first+count) of stream `seed`, P per net: [count × P]. */
export function netNormals(seed: Seed, first: number, count: number, P: number): Float64Array {
  checkSeed(seed);
  checkRange(first, count, P);
  checkMemory(`drawing ${count} net${count === 1 ? '' : 's'} of ${P} parameters`, [
    { what: 'their standard normals (f64)', bytes: count * P * 8, pool: 'native' },
  ]);
  const k = normalSource();
  const out = new Float64Array(count * P);
  for (const s of blockSegments(first, count)) {
    k.seedBlock(seed, s.block, s.offset, P);
    k.normalsInto(out, s.at * P, s.n * P);
  }
  return out;
}

/** Prior parameters θ = scale ⊙ z of nets [first, first+count): [count × P] in `paramLayout` order. */
export function priorParams(spec: ArchSpec, seed: Seed, first: number, count: number): Float64Array {
  const layout = paramLayout(spec);
  const P = layout.size;
  const z = netNormals(seed, first, count, P);
  const scales = paramScales(layout);
  for (let n = 0; n < count; n++) {
    const base = n * P;
    for (let j = 0; j < P; j++) z[base + j] *= scales[j];
  }
  return z;
}
