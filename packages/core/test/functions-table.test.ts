import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packBits } from '../src/bits.js';
import {
  createProvenance,
  FunctionTable,
  type FunctionTableJSON,
  type Provenance,
  parseCsvBitsCell,
  parseCsvKeyCell,
  readTable,
  readTableSync,
  writeFileAtomic,
  writeFileAtomicSync,
  writeTable,
  writeTableSync,
} from '../src/functions/index.js';
import { Rng } from '../src/rng/index.js';

const bitsOf = (s: string) => Uint8Array.from(s, Number);
const packOf = (s: string) => packBits(bitsOf(s));

function prov(seeds: (number | string)[], over: Partial<Provenance> = {}): Provenance {
  return createProvenance({
    spec: { arch: 'fcn', widths: [7, 40, 40, 1], sigmaW: 1, sigmaB: 1 },
    dataset: { name: 'boolean', target: '0011'.repeat(32), train: 32 },
    experiment: { kind: 'sgd', batchSize: 8, loss: 'ce' },
    seeds,
    backend: { name: 'cpu', precision: 'f64' },
    ...over,
  });
}

/** A table on m = 4 with labels 0110 and hand-checked errors. */
function smallTable(): FunctionTable {
  const t = new FunctionTable(4, bitsOf('0110'));
  t.add(packOf('0110'), 3); // key 6, errors 0, ones 2
  t.add('e'); // 1110: errors 1, ones 3
  t.add(packOf('1001')); // key 9, errors 4, ones 2
  return t;
}

describe('FunctionTable counts', () => {
  it('counts, distinct, total and hand-computed errors', () => {
    const t = smallTable();
    expect(t.total).toBe(5);
    expect(t.distinct).toBe(3);
    expect(t.count('6')).toBe(3);
    expect(t.count(packOf('0110'))).toBe(3);
    expect(t.count('E')).toBe(1);
    expect(t.count('0')).toBe(0);
    expect(t.entries()).toEqual([
      { key: '6', count: 3, errors: 0, ones: 2 },
      { key: '9', count: 1, errors: 4, ones: 2 },
      { key: 'e', count: 1, errors: 1, ones: 3 },
    ]);
    expect(Array.from(t.probabilities())).toEqual([
      ['6', 0.6],
      ['9', 0.2],
      ['e', 0.2],
    ]);
    // (3·0 + 1·4 + 1·1) / (5·4)
    expect(t.meanTestError()).toBeCloseTo(5 / 20, 15);
    // counts 3,1,1 of 5: H = ln 5 − (3 ln 3)/5
    const nats = Math.log(5) - (3 * Math.log(3)) / 5;
    expect(t.entropy().nats).toBeCloseTo(nats, 14);
    expect(t.entropy().bits).toBeCloseTo(nats / Math.LN2, 14);
  });

  it('computes errors across word boundaries (m = 40)', () => {
    const labels = new Uint8Array(40);
    labels[0] = 1;
    labels[35] = 1;
    const t = new FunctionTable(40, labels);
    const f = new Uint8Array(40);
    f[1] = 1; // differs at 0, 1, 35
    f[31] = 1; // and 31
    f[39] = 1; // and 39
    t.add(packBits(f));
    expect(t.entries()[0]).toMatchObject({ errors: 5, ones: 3 });
  });

  it('addBatch equals adding one by one, and ignores padding bits', () => {
    const m = 33;
    const rng = new Rng(1, 'batch');
    const pool = Array.from({ length: 5 }, () => Uint32Array.from([rng.uint32(), rng.uint32() & 1]));
    const n = 200;
    const packed = new Uint32Array(n * 2 + 3); // longer than needed: the tail is ignored
    const one = new FunctionTable(m);
    for (let j = 0; j < n; j++) {
      const f = pool[rng.int(5)];
      packed.set(f, 2 * j);
      one.add(f);
      packed[2 * j + 1] |= 0xfffffffe; // garbage in the padding bits
    }
    const batch = new FunctionTable(m);
    batch.addBatch(packed, n);
    expect(batch.toJSON()).toEqual(one.toJSON());
    expect(() => batch.addBatch(packed, n + 2)).toThrow(/need 404 words, got 403/);
  });

  it('without labels, errors and meanTestError are null', () => {
    const t = new FunctionTable(4);
    t.add('6');
    expect(t.entries()[0].errors).toBeNull();
    expect(t.meanTestError()).toBeNull();
  });

  it('validates its arguments', () => {
    expect(() => new FunctionTable(4, bitsOf('011'))).toThrow(/labels have length 3, expected m = 4/);
    expect(() => new FunctionTable(0)).toThrow(/m must be a positive integer/);
    const t = new FunctionTable(4);
    expect(() => t.add('6', 0)).toThrow(/count must be a positive integer, got 0/);
    expect(() => t.add('66')).toThrow(/has 2 hex digits; m = 4 needs 1/);
    expect(() => t.add(new Uint32Array(2))).toThrow(/has 1 words, got 2/);
    expect(() => new FunctionTable(4).entropy()).toThrow(/empty/);
  });
});

