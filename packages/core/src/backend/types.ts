import type { ArchSpec } from '../arch/spec.js';
import type { Seed } from '../rng/rng.js';

/** Where batched numeric work runs: every backend `getBackend` can make (and `--backend` offers, besides 'auto'). */
export const BACKEND_NAMES = ['js', 'wasm', 'gpu'] as const;

/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What ran, recorded in every output's provenance. */
export interface BackendInfo {
  name: BackendName;
  /** Arithmetic precision of the forward pass. */
  precision: 'f64' | 'f32';
  threads: number;
  /** Free text, e.g. `wasm simd+fma, 2 threads` or `gpu.js webgpu (NVIDIA H200)`. */
  detail: string;
}

/**
 * Nets of the prior stream: net `first + j` (j < count) of stream `seed` has
 * parameters θ = scale ⊙ z, z being that net's normals (see `netNormals`).
 */
export interface PriorFunctionsJob {
  spec: ArchSpec;
  /** [m × d] row-major inputs. */
  inputs: Float64Array;
  m: number;
  seed: Seed;
  first: number;
  count: number;
}

/** A compute backend. Stateful (workers, GPU contexts): call close() when done. */
export interface Backend {
  readonly info: BackendInfo;
  /** Whether this backend can run the spec at all (others fall back to js). */
  supports(spec: ArchSpec): boolean;
  /**
   * Sample nets from the prior and return their functions on the inputs as
   * packed bits: [count × ceil(m/32)] words, bit i of net j at word
   * j·words + (i >>> 5), bit (i & 31). Bit = readout pre-activation > 0.
   */
  priorFunctions(job: PriorFunctionsJob): Promise<Uint32Array>;
  /** Readout pre-activations [nets × m] for given parameters [nets × P]. */
  forward(spec: ArchSpec, params: Float64Array, nets: number, inputs: Float64Array, m: number): Promise<Float64Array>;
  close(): Promise<void>;
}
