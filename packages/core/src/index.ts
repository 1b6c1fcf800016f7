/**
 * @fsbayes/core — the ground every other package stands on: architecture
 * specs, seeded randomness, datasets, function tables, Boolean-function tools
 * and the compute backend.
 */

export * from './arch/index.js';
export * from './backend/index.js';
export * from './boolean/index.js';
export * from './data/index.js';
export * from './errors/index.js';
export * from './functions/index.js';
export * from './linalg/index.js';
export * from './math/index.js';
export * from './prior/index.js';
export * from './resources/index.js';
export * from './rng/index.js';
export * from './run/index.js';
export * from './version.js';
