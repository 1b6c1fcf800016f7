import { describe, expect, it } from 'vitest';
import { logRateText, rateEstimate, wilsonInterval } from '../src/interval.js';

describe('Wilson interval', () => {
  it('matches published values (Newcombe 1998, Table I; statsmodels proportion_confint method=wilson)', () => {
    // 0/10: [0, 0.2775]; 1/10: [0.0179, 0.4042]; 81/263: [0.2553, 0.3662]
    const close = (a: [number, number], b: [number, number]) => {
      expect(a[0]).toBeCloseTo(b[0], 4);
      expect(a[1]).toBeCloseTo(b[1], 4);
    };
    close(wilsonInterval(0, 10), [0, 0.2775]);
    close(wilsonInterval(1, 10), [0.0179, 0.4042]);
    close(wilsonInterval(81, 263), [0.2553, 0.3662]);
    close(wilsonInterval(10, 10), [0.7225, 1]);
  });

  it('rateEstimate gives the log scale and rejects bad counts', () => {
    const e = rateEstimate(34, 1_000_000);
    expect(e.log).toBeCloseTo(Math.log(34e-6), 12);
    expect(e.logInterval[0]).toBeLessThan(e.log);
    expect(e.logInterval[1]).toBeGreaterThan(e.log);
    expect(rateEstimate(0, 100).logInterval[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(() => wilsonInterval(5, 3)).toThrow(/0 ≤ k ≤ n/);
  });

  it('logRateText: the estimate with its interval, or with no acceptance the upper bound alone', () => {
    // k = 0: Wilson's upper end is z²/(n + z²), z = 1.95996…, so log(3.8415/1e8) = −17.0748.
    const none = rateEstimate(0, 1e8);
    expect(logRateText(none.k, none.log, none.logInterval, 2)).toBe('< -17.07 (95% upper bound)');
    const some = rateEstimate(34, 1_000_000);
    const [lo, hi] = some.logInterval;
    expect(logRateText(some.k, some.log, some.logInterval, 3)).toBe(
      `${Math.log(34e-6).toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`,
    );
  });
});
