/**
 * Shared by the nngp commands: the points a kernel is computed on (a JSON
 * file of inputs, or S then E of a dataset split) and the kernel itself.
 */
import { readFileSync } from 'node:fs';
import { type ArchSpec, FsbayesError, getBackend, type Split } from '@fsbayes/core';
import {
  type KernelKind,
  kernelDeviceOf,
  kernelMatrix,
  kernelMatrixAsync,
  type PbSystem,
  stackSplit,
} from '@fsbayes/nngp';
import { type DataArgs, loadSplit } from './dataset.js';
import { type ArchArgs, specFromArgs } from './prior.js';

/** Read a JSON array of equal-length number arrays into a row-major matrix. */
export function readInputsJson(path: string): { X: Float64Array; n: number; d: number } {
  let rows: unknown;
  try {
    rows = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FsbayesError(`${path}: cannot read a JSON array of arrays (${(e as Error).message})`);
  }
  if (!Array.isArray(rows) || rows.length === 0)
    throw new FsbayesError(`${path}: expected a non-empty JSON array of arrays`);
  const d = Array.isArray(rows[0]) ? rows[0].length : -1;
  if (d < 1) throw new FsbayesError(`${path}: row 0 is not a non-empty array`);
  const X = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== d) {
      throw new FsbayesError(`${path}: row ${i} has ${Array.isArray(r) ? r.length : 'no'} entries, row 0 has ${d}`);
    }
    r.forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new FsbayesError(`${path}: row ${i}, entry ${k} is ${JSON.stringify(v)}, not a finite number`);
      }
      X[i * d + k] = v;
    });
  });
  return { X, n: rows.length, d };
}

/** Read a JSON matrix (array of arrays) that must be square and symmetric. */
export function readKernelJson(path: string): { K: Float64Array; n: number } {
  const { X, n, d } = readInputsJson(path);
  if (n !== d) throw new FsbayesError(`${path}: the kernel must be square, got ${n}×${d}`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const a = X[i * n + j];
      const b = X[j * n + i];
      if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) {
        throw new FsbayesError(`${path}: the kernel is not symmetric: K[${i}][${j}] = ${a} but K[${j}][${i}] = ${b}`);
      }
    }
  }
  return { K: X, n };
}

/** Read ±1 (or 0/1) labels from a JSON array, as ±1. */
export function readLabelsJson(path: string, n: number): Int8Array {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FsbayesError(`${path}: cannot read a JSON array of labels (${(e as Error).message})`);
  }
  if (!Array.isArray(v)) throw new FsbayesError(`${path}: expected a JSON array of labels`);
  if (v.length !== n) throw new FsbayesError(`${path}: ${v.length} labels for a ${n}×${n} kernel`);
  const zeroOne = v.every((x) => x === 0 || x === 1);
  return Int8Array.from(
    v.map((x, i) => {
      if (zeroOne) return x === 1 ? 1 : -1;
      if (x !== 1 && x !== -1)
        throw new FsbayesError(`${path}: label ${i} is ${JSON.stringify(x)}; use ±1 (or all 0/1)`);
      return x;
    }),
  );
}

/** Where kernels run (`--device`). */
export interface DeviceArgs {
  device?: string;
}

/**
 * The kernel of X (n points) on the device of `--device`: the float64 CPU
 * path, or the GPU backend (float32), which is opened and closed here.
 */
export async function kernelOn(
  a: DeviceArgs,
  spec: ArchSpec,
  X: Float64Array,
  n: number,
  kind: KernelKind = 'nngp',
): Promise<Float64Array> {
  if ((a.device ?? 'cpu') === 'cpu') return kernelMatrix(spec, X, n, undefined, undefined, { kind });
  if (a.device !== 'gpu') throw new FsbayesError(`--device must be cpu or gpu, got '${a.device}'`);
  const backend = await getBackend('gpu');
  try {
    const device = kernelDeviceOf(backend);
    if (!device) throw new FsbayesError('the gpu backend cannot compute kernels');
    return await kernelMatrixAsync(spec, X, n, undefined, undefined, { kind, device });
  } finally {
    await backend.close();
  }
}

/**
 * The NNGP kernel on S ∪ E (S first) of the split named by the flags;
 * `before(spec, split)` runs first (checks that must come before the compute).
 */
export async function splitKernel(
  a: DataArgs & ArchArgs & DeviceArgs,
  before?: (spec: ArchSpec, split: Split) => void,
): Promise<PbSystem> {
  const split = loadSplit(a);
  const spec = specFromArgs(a, split.train.shape);
  before?.(spec, split);
  const s = stackSplit(split);
  const K = await kernelOn(a, spec, s.X, s.nS + s.nE);
  return { spec, split, K, nS: s.nS, nE: s.nE, y: s.y };
}

/** A row-major n1×n2 matrix as nested arrays (for JSON). */
export function toRows(K: Float64Array, n1: number, n2 = n1): number[][] {
  return Array.from({ length: n1 }, (_, i) => Array.from(K.subarray(i * n2, (i + 1) * n2)));
}
