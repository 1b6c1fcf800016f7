import { lzComplexity, lzPhraseCount, ones, parseBits } from '@fsbayes/core';
import type { Argv } from 'yargs';
import { OUTPUT_OPTIONS } from '../cli/options.js';
import { emit, run } from '../cli/output.js';

export const lzCommand = {
  command: 'lz <bits>',
  describe: 'Lempel–Ziv complexity of a bit string (Dingle et al. 2018), as used for simplicity bias',
  builder: (y: Argv) =>
    y
      .positional('bits', { type: 'string', demandOption: true, describe: 'a string of 0/1, or 0x-prefixed hex' })
      .options(OUTPUT_OPTIONS)
      .example('$0 lz 0011001100110011 --json', '{"lz":…,"ones":8,"length":16}')
      .epilogue(
        'K_LZ(s) = log2(n)·(c(s) + c(reverse s))/2 with c the Lempel–Ziv 1976 phrase count (Kaspar–Schuster scan); log2(n) for a constant string.',
      ),
  handler: run('lz', (a: { bits: string; json: boolean; out?: string; quiet: boolean }) => {
    const bits = parseBits(String(a.bits), undefined, 'bits');
    const result = { lz: lzComplexity(bits), ones: ones(bits), length: bits.length, phrases: lzPhraseCount(bits) };
    emit(
      a,
      result,
      `K_LZ = ${result.lz}  (phrases c(s) = ${result.phrases}, ones T = ${result.ones}, length n = ${result.length})`,
    );
  }),
};