describe('FunctionTable.merge', () => {
  it('equals the table of the concatenated data', () => {
    const m = 96;
    const rng = new Rng(2, 'merge');
    const labels = Uint8Array.from({ length: m }, () => rng.uint32() & 1);
    const pool = Array.from({ length: 30 }, () => Uint32Array.from([rng.uint32(), rng.uint32(), rng.uint32()]));
    const draw = (n: number) => {
      const out = new Uint32Array(n * 3);
      for (let j = 0; j < n; j++) out.set(pool[Math.min(rng.int(30), rng.int(30))], 3 * j);
      return out;
    };
    const a = draw(300);
    const b = draw(200);
    const ta = new FunctionTable(m, labels, prov([1], { shards: ['a'] }));
    ta.addBatch(a, 300);
    const tb = new FunctionTable(m, labels, prov([2], { shards: ['b'] }));
    tb.addBatch(b, 200);
    const all = new FunctionTable(m, labels);
    const ab = new Uint32Array(a.length + b.length);
    ab.set(a);
    ab.set(b, a.length);
    all.addBatch(ab, 500);

    ta.merge(tb);
    expect(ta.total).toBe(500);
    expect(ta.entries()).toEqual(all.entries());
    expect(ta.provenance?.seeds).toEqual([1, 2]);
    expect(ta.provenance?.shards).toEqual(['a', 'b']);
    expect(ta.provenance?.extra?.mergedFrom).toMatchObject([
      { seeds: [1], shards: ['a'] },
      { seeds: [2], shards: ['b'] },
    ]);

    // An empty table without provenance collects shards and adopts theirs.
    const collect = new FunctionTable(m, labels).merge(tb);
    expect(collect.provenance?.seeds).toEqual([2]);
    expect(collect.entries()).toEqual(tb.entries());
  });

  it('refuses mismatched m, labels, experiment identity and overlapping seeds', () => {
    const a = new FunctionTable(4, bitsOf('0110'), prov([1]));
    a.add('6');
    expect(() => a.merge(new FunctionTable(5, bitsOf('01100'), prov([2])))).toThrow(/m = 4 vs 5/);
    expect(() => a.merge(new FunctionTable(4, bitsOf('0111'), prov([2])))).toThrow(/labels differ.*position 3/);
    expect(() => a.merge(new FunctionTable(4, null, prov([2])))).toThrow(/labels differ/);
    const otherSpec = prov([2], { spec: { arch: 'fcn', widths: [7, 20, 1] } });
    expect(() => a.merge(new FunctionTable(4, bitsOf('0110'), otherSpec))).toThrow(
      /experiment identities differ.*spec/,
    );
    const otherData = prov([2], { dataset: { name: 'boolean', target: 'x' } });
    expect(() => a.merge(new FunctionTable(4, bitsOf('0110'), otherData))).toThrow(/differ.*dataset/);
    expect(() => a.merge(new FunctionTable(4, bitsOf('0110')))).toThrow(/other table has no provenance/);
    expect(() => a.merge(new FunctionTable(4, bitsOf('0110'), prov([1])))).toThrow(/seed\(s\) 1/);
    // A failed merge changes nothing.
    expect(a.total).toBe(1);
    // Backend and seeds may differ.
    const gpu = new FunctionTable(4, bitsOf('0110'), prov([3], { backend: { name: 'gpu', precision: 'f32' } }));
    gpu.add('9', 2);
    a.merge(gpu);
    expect(a.total).toBe(3);
    expect(a.provenance?.backend).toBe('mixed');
  });
  it('compares identities by value: a typed-array mask matches its JSON form', () => {
    const mask = Uint8Array.from([1, 0, 1, 1]);
    const p = (seeds: number[]) => prov(seeds, { dataset: { name: 'boolean', mask } });
    const a = new FunctionTable(4, null, p([1]));
    a.add('6');
    const b = new FunctionTable(4, null, p([2]));
    b.add('9');
    const bFromFile = FunctionTable.fromJSON(JSON.parse(JSON.stringify(b)));
    expect(bFromFile.provenance?.dataset).toEqual({ name: 'boolean', mask: [1, 0, 1, 1] });
    expect(a.merge(bFromFile).total).toBe(2);
    mask[0] = 0; // later changes to the caller's objects do not reach the table
    expect(a.provenance?.dataset).toEqual({ name: 'boolean', mask: [1, 0, 1, 1] });
  });
});

