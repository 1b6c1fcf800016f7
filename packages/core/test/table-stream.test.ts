/**
 * Tables read as streams (ColumnarTable, Arrow files): count order, the
 * JSON/CSV exports, the one-pass summary, columnar checkpoints, and a prior
 * table counted columnar and read back from its Arrow file — each against
 * the FunctionTable (a Map of keys) built from the same functions.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend } from '../src/backend/index.js';
import { wordsFor } from '../src/bits.js';
import { entropyOfCounts } from '../src/boolean/entropy.js';
import { booleanDataset } from '../src/data/boolean.js';
import {
  type ColumnarState,
  ColumnarTable,
  createProvenance,
  FunctionTable,
  readTableArrow,
  tableText,
} from '../src/functions/index.js';
import { checkExportable, TextFileSink, writeTableCsvTo, writeTableJsonTo } from '../src/functions/table-export.js';
import {
  arrowTableSource,
  countHistogram,
  countOrder,
  EntryStats,
  functionTableSource,
  summarizeTable,
} from '../src/functions/table-source.js';
import { samplePriorInto, samplePriorTable } from '../src/prior/sample.js';
import { Rng } from '../src/rng/index.js';
import { columnarRunDir, readColumnarCheckpoint, writeColumnarCheckpoint } from '../src/run/checkpoint.js';
import { drawFunctions, functionPool } from './columnar-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-table-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const fresh = (ext: string) => join(dir, `f${++files}.${ext}`);

/** Random skewed data on m points (many count classes), with labels, as a FunctionTable and a spilling ColumnarTable. */
function tables(seed: number, m: number, n: number, memoryBytes = 2500) {
  const rng = new Rng(seed, 'table-stream');
  const w = wordsFor(m);
  const labels = Uint8Array.from({ length: m }, () => rng.int(2));
  const packed = drawFunctions(rng, functionPool(rng, m, 1500), w, n);
  const prov = createProvenance({ spec: { m }, dataset: 'x', seeds: [seed], backend: 'js' });
  const ref = new FunctionTable(m, labels, prov);
  ref.addBatch(packed, n);
  const col = new ColumnarTable(m, labels, prov, { memoryBytes, tmpDir: dir, batchRows: 37 });
  col.addBatch(packed, n);
  return { ref, col, packed, w, labels, prov };
}

async function textOf(write: (sink: TextFileSink) => Promise<void>): Promise<string> {
  const path = fresh('txt');
  const sink = new TextFileSink(path);
  await write(sink);
  sink.close();
  return readFileSync(path, 'utf8');
}

describe('count order', () => {
  it('gives the entries of FunctionTable.entries() in its order, for any slice size (multi-pass, big classes streamed)', async () => {
    const { ref, col } = tables(1, 70, 12000);
    expect(col.spilledRuns).toBeGreaterThan(2);
    const want = ref.entries();
    for (const sliceRows of [2, 100, 1 << 22]) {
      const st = new EntryStats(col.header);
      const got = [];
      for await (const b of countOrder(col, undefined, { sliceRows, batchRows: 13 }))
        for (let r = 0; r < b.length; r++) got.push(st.entry(b, r));
      expect(got).toEqual(want);
    }
    const h = await countHistogram(col);
    expect([h.distinct, h.total]).toEqual([ref.distinct, ref.total]);
    col.close();
  });
});

describe('exports of a table read as a stream', () => {
  it('JSON and CSV are the bytes of tableText and toCSV of the FunctionTable (spilled table and Arrow file alike)', async () => {
    for (const m of [7, 33, 128]) {
      const { ref, col } = tables(m, m, 8000);
      const arrow = fresh('arrow');
      await col.write(arrow);
      for (const src of [col, await arrowTableSource(arrow), functionTableSource(ref)]) {
        expect(await textOf((s) => writeTableJsonTo(s, src))).toBe(tableText(ref));
        expect(await textOf((s) => writeTableCsvTo(s, src))).toBe(ref.toCSV());
      }
      col.close();
    }
  });

  it('refuses a JSON/CSV export above what a FunctionTable holds, naming the count and Arrow', () => {
    expect(() => checkExportable(2 ** 24, 'x.json')).toThrow(/x\.json: the table has 16,777,216 distinct.*Arrow/);
    expect(() => checkExportable(2 ** 24 - 1, 'x.json')).not.toThrow();
  });
});

describe('summarizeTable', () => {
  it('agrees with the FunctionTable: distinct, P(T) counts, test error, entropy, the top functions', async () => {
    const { ref, col } = tables(4, 40, 20000);
    const s = await summarizeTable(col, 7);
    expect([s.total, s.distinct]).toEqual([ref.total, ref.distinct]);
    const ones = new Float64Array(41);
    for (const e of ref.entries()) ones[e.ones] += e.count;
    expect(s.onesCounts).toEqual(ones);
    expect(s.meanTestError).toBe(ref.meanTestError()); // integer sums: exact
    expect(s.entropyBits).toBeCloseTo(entropyOfCounts(ref.entries().map((e) => e.count)), 12);
    expect(s.top).toEqual(ref.entries().slice(0, 7));
    col.close();
  });
});

