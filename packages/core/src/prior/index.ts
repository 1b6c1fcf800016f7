export {
  type CountingTable,
  PRIOR_CHUNK,
  type PriorCountOptions,
  type PriorTableOptions,
  priorChunk,
  samplePriorInto,
  samplePriorTable,
} from './sample.js';
