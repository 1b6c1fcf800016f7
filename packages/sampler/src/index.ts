/**
 * @fsbayes/sampler — the direct, assumption-free estimate of P_B(f|S): draw
 * nets from their prior, keep those that fit S (rejection sampling), count
 * their functions on E. Also unconditioned prior tables P(f) and the
 * frozen-feature (last-layer) sampler.
 *
 * Issue #4 fills this in. The unconditioned prior engine already exists in
 * core (`samplePriorTable`), built on the same backend and net streams.
 */
export type SamplerMode = 'prior' | 'posterior' | 'frozen';

/** What `fsbayes sample --json` reports. */
export interface SampleSummary {
  accepted: number;
  total: number;
  /** log of the acceptance rate, an estimate of log P(S). */
  logPS: number;
  logPSInterval: [number, number];
  distinct: number;
  out: string | null;
}
