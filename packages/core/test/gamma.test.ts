import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, logGamma } from '../src/math/index.js';

describe('gamma functions', () => {
  it('ln Γ matches factorials and Γ(1/2) = √π', () => {
    let f = 0;
    for (let n = 1; n < 30; n++) {
      expect(logGamma(n)).toBeCloseTo(f, 10); // ln (n−1)!
      f += Math.log(n);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(() => logGamma(0)).toThrow(/x must be > 0, got 0/);
  });

  it('χ² survival matches scipy.stats.chi2.sf (values computed with scipy 1.x)', () => {
    const cases: [number, number, number][] = [
      [127, 127, 0.4833106814532075],
      [150.3, 127, 0.0774691597537144],
      [1, 1, 0.31731050786291115],
      [0.5, 3, 0.9188914116546758],
      [300, 127, 4.960291953032207e-16],
      [10, 20, 0.9681719426937951],
    ];
    for (const [x, k, want] of cases) expect(Math.abs(chiSquareSurvival(x, k) - want) / want).toBeLessThan(1e-9);
  });
});
