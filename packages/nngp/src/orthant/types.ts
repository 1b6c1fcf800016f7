/** The estimators of a Gaussian orthant probability P(sign f = y), f ~ N(m, K) (see `orthantLogProb`). */
export const ORTHANT_METHODS = ['ep', 'botev', 'genz', 'mc'] as const;

/** One of {@link ORTHANT_METHODS}. */
export type OrthantMethod = (typeof ORTHANT_METHODS)[number];

/** A log-probability with its error estimate (null where the method has none). */
export interface LogProbability {
  logP: number;
  stderr: number | null;
  method: OrthantMethod;
}
