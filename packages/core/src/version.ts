/** The fsbayes version recorded in every result file's provenance. */
export const VERSION = '0.1.0';
