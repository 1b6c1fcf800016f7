/**
 * The linalg engine's allocator: first fit over the shared wasm memory above
 * the control blocks, in 64-byte units, growing the memory (at most 4 GiB).
 */
import { FsbayesError } from '../errors/index.js';

/** What the allocator needs of a WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
const ALIGN = 64;

/** First-fit allocator over [base, top) of the linear memory; grows the memory at the top. */
export class Heap {
  private free: { at: number; size: number }[] = [];
  private top: number;
  constructor(
    private readonly memory: WasmMemory,
    base: number,
  ) {
    this.top = base;
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size >= size) {
        const at = f.at;
        if (f.size === size) this.free.splice(i, 1);
        else {
          f.at += size;
          f.size -= size;
        }
        return at;
      }
    }
    const at = this.top;
    const end = at + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES)
        throw new FsbayesError(
          `linalg: needs ${(end / 2 ** 30).toFixed(2)} GiB of wasm memory, more than the 4 GiB limit`,
        );
      this.memory.grow(pages);
    }
    this.top = end;
    return at;
  }

  release(at: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let i = 0;
    while (i < this.free.length && this.free[i].at < at) i++;
    this.free.splice(i, 0, { at, size });
    // coalesce with neighbours
    if (i + 1 < this.free.length && this.free[i].at + this.free[i].size === this.free[i + 1].at) {
      this.free[i].size += this.free[i + 1].size;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].at + this.free[i - 1].size === this.free[i].at) {
      this.free[i - 1].size += this.free[i].size;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.at + last.size === this.top) {
      this.top = last.at;
      this.free.pop();
    }
  }
}
