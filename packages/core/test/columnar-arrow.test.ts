import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatchFileWriter, tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { keyOf, wordsFor } from '../src/bits.js';
import { encodeBatch, labelWordsOf, tableSchema } from '../src/functions/arrow-format.js';
import {
  ArrowTableWriter,
  ColumnarTable,
  createProvenance,
  FunctionTable,
  mergeArrowTables,
  type Provenance,
  readArrowTableHeader,
  readTableArrow,
  writeArrowTable,
  writeTableArrow,
} from '../src/functions/index.js';
import { Rng } from '../src/rng/index.js';
import { drawFunctions, functionPool } from './columnar-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-arrow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const fresh = (name = 't') => join(dir, `${name}-${++fileNo}.arrow`);

function prov(seeds: (number | string)[], over: Partial<Provenance> = {}): Provenance {
  return createProvenance({
    spec: { arch: 'fcn', widths: [7, 40, 40, 1] },
    dataset: { name: 'boolean', n: 7 },
    experiment: { kind: 'prior' },
    seeds,
    backend: { name: 'wasm', precision: 'f32' },
    ...over,
  });
}

/** A FunctionTable of n random functions on m points, drawn (skewed law) from a pool shared by all seeds. */
function randomTable(seed: number, m: number, n: number, labels: Uint8Array | null, p: Provenance | null) {
  const pool = functionPool(new Rng(m, 'arrow-pool'), m, 1000);
  const w = wordsFor(m);
  const packed = drawFunctions(new Rng(seed, 'arrow-draw'), pool, w, n);
  const t = new FunctionTable(m, labels, p);
  t.addBatch(packed, n);
  return { t, packed };
}

const labels7 = Uint8Array.from({ length: 128 }, (_, i) => ((i * 37) % 5 > 2 ? 1 : 0));

describe('Arrow table files', () => {
  it('round-trip a table exactly (functions, counts, errors, ones, labels, provenance)', async () => {
    for (const [m, labels] of [
      [128, labels7],
      [45, null],
      [1, Uint8Array.of(1)],
    ] as const) {
      const { t } = randomTable(m, m, 5000, labels, prov([m]));
      const path = fresh();
      const r = await writeTableArrow(path, t);
      expect(r).toMatchObject({ distinct: t.distinct, total: t.total });
      expect(r.bytes).toBe(readFileSync(path).length);
      expect((await readTableArrow(path)).toJSON()).toEqual(t.toJSON());
      const h = await readArrowTableHeader(path);
      expect(h.total).toBe(t.total);
      expect(h.provenance).toEqual(t.provenance);
    }
  });

  it('is a valid Arrow IPC file whose columns read as documented (checked through apache-arrow itself)', async () => {
    const m = 45;
    const { t } = randomTable(7, m, 3000, labels7.subarray(0, m), prov([1]));
    const path = fresh();
    const c = ColumnarTable.fromFunctionTable(t, { batchRows: 100 });
    await c.write(path);
    c.close();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 6).toString()).toBe('ARROW1');
    expect(bytes.subarray(bytes.length - 6).toString()).toBe('ARROW1');
    const table = tableFromIPC(bytes);
    expect(table.batches.length).toBe(Math.ceil(t.distinct / 100));
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'bits:FixedSizeBinary[6]',
      'count:Uint64',
      'ones:Uint32',
      'errors:Uint32',
    ]);
    const meta = JSON.parse(table.schema.metadata.get('fsbayes') as string);
    expect(meta).toMatchObject({ format: 'fsbayes.function-table.arrow', formatVersion: 1, m, total: t.total });
    // Rows in key order; the hex of `bits` starts with the key; the other columns are the table's.
    const want = t.entries().sort((a, b) => (a.key < b.key ? -1 : 1));
    const bitsCol = table.getChild('bits');
    const countCol = table.getChild('count');
    const onesCol = table.getChild('ones');
    const errCol = table.getChild('errors');
    expect(table.numRows).toBe(want.length);
    want.forEach((e, i) => {
      const hex = Buffer.from(bitsCol?.get(i) as Uint8Array).toString('hex');
      expect(hex.slice(0, e.key.length)).toBe(e.key);
      expect(hex.slice(e.key.length)).toMatch(/^0*$/);
      expect(Number(countCol?.get(i))).toBe(e.count);
      expect(onesCol?.get(i)).toBe(e.ones);
      expect(errCol?.get(i)).toBe(e.errors);
    });
  });

  it('keeps counts beyond 2^32 exact and writes empty tables', async () => {
    const t = new FunctionTable(3, null, prov([2]));
    t.add('2', 2 ** 52 + 3);
    t.add('e', 2 ** 32);
    const path = fresh();
    await writeTableArrow(path, t);
    expect((await readTableArrow(path)).toJSON()).toEqual(t.toJSON());
    const empty = new FunctionTable(70, labels7.subarray(0, 70), null);
    const p2 = fresh();
    expect(await writeTableArrow(p2, empty)).toMatchObject({ distinct: 0, total: 0 });
    expect((await readTableArrow(p2)).toJSON()).toEqual(empty.toJSON());
  });

  it('writes atomically: a failing stream leaves neither the file nor a temporary', async () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'out.arrow');
    writeFileSync(path, 'old content');
    async function* failing() {
      yield { keys: Uint32Array.of(1), counts: Float64Array.of(1), length: 1 };
      throw new Error('sampler died');
    }
    await expect(writeArrowTable(path, { m: 8, labels: null, total: 1, provenance: null }, failing())).rejects.toThrow(
      'sampler died',
    );
    expect(readFileSync(path, 'utf8')).toBe('old content');
    // A header total that the rows do not sum to is refused too.
    await expect(
      writeArrowTable(path, { m: 8, labels: null, total: 5, provenance: null }, [
        { keys: Uint32Array.of(1), counts: Float64Array.of(1), length: 1 },
      ]),
    ).rejects.toThrow(/sum to 1, the header says 5/);
    expect(readdirSync(sub)).toEqual(['out.arrow']);
    await expect(
      writeArrowTable(join(sub, 'no', 'such', 'dir.arrow'), { m: 8, labels: null, total: 0, provenance: null }, []),
    ).rejects.toThrow(/no[/\\]such[/\\]dir\.arrow: cannot write function table/);
  });
});

