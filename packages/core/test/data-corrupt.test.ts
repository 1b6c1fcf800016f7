/** Label corruption: exactly round(c·m) labels are redrawn by fair coin flips, the rest kept. */
import { describe, expect, it } from 'vitest';
import { corruptLabels } from '../src/data/index.js';
import { Rng } from '../src/rng/index.js';

describe('corruptLabels', () => {
  const m = 10_000;

  it('c = 0 keeps every label; the input is never changed; same seed, same labels', () => {
    const labels = Uint8Array.from({ length: m }, (_, i) => i % 2);
    const copy = labels.slice();
    expect(corruptLabels(labels, 0, new Rng(1, 't'))).toEqual(labels);
    const a = corruptLabels(labels, 0.3, new Rng(1, 't'));
    expect(labels).toEqual(copy);
    expect(corruptLabels(labels, 0.3, new Rng(1, 't'))).toEqual(a);
  });

  it('c of the labels become coin flips: about half of them flip (binomial, within 5σ)', () => {
    for (const c of [1, 0.5, 0.2]) {
      const k = Math.round(c * m);
      const flipped = corruptLabels(new Uint8Array(m), c, new Rng(7, 'c', c)).reduce((s, x) => s + x, 0);
      // Each of the k redrawn labels is 1 with probability ½; the m − k others stay 0.
      expect(Math.abs(flipped - k / 2)).toBeLessThan(5 * Math.sqrt(k / 4));
    }
  });

  it('refuses a fraction outside [0, 1], naming it', () => {
    expect(() => corruptLabels(new Uint8Array(4), 1.5, new Rng(1))).toThrow(/corruption must be in \[0, 1\], got 1.5/);
    expect(() => corruptLabels(new Uint8Array(4), Number.NaN, new Rng(1))).toThrow(/got NaN/);
  });
});
