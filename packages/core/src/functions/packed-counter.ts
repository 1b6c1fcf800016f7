/**
 * PackedCounter: exact counts of packed functions in typed arrays — an
 * open-addressing hash table (linear probing, power-of-two capacity) whose
 * keys are fixed-width packed bits (w = ceil(m/32) Uint32 words per key) with
 * a parallel Float64 count array (0 marks an empty slot; counts are exact
 * integers up to 2^53). It grows by rehashing while the memory budget allows
 * and otherwise reports itself full, so its owner can spill a sorted run.
 *
 * Per-function statistics of a FunctionTable (ones, errors) are functions of
 * the key, so they are computed when entries are written, not stored.
 */
import { FsbayesError } from '../errors/index.js';
import { sortRowsByKey } from './key-sort.js';

/** Entries per slot before the table counts as full (linear probing stays short below this). */
const MAX_LOAD = 0.75;
/** The smallest capacity, in slots. */
export const MIN_CAPACITY = 16;
/** The largest capacity: slot numbers stay below 2^32 (Uint32 row indices) with room to spare. */
const MAX_CAPACITY = 2 ** 30;

/** Bytes of one slot: the key words and the count. */
export function slotBytes(w: number): number {
  return 4 * w + 8;
}

/**
 * The bytes a counter needs at its peak when it grows to `capacity` slots:
 * the new arrays beside the old ones of half the size (1.5 × capacity slots).
 * Reading it in order needs less: its arrays and a 4-byte row index per entry.
 */
export function peakBytes(capacity: number, w: number): number {
  return 1.5 * capacity * slotBytes(w);
}

/** Bytes one typed array may safely hold on every supported Node (V8's limit is higher on newer ones). */
const MAX_ARRAY_BYTES = 2 ** 32;

/**
 * The largest capacity (a power of two, at least MIN_CAPACITY) whose
 * {@link peakBytes} fits in `budget` bytes (and whose arrays stay below 4 GiB each).
 */
export function capacityFor(budget: number, w: number): number {
  let cap = MIN_CAPACITY;
  const widest = Math.max(4 * w, 8);
  while (cap * 2 <= MAX_CAPACITY && cap * 2 * widest <= MAX_ARRAY_BYTES && peakBytes(cap * 2, w) <= budget) cap *= 2;
  return cap;
}

/** A sorted view of entries: `keys` (length·w words) and `counts`, in key order. */
export interface PackedBatch {
  keys: Uint32Array;
  counts: Float64Array;
  length: number;
}

/** A hash table of packed functions and their counts. */
export class PackedCounter {
  /** Words per key. */
  readonly w: number;
  /** Mask of the valid bits of the last word (bits ≥ m are cleared before hashing). */
  readonly lastMask: number;
  /** The capacity this counter may grow to (a power of two). */
  readonly maxCapacity: number;
  private keys: Uint32Array;
  private counts: Float64Array;
  private mask: number;
  private limit: number;
  private used = 0;

