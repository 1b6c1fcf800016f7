/**
 * @fsbayes/core — the ground every other package stands on: architecture
 * specs, seeded randomness, datasets, bit vectors and function tables,
 * Boolean-function tools, the compute backends, dense linear algebra, the
 * normal distribution's functions, and the resumable-run engine.
 *
 * The public names, chosen: what a notebook, the CLI, the benchmarks and the
 * other packages use. Wasm glue, worker pools, GPU programs, Arrow encoders,
 * locks, checkpoint files and the like stay inside (tests import them by
 * path, e.g. `../src/run/checkpoint.js`).
 */

// --- architecture: the spec, its parameters, its activations, the reference forward pass
export {
  ACTIVATIONS,
  activationCode,
  activationDerivative,
  activationFn,
} from './arch/activations.js';
export { convLayer, featureWidth, forwardReference, hiddenFeatures, NetFeatures } from './arch/forward.js';
export { type ParamLayout, type ParamTensor, paramLayout, paramScales } from './arch/params.js';
export { type ArchOptions, archString, parseArch, validateSpec } from './arch/parse.js';
export {
  type Activation,
  type ArchSpec,
  type CnnSpec,
  type ConvLayer,
  cnnShapes,
  convPadBefore,
  describeArch,
  type FcnSpec,
  forwardMacs,
  inputSize,
  type Padding,
  type Prior,
} from './arch/spec.js';

// --- compute backends: where prior functions and batched forward passes run
export type { GpuBackend, GpuGridPrograms } from './backend/gpu.js';
export {
  autoBackendFor,
  type BackendOptions,
  type BackendStatus,
  getBackend,
  listBackends,
} from './backend/index.js';
export { JsBackend } from './backend/js.js';
export { checkNetRange, type NetRangeNames, netNormals, priorParams } from './backend/prior.js';
export {
  BACKEND_NAMES,
  type Backend,
  type BackendInfo,
  type BackendName,
  type PriorFunctionsJob,
} from './backend/types.js';
export { WasmBackend, type WasmBackendOptions } from './backend/wasm.js';
export { fmaSupport, NET_BLOCK, type WasmVariant } from './backend/wasm-module.js';
export { startWorkers, type WorkerJob, type WorkerJobReply, WorkerJobs } from './backend/workers.js';

// --- bit vectors: 0/1 arrays, their text (bits or hex), packed words, function keys
export {
  type BitsLike,
  bitString,
  bitsToHex,
  bitsToString,
  keyOf,
  keyOfBits,
  keyToBits,
  normalizeKey,
  packBits,
  parseBits,
  unpackBits,
  wordsFor,
} from './bits.js';

// --- Boolean-function tools
export { binaryEntropy, type EntropyUnit, entropyOfCounts, ones } from './boolean/entropy.js';
export { lzComplexity, lzPhraseCount } from './boolean/lz.js';

// --- datasets and splits
export { type BooleanEncoding, type BooleanOptions, booleanDataset, booleanInputs } from './data/boolean.js';
export { corruptLabels } from './data/corrupt.js';
export { type CsvBinarize, type CsvOptions, loadCsv, parseCsv } from './data/csv.js';
export { describeSplit } from './data/describe.js';
export { type IdxArray, type IdxOptions, loadIdx, parseIdx } from './data/idx.js';
export { IMAGE_DATASETS, IMAGE_SOURCES, type ImageSource } from './data/image-sources.js';
export {
  type ImageOptions,
  type ImageRaw,
  type ImageSplitOptions,
  imageDataset,
  imageFull,
  imageSource,
  loadImageRaw,
  type MnistOptions,
  type MnistSplitOptions,
  mnistDataset,
  mnistFull,
  type PackageResolver,
} from './data/images.js';
export { type MaskSplitOptions, maskOf, splitByMask, splitBySize } from './data/split.js';
export { type DatasetSummary, type SplitSummary, summarize } from './data/summary.js';
export { normalizeDataset, subsetDataset } from './data/transform.js';
export {
  type Dataset,
  DIGIT_BINARIZE_RULES,
  type DigitBinarize,
  NORMALIZE_MODES,
  type Normalize,
  type Split,
} from './data/types.js';

