export * from './memory.js';
export * from './threads.js';
