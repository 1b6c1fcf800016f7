/**
 * Functions on a test set as packed bit vectors with stable hex keys,
 * FunctionTable (exact counts, merge, JSON/CSV), provenance, and atomic files.
 */
export {
  bitString,
  keyLength,
  keyOf,
  keyOfBitString,
  keyOfBits,
  keyToBits,
  keyToWords,
  normalizeKey,
  packBits,
  popcount32,
  unpackBits,
  wordsFor,
} from './bits.js';
export {
  cleanStaleTemps,
  type FileToWrite,
  ioError,
  readTable,
  readTableSync,
  tableText,
  tmpPath,
  writeFileAtomic,
  writeFileAtomicSync,
  writeFilesAtomicSync,
  writeTable,
  writeTableSync,
} from './io.js';
export {
  canonicalJson,
  createProvenance,
  experimentIdentity,
  type MergedSource,
  mergeProvenance,
  type Provenance,
  type ProvenanceBackend,
  type ProvenanceInput,
  toPlainJson,
  validateProvenance,
} from './provenance.js';
export {
  FUNCTION_TABLE_FORMAT,
  FUNCTION_TABLE_FORMAT_VERSION,
  type FunctionEntry,
  FunctionTable,
  type FunctionTableJSON,
  type MergeOptions,
} from './table.js';