// --- errors and warnings
export { FsbayesError, type FsbayesErrorKind, isFsbayesError, Warnings } from './errors/index.js';
export type { ArrowTableHeader } from './functions/arrow-format.js';
export {
  ArrowTableWriter,
  type ArrowWriteResult,
  readArrowTable,
  readArrowTableHeader,
  writeArrowTable,
} from './functions/arrow-io.js';
// --- function tables, provenance, atomic files, the P_B file format
export {
  type ArrowMergeOptions,
  type ArrowMergeResult,
  mergeArrowTables,
  mergedHeader,
} from './functions/columnar-merge.js';
export {
  type ColumnarState,
  ColumnarTable,
  type ColumnarTableOptions,
  FUNCTION_TABLE_MAX_DISTINCT,
  readTableArrow,
  writeTableArrow,
} from './functions/columnar-table.js';
export { csvBitsCell, csvKeyCell, parseCsvBitsCell, parseCsvKeyCell } from './functions/csv-cells.js';
export {
  type FileToStream,
  type FileToWrite,
  readTable,
  readTableSync,
  tableText,
  writeFileAtomic,
  writeFileAtomicSync,
  writeFilesAtomic,
  writeTable,
  writeTableSync,
} from './functions/io.js';
export { compareKeys } from './functions/key-order.js';
export { mergeSorted, type SortedStream } from './functions/kway-merge.js';
export type { PackedBatch } from './functions/packed-counter.js';
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
} from './functions/pb-file.js';
export {
  canonicalJson,
  createProvenance,
  experimentIdentity,
  type Provenance,
  type ProvenanceBackend,
  type ProvenanceInput,
  validateProvenance,
} from './functions/provenance.js';
export {
  FUNCTION_TABLE_FORMAT,
  type FunctionEntry,
  FunctionTable,
  type FunctionTableJSON,
  type MergeOptions,
} from './functions/table.js';
export {
  checkExportable,
  TextFileSink,
  writeTableCsvTo,
  writeTableJsonTo,
  writeTextFile,
} from './functions/table-export.js';
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
} from './functions/table-source.js';
export {
  type ConvMapLayer,
  type ConvMapParams,
  convMapKernel,
  convMapKernelAsync,
  convMapNeeds,
} from './linalg/convmap.js';
// --- dense float64 linear algebra and the generic layer-map engine
export {
  type CholeskyOptions,
  type CholeskyResult,
  cholesky,
  choleskyAsync,
  gram,
  gramAsync,
  gramCross,
  gramCrossAsync,
  logDetFromCholesky,
  matmul,
  matmulAsync,
  solveTriangular,
  solveTriangularAsync,
} from './linalg/dense.js';
export { closeLinalg, configureLinalg, linalgInfo } from './linalg/dispatch.js';
export {
  type LayerMapArgs,
  type LayerMapParams,
  type LayerMapResult,
  layerMapKernel,
  layerMapKernelAsync,
} from './linalg/layermap.js';
export { NotPositiveDefiniteError } from './linalg/reference.js';

// --- special functions
export { wilsonInterval } from './math/binomial.js';
export { erf } from './math/erf.js';
export { chiSquareSurvival } from './math/gamma.js';
export { invNormCdf, logDiffNormCdf, logNormCdf, millsRatio, normCdf, normPdf } from './math/normal.js';

// --- the prior over functions
export {
  type CountingTable,
  type PriorCountOptions,
  type PriorTableOptions,
  priorChunk,
  samplePriorInto,
  samplePriorTable,
} from './prior/sample.js';

// --- resources: memory checks before a run, thread counts
export { checkMemory, formatBytes, type MemoryLimits, type MemoryNeed, type MemoryPool } from './resources/memory.js';
export { chooseThreads, type ThreadChoice } from './resources/threads.js';

// --- seeded randomness
export { Rng, type RngState, type Seed } from './rng/rng.js';

// --- the resumable-run engine: outputs, shards, checkpointed runs, experiment steps
export { columnarRunDir, prepareColumnarRunDir } from './run/checkpoint.js';
export {
  type CheckpointStore,
  columnarStore,
  type DriveOptions,
  ResumableRun,
  type ResumableRunOptions,
  type RunHooks,
  recordedCommand,
} from './run/driver.js';
export { isProcessAlive } from './run/locks.js';
export {
  type OutputKind,
  type OutputPolicy,
  type OutputTarget,
  PreparedOutputs,
  prepareOutputs,
} from './run/outputs.js';
export {
  findRangeOverlap,
  parseRangeShard,
  parseShard,
  type RangeShard,
  type RunShard,
  rangeShard,
  resolveShard,
  type Shard,
  type ShardPooling,
  type SlurmEnv,
  shardRange,
  shardText,
  slurmShard,
  withShardArg,
} from './run/shard.js';
export {
  checkShardSets,
  rangeShardMembers,
  type ShardMember,
  type ShardSetGap,
  shardSetGaps,
} from './run/shard-set.js';
export { StepFolder, type StepFolderOptions } from './run/steps.js';

// --- this build
export { VERSION } from './version.js';
