export { PRIOR_CHUNK, type PriorTableOptions, samplePriorTable } from './sample.js';
