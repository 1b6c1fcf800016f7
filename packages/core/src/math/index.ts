export { erf } from './erf.js';
