/**
 * Malformed and degenerate kernels through the nngp entry points that take a
 * kernel matrix and labels: `logMarginalLikelihood` (EP) and `orthantLogProb`
 * (EP, Botev, Genz, MC).
 */
import { Rng, type Seed } from '@fsbayes/core';
import { logMarginalLikelihood, orthantLogProb } from '@fsbayes/nngp';
import { between, type FuzzCase, pick } from './harness.js';

/** A positive-definite kernel X Xᵀ + 0.1·I of n random points in 3 dimensions. */
function goodKernel(r: Rng, n: number): Float64Array {
  const X = Array.from({ length: n }, () => [r.normal(), r.normal(), r.normal()]);
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) K[i * n + j] = X[i].reduce((s, x, k) => s + x * X[j][k], 0) + (i === j ? 0.1 : 0);
  return K;
}

const METHODS = ['marginal', 'ep', 'botev', 'genz', 'mc'] as const;
type Method = (typeof METHODS)[number];

function call(method: Method, K: Float64Array, n: number, y: ArrayLike<number>): () => unknown {
  if (method === 'marginal') return () => logMarginalLikelihood(K, n, y);
  return () => orthantLogProb(K, n, y, { method, samples: 2000, seed: 1 });
}

/** Ways a message may point at entry (i, j). */
function at(i: number, j: number): string[] {
  return [`(${i}, ${j})`, `(${i},${j})`, `[${i}, ${j}]`, `[${i},${j}]`, `K[${i}`, `row ${i}`, `entry ${i}`];
}

/** An exact answer needs no warning: P = 0 exactly, log P = −∞. */
const exactZero = (res: unknown) => {
  const o = res as { logP?: number; logPS?: number } | null;
  return o?.logP === Number.NEGATIVE_INFINITY || o?.logPS === Number.NEGATIVE_INFINITY;
};

export function kernelCases(seed: Seed, count: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let c = 0; c < count; c++) {
    const r = new Rng(seed, 'fuzz', 'kernel', c);
    const n = between(r, 2, 6);
    const method = pick(r, METHODS);
    const K = goodKernel(r, n);
    const y = Float64Array.from({ length: n }, () => (r.uniform() < 0.5 ? 1 : -1));
    const i = r.int(n);
    const j = r.int(n);
    const kind = r.int(8);
    const base = { group: 'kernel', input: { n, K, y, method } };
    if (kind === 0) {
      // A non-finite entry (kept symmetric).
      const v = pick(r, [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number('1e400')]);
      K[i * n + j] = v;
      K[j * n + i] = v;
      out.push({
        ...base,
        what: `${method}: K(${i}, ${j}) := ${v}`,
        names: [[String(v), ...at(i, j), ...at(j, i)]],
        expect: 'reject',
        run: call(method, K, n, y),
      });
    } else if (kind === 1) {
      // A negative variance.
      K[i * n + i] = -between(r, 1, 5);
      out.push({
        ...base,
        what: `${method}: K(${i}, ${i}) := ${K[i * n + i]}`,
        names: [[String(K[i * n + i]), ...at(i, i)]],
        expect: 'reject',
        run: call(method, K, n, y),
      });
    } else if (kind === 2) {
      // Not symmetric.
      const a = i === j ? (i + 1) % n : j;
      K[i * n + a] += 0.5 + r.uniform();
      out.push({
        ...base,
        what: `${method}: K(${i}, ${a}) ≠ K(${a}, ${i})`,
        names: [['symmetric', ...at(i, a), ...at(a, i)]],
        expect: 'reject',
        run: call(method, K, n, y),
      });
    } else if (kind === 3) {
      // Wrong size: an entry too few, or n that does not match.
      const bad = r.uniform() < 0.5;
      const K2 = bad ? K.subarray(0, n * n - 1) : K;
      const n2 = bad ? n : pick(r, [n + 0.5, -1, Number.NaN, n + 1]);
      out.push({
        ...base,
        what: `${method}: K of ${K2.length} entries, n = ${n2}`,
        names: [[String(K2.length), String(n2)]],
        expect: 'reject',
        run: call(method, K2, n2, y),
      });
    } else if (kind === 4) {
      // Labels: NaN, a value other than ±1 (EP reads y > 0 as +1), or the wrong count.
      const v = pick(r, [Number.NaN, 2, 0, 0.5]);
      const y2 = r.uniform() < 0.3 ? y.subarray(0, n - 1) : y.slice();
      if (y2.length === n) y2[i] = v;
      const epReads = method === 'marginal' && !Number.isNaN(v) && y2.length === n;
      const names =
        y2.length !== n ? [[String(n - 1), String(n)]] : [[`y[${i}]`, `label ${i}`, `labels[${i}]`, String(v)]];
      out.push({
        ...base,
        what: `${method}: y = ${Array.from(y2)}`,
        names: epReads ? [] : names,
        expect: epReads ? 'any' : 'reject',
        run: call(method, K, n, y2),
      });
    } else if (kind === 5) {
      // Not positive semi-definite: all ones but one entry, or a negative eigenvalue by construction.
      const M = new Float64Array(n * n).fill(1);
      for (let k = 0; k < n; k++) M[k * n + k] = 1;
      M[0 * n + 1] = M[1 * n + 0] = -1; // with K(0,2) = K(1,2) = 1 for n ≥ 3: not PSD
      if (n === 2) M[1] = M[2] = 2; // |K01| > √(K00 K11)
      out.push({
        ...base,
        input: { n, K: M, y },
        what: `${method}: indefinite K`,
        names: [['definite', 'PSD', 'semidefinite', 'eigenvalue', 'negative']],
        expect: 'reject',
        run: call(method, M, n, y),
        exact: exactZero,
      });
    } else if (kind === 6) {
      // Degenerate: all ones with a contradicting label (P = 0), or all zeros.
      const zero = r.uniform() < 0.4;
      const M = new Float64Array(n * n).fill(zero ? 0 : 1);
      const y2 = y.slice();
      y2[0] = 1;
      y2[1] = -1;
      out.push({
        ...base,
        input: { n, K: M, y: y2 },
        what: `${method}: ${zero ? 'zero kernel' : 'all-ones kernel, labels disagree'}`,
        names: [],
        expect: 'reject',
        run: call(method, M, n, y2),
        exact: exactZero,
      });
    } else {
      // A repeated point with the other label (P = 0), or every entry scaled to the edge of float64.
      if (r.uniform() < 0.5) {
        for (let k = 0; k < n; k++) {
          K[1 * n + k] = K[0 * n + k];
          K[k * n + 1] = K[k * n + 0];
        }
        K[1 * n + 1] = K[0];
        const y2 = y.slice();
        y2[0] = 1;
        y2[1] = -1;
        out.push({
          ...base,
          what: `${method}: point 1 repeats point 0 with the other label`,
          names: [],
          expect: 'reject',
          run: call(method, K, n, y2),
          exact: exactZero,
        });
      } else {
        const s = pick(r, [1e300, 1e-300, 1e155]);
        const K2 = K.map((v) => v * s);
        out.push({
          ...base,
          what: `${method}: K scaled by ${s}`,
          names: [],
          expect: 'any',
          run: call(method, K2, n, y),
        });
      }
    }
  }
  return out;
}
