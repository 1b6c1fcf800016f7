/**
 * @fsbayes/compare — how close are two distributions over functions?
 * Metrics, plots and reports over function tables (it knows tables, not how
 * they were made).
 *
 * Issue #6 fills this in.
 */
import type { FunctionTable } from '@fsbayes/core';

/** Statistics of one pair of distributions over the same S and E. */
export interface PairMetrics {
  a: string;
  b: string;
  pearsonLog: number;
  spearman: number;
  kl: number;
  js: number;
  tv: number;
  hellinger: number;
  topMassOverlap: number;
  n: number;
}

/** A named table to compare. */
export interface NamedTable {
  name: string;
  table: FunctionTable;
}