describe('JSON', () => {
  it('round-trips', () => {
    const t = smallTable();
    t.provenance = prov([1, 'x'], { command: 'fsbayes sgd --runs 5' });
    const json = JSON.parse(JSON.stringify(t)) as FunctionTableJSON;
    expect(json).toMatchObject({ format: 'fsbayes.function-table', formatVersion: 1, m: 4, labels: '0110' });
    expect(json.total).toBe(5);
    expect(json.distinct).toBe(3);
    const back = FunctionTable.fromJSON(json);
    expect(back.toJSON()).toEqual(t.toJSON());
    expect(back.count('e')).toBe(1);
    expect(back.provenance?.command).toBe('fsbayes sgd --runs 5');
  });

  const good = () => JSON.parse(JSON.stringify(smallTable())) as Record<string, unknown> & FunctionTableJSON;

  it.each([
    [
      'bad format',
      (j: ReturnType<typeof good>) => void (j.format = 'other' as 'fsbayes.function-table'),
      /format must be/,
    ],
    ['bad version', (j: ReturnType<typeof good>) => void (j.formatVersion = 2 as 1), /formatVersion must be 1, got 2/],
    [
      'negative count',
      (j: ReturnType<typeof good>) => void (j.functions[1].count = -1),
      /functions\[1\]\.count.*got -1/,
    ],
    ['fractional count', (j: ReturnType<typeof good>) => void (j.functions[0].count = 1.5), /functions\[0\]\.count/],
    [
      'key of wrong length',
      (j: ReturnType<typeof good>) => void (j.functions[2].key = '0e'),
      /functions\[2\]\.key.*"0e"/,
    ],
    ['non-hex key', (j: ReturnType<typeof good>) => void (j.functions[2].key = 'z'), /functions\[2\]\.key.*"z"/],
    ['duplicate key', (j: ReturnType<typeof good>) => void (j.functions[2].key = '6'), /duplicate key "6"/],
    [
      'wrong errors',
      (j: ReturnType<typeof good>) => void (j.functions[2].errors = 2),
      /functions\[2\]\.errors.*distance 1.*says 2/,
    ],
    ['wrong ones', (j: ReturnType<typeof good>) => void (j.functions[0].ones = 1), /functions\[0\]\.ones/],
    ['wrong total', (j: ReturnType<typeof good>) => void (j.total = 6), /total is 6, but the counts sum to 5/],
    ['wrong distinct', (j: ReturnType<typeof good>) => void (j.distinct = 2), /distinct is 2, but there are 3/],
    [
      'bad labels',
      (j: ReturnType<typeof good>) => void (j.labels = '01x0'),
      /labels: invalid character "x" at position 2/,
    ],
    [
      'bad provenance',
      (j: ReturnType<typeof good>) => void (j.provenance = { tool: 'x' } as never),
      /provenance\.tool/,
    ],
  ])('rejects %s', (_name, corrupt, msg) => {
    const j = good();
    FunctionTable.fromJSON(j); // the uncorrupted one is fine
    corrupt(j);
    expect(() => FunctionTable.fromJSON(j)).toThrow(msg);
  });

  it("keeps the backend's reason, and refuses one that is not a string, naming the field", () => {
    const t = smallTable();
    t.provenance = prov([1], { backend: { name: 'js', precision: 'f64', reason: 'the wasm trainer has relu only' } });
    const j = JSON.parse(JSON.stringify(t));
    expect(FunctionTable.fromJSON(j).provenance?.backend).toEqual({
      name: 'js',
      precision: 'f64',
      reason: 'the wasm trainer has relu only',
    });
    j.provenance.backend.reason = 3;
    expect(() => FunctionTable.fromJSON(j)).toThrow(/provenance\.backend\.reason: must be a string, got 3/);
  });

  it('rejects errors when labels are unknown', () => {
    const j = good();
    j.labels = null;
    expect(() => FunctionTable.fromJSON(j)).toThrow(/functions\[0\]\.errors: must be null/);
  });
});

