/**
 * What an EP run (and a P_B run) holds in memory at its peak, estimated
 * before anything is allocated so that a run that cannot fit is refused at
 * once with the estimate and the limit (core's `checkMemory`), and a run that
 * can is told what it will take. Counted in n×n float64 matrices (8n² bytes:
 * 816 MB at n = 10,100), the dominant buffers only:
 *
 * sequential (per sweep): K, Σ, and the refresh's B, L, S̃½K, W = L⁻¹S̃½K and
 *   the Gram product WᵀW (the old Σ is still held while the new one is made),
 *   plus the wasm memory's copies for the solve (L and the right-hand sides);
 * parallel (per sweep, refresh.ts): K, the scratch B, L (and the previous L
 *   until it is collected), the trailing block of L copied for the blocked
 *   inverse, and the wasm copies (the factor, then the trailing block).
 *   `returnSigma` adds Σ and the two n×n products that make it.
 */
import { checkMemory, formatBytes, type MemoryNeed } from '@fsbayes/core';

/** The schedule an EP run takes once 'auto' is resolved (`EpOptions.schedule`). */
export type EpScheduleName = 'sequential' | 'parallel';

/** The buffers an EP run on n points holds at its peak (see the module comment). */
export function epMemoryNeeds(n: number, schedule: EpScheduleName, opts: { returnSigma?: boolean } = {}): MemoryNeed[] {
  const m = 8 * n * n;
  const needs: MemoryNeed[] = [{ what: `the kernel K (${n} × ${n}, f64)`, bytes: m, pool: 'native' }];
  if (schedule === 'sequential') {
    needs.push(
      { what: 'Σ, old and new (f64)', bytes: m, pool: 'native', copies: 2 },
      { what: 'the refresh: B, L, S̃½K, W = L⁻¹S̃½K (f64)', bytes: m, pool: 'native', copies: 4 },
      { what: 'wasm copies of L and the right-hand sides', bytes: m, pool: 'native', copies: 2 },
      { what: 'one wasm memory: L and S̃½K for the triangular solve', bytes: 2 * m, pool: 'wasm32' },
    );
  } else {
    needs.push(
      {
        what: 'the refresh: B, L and the previous L, the trailing block of L (f64)',
        bytes: m,
        pool: 'native',
        copies: 4,
      },
      { what: 'wasm copy of the factor', bytes: m, pool: 'native' },
      {
        what: 'one wasm memory: the factor (then a trailing block and its right-hand sides)',
        bytes: m,
        pool: 'wasm32',
      },
    );
    if (opts.returnSigma)
      needs.push({ what: 'Σ at the end: S̃½K, W and WᵀW (f64)', bytes: m, pool: 'native', copies: 3 });
  }
  return needs;
}

/** Bytes of all needs together (wasm32 needs are counted once: they are inside the native ones). */
export function totalBytes(needs: readonly MemoryNeed[]): number {
  return needs.filter((x) => x.pool !== 'wasm32').reduce((s, x) => s + x.bytes * (x.copies ?? 1), 0);
}

/** A one-line plan, e.g. `EP (parallel) on 10100 points needs about 4.6 GiB`, for a log before the run. */
export function describeNeeds(task: string, needs: readonly MemoryNeed[]): string {
  return `${task} needs about ${formatBytes(totalBytes(needs))} (${needs
    .filter((x) => x.pool !== 'wasm32')
    .map((x) => `${x.what}${(x.copies ?? 1) > 1 ? ` ×${x.copies}` : ''}`)
    .join('; ')})`;
}

/** Refuse (FsbayesError, kind 'resource', with the estimate and the limit) an EP run that cannot fit. */
export function checkEpMemory(n: number, schedule: EpScheduleName, opts: { returnSigma?: boolean } = {}): void {
  checkMemory(`EP (${schedule}) on ${n} points`, epMemoryNeeds(n, schedule, opts));
}

/**
 * The buffers P_B on S ∪ E (nS + nE points) holds at its peak: the kernel and
 * its reduced copy, plus the largest of its phases — EP on S (K_SS being a
 * copy), the base posterior of 'lowrank' (Σ₀ over S ∪ E and the products that
 * make it: W = L⁻¹S̃½K[S, :], its transpose, WᵀW, with L kept), or one joint EP
 * on S ∪ E per function ('joint'); the per-function work of 'lowrank' and
 * 'conditional' is O(n·a) and O(|E|²).
 */
export function pbMemoryNeeds(
  nS: number,
  nE: number,
  mode: 'joint' | 'conditional' | 'lowrank',
  schedule: EpScheduleName,
): MemoryNeed[] {
  const n = nS + nE;
  const m = 8 * n * n;
  const input: MemoryNeed = {
    what: `the kernel on S ∪ E (${n} × ${n}, f64) and its reduced copy`,
    bytes: m,
    pool: 'native',
    copies: 2,
  };
  const phases: MemoryNeed[][] = [epMemoryNeeds(nS, schedule).map((x) => ({ ...x, what: `EP on S: ${x.what}` }))];
  if (mode === 'lowrank')
    phases.push([
      { what: 'lowrank: Σ₀ over S ∪ E, W, Wᵀ, WᵀW and L_S (f64)', bytes: m, pool: 'native', copies: 5 },
      { what: 'lowrank: one wasm memory for L_S and W', bytes: 2 * m, pool: 'wasm32' },
    ]);
  if (mode === 'joint') phases.push(epMemoryNeeds(n, 'sequential').map((x) => ({ ...x, what: `joint EP: ${x.what}` })));
  let peak = phases[0];
  for (const p of phases) if (totalBytes(p) > totalBytes(peak)) peak = p;
  return [input, ...peak];
}
