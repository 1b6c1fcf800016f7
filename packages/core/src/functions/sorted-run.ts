/**
 * Sorted runs: the temporary files a memory-bounded table spills to. A run
 * is a sequence of blocks, each `[rows: u32, 0: u32]`, the rows' packed keys
 * (rows·w u32, zero-padded to 8 bytes) and their counts (rows f64), in key
 * order, little-endian (the platform's order: runs never leave the process).
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { FsbayesError } from '../errors/index.js';
import type { PackedBatch } from './packed-counter.js';

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Write the batches (already in key order across the whole run, or any order
 * for a snapshot) to a new file at `path`; with `sync`, fsync it (a
 * checkpoint refers to it). Returns the rows written.
 */
export function writeRun(path: string, w: number, batches: Iterable<PackedBatch>, sync = false): number {
  const fd = openSync(path, 'wx');
  let rows = 0;
  try {
    for (const b of batches) {
      if (b.length === 0) continue;
      writeAll(fd, bytesOf(Uint32Array.of(b.length, 0)));
      writeAll(fd, bytesOf(b.keys.subarray(0, b.length * w)));
      if ((b.length * w) % 2 === 1) writeAll(fd, new Uint8Array(4));
      writeAll(fd, bytesOf(b.counts.subarray(0, b.length)));
      rows += b.length;
    }
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return rows;
}

/** Read a run written by {@link writeRun}, one block at a time (fresh arrays per block). */
export function* readRun(path: string, w: number): Generator<PackedBatch> {
  const fd = openSync(path, 'r');
  let pos = 0;
  const readExact = (into: Uint8Array): boolean => {
    let off = 0;
    while (off < into.length) {
      const n = readSync(fd, into, off, into.length - off, pos);
      if (n === 0) {
        if (off === 0) return false;
        throw new FsbayesError(`spilled run ${path} ends inside a block (the temporary folder was changed?)`, {
          kind: 'io',
        });
      }
      off += n;
      pos += n;
    }
    return true;
  };
  try {
    const head = new Uint32Array(2);
    while (readExact(bytesOf(head))) {
      const rows = head[0];
      const keys = new Uint32Array(rows * w + ((rows * w) % 2));
      const counts = new Float64Array(rows);
      if (!readExact(bytesOf(keys)) || !readExact(bytesOf(counts))) {
        throw new FsbayesError(`spilled run ${path} ends inside a block (the temporary folder was changed?)`, {
          kind: 'io',
        });
      }
      yield { keys, counts, length: rows };
    }
  } finally {
    closeSync(fd);
  }
}