describe('CSV', () => {
  it('has the header and one row per function', () => {
    const lines = smallTable().toCSV().split('\n');
    expect(lines[0]).toBe('key,bits,count,probability,errors,ones');
    expect(lines[1]).toBe('0x6,b0110,3,0.6,0,2');
    expect(lines[3]).toBe('0xe,b1110,1,0.2,1,3');
    expect(lines.length).toBe(5); // header, 3 rows, trailing newline
    const t = new FunctionTable(5);
    t.add('f8');
    expect(t.toCSV()).toBe('key,bits,count,probability,errors,ones\n0xf8,b11111,1,1,,5\n');
  });
  it('key and bits cells read back, with or without their prefixes (files written before them too)', () => {
    const t = new FunctionTable(8);
    t.add('02', 2); // bits 00000010: all digits, the cell pandas turned into the integer 10
    const row = t.toCSV().split('\n')[1].split(',');
    expect(row.slice(0, 2)).toEqual(['0x02', 'b00000010']);
    // the cells are not numbers to a CSV reader that infers types (JS's rule here; pandas': no 0x or b prefix)
    expect(row.slice(0, 2).map((c) => Number.isNaN(Number(c)) || /^0x/.test(c))).toEqual([true, true]);
    expect(parseCsvKeyCell(row[0], 8)).toBe('02');
    expect(parseCsvKeyCell('02', 8)).toBe('02');
    expect(parseCsvBitsCell(row[1], 8)).toBe('02');
    expect(parseCsvBitsCell('00000010', 8)).toBe('02');
    expect(() => parseCsvBitsCell('b0101', 8)).toThrow(/has 4 bits; m = 8/);
    expect(() => parseCsvKeyCell('0xzz', 8)).toThrow(/invalid hex character/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsbayes-functions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically and reads back (async and sync)', async () => {
    const t = smallTable();
    t.provenance = prov([1]);
    const p = join(dir, 'table.json');
    await writeTable(p, t);
    expect(readdirSync(dir)).toEqual(['table.json']);
    expect((await readTable(p)).toJSON()).toEqual(t.toJSON());
    t.add('9');
    writeTableSync(p, t); // overwrite
    expect(readdirSync(dir)).toEqual(['table.json']);
    expect(readTableSync(p).count('9')).toBe(2);
    rmSync(p);
  });

  it('a failed write throws and leaves nothing behind', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    // Into a missing directory: the temporary file cannot even be created.
    await expect(writeFileAtomic(join(sub, 'missing', 'x.json'), 'x')).rejects.toThrow(/ENOENT/);
    expect(() => writeFileAtomicSync(join(sub, 'missing', 'x.json'), 'x')).toThrow(/ENOENT/);
    expect(existsSync(join(sub, 'missing'))).toBe(false);
    // Over a directory: the temporary file is written, the rename fails, and it is removed.
    mkdirSync(join(sub, 'isdir'));
    await expect(writeFileAtomic(join(sub, 'isdir'), 'x')).rejects.toThrow();
    expect(() => writeFileAtomicSync(join(sub, 'isdir'), 'x')).toThrow();
    expect(readdirSync(sub)).toEqual(['isdir']);
    expect(readdirSync(join(sub, 'isdir'))).toEqual([]);
  });

  it('writes bytes exactly', () => {
    const p = join(dir, 'bytes.bin');
    writeFileAtomicSync(p, Uint8Array.from([0, 255, 7]));
    expect(Array.from(readFileSync(p))).toEqual([0, 255, 7]);
    rmSync(p);
  });

  it('read errors name the file', async () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, '{"format":"fsbayes.function-table","formatVersion":9}');
    await expect(readTable(p)).rejects.toThrow(`${p}: function table: formatVersion must be 1, got 9`);
    writeFileSync(p, '{oops');
    expect(() => readTableSync(p)).toThrow(`${p}: not valid JSON`);
    await expect(readTable(join(dir, 'nope.json'))).rejects.toThrow(/nope\.json: cannot read function table/);
    rmSync(p);
  });
});
