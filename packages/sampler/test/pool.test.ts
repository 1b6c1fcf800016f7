/** The sampler's entry of merge's pooling table: counts add up, P(S) is estimated again from the pooled counts. */
import { describe, expect, it } from 'vitest';
import { rateEstimate, samplerPooling } from '../src/index.js';

const shard = (first: number, next: number, drawn: number, accepted: number, mode = 'posterior') => ({
  mode,
  first,
  next,
  drawn,
  accepted,
  stopped: 'samples',
  stopRule: { accept: null, maxSamples: next - first },
  ...rateFields(accepted, drawn),
  confidence: 0.95,
});
const rateFields = (k: number, n: number) => {
  const e = rateEstimate(k, n);
  return { pS: e.rate, pSInterval: e.interval, logPS: e.log, logPSInterval: e.logInterval };
};

describe('samplerPooling', () => {
  it('owns sampler summaries only', () => {
    expect(samplerPooling.owns(shard(0, 10, 10, 1))).toBe(true);
    expect(samplerPooling.owns({ runs: 5, notFitted: 0, testErrorHistogram: [5] })).toBe(false);
  });

  it('adds drawn and accepted; log P(S) of the pool equals that of one run with the summed counts', () => {
    const a = shard(0, 600, 600, 7);
    const b = shard(600, 1000, 400, 2);
    const { summary, extra } = samplerPooling.pool([a, b], { ...a, next: 1000 });
    const whole = rateEstimate(9, 1000);
    expect(summary).toEqual({ drawn: 1000, accepted: 9, logPS: whole.log, logPSInterval: whole.logInterval });
    // Per-shard fields (range, stop, per-shard estimates) stay in the shards' files.
    expect(extra).toEqual({ mode: 'posterior', confidence: 0.95, ...summary });
  });

  it('prior shards, or shards of different modes, pool counts without an estimate of P(S)', () => {
    expect(samplerPooling.pool([shard(0, 5, 5, 5, 'prior'), shard(5, 9, 4, 4, 'prior')], {}).summary).toEqual({
      drawn: 9,
      accepted: 9,
    });
    expect(samplerPooling.pool([shard(0, 5, 5, 1), shard(0, 1, 10, 3, 'frozen')], {}).summary).toEqual({
      drawn: 15,
      accepted: 4,
    });
  });
});