describe('reading checks every row', () => {
  /** A file written straight through apache-arrow from a header and batches (which the writer would refuse). */
  function craft(
    header: { m: number; labels: Uint8Array | null; total: number },
    batches: { keys: Uint32Array; counts: Float64Array; length: number }[],
    tamper?: (b: ReturnType<typeof encodeBatch>) => void,
  ): string {
    const h = { ...header, provenance: null };
    const schema = tableSchema(h);
    const lw = h.labels === null ? null : labelWordsOf(h.labels, wordsFor(h.m));
    const rbs = batches.map((b) => encodeBatch(b, schema, h.m, lw));
    if (tamper) tamper(rbs[0]);
    const path = fresh('crafted');
    writeFileSync(path, RecordBatchFileWriter.writeAll(rbs).toUint8Array(true));
    return path;
  }
  const row = (k: number, c = 1) => ({ keys: Uint32Array.of(k), counts: Float64Array.of(c), length: 1 });

  it('accepts a well-formed crafted file (the crafting itself is sound)', async () => {
    const p = craft({ m: 8, labels: null, total: 3 }, [row(1), row(3, 2)]);
    const t = await readTableArrow(p);
    expect(t.total).toBe(3);
    expect(t.count(keyOf(Uint32Array.of(3), 8))).toBe(2);
  });

  it('refuses duplicates and rows out of key order, across batches too', async () => {
    // Keys: bit 0 is the most significant, so 0b10 (key "40") sorts before 0b01 (key "80").
    const unsorted = craft({ m: 8, labels: null, total: 2 }, [row(1), row(2)]);
    await expect(readTableArrow(unsorted)).rejects.toThrow(/row 1: rows must be in strictly increasing key order/);
    const dup = craft({ m: 8, labels: null, total: 2 }, [row(2), row(2)]);
    await expect(readTableArrow(dup)).rejects.toThrow(new RegExp(`${dup.replace(/[.\\]/g, '\\$&')}: row 1:`));
  });

  it('refuses a wrong total, wrong ones, wrong errors, set padding bits and zero counts', async () => {
    await expect(readTableArrow(craft({ m: 8, labels: null, total: 9 }, [row(1)]))).rejects.toThrow(
      /total is 9, but the counts sum to 1/,
    );
    const badOnes = craft({ m: 8, labels: null, total: 1 }, [row(1)], (b) => {
      (b.getChild('ones')?.data[0].values as Uint32Array)[0] = 5;
    });
    await expect(readTableArrow(badOnes)).rejects.toThrow(/row 0: ones is 5, but the bits have 1 ones/);
    const badErrors = craft({ m: 8, labels: new Uint8Array(8), total: 1 }, [row(3)], (b) => {
      (b.getChild('errors')?.data[0].values as Uint32Array)[0] = 0;
    });
    await expect(readTableArrow(badErrors)).rejects.toThrow(/errors is 0, but the bits are at Hamming distance 2/);
    const padded = craft({ m: 6, labels: null, total: 1 }, [row(1)], (b) => {
      (b.getChild('bits')?.data[0].values as Uint8Array)[0] |= 1;
    });
    await expect(readTableArrow(padded)).rejects.toThrow(/padding bits beyond m = 6 must be 0/);
    const zero = craft({ m: 8, labels: null, total: 0 }, [row(1, 0)]);
    await expect(readTableArrow(zero)).rejects.toThrow(/row 0: count must be a positive integer/);
  });

  it('names the file when it is not a table file', async () => {
    const junk = fresh('junk');
    writeFileSync(junk, 'this is not arrow');
    await expect(readTableArrow(junk)).rejects.toThrow(
      new RegExp(`${junk.replace(/[.\\]/g, '\\$&')}: not a readable Arrow IPC`),
    );
    await expect(readArrowTableHeader(join(dir, 'missing.arrow'))).rejects.toThrow(
      /missing\.arrow: cannot read function table/,
    );
    const other = fresh('other');
    const { tableFromArrays, tableToIPC } = await import('apache-arrow');
    writeFileSync(other, tableToIPC(tableFromArrays({ a: Uint32Array.of(1) }), 'file'));
    await expect(readTableArrow(other)).rejects.toThrow(/not an fsbayes function table/);
  });
});

