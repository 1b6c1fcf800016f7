/**
 * Functions on a test set as packed bit vectors with stable hex keys,
 * FunctionTable (exact counts, merge, JSON/CSV), ColumnarTable (exact counts
 * beyond memory: typed arrays, sorted spills, Arrow IPC files, streaming
 * merge), provenance, atomic files, and the P_B file format (fsbayes.pb).
 */

export {
  ARROW_METADATA_KEY,
  ARROW_TABLE_FORMAT,
  ARROW_TABLE_FORMAT_VERSION,
  type ArrowTableHeader,
} from './arrow-format.js';
export {
  ArrowTableWriter,
  type ArrowWriteResult,
  readArrowTable,
  readArrowTableHeader,
  writeArrowTable,
} from './arrow-io.js';
export {
  type ArrowMergeOptions,
  type ArrowMergeResult,
  mergeArrowTables,
  mergedHeader,
} from './columnar-merge.js';
export {
  type ColumnarState,
  ColumnarTable,
  type ColumnarTableOptions,
  FUNCTION_TABLE_MAX_DISTINCT,
  readTableArrow,
  writeTableArrow,
} from './columnar-table.js';
export { csvBitsCell, csvKeyCell, parseCsvBitsCell, parseCsvKeyCell } from './csv-cells.js';
export {
  cleanStaleTemps,
  type FileToStream,
  type FileToWrite,
  ioError,
  readTable,
  readTableSync,
  tableText,
  tmpPath,
  writeFileAtomic,
  writeFileAtomicSync,
  writeFilesAtomic,
  writeFilesAtomicSync,
  writeTable,
  writeTableSync,
} from './io.js';
export { compareKeys } from './key-order.js';
export { sortRowsByKey } from './key-sort.js';
export { mergeSorted, type SortedStream } from './kway-merge.js';
export { type MergeSide, mergedProvenance } from './merge-rules.js';
export { capacityFor, type PackedBatch, PackedCounter } from './packed-counter.js';
export {
  PB_ESTIMATORS,
  PB_FILE_FORMAT,
  PB_METHODS,
  type PbEstimator,
  type PbFile,
  type PbFileRead,
  type PbMethod,
  type PbRow,
  type PbShard,
  parsePbFile,
  pbFileCsv,
  pbFileText,
  readPbFile,
} from './pb-file.js';
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
export { FORMAT_SCHEMAS, type FormatSchemaName, formatSchemaPath, readFormatSchema } from './schemas.js';
export {
  FUNCTION_TABLE_FORMAT,
  FUNCTION_TABLE_FORMAT_VERSION,
  type FunctionEntry,
  FunctionTable,
  type FunctionTableJSON,
  type MergeOptions,
} from './table.js';
export { checkExportable, TextFileSink, writeTableCsvTo, writeTableJsonTo, writeTextFile } from './table-export.js';
export {
  arrowTableSource,
  type CountHistogram,
  type CountOrderOptions,
  countHistogram,
  countOrder,
  EntryStats,
  functionTableSource,
  type SortedTableSource,
  summarizeTable,
  TableSummarizer,
  type TableSummary,
} from './table-source.js';
