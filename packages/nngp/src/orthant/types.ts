/** Estimators of a Gaussian orthant probability P(sign f = y), f ~ N(m, K). */
export type OrthantMethod = 'ep' | 'botev' | 'genz' | 'mc';

/** A log-probability with its error estimate (null where the method has none). */
export interface LogProbability {
  logP: number;
  stderr: number | null;
  method: OrthantMethod;
}
