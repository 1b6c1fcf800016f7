/** Malformed targets, training masks, split sizes and Boolean strings. */
import {
  binaryEntropy,
  bitsToHex,
  booleanDataset,
  entropyOfCounts,
  lzComplexity,
  maskOf,
  mnistDataset,
  normalizeDataset,
  ones,
  parseBits,
  Rng,
  type Seed,
  splitByMask,
  splitBySize,
  subsetDataset,
} from '@fsbayes/core';
import { between, type FuzzCase, handCase, pick, replaceAt, SWAPS, valueName } from './harness.js';

/** Characters that are neither bits nor hex digits. */
const NOT_BITS = ['2', 'x', 'g', 'G', 'é', '💥', ' ', '\u0000', '-', '.', '\t', 'Z', '１'];

function randomBits(r: Rng, L: number): string {
  let s = '';
  for (let i = 0; i < L; i++) s += r.uniform() < 0.5 ? '0' : '1';
  return s;
}

export function bitsCases(seed: Seed, count: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) out.push(bitsCase(new Rng(seed, 'fuzz', 'bits', i)));
  out.push(...handWritten());
  return out;
}

/** A bit vector of length L written as bits or hex, with one mutation; `what` names it in errors. */
function mutateBits(
  r: Rng,
  L: number,
  what: string,
): { value: unknown; desc: string; names: (string | string[])[]; valid: boolean } {
  const bits = randomBits(r, L);
  const u8 = Uint8Array.from(bits, (c) => Number(c));
  const hex = bitsToHex(u8);
  const kind = r.int(6);
  if (kind === 0) {
    // A bad character inside the bit string (not at the ends, which are trimmed).
    const ch = pick(r, NOT_BITS);
    const at = /\s/.test(ch) ? between(r, 1, Math.max(1, L - 2)) : r.int(L);
    const v = replaceAt(bits, at, ch);
    if (/\s/.test(ch) && (at === 0 || at >= L - 1))
      return { value: v, desc: 'blank at an end', names: [], valid: true };
    // '0x…' reads as hex: the error is about the hex, not this position.
    if (at === 1 && bits[0] === '0' && (ch === 'x' || ch === 'X'))
      return { value: v, desc: 'bits that start 0x', names: [what], valid: false };
    return { value: v, desc: `bit ${at} := ${JSON.stringify(ch)}`, names: [what, `position ${at}`], valid: false };
  }
  if (kind === 1) {
    // A bad hex digit (after the 0x).
    const ch = pick(
      r,
      NOT_BITS.filter((c) => !/[\s0-9a-fA-F]/.test(c)),
    );
    const at = between(r, 2, hex.length - 1);
    return {
      value: replaceAt(hex, at, ch),
      desc: `hex digit ${at} := ${JSON.stringify(ch)}`,
      names: [what, `position ${at}`],
      valid: false,
    };
  }
  if (kind === 2) {
    // Too short or too long. A bit string of exactly ceil(L/4) characters reads as hex (documented rule).
    const k = r.uniform() < 0.5 ? r.int(L) : L + between(r, 1, 40);
    const v = k <= L ? bits.slice(0, k) : bits + randomBits(r, k - L);
    if (k === Math.ceil(L / 4)) return { value: v, desc: `${k} chars (reads as hex)`, names: [], valid: true };
    return { value: v, desc: `${k} bits instead of ${L}`, names: [what, k === 0 ? 'empty' : `${k} bit`], valid: false };
  }
  if (kind === 3) {
    // Hex with a digit too many or too few.
    const extra = r.uniform() < 0.5;
    const v = extra ? `${hex}0` : hex.slice(0, -1);
    const digits = hex.length - 2 + (extra ? 1 : -1);
    if (digits === 0) return { value: v, desc: 'hex without digits', names: [what, '0x'], valid: false };
    return { value: v, desc: `hex of ${digits} digits`, names: [what, `${digits} hex digit`], valid: false };
  }
  if (kind === 4) {
    // A Uint8Array with a value other than 0/1.
    const a = u8.slice();
    const at = r.int(L);
    a[at] = between(r, 2, 255);
    return {
      value: a,
      desc: `Uint8Array[${at}] := ${a[at]}`,
      names: [what, `position ${at}`, String(a[at])],
      valid: false,
    };
  }
  // Another type altogether.
  const v = pick(r, [5, [0, 1, 1, 0], {}, true, Float64Array.from(u8), new Uint16Array(L), Number.NaN]);
  return { value: v, desc: `${what} := ${valueName(v) || typeof v}`, names: [what], valid: false };
}