describe('columnar checkpoints', () => {
  it('a table restored from its checkpoint and finished writes the bytes of an uninterrupted one; later files go', async () => {
    const { packed, w, labels, prov } = tables(9, 65, 24000);
    const opts = { memoryBytes: 12_000, batchRows: 41 };
    const whole = new ColumnarTable(65, labels, prov, { ...opts, tmpDir: dir });
    whole.addBatch(packed, 24000);
    const wholeFile = fresh('arrow');
    await whole.write(wholeFile);
    whole.close();

    const ckpt = join(dir, 'ckpt.json');
    const runDir = columnarRunDir(ckpt);
    const first = new ColumnarTable(65, labels, prov, { ...opts, runDir });
    first.addBatch(packed, 9000);
    writeColumnarCheckpoint(ckpt, { identity: { run: 1 }, state: { next: 9000 }, table: first });
    first.addBatch(packed.subarray(9000 * w), 4000); // spills after the checkpoint: not in it
    writeColumnarCheckpoint(ckpt, { identity: { run: 1 }, state: { next: 13000 }, table: first });
    const saved = readdirSync(runDir).sort();
    expect(saved.filter((f) => f.startsWith('snapshot'))).toHaveLength(1); // the older snapshot went
    first.addBatch(packed.subarray(13000 * w), 5000); // work lost by the kill below
    first.detach(); // killed: the runs stay for the resume
    expect(readdirSync(runDir).length).toBeGreaterThan(saved.length);

    const back = readColumnarCheckpoint<{ next: number }>(ckpt, { run: 1 }, opts);
    expect(back?.state.next).toBe(13000);
    const t = back?.table as ColumnarTable;
    expect(readdirSync(runDir).sort()).toEqual(saved); // the files written after the checkpoint are gone
    expect(t.total).toBe(13000);
    t.addBatch(packed.subarray(13000 * w), 11000);
    const resumedFile = fresh('arrow');
    await t.write(resumedFile);
    t.close();
    expect(existsSync(runDir)).toBe(false);
    expect((await readTableArrow(resumedFile)).toJSON()).toEqual((await readTableArrow(wholeFile)).toJSON());
    expect(readFileSync(resumedFile).equals(readFileSync(wholeFile))).toBe(true);
  });

  it('refuses a checkpoint whose run files are missing or changed, or of another run, naming the file', () => {
    const ckpt = join(dir, 'bad.json');
    const runDir = columnarRunDir(ckpt);
    const t = new ColumnarTable(9, null, null, { memoryBytes: 2500, runDir });
    t.add('ff8', 3);
    let state: ColumnarState | null = null;
    t.snapshot((s) => {
      state = s;
    });
    writeColumnarCheckpoint(ckpt, { identity: { a: 1 }, state: {}, table: t });
    t.detach();
    expect(() => readColumnarCheckpoint(ckpt, { a: 2 })).toThrow(/belongs to another run \(a: this run has 2/);
    const snap = readdirSync(runDir).find((f) => f.startsWith('snapshot')) as string;
    writeFileSync(join(runDir, snap), 'x');
    expect(() => readColumnarCheckpoint(ckpt, { a: 1 })).toThrow(/snapshot-\d+\.bin: 1 bytes, the checkpoint says/);
    rmSync(join(runDir, snap));
    expect(() => readColumnarCheckpoint(ckpt, { a: 1 })).toThrow(/snapshot-\d+\.bin: missing/);
    expect(state).not.toBeNull();
  });
});

describe('a prior table counted columnar', () => {
  it('7→40→40→1 on the 128 Boolean inputs: its Arrow file reads back as the FunctionTable the Map path counts', async () => {
    const ds = booleanDataset({ n: 7 });
    const spec = {
      kind: 'fcn' as const,
      activation: 'relu' as const,
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
      inputDim: 7,
      hidden: [40, 40],
    };
    const backend = await getBackend('wasm');
    try {
      const common = { backend, spec, inputs: ds.inputs, m: 128, labels: null, seed: 1, samples: 3000, first: 5 };
      const map = await samplePriorTable(common);
      // A budget of a few hundred functions: the table spills sorted runs and merges them.
      const col = new ColumnarTable(128, null, null, { memoryBytes: 5000, tmpDir: dir, batchRows: 100 });
      await samplePriorInto({ ...common, table: col });
      expect(col.spilledRuns).toBeGreaterThan(3);
      const file = fresh('arrow');
      const r = await col.write(file);
      col.close();
      expect(r).toMatchObject({ distinct: map.distinct, total: 3000 });
      expect((await readTableArrow(file)).toJSON()).toEqual(map.toJSON());
    } finally {
      await backend.close();
    }
  });
});