  /**
   * An empty counter for functions on m points that never grows beyond
   * `maxCapacity` slots (a power of two ≥ MIN_CAPACITY; see {@link capacityFor}).
   */
  constructor(m: number, maxCapacity: number, initialCapacity = 1024) {
    if (!Number.isSafeInteger(m) || m < 1)
      throw new FsbayesError(`PackedCounter: m must be a positive integer, got ${m}`);
    if (!isPow2(maxCapacity) || maxCapacity < MIN_CAPACITY || maxCapacity > MAX_CAPACITY) {
      throw new FsbayesError(
        `PackedCounter: maxCapacity must be a power of two in [${MIN_CAPACITY}, ${MAX_CAPACITY}], got ${maxCapacity}`,
      );
    }
    this.w = (m + 31) >>> 5;
    this.lastMask = m % 32 === 0 ? 0xffffffff : 2 ** (m % 32) - 1;
    this.maxCapacity = maxCapacity;
    const cap = Math.min(maxCapacity, Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(Math.max(1, initialCapacity)))));
    this.keys = new Uint32Array(cap * this.w);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  /** Distinct functions held. */
  get size(): number {
    return this.used;
  }

  /** Slots allocated. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Bytes of the arrays now allocated. */
  get bytes(): number {
    return this.capacity * slotBytes(this.w);
  }

  /**
   * Add `count` to the function at word offset `o` of `src` (w words; bits
   * ≥ m ignored). Returns false, changing nothing, when the function is new
   * and the counter is full at its largest capacity: the owner spills and
   * adds again.
   */
  add(src: Uint32Array, o: number, count: number): boolean {
    const w = this.w;
    const last = w - 1;
    const lastMask = this.lastMask;
    const keys = this.keys;
    let h = hashKey(src, o, w, lastMask);
    for (;;) {
      const i = h & this.mask;
      if (this.counts[i] === 0) break;
      const k = i * w;
      let eq = true;
      for (let j = 0; j < last && eq; j++) eq = keys[k + j] === src[o + j];
      if (eq && keys[k + last] === (src[o + last] & lastMask) >>> 0) {
        this.counts[i] += count;
        return true;
      }
      h = i + 1;
    }
    if (this.used >= this.limit) {
      if (this.capacity >= this.maxCapacity) return false;
      this.rehash(this.capacity * 2);
      return this.add(src, o, count);
    }
    let i = h & this.mask;
    while (this.counts[i] !== 0) i = (i + 1) & this.mask;
    const k = i * w;
    for (let j = 0; j < last; j++) keys[k + j] = src[o + j];
    keys[k + last] = src[o + last] & lastMask;
    this.counts[i] = count;
    this.used++;
    return true;
  }

  private rehash(cap: number): void {
    const w = this.w;
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    this.keys = new Uint32Array(cap * w);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * MAX_LOAD);
    const keys = this.keys;
    for (let s = 0; s < oldCounts.length; s++) {
      if (oldCounts[s] === 0) continue;
      const so = s * w;
      let i = hashKey(oldKeys, so, w, 0xffffffff) & this.mask;
      while (this.counts[i] !== 0) i = (i + 1) & this.mask;
      for (let j = 0; j < w; j++) keys[i * w + j] = oldKeys[so + j];
      this.counts[i] = oldCounts[s];
    }
  }

  /** Forget every entry, keeping the allocated arrays. */
  clear(): void {
    this.counts.fill(0);
    this.used = 0;
  }

  /**
   * The entries in slot order (no order a reader may rely on), as batches of
   * at most `batchRows` rows (fresh arrays): a snapshot to add back later.
   */
  *unsorted(batchRows: number): Generator<PackedBatch> {
    const w = this.w;
    let keys = new Uint32Array(batchRows * w);
    let counts = new Float64Array(batchRows);
    let n = 0;
    for (let s = 0; s < this.counts.length; s++) {
      if (this.counts[s] === 0) continue;
      keys.set(this.keys.subarray(s * w, s * w + w), n * w);
      counts[n++] = this.counts[s];
      if (n === batchRows) {
        yield { keys, counts, length: n };
        keys = new Uint32Array(batchRows * w);
        counts = new Float64Array(batchRows);
        n = 0;
      }
    }
    if (n > 0) yield { keys, counts, length: n };
  }

  /**
   * The entries in key order, as batches of at most `batchRows` rows (fresh
   * arrays). The counter must not change while the batches are read.
   */
  *sorted(batchRows: number): Generator<PackedBatch> {
    const w = this.w;
    const n = this.used;
    const rows = new Uint32Array(n);
    for (let s = 0, r = 0; r < n; s++) if (this.counts[s] !== 0) rows[r++] = s;
    sortRowsByKey(this.keys, w, rows, n);
    for (let at = 0; at < n; at += batchRows) {
      const len = Math.min(batchRows, n - at);
      const keys = new Uint32Array(len * w);
      const counts = new Float64Array(len);
      for (let r = 0; r < len; r++) {
        const s = rows[at + r];
        for (let j = 0; j < w; j++) keys[r * w + j] = this.keys[s * w + j];
        counts[r] = this.counts[s];
      }
      yield { keys, counts, length: len };
    }
  }
}

function isPow2(x: number): boolean {
  return Number.isSafeInteger(x) && x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}

/** A 32-bit hash of a packed key (murmur3-style mixing; the last word masked by `lastMask`). */
function hashKey(src: Uint32Array, o: number, w: number, lastMask: number): number {
  let h = 0x9747b28c ^ w;
  for (let j = 0; j < w; j++) {
    let k = j === w - 1 ? src[o + j] & lastMask : src[o + j];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
