/**
 * Boolean-function tools: Lempel–Ziv complexity (Dingle et al. 2018), the
 * number of ones T, the entropy H(T/n), and entropies of count vectors.
 */
export { binaryEntropy, type EntropyUnit, entropyOfCounts, ones } from './entropy.js';
export { lzComplexity, lzPhraseCount } from './lz.js';