function bitsCase(r: Rng): FuzzCase {
  const kind = r.int(7);
  const n = between(r, 1, 8);
  const m = 2 ** n;
  if (kind <= 1) {
    // booleanDataset with a malformed target.
    const t = mutateBits(r, m, 'target');
    return {
      group: 'bits',
      what: `booleanDataset n=${n}: ${t.desc}`,
      input: { n, target: t.value },
      names: t.valid ? [] : t.names,
      expect: t.valid ? 'any' : 'reject',
      run: () => booleanDataset({ n, target: t.value as string }),
    };
  }
  if (kind === 2) {
    // splitByMask with a malformed mask.
    const t = mutateBits(r, m, 'mask');
    const ds = booleanDataset({ n: Math.max(n, 2) });
    const t2 = n >= 2 ? t : mutateBits(r, ds.m, 'mask');
    return {
      group: 'bits',
      what: `splitByMask m=${ds.m}: ${t2.desc}`,
      input: t2.value,
      names: t2.valid ? [] : t2.names,
      expect: t2.valid ? 'any' : 'reject',
      run: () => splitByMask(ds, t2.value as string),
    };
  }
  if (kind === 3) {
    // booleanDataset with a bad n or encoding.
    const field = pick(r, ['n', 'encoding'] as const);
    const v =
      field === 'n'
        ? pick(r, [0, 17, 2.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '7', null, 2 ** 53, [], {}])
        : pick(r, ['pm2', '', 5, 'PM1', {}, []]);
    const names: string[] = [field];
    if (valueName(v) !== '') names.push(valueName(v));
    return {
      group: 'bits',
      what: `booleanDataset ${field} := ${valueName(v) || typeof v}`,
      input: { [field]: v },
      names,
      expect: 'reject',
      run: () => booleanDataset(field === 'n' ? { n: v as number } : { n: 3, encoding: v as 'pm1' }),
    };
  }
  if (kind === 4) {
    // splitBySize with a bad size or seed.
    const ds = booleanDataset({ n: Math.max(n, 2) });
    const field = pick(r, ['trainSize', 'testSize', 'seed', 'sum'] as const);
    if (field === 'sum') {
      const a = between(r, 1, ds.m);
      const b = ds.m - a + between(r, 1, 5);
      return {
        group: 'bits',
        what: `splitBySize ${a} + ${b} > ${ds.m}`,
        input: { trainSize: a, testSize: b },
        names: [String(b), String(ds.m)],
        expect: 'reject',
        run: () => splitBySize(ds, a, 1, b),
      };
    }
    const pool: unknown[] =
      field === 'seed'
        ? [-1, 1.5, Number.NaN, '', null, {}, [], Number.POSITIVE_INFINITY, 2 ** 53, true]
        : [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, ds.m + between(r, 1, 100), '3', null, 2 ** 53, {}, true];
    const v = pick(r, pool);
    const args = { trainSize: 2 as unknown, seed: 1 as unknown, testSize: undefined as unknown, [field]: v };
    const names: string[] = [field];
    if (valueName(v) !== '') names.push(valueName(v));
    return {
      group: 'bits',
      what: `splitBySize ${field} := ${valueName(v) || typeof v}`,
      input: args,
      names,
      expect: 'reject',
      run: () => splitBySize(ds, args.trainSize as number, args.seed as number, args.testSize as number),
    };
  }
  if (kind === 5) {
    // Boolean tools on a malformed string (they take 0/1 characters only: no trimming, no hex).
    const t = mutateBits(r, between(r, 1, 64), 'x');
    const tool = pick(r, [
      ['lzComplexity', lzComplexity],
      ['ones', ones],
      ['binaryEntropy', binaryEntropy],
    ] as const);
    const v = t.value;
    let names: string[] = [tool[0]];
    let valid = false;
    if (typeof v === 'string') {
      const at = [...Array(v.length).keys()].find((k) => v[k] !== '0' && v[k] !== '1');
      if (v === '') names.push('empty');
      else if (at === undefined) valid = true;
      else names.push(`position ${at}`);
    } else if (v instanceof Uint8Array) {
      const at = v.findIndex((b) => b > 1);
      if (at < 0) valid = true;
      else names.push(`position ${at}`);
    }
    if (valid) names = [];
    return {
      group: 'bits',
      what: `${tool[0]}: ${t.desc}`,
      input: v,
      names,
      expect: valid ? 'any' : 'reject',
      run: () => tool[1](v as string),
    };
  }
  // entropyOfCounts with a bad count.
  const counts: unknown[] = Array.from({ length: between(r, 1, 8) }, () => between(r, 0, 9));
  const at = r.int(counts.length);
  const v = pick(r, [Number.NaN, -1, Number.POSITIVE_INFINITY, '3', null, {}, -Number.MAX_VALUE]);
  counts[at] = v;
  return {
    group: 'bits',
    what: `entropyOfCounts[${at}] := ${valueName(v) || typeof v}`,
    input: counts,
    names: [`index ${at}`],
    expect: 'reject',
    run: () => entropyOfCounts(counts as number[]),
  };
}

