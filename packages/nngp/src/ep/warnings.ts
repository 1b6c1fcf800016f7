/** Why an EP result is not to be trusted, in words (see `Warnings` in core). */
import type { EpResult } from './options.js';

/**
 * Warnings for an `epClassify` result: not converged (with the sweeps and the
 * last change), jitter added to K (how much, absolute and relative to the
 * mean variance `meanVariance`), site precisions capped (a nearly degenerate
 * problem), site updates skipped. `what` names the run (e.g. 'EP on S').
 */
export function epWarnings(
  r: Pick<EpResult, 'converged' | 'iterations' | 'lastChange' | 'jitter' | 'capped' | 'skipped'>,
  meanVariance: number,
  what = 'EP',
): string[] {
  const w: string[] = [];
  if (!r.converged)
    w.push(
      `${what} did not converge: ${r.iterations} sweeps, the last moved a site by ${r.lastChange.toExponential(2)} (scaled); its log P is not a fixed point of EP`,
    );
  if (r.jitter > 0)
    w.push(
      `${what} added jitter ${r.jitter.toExponential(3)} (${(r.jitter / (meanVariance || 1)).toExponential(1)} × mean variance) to K's diagonal to factorise: its log P is that of K + jitter·I`,
    );
  if (r.capped > 0)
    w.push(
      `${what} capped ${r.capped} site precision${r.capped === 1 ? '' : 's'} at 1e10/K_ii: the problem is nearly degenerate (P close to 0) and its log P is unreliable`,
    );
  if (r.skipped > 0)
    w.push(
      `${what} skipped ${r.skipped} site update${r.skipped === 1 ? '' : 's'} whose cavity variance was not positive (rounding with a near-singular K)`,
    );
  return w;
}
