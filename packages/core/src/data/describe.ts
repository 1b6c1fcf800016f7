/** The JSON description of a split that every result records in its provenance (and that tables are checked against). */
import { bitsToHex } from '../bits.js';
import { maskOf } from './split.js';
import type { Split } from './types.js';

/** Source name and size, |S|, |E|, how the split was made, and the hex masks of S and E in the source. */
export function describeSplit(split: Split): Record<string, unknown> {
  return {
    name: split.source.name,
    m: split.source.m,
    trainSize: split.train.m,
    testSize: split.test.m,
    ...split.meta,
    trainMask: bitsToHex(maskOf(split, 'train')),
    testMask: bitsToHex(maskOf(split, 'test')),
  };
}
