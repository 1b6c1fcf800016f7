/** Small statistics the experiments report: a χ² goodness-of-fit test against uniform, and a least-squares line. */
import { chiSquareSurvival, FsbayesError } from '@fsbayes/core';

/** Pearson's χ² test of counts against the uniform distribution over their bins (dof = bins − 1). */
export function chiSquareUniform(counts: readonly number[]): { statistic: number; dof: number; pValue: number } {
  if (counts.length < 2) throw new FsbayesError(`chiSquareUniform: needs at least 2 bins, got ${counts.length}`);
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  let statistic = 0;
  for (const c of counts) statistic += (c - expected) ** 2 / expected;
  const dof = counts.length - 1;
  return { statistic, dof, pValue: chiSquareSurvival(statistic, dof) };
}

/** Least-squares slope and intercept of y on x (NaN slope when x is constant). */
export function fitLine(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  const n = x.length;
  if (y.length !== n) throw new FsbayesError(`fitLine: x and y differ in length (${n} vs ${y.length})`);
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
