import { describe, expect, it } from 'vitest';
import {
  bitString,
  keyLength,
  keyOf,
  keyOfBitString,
  keyOfBits,
  keyToBits,
  keyToWords,
  normalizeKey,
  packBits,
  popcount32,
  unpackBits,
  wordsFor,
} from '../src/bits.js';
import { Rng } from '../src/rng/index.js';

function randomBits(rng: Rng, m: number): Uint8Array {
  const b = new Uint8Array(m);
  for (let i = 0; i < m; i++) b[i] = rng.uint32() & 1;
  return b;
}

/** Slow reference key: per-bit string, zero-padded to a multiple of 4, parseInt per nibble. */
function refKey(bits: Uint8Array): string {
  let s = '';
  for (const b of bits) s += b ? '1' : '0';
  while (s.length % 4 !== 0) s += '0';
  let k = '';
  for (let i = 0; i < s.length; i += 4) k += Number.parseInt(s.slice(i, i + 4), 2).toString(16);
  return k;
}

const SIZES = [1, 31, 32, 33, 96, 128];

describe('wordsFor / keyLength', () => {
  it('is ceil(m/32) and ceil(m/4)', () => {
    expect([1, 31, 32, 33, 64, 65, 96, 128].map(wordsFor)).toEqual([1, 1, 1, 2, 2, 3, 3, 4]);
    expect([1, 3, 4, 5, 8, 96, 100].map(keyLength)).toEqual([1, 1, 1, 2, 2, 24, 25]);
  });
  it('rejects a bad m', () => {
    expect(() => wordsFor(0)).toThrow(/m must be a positive integer, got 0/);
    expect(() => wordsFor(1.5)).toThrow(/1\.5/);
  });
});

describe('packBits / unpackBits', () => {
  it('stores bit i in word i>>>5 at position i&31, LSB first', () => {
    const bits = new Uint8Array(70);
    bits[0] = 1;
    bits[31] = 1;
    bits[32] = 1;
    bits[69] = 1;
    const w = packBits(bits);
    expect(Array.from(w)).toEqual([0x80000001, 1, 1 << 5]);
  });

  it.each(SIZES)('round-trips random bits, m = %i', (m) => {
    const rng = new Rng(7, 'pack', m);
    for (let t = 0; t < 20; t++) {
      const bits = randomBits(rng, m);
      const w = packBits(bits);
      expect(w.length).toBe(Math.ceil(m / 32));
      expect(unpackBits(w, m)).toEqual(bits);
    }
  });

  it('unpacks at a word offset', () => {
    const buf = new Uint32Array([0, 0, 0b101, 0]);
    expect(Array.from(unpackBits(buf, 33, 2))).toEqual([1, 0, 1, ...new Array(30).fill(0)]);
    expect(() => unpackBits(buf, 33, 3)).toThrow(/need 2 words at offset 3/);
  });

  it('rejects values other than 0/1, naming the position', () => {
    expect(() => packBits(Uint8Array.from([0, 1, 2]))).toThrow(/invalid bit value 2 at position 2/);
  });
});

describe('keyOf', () => {
  it('matches known small keys', () => {
    expect(keyOfBitString('0001')).toBe('1');
    expect(keyOfBitString('10000000')).toBe('80');
    expect(keyOfBitString('1')).toBe('8');
    expect(keyOfBitString('01')).toBe('4');
    expect(keyOfBitString('11111')).toBe('f8');
    expect(keyOfBitString('0011'.repeat(8))).toBe('33333333');
    // bit 0 set only, m = 32: the first hex digit is 8.
    expect(keyOf(Uint32Array.from([1]), 32)).toBe('80000000');
    // bit 31 set only: the last digit is 1.
    expect(keyOf(Uint32Array.from([0x80000000]), 32)).toBe('00000001');
  });

  it.each(SIZES)('agrees with a slow per-bit reference on random functions, m = %i', (m) => {
    const rng = new Rng(11, 'key', m);
    for (let t = 0; t < 50; t++) {
      const bits = randomBits(rng, m);
      const key = keyOf(packBits(bits), m);
      expect(key).toBe(refKey(bits));
      expect(key.length).toBe(Math.ceil(m / 4));
      expect(keyOfBits(bits)).toBe(key);
      expect(keyToBits(key, m)).toEqual(bits);
      expect(Array.from(keyToWords(key, m))).toEqual(Array.from(packBits(bits)));
      expect(bitString(key, m)).toBe(Array.from(bits).join(''));
    }
  });

  it('reads at an offset and ignores padding bits beyond m', () => {
    const buf = new Uint32Array([0xffffffff, 0b1011 | 0xfffffff0]);
    expect(keyOf(buf, 4, 1)).toBe('d'); // bits 1,1,0,1 -> 1101
    expect(keyOf(buf, 3, 1)).toBe('c'); // bits 1,1,0 + pad 0 -> 1100
    expect(() => keyOf(buf, 33, 1)).toThrow(/need 2 words at offset 1/);
  });
});

describe('normalizeKey / keyToBits', () => {
  it('accepts upper case and returns lower case', () => {
    expect(normalizeKey('AB', 8)).toBe('ab');
  });
  it('rejects wrong length, bad characters and set padding bits', () => {
    expect(() => normalizeKey('abc', 8)).toThrow(/"abc" has 3 hex digits; m = 8 needs 2/);
    expect(() => normalizeKey('ag', 8)).toThrow(/invalid hex character "g" at position 1/);
    // m = 5: key "f8" is bits 11111 + 000 padding; "f9" sets a padding bit.
    expect(normalizeKey('f8', 5)).toBe('f8');
    expect(() => keyToBits('f9', 5)).toThrow(/padding bits beyond m = 5/);
  });
});

describe('popcount32', () => {
  it('counts set bits', () => {
    expect([0, 1, 0xff, 0x80000000, 0xffffffff, 0x55555555].map(popcount32)).toEqual([0, 1, 8, 1, 32, 16]);
  });
});
