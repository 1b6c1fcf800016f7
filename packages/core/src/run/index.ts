export * from './checkpoint.js';
export * from './shard.js';
