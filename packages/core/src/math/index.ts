export { erf } from './erf.js';
export {
  erfc,
  erfcx,
  invNormCdf,
  log1mExp,
  logDiffNormCdf,
  logNormCdf,
  logNormPdf,
  millsRatio,
  normCdf,
  normPdf,
} from './normal.js';
