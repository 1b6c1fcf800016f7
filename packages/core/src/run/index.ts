export * from './checkpoint.js';
export * from './driver.js';
export * from './locks.js';
export * from './outputs.js';
export * from './shard.js';
export * from './shard-set.js';
export * from './steps.js';
