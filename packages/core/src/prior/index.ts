export {
  type CountingTable,
  PRIOR_CHUNK,
  type PriorCountOptions,
  type PriorTableOptions,
  samplePriorInto,
  samplePriorTable,
} from './sample.js';
