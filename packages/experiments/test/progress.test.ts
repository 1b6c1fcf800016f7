import { describe, expect, it } from 'vitest';
import { fmtCount, fmtRate, fmtTime } from '../src/progress.js';

describe('progress formatting', () => {
  it('shows slow rates with two significant digits and fast ones as counts', () => {
    expect(fmtRate(0.2913)).toBe('0.29');
    expect(fmtRate(3.456)).toBe('3.5');
    expect(fmtRate(0)).toBe('0');
    expect(fmtRate(12.4)).toBe('12');
    expect(fmtRate(113_700)).toBe('113.7k');
    expect(fmtRate(Number.POSITIVE_INFINITY)).toBe('?');
    expect(fmtCount(2_500_000)).toBe('2.50M');
  });

  it('rounds times once before splitting them', () => {
    expect(fmtTime(119.6)).toBe('2m00s');
    expect(fmtTime(42)).toBe('42s');
  });
});
