/**
 * The Monte-Carlo kernel: the covariance of the readout of random nets of a
 * spec, drawn from the canonical prior streams (`priorParams`) — the check for
 * every analytic kernel and the fallback for specs without a closed form.
 */
import {
  type ArchSpec,
  autoBackendFor,
  type Backend,
  FsbayesError,
  getBackend,
  inputSize,
  NetFeatures,
  paramLayout,
  priorParams,
  type Seed,
  validateSpec,
} from '@fsbayes/core';
import { checkBlock } from './check.js';

/** Options of {@link monteCarloKernel}. */
export interface MonteCarloOptions {
  /** Number of random nets (≥ 1; ≥ 2 for a standard error). */
  draws: number;
  /** Seed of the canonical parameter stream: net i of this seed is the same net everywhere. */
  seed: Seed;
  /** First net index in the stream (default 0); disjoint ranges give independent estimates. */
  first?: number;
  /** Replace every hidden width and channel count of the spec by this ({@link widenSpec}). */
  width?: number;
  /**
   * Forward pass for the `readout` estimator: `wasm` (float64, the default
   * wherever it runs the spec: FCNs and CNNs), `js` (float64 reference, every
   * spec), or an open float64 {@link Backend} to reuse (not closed here).
   */
  backend?: 'js' | 'wasm' | Backend;
  /**
   * - `readout` (default): the plain average of f(x)f(x') over the nets' readouts
   *   (forward pass by the backend). Error ≈ √(2/draws) relative.
   * - `features`: for each net, the exact expectation over its readout layer,
   *   E_{w,b}[f(x)f(x')] = σ_b² + (σ_w²/n)·z(x)·z(x') with z the n features the
   *   readout reads (the last hidden layer, or the flattened/pooled conv
   *   output) — a conditional expectation of the same quantity (Rao–Blackwell),
   *   so unbiased for the same finite-width covariance and far less noisy: one
   *   net counts like ~n readout draws at depth 1. It is what neural-tangents'
   *   tests do with a width-1024 readout. Features come from core's float64
   *   hidden forward pass (`NetFeatures`, tested against the backends' readouts to 1e-12).
   */
  estimator?: 'readout' | 'features';
  /**
   * Nets per batch of parameters (default: about 64 MB of parameters). Net i's
   * normals start (i mod 256)·P into its block's stream, so a batch starting
   * inside a block first skips that many normals: for wide nets (P ~ 10⁶)
   * larger batches are markedly faster.
   */
  chunk?: number;
}

/** What {@link monteCarloKernel} returns. */
export interface MonteCarloKernel {
  /** n1×n2 row-major (symmetric n1×n1 when X2 was omitted). */
  kernel: Float64Array;
  n1: number;
  n2: number;
  draws: number;
  /** Standard error of each entry (the sample standard deviation over nets / √draws); absent when draws < 2. */
  stderr?: Float64Array;
  estimator: 'readout' | 'features';
  /** The spec the nets were drawn from (widened when `width` was given). */
  spec: ArchSpec;
  /** What computed the forward passes. */
  backend: string;
}

/** The spec with every hidden width and every conv layer's channel count set to `width`. */
export function widenSpec(spec: ArchSpec, width: number): ArchSpec {
  if (!Number.isSafeInteger(width) || width < 1)
    throw new FsbayesError(`width must be a positive integer, got ${width}`);
  const hidden = spec.hidden.map(() => width);
  if (spec.kind === 'fcn') return validateSpec({ ...spec, hidden });
  return validateSpec({ ...spec, hidden, convs: spec.convs.map((c) => ({ ...c, channels: width })) });
}

/**
 * Empirical E[f(x)f(x')] of the readout pre-activation f over `draws` random
 * nets of the spec (nets `first … first+draws−1` of the seed's canonical
 * stream), n1×n2 between the rows of X1 and X2 (X1 with itself when X2 is
 * omitted). See {@link MonteCarloOptions} for the two estimators.
 */
