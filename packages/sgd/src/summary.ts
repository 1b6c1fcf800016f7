/**
 * The per-table SGD summary stored in a P_SGD table's `provenance.extra`,
 * and how summaries of shards pool: counts and histograms add, means are
 * recomputed. (Core's generic merge keeps the first table's `extra`; a merge
 * of SGD tables should replace it with {@link poolSgdExtras} of all inputs.)
 */
import { FsbayesError } from '@fsbayes/core';
import type { SgdState } from './run.js';

/** The SGD summary in a P_SGD table's `provenance.extra`: runs, fitted, epochs and test errors as histograms. */
export interface SgdExtra {
  runs: number;
  fitted: number;
  notFitted: number;
  meanEpochs: number | null;
  /** Epochs to fit → fitted runs, keys in ascending numeric order. */
  epochsHistogram: Record<string, number>;
  /** Errors on E (0 … |E|) → fitted runs. */
  testErrorHistogram: number[];
}

function sorted(h: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(h).sort((a, b) => Number(a) - Number(b))) out[k] = h[k];
  return out;
}

function meanOf(h: Record<string, number>, n: number): number | null {
  if (n === 0) return null;
  let s = 0;
  for (const [k, c] of Object.entries(h)) s += Number(k) * c;
  return s / n;
}

/** The summary of a finished (or checkpointed) run. */
export function sgdExtra(state: SgdState): SgdExtra {
  return {
    runs: state.done,
    fitted: state.fitted,
    notFitted: state.notFitted,
    meanEpochs: meanOf(state.epochsHistogram, state.fitted),
    epochsHistogram: sorted(state.epochsHistogram),
    testErrorHistogram: [...state.testErrorHistogram],
  };
}

/** Pool the summaries of disjoint shards of one experiment (throws on a malformed or mismatched one). */
export function poolSgdExtras(extras: readonly unknown[]): SgdExtra {
  const out: SgdExtra = {
    runs: 0,
    fitted: 0,
    notFitted: 0,
    meanEpochs: null,
    epochsHistogram: {},
    testErrorHistogram: [],
  };
  extras.forEach((x, i) => {
    const e = x as Partial<SgdExtra> | null;
    if (
      !e ||
      typeof e.runs !== 'number' ||
      typeof e.fitted !== 'number' ||
      typeof e.notFitted !== 'number' ||
      typeof e.epochsHistogram !== 'object' ||
      !Array.isArray(e.testErrorHistogram)
    )
      throw new FsbayesError(`sgd summary ${i}: missing runs/fitted/notFitted/histograms`);
    if (i > 0 && e.testErrorHistogram.length !== out.testErrorHistogram.length)
      throw new FsbayesError(`sgd summary ${i}: test error histogram is for another |E|`);
    out.runs += e.runs;
    out.fitted += e.fitted;
    out.notFitted += e.notFitted;
    for (const [k, c] of Object.entries(e.epochsHistogram ?? {}))
      out.epochsHistogram[k] = (out.epochsHistogram[k] ?? 0) + c;
    if (i === 0) out.testErrorHistogram = new Array(e.testErrorHistogram.length).fill(0);
    e.testErrorHistogram.forEach((c, j) => {
      out.testErrorHistogram[j] += c;
    });
  });
  out.epochsHistogram = sorted(out.epochsHistogram);
  out.meanEpochs = meanOf(out.epochsHistogram, out.fitted);
  return out;
}
