/**
 * Rank-1 lattice rules: x_k = frac(k·z/N + Δ), k = 0..N−1, N prime, with the
 * generating vector z chosen component by component (CBC; Sloan, Kuo & Joe
 * 2002) to minimise the shift-averaged worst-case error in a weighted Korobov
 * space of smoothness α = 2 with product weights γ_j = 1/j:
 *   e²(z) = −1 + (1/N) Σ_k Π_j (1 + γ_j ω({k z_j / N})),   ω(x) = 2π²(x² − x + 1/6).
 * (With the tent transform this is the criterion for the unanchored Sobolev
 * space, the usual choice for Genz's integrand.)
 *
 * Full CBC costs O(N²) per dimension; here each dimension searches at most
 * 96 candidates (all of 1..(N−1)/2 when there are fewer, otherwise a fixed
 * pseudo-random subset), O(96·N) per dimension — a "random CBC" that keeps
 * nearly all of the quality at a fraction of the cost. Vectors are cached per N
 * and extended on demand (CBC vectors are prefix-stable).
 */
import { FsbayesError } from '@fsbayes/core';

const MAX_CANDIDATES = 96;
const TWO_PI2 = 2 * Math.PI * Math.PI;

/** Largest prime ≤ n (n ≥ 2). */
export function primeAtMost(n: number): number {
  let p = Math.max(2, Math.floor(n));
  for (; p > 2; p--) if (isPrime(p)) return p;
  return 2;
}

function isPrime(p: number): boolean {
  if (p < 2) return false;
  if (p % 2 === 0) return p === 2;
  for (let q = 3; q * q <= p; q += 2) if (p % q === 0) return false;
  return true;
}

interface CacheEntry {
  z: number[];
  /** Running products Π_j (1 + γ_j ω({k z_j/N})) over the dimensions chosen so far. */
  prod: Float64Array;
}

const cache = new Map<number, CacheEntry>();

/** CBC generating vector for an N-point lattice (N prime) in `dim` dimensions. */
export function latticeVector(N: number, dim: number): Int32Array {
  if (!Number.isInteger(N) || N < 2 || !isPrime(N)) throw new FsbayesError(`latticeVector: N must be prime, got ${N}`);
  let e = cache.get(N);
  if (!e) {
    e = { z: [], prod: new Float64Array(N).fill(1) };
    cache.set(N, e);
  }
  const omega = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    const x = r / N;
    omega[r] = TWO_PI2 * (x * x - x + 1 / 6);
  }
  const half = (N - 1) >> 1;
  while (e.z.length < dim) {
    const s = e.z.length; // 0-based dimension being chosen
    const gamma = 1 / (s + 1);
    const cands = candidates(half, s, N);
    let best = 1;
    let bestErr = Number.POSITIVE_INFINITY;
    for (const c of cands) {
      let sum = 0;
      let r = 0;
      for (let k = 0; k < N; k++) {
        sum += e.prod[k] * (1 + gamma * omega[r]);
        r += c;
        if (r >= N) r -= N;
      }
      if (sum < bestErr) {
        bestErr = sum;
        best = c;
      }
    }
    let r = 0;
    for (let k = 0; k < N; k++) {
      e.prod[k] *= 1 + gamma * omega[r];
      r += best;
      if (r >= N) r -= N;
    }
    e.z.push(best);
  }
  return Int32Array.from(e.z.slice(0, dim));
}

/** Candidates for dimension s: 1 for s = 0; all of 1..half if few, else a fixed pseudo-random subset. */
function candidates(half: number, s: number, N: number): number[] {
  if (s === 0 || half < 1) return [1];
  if (half <= MAX_CANDIDATES) return Array.from({ length: half }, (_, i) => i + 1);
  // A small LCG seeded by (N, s): deterministic, independent of any user seed.
  let state = (Math.imul(N, 0x9e3779b1) + Math.imul(s, 40503) + 12345) >>> 0;
  const out = new Set<number>();
  while (out.size < MAX_CANDIDATES) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.add(1 + (state % half));
  }
  return [...out];
}
