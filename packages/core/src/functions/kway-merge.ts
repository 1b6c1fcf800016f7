/**
 * k-way streaming merge of sorted streams of packed functions: one stream in
 * key order with the counts of equal functions summed (exactly: counts are
 * integers below 2^53). Holds one batch per input and one output batch.
 */
import { compareKeys } from './key-order.js';
import type { PackedBatch } from './packed-counter.js';

/** A stream of batches in key order (each function at most once per stream). */
export type SortedStream = Iterable<PackedBatch> | AsyncIterable<PackedBatch>;

interface Cursor {
  it: Iterator<PackedBatch> | AsyncIterator<PackedBatch>;
  keys: Uint32Array;
  counts: Float64Array;
  pos: number;
  len: number;
}

function iteratorOf(s: SortedStream): Iterator<PackedBatch> | AsyncIterator<PackedBatch> {
  return Symbol.asyncIterator in s ? s[Symbol.asyncIterator]() : (s as Iterable<PackedBatch>)[Symbol.iterator]();
}

/** Load the cursor's next non-empty batch; false at the end of its stream. */
async function advance(c: Cursor): Promise<boolean> {
  for (;;) {
    const r = await c.it.next();
    if (r.done) return false;
    if (r.value.length > 0) {
      c.keys = r.value.keys;
      c.counts = r.value.counts;
      c.pos = 0;
      c.len = r.value.length;
      return true;
    }
  }
}

/**
 * Merge `streams` (each in key order, w words per function) into batches of
 * at most `batchRows` distinct functions, in key order, summing counts.
 * Output arrays are fresh per batch.
 */
export async function* mergeSorted(
  streams: SortedStream[],
  w: number,
  batchRows = 1 << 16,
): AsyncGenerator<PackedBatch> {
  const cursors: Cursor[] = [];
  try {
    for (const s of streams) {
      const c: Cursor = { it: iteratorOf(s), keys: new Uint32Array(0), counts: new Float64Array(0), pos: 0, len: 0 };
      cursors.push(c);
    }
    // A binary min-heap of the cursors that have a current row.
    const heap: Cursor[] = [];
    for (const c of cursors) if (await advance(c)) heap.push(c);
    const less = (a: Cursor, b: Cursor) => compareKeys(a.keys, a.pos * w, b.keys, b.pos * w, w) < 0;
    const siftDown = (i: number): void => {
      const n = heap.length;
      const c = heap[i];
      for (;;) {
        let k = 2 * i + 1;
        if (k >= n) break;
        if (k + 1 < n && less(heap[k + 1], heap[k])) k++;
        if (!less(heap[k], c)) break;
        heap[i] = heap[k];
        i = k;
      }
      heap[i] = c;
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);

    let keys = new Uint32Array(batchRows * w);
    let counts = new Float64Array(batchRows);
    let n = 0;
    while (heap.length > 0) {
      const c = heap[0];
      const o = c.pos * w;
      if (n > 0 && compareKeys(keys, (n - 1) * w, c.keys, o, w) === 0) {
        counts[n - 1] += c.counts[c.pos];
      } else {
        if (n === batchRows) {
          yield { keys, counts, length: n };
          keys = new Uint32Array(batchRows * w);
          counts = new Float64Array(batchRows);
          n = 0;
        }
        const ko = n * w;
        for (let j = 0; j < w; j++) keys[ko + j] = c.keys[o + j];
        counts[n++] = c.counts[c.pos];
      }
      if (++c.pos === c.len && !(await advance(c))) {
        const lastCursor = heap.pop() as Cursor;
        if (heap.length === 0) break;
        heap[0] = lastCursor;
      }
      siftDown(0);
    }
    if (n > 0) yield { keys, counts, length: n };
  } finally {
    // Close every input (a generator reading a file closes it), also when the consumer stops early.
    await Promise.all(cursors.map((c) => c.it.return?.()));
  }
}
