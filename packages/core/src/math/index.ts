export { wilsonInterval } from './binomial.js';
export { erf } from './erf.js';
export { chiSquareSurvival, gammaQ, logGamma } from './gamma.js';
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