export async function monteCarloKernel(
  spec: ArchSpec,
  X1: Float64Array,
  n1: number,
  X2: Float64Array | undefined,
  n2: number | undefined,
  opts: MonteCarloOptions,
): Promise<MonteCarloKernel> {
  validateSpec(spec);
  const s = opts.width === undefined ? spec : widenSpec(spec, opts.width);
  const d = inputSize(s);
  checkBlock(X1, n1, d, 'X1');
  const sym = X2 === undefined;
  if (sym && n2 !== undefined) throw new FsbayesError('n2 given without X2');
  if (!sym && n2 === undefined) throw new FsbayesError('X2 given without n2');
  const m2 = sym ? n1 : (n2 as number);
  if (!sym) checkBlock(X2, m2, d, 'X2');
  const { draws } = opts;
  if (!Number.isSafeInteger(draws) || draws < 1)
    throw new FsbayesError(`draws must be a positive integer, got ${draws}`);
  const first = opts.first ?? 0;
  if (!Number.isSafeInteger(first) || first < 0)
    throw new FsbayesError(`first must be a non-negative integer, got ${first}`);
  const estimator = opts.estimator ?? 'readout';
  if (estimator !== 'readout' && estimator !== 'features') {
    throw new FsbayesError(`estimator must be readout or features, got ${String(estimator)}`);
  }
  const P = paramLayout(s).size;
  const chunk = opts.chunk ?? Math.max(1, Math.min(draws, Math.floor(8_388_608 / P)));
  if (!Number.isSafeInteger(chunk) || chunk < 1)
    throw new FsbayesError(`chunk must be a positive integer, got ${chunk}`);

  const acc = new Accumulator(n1, m2, sym);
  const batches = async (each: (theta: Float64Array, n: number) => Promise<void> | void) => {
    for (let done = 0; done < draws; done += chunk) {
      const n = Math.min(chunk, draws - done);
      await each(priorParams(s, opts.seed, first + done, n), n);
    }
  };

  let backendDetail: string;
  if (estimator === 'features') {
    backendDetail = 'own float64 feature forward (nngp/kernels), exact readout-layer expectation';
    const feat = new Features(s);
    const F1 = new Float64Array(n1 * feat.width);
    const F2 = sym ? F1 : new Float64Array(m2 * feat.width);
    const Kn = new Float64Array(n1 * m2);
    await batches((theta, n) => {
      for (let t = 0; t < n; t++) {
        feat.compute(theta, t, X1, n1, F1);
        if (!sym) feat.compute(theta, t, X2, m2, F2);
        feat.kernel(F1, n1, F2, m2, sym, Kn);
        acc.add(Kn);
      }
    });
  } else {
    const { backend, close } = await openBackend(s, opts.backend);
    backendDetail = backend.info.detail;
    try {
      const m = sym ? n1 : n1 + m2;
      const inputs = sym ? X1 : concat(X1, X2);
      const Kn = new Float64Array(n1 * m2);
      await batches(async (theta, n) => {
        const f = await backend.forward(s, theta, n, inputs, m);
        for (let t = 0; t < n; t++) {
          const o = t * m;
          const o2 = sym ? o : o + n1;
          for (let i = 0; i < n1; i++) {
            const fi = f[o + i];
            for (let j = sym ? i : 0; j < m2; j++) Kn[i * m2 + j] = fi * f[o2 + j];
          }
          acc.add(Kn);
        }
      });
    } finally {
      await close();
    }
  }
  const { kernel, stderr } = acc.result();
  return { kernel, n1, n2: m2, draws, stderr, estimator, spec: s, backend: backendDetail };
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

async function openBackend(
  spec: ArchSpec,
  choice: MonteCarloOptions['backend'],
): Promise<{ backend: Backend; close: () => Promise<void> }> {
  if (choice !== undefined && typeof choice === 'object') {
    if (!choice.supports(spec)) throw new FsbayesError(`backend ${choice.info.name} cannot run this spec; use js`);
    if (choice.info.precision !== 'f64') {
      throw new FsbayesError(`monteCarloKernel needs a float64 backend, got ${choice.info.detail}`);
    }
    return { backend: choice, close: async () => {} };
  }
  const name = choice ?? autoBackendFor(spec);
  if (name !== 'js' && name !== 'wasm') throw new FsbayesError(`backend must be js or wasm, got ${String(name)}`);
  const backend = await getBackend(name, { precision: 'f64' });
  return { backend, close: () => backend.close() };
}

/** Running mean and standard error of n1×n2 per-net kernels (upper triangle only when symmetric). */
class Accumulator {
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private count = 0;

  constructor(
    private readonly n1: number,
    private readonly n2: number,
    private readonly sym: boolean,
  ) {
    this.sum = new Float64Array(n1 * n2);
    this.sq = new Float64Array(n1 * n2);
  }

  add(K: Float64Array): void {
    const { n1, n2, sym, sum, sq } = this;
    for (let i = 0; i < n1; i++) {
      for (let j = sym ? i : 0; j < n2; j++) {
        const v = K[i * n2 + j];
        sum[i * n2 + j] += v;
        sq[i * n2 + j] += v * v;
      }
    }
    this.count++;
  }

  result(): { kernel: Float64Array; stderr?: Float64Array } {
    const { n1, n2, sym, sum, sq, count: D } = this;
    const kernel = new Float64Array(n1 * n2);
    const stderr = D >= 2 ? new Float64Array(n1 * n2) : undefined;
    for (let i = 0; i < n1; i++) {
      for (let j = sym ? i : 0; j < n2; j++) {
        const mean = sum[i * n2 + j] / D;
        kernel[i * n2 + j] = mean;
        if (stderr) {
          const v = Math.max(sq[i * n2 + j] / D - mean * mean, 0) * (D / (D - 1));
          stderr[i * n2 + j] = Math.sqrt(v / D);
        }
        if (sym) {
          kernel[j * n2 + i] = mean;
          if (stderr) stderr[j * n2 + i] = stderr[i * n2 + j];
        }
      }
    }
    return { kernel, stderr };
  }
}

/**
 * The features z(x) the readout of a net reads (core's {@link NetFeatures}:
 * the one float64 hidden forward pass), and E over the readout of f(x)f(x')
 * for the `features` estimator.
 */
export class Features extends NetFeatures {
  /**
   * E over the readout weights and bias of f(x_i)f(x'_j) given the features:
   * σ_b² + (σ_w²/n)·z(x_i)·z(x'_j), into K [n1 × n2] (upper triangle when symmetric).
   */
  kernel(F1: Float64Array, n1: number, F2: Float64Array, n2: number, sym: boolean, K: Float64Array): void {
    const { W, B } = this.readoutTensors();
    const vw = W.std * W.std;
    const vb = B ? B.std * B.std : 0;
    const n = this.width;
    for (let i = 0; i < n1; i++) {
      for (let j = sym ? i : 0; j < n2; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += F1[i * n + k] * F2[j * n + k];
        K[i * n2 + j] = vb + vw * s;
      }
    }
  }
}