describe('mergeArrowTables', () => {
  /** Shards of one experiment as FunctionTables and files. */
  async function shards(seeds: number[], m = 100) {
    const out: { t: FunctionTable; path: string }[] = [];
    for (const s of seeds) {
      const { t } = randomTable(s, m, 2000 + 500 * s, labels7.subarray(0, m), prov([s], { shards: [`${s}/9`] }));
      const path = fresh('shard');
      await writeTableArrow(path, t);
      out.push({ t, path });
    }
    return out;
  }

  it('equals FunctionTable.merge: functions, counts and provenance', async () => {
    const parts = await shards([1, 2, 3, 4]);
    const ref = new FunctionTable(100, labels7.subarray(0, 100));
    for (const p of parts) ref.merge(p.t);
    const out = fresh('merged');
    const r = await mergeArrowTables(
      parts.map((p) => p.path),
      out,
      { batchRows: 333 },
    );
    expect(r).toMatchObject({ distinct: ref.distinct, total: ref.total });
    expect((await readTableArrow(out)).toJSON()).toEqual(ref.toJSON());
    // A single input is copied as is.
    const one = fresh('one');
    await mergeArrowTables([parts[0].path], one);
    expect((await readTableArrow(one)).toJSON()).toEqual(parts[0].t.toJSON());
  });

  it('refuses what FunctionTable.merge refuses, with the same message, before writing anything', async () => {
    const [a, b] = await shards([5, 6]);
    const again = await shards([5]);
    const out = fresh('refused');
    const expectSame = async (inputs: string[], tables: FunctionTable[]) => {
      let msg = '';
      try {
        const acc = tables[0];
        for (const t of tables.slice(1)) acc.merge(t);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).not.toBe('');
      await expect(mergeArrowTables(inputs, out)).rejects.toThrow(`${inputs[inputs.length - 1]}: ${msg}`);
      expect(existsSync(out)).toBe(false);
    };
    // Same seed (and shard) twice.
    await expectSame([a.path, b.path, again[0].path], [a.t, b.t, again[0].t]);
    // Another experiment.
    const { t: other } = randomTable(9, 100, 500, labels7.subarray(0, 100), prov([9], { experiment: { kind: 'sgd' } }));
    const otherPath = fresh('other');
    await writeTableArrow(otherPath, other);
    const [a2] = await shards([5]);
    await expectSame([a2.path, otherPath], [a2.t, other]);
    // Another m.
    const [c] = await shards([7], 64);
    const [a3] = await shards([5]);
    await expectSame([a3.path, c.path], [a3.t, c.t]);
    // allowOverlap forces a merge; the provenance hook sees the inputs' headers.
    const [a4] = await shards([5]);
    const forced = await mergeArrowTables([a4.path, again[0].path], out, {
      allowOverlap: true,
      provenance: (p, hs) => (p === null ? null : { ...p, extra: { ...p.extra, inputs: hs.length } }),
    });
    expect(forced.total).toBe(2 * a4.t.total);
    expect((await readArrowTableHeader(out)).provenance?.extra?.inputs).toBe(2);
  });
});

describe('ArrowTableWriter', () => {
  it('abort leaves nothing behind', () => {
    const sub = mkdtempSync(join(dir, 'abort-'));
    const w = ArrowTableWriter.create(join(sub, 'x.arrow'), { m: 8, labels: null, total: 1, provenance: null });
    w.write({ keys: Uint32Array.of(1), counts: Float64Array.of(1), length: 1 });
    w.abort();
    w.abort();
    expect(readdirSync(sub)).toEqual([]);
  });
});
