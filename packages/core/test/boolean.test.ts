import { describe, expect, it } from 'vitest';
import { binaryEntropy, entropyOfCounts, lzComplexity, lzPhraseCount, ones } from '../src/boolean/index.js';
import { Rng } from '../src/rng/index.js';

/**
 * Reference LZ76 phrase count straight from the definition (Lempel & Ziv
 * 1976): at each position p, the next component is the longest prefix of
 * s[p..] that also starts at some j < p (the copy may run into the
 * component), plus one new symbol; the last component may be a pure copy.
 * Brute force over every start j — independent of the Kaspar–Schuster scan.
 */
function refPhraseCount(s: string): number {
  const n = s.length;
  let p = 0;
  let c = 0;
  while (p < n) {
    let best = 0;
    for (let j = 0; j < p; j++) {
      let L = 0;
      while (p + L < n && s[j + L] === s[p + L]) L++;
      if (L > best) best = L;
    }
    c++;
    p += best + 1; // copy + one new symbol (or past the end when the copy reaches it)
  }
  return c;
}

function randomString(rng: Rng, n: number, pOne = 0.5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.uniform() < pOne ? '1' : '0';
  return s;
}

const rev = (s: string) => s.split('').reverse().join('');

describe('lzPhraseCount', () => {
  it('counts the classic Kaspar–Schuster example: 0·001·10·100·1000·101 = 6', () => {
    expect(lzPhraseCount('0001101001000101')).toBe(6);
  });

  it('matches small hand-computed decompositions', () => {
    expect(lzPhraseCount('0')).toBe(1); // 0
    expect(lzPhraseCount('1')).toBe(1); // 1
    expect(lzPhraseCount('00')).toBe(2); // 0·0
    expect(lzPhraseCount('01')).toBe(2); // 0·1
    expect(lzPhraseCount('0000')).toBe(2); // 0·000
    expect(lzPhraseCount('0101')).toBe(3); // 0·1·01
    expect(lzPhraseCount('0110')).toBe(3); // 0·1·10
    expect(lzPhraseCount('0010')).toBe(3); // 0·01·0
    expect(lzPhraseCount('0011')).toBe(3); // 0·01·1
    expect(lzPhraseCount('1001')).toBe(3); // 1·0·01
    expect(lzPhraseCount('0'.repeat(127) + '1')).toBe(2); // 0·0…01
    expect(lzPhraseCount('1' + '0'.repeat(127))).toBe(3); // 1·0·0…0
    expect(lzPhraseCount('01'.repeat(64))).toBe(3); // 0·1·0101…
    expect(lzPhraseCount('0011'.repeat(32))).toBe(4); // 0·01·10·0110…
  });

  it('agrees with a brute-force reference from the definition on random strings', () => {
    const rng = new Rng(3, 'lz');
    for (const n of [2, 3, 5, 8, 17, 64, 128]) {
      for (let t = 0; t < 40; t++) {
        const s = randomString(rng, n, t % 4 === 0 ? 0.1 : 0.5);
        expect(lzPhraseCount(s), s).toBe(refPhraseCount(s));
      }
    }
  });

  it('accepts a Uint8Array', () => {
    expect(lzPhraseCount(Uint8Array.from('0001101001000101', Number))).toBe(6);
  });
});

describe('lzComplexity (Dingle et al. 2018)', () => {
  it('gives the known n = 128 values', () => {
    expect(lzComplexity('0'.repeat(128))).toBe(7);
    expect(lzComplexity('1'.repeat(128))).toBe(7);
    expect(lzComplexity('01'.repeat(64))).toBe(21);
    expect(lzComplexity('0'.repeat(127) + '1')).toBe(17.5);
  });

  it('gives 28.0 for Boolean target 6 ("0011" x 32)', () => {
    expect(lzComplexity('0011'.repeat(32))).toBe(28);
  });

  it('is log2(n) for constant strings of any length', () => {
    for (const n of [1, 2, 3, 7, 64, 100, 1000]) {
      expect(lzComplexity('0'.repeat(n))).toBeCloseTo(Math.log2(n), 12);
      expect(lzComplexity('1'.repeat(n))).toBeCloseTo(Math.log2(n), 12);
    }
  });

  it('is symmetric under reversal and complement', () => {
    const rng = new Rng(5, 'lz-sym');
    for (let t = 0; t < 50; t++) {
      const s = randomString(rng, 128, t % 2 ? 0.5 : 0.15);
      const k = lzComplexity(s);
      expect(lzComplexity(rev(s))).toBe(k);
      expect(lzComplexity(s.replace(/[01]/g, (b) => (b === '0' ? '1' : '0')))).toBe(k);
      expect(k).toBe((7 * (refPhraseCount(s) + refPhraseCount(rev(s)))) / 2);
    }
  });

  it('rejects empty input and non-0/1 characters, naming the character and position', () => {
    expect(() => lzComplexity('')).toThrow(/empty/);
    expect(() => lzComplexity('0120')).toThrow(/invalid character "2" at position 2/);
    expect(() => lzPhraseCount('01 1')).toThrow(/invalid character " " at position 2/);
    expect(() => lzComplexity(Uint8Array.from([0, 1, 3]))).toThrow(/invalid value 3 at position 2/);
    expect(() => lzComplexity(new Uint8Array(0))).toThrow(/empty/);
  });
});

describe('ones / binaryEntropy / entropyOfCounts', () => {
  it('counts ones', () => {
    expect(ones('0011'.repeat(32))).toBe(64);
    expect(ones('000')).toBe(0);
    expect(ones(Uint8Array.from([1, 0, 1]))).toBe(2);
    expect(() => ones('0x')).toThrow(/"x" at position 1/);
  });

  it('gives H(T/n) in bits', () => {
    expect(binaryEntropy('0011')).toBe(1);
    expect(binaryEntropy('0000')).toBe(0);
    expect(binaryEntropy('1111')).toBe(0);
    // H(1/4) = 2 - (3/4) log2 3
    expect(binaryEntropy('0001')).toBeCloseTo(2 - 0.75 * Math.log2(3), 14);
  });

  it('gives the entropy of a count vector in bits or nats', () => {
    expect(entropyOfCounts([1, 1])).toBeCloseTo(1, 14);
    expect(entropyOfCounts([1, 1], 'nats')).toBeCloseTo(Math.LN2, 14);
    expect(entropyOfCounts([3, 3, 3, 3])).toBeCloseTo(2, 14);
    expect(entropyOfCounts([2, 1, 1, 0])).toBeCloseTo(1.5, 14);
    expect(entropyOfCounts([5, 0])).toBe(0);
    expect(() => entropyOfCounts([1, -1])).toThrow(/index 1/);
    expect(() => entropyOfCounts([0, 0])).toThrow(/sum to 0/);
  });
});
