/**
 * @fsbayes/sgd — train many nets of one spec at once, each from its own
 * prior draw (the same net streams the sampler uses), to 100% training
 * accuracy, and count their functions on E: P_SGD(f|S).
 *
 * Issue #5 fills this in.
 */
export type OptimizerName = 'sgd' | 'adam' | 'adagrad' | 'rmsprop' | 'adadelta' | 'agd';
export type LossName = 'ce' | 'mse';

/** What `fsbayes sgd --json` reports. */
export interface SgdSummary {
  runs: number;
  fitted: number;
  notFitted: number;
  distinct: number;
  meanEpochs: number;
  meanTestError: number;
  out: string | null;
}
