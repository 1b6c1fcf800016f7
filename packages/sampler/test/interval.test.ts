import { describe, expect, it } from 'vitest';
import { rateEstimate, wilsonInterval } from '../src/interval.js';

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
});
