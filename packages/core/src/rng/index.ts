export { checkSeed, Rng, type RngState, type Seed, streamKey } from './rng.js';
