/**
 * Pooling the run summaries of sampler shards (rejection, prior or
 * frozen-feature) for `fsbayes merge`: nets drawn and accepted add up, and
 * P(S) is estimated again from the pooled counts.
 */
import type { ShardPooling } from '@fsbayes/core';
import { rateEstimate } from './interval.js';

/** Fields that describe one shard (its range, stop, estimates, per-draw diagnostics): not pooled. */
const PER_SHARD = [
  'pS',
  'pSInterval',
  'logPS',
  'logPSInterval',
  'next',
  'first',
  'nextDraw',
  'firstDraw',
  'stopped',
  'stopRule',
  'draws',
  'methods',
  'hmcSamples',
];

/** The sampler's entry of merge's pooling table. */
export const samplerPooling: ShardPooling = {
  owns: (x) => typeof x.drawn === 'number' && typeof x.accepted === 'number',
  pool(extras, merged) {
    const drawn = extras.reduce((s, x) => s + (x.drawn as number), 0);
    const accepted = extras.reduce((s, x) => s + (x.accepted as number), 0);
    let summary: Record<string, unknown> = { drawn, accepted };
    const mode = extras[0].mode;
    if ((mode === 'posterior' || mode === 'frozen') && extras.every((x) => x.mode === mode)) {
      const est = rateEstimate(accepted, drawn);
      summary = { ...summary, logPS: est.log, logPSInterval: est.logInterval };
    }
    const rest = Object.fromEntries(Object.entries(merged).filter(([k]) => !PER_SHARD.includes(k)));
    return { summary, extra: { ...rest, ...summary } };
  },
};
