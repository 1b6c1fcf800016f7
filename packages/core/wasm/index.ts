/**
 * The fsbayes prior/forward wasm module (AssemblyScript). Built twice by
 * `scripts/build-wasm.mjs`: plain SIMD and relaxed SIMD (FMA); the JS glue is
 * `src/backend/wasm-module.ts`.
 */
export {
  cnnCfgPtr,
  cnnForward32,
  cnnForward64,
  cnnPriorNets32,
  cnnPriorNets64,
  cnnSampleParams64,
} from './cnn';
export { normalsFill, normalsSkip } from './gaussian';
export {
  cfgPtr,
  forward32,
  forward64,
  priorNets32,
  priorNets64,
  sampleParams64,
  setInputs32,
  setInputs64,
} from './mlp';
export { rngFill, rngSeed, rngStatePtr } from './rng';
export { vmathApply } from './vmath';

/** First free byte above the static data (JS allocates from here). */
export function heapBase(): usize {
  return __heap_base;
}