function handWritten(): FuzzCase[] {
  const c = handCase('bits');
  const ds = booleanDataset({ n: 3 });
  const split = splitBySize(ds, 3, 1);
  return [
    c('n=1 hex sets a padding bit', '0x3', ['padding bit'], () => booleanDataset({ n: 1, target: '0x3' })),
    c('hex without digits', '0x', ['0x'], () => booleanDataset({ n: 2, target: '0x' })),
    c('empty target', '', ['target', 'empty'], () => booleanDataset({ n: 2, target: '' })),
    c('blank target', '   ', ['target', 'empty'], () => booleanDataset({ n: 2, target: '   ' })),
    c('n = 1 without a target', 1, ['n=1'], () => booleanDataset({ n: 1 })),
    c('options not an object', null, ['n'], () => booleanDataset(null as never)),
    c('maskOf which', 'both', ['"both"'], () => maskOf(split, 'both' as never)),
    c('parseBits length 0', 0, ['length', '0'], () => parseBits('01', 0)),
    c('parseBits length 2.5', 2.5, ['length', '2.5'], () => parseBits('01', 2.5)),
    c('entropyOfCounts of null', null, ['counts'], () => entropyOfCounts(null as never)),
    c('entropyOfCounts of 5', 5, ['counts'], () => entropyOfCounts(5 as never)),
    c('entropyOfCounts all zero', [0, 0], ['sum to 0'], () => entropyOfCounts([0, 0])),
    c('entropyOfCounts unit', 'dits', ['"dits"'], () => entropyOfCounts([1], 'dits' as never)),
    c('splitBySize 1e400', '1e400', ['trainSize', 'Infinity'], () => splitBySize(ds, Number('1e400'), 1)),
    c('splitByMask with a mask of another length', '0101', ['mask', '4 bit'], () => splitByMask(ds, '0101')),
    c('lzComplexity of a number', 1011, ['lzComplexity', 'number'], () => lzComplexity(1011 as never)),
    c('ones of the empty string', '', ['ones', 'empty'], () => ones('')),
    c('mnistDataset of null', null, ['options', 'null'], () => mnistDataset(null as never)),
    c('mnistDataset trainSize -1', -1, ['trainSize', '-1'], () => mnistDataset({ trainSize: -1, seed: 1 })),
    c('mnistDataset testSize 1e400', '1e400', ['testSize', 'Infinity'], () =>
      mnistDataset({ trainSize: 5, testSize: Number('1e400'), seed: 1 }),
    ),
    c('mnistDataset seed 1.5', 1.5, ['seed', '1.5'], () => mnistDataset({ trainSize: 5, seed: 1.5 })),
    c('mnistDataset binarize', 'parity', ['binarize', 'parity'], () =>
      mnistDataset({ trainSize: 5, seed: 1, binarize: 'parity' as never }),
    ),
    c('subsetDataset index 99 of 8', 99, ['99'], () => subsetDataset(ds, Int32Array.of(0, 99))),
    c('normalizeDataset mode', 'zscore', ['normalize', '"zscore"'], () => normalizeDataset(ds, 'zscore' as never)),
    c('swap: target := huge string', SWAPS[14], ['target'], () =>
      booleanDataset({ n: 3, target: SWAPS[14] as string }),
    ),
  ];
}
