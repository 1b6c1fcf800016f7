import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsv, parseCsv } from '../src/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const rows = (x: Float64Array, d: number) =>
  Array.from({ length: x.length / d }, (_, i) => Array.from(x.subarray(i * d, i * d + d)));

describe('loadCsv', () => {
  it('reads a file without a header, label last', () => {
    const p = write('plain.csv', '1,2,0\n-0.5, 3e2 ,1\r\n\n.25,4,1\n');
    const ds = loadCsv(p);
    expect(ds.name).toBe('plain.csv');
    expect(ds.m).toBe(3);
    expect(ds.d).toBe(2);
    expect(ds.shape).toEqual([2]);
    expect(rows(ds.inputs, 2)).toEqual([
      [1, 2],
      [-0.5, 300],
      [0.25, 4],
    ]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    expect(ds.meta).toMatchObject({ source: 'csv', file: p, header: false, labelColumn: 2, labels: '01' });
  });

  it('reads a file with a header (auto-detected or forced), label by name or index', () => {
    const p = write('head.csv', 'x1,"y",x2\n1,1,5\n2,0,6\n');
    const byName = loadCsv(p, { labelColumn: 'y' });
    expect(byName.meta).toMatchObject({ header: true, labelColumn: 1, labelName: 'y', columns: ['x1', 'x2'] });
    expect(rows(byName.inputs, 2)).toEqual([
      [1, 5],
      [2, 6],
    ]);
    expect(Array.from(byName.labels)).toEqual([1, 0]);
    const byIndex = loadCsv(p, { labelColumn: 1, header: true });
    expect(Array.from(byIndex.labels)).toEqual([1, 0]);
    // A numeric first row read as a header when forced.
    const q = write('numhead.csv', '9,9,9\n1,2,1\n');
    expect(loadCsv(q, { header: true }).m).toBe(1);
    expect(loadCsv(q, { header: false, binarize: { threshold: 5 } }).m).toBe(2);
    // Negative index counts from the end.
    expect(Array.from(loadCsv(p, { labelColumn: -2 }).labels)).toEqual([1, 0]);
  });

  it('maps ±1 labels to 0/1 and applies binarize rules', () => {
    const pm = parseCsv('0.1,-1\n0.2,1\n0.3,-1\n');
    expect(Array.from(pm.labels)).toEqual([0, 1, 0]);
    expect(pm.meta.labels).toBe('pm1');
    const t = parseCsv('0,0.2\n0,0.7\n0,0.5\n', { binarize: { threshold: 0.5 } });
    expect(Array.from(t.labels)).toEqual([0, 1, 1]);
    const dg = parseCsv('0,3\n0,8\n0,5\n', { binarize: 'threshold' });
    expect(Array.from(dg.labels)).toEqual([0, 1, 1]);
    expect(Array.from(dg.classes!)).toEqual([3, 8, 5]);
    expect(Array.from(parseCsv('0,3\n0,8\n', { binarize: 'oddeven' }).labels)).toEqual([1, 0]);
    expect(() => parseCsv('0,3.5\n', { binarize: 'oddeven' }, 'f.csv')).toThrow(
      /f\.csv: line 1, column 2: class label 3\.5 is not an integer/,
    );
  });

  it('rejects ragged rows, naming the line and the column counts', () => {
    const p = write('ragged.csv', 'a,b,label\n1,2,0\n\n3,4\n');
    expect(() => loadCsv(p)).toThrow(/ragged\.csv: line 4 has 2 columns but line 1 has 3 \(the header\)/);
  });

  it('rejects non-numeric cells, naming line, column and text', () => {
    const p = write('text.csv', '1,2,0\n3,abc,1\n');
    expect(() => loadCsv(p)).toThrow(/text\.csv: line 2, column 2: "abc" is not a number/);
    expect(() => parseCsv('1,,0\n')).toThrow(/line 1, column 2: "" is not a number/);
    expect(() => parseCsv('1,2,0\n0x10,2,1\n')).toThrow(/line 2, column 1: "0x10"/);
    expect(() => parseCsv('1,2,0\nNaN,2,1\n')).toThrow(/line 2, column 1: "NaN"/);
  });

  it('rejects labels that are not 0/1, naming the line', () => {
    const p = write('label.csv', 'x,y\n1,0\n2,1\n3,2\n');
    expect(() => loadCsv(p)).toThrow(/label\.csv: line 4, column 2: label 2 is not 0\/1 \(or ±1\)/);
    expect(() => parseCsv('1,0\n2,-1\n3,1\n')).toThrow(/mix 0\/1 and ±1 encodings \(0 on line 1, -1 on line 2\)/);
  });

  it('rejects empty files and bad options', () => {
    expect(() => loadCsv(write('empty.csv', ''))).toThrow(/empty\.csv: empty file/);
    expect(() => loadCsv(write('blank.csv', '\n  \n'))).toThrow(/empty file/);
    expect(() => loadCsv(write('onlyhead.csv', 'a,b\n'))).toThrow(/no data rows after the header on line 1/);
    expect(() => parseCsv('1\n2\n')).toThrow(/1 column/);
    expect(() => parseCsv('a,b\n1,0\n', { labelColumn: 'z' })).toThrow(/no column named "z"; the header has a, b/);
    expect(() => parseCsv('1,0\n', { labelColumn: 'z' })).toThrow(/"z" is a name but the file has no header/);
    expect(() => parseCsv('1,0\n', { labelColumn: 2 })).toThrow(/labelColumn 2 is out of range for 2 columns/);
    expect(() => loadCsv(join(dir, 'missing.csv'))).toThrow(/missing\.csv: cannot read/);
  });
});

describe('CSV syntax (csv-parse)', () => {
  it('quoted fields: a comma and a doubled quote inside a header name, quoted numbers', () => {
    const ds = parseCsv('\uFEFF"width, px","the ""label"""\r\n"1.5",1\r\n2,"0"\r\n');
    expect(ds.meta).toMatchObject({ header: true, labelName: 'the "label"', columns: ['width, px'] });
    expect(Array.from(ds.inputs)).toEqual([1.5, 2]);
    expect(Array.from(ds.labels)).toEqual([1, 0]);
  });
  it('a byte-order mark does not become part of the first header name', () => {
    const ds = parseCsv('\uFEFFx,y\n3,1\n', { labelColumn: 'y' });
    expect(ds.meta).toMatchObject({ columns: ['x'], labelName: 'y' });
  });
  it('a quoted header cell spanning two lines: data errors still name the line they are on', () => {
    expect(() => parseCsv('"a\nb",y\n1,0\nx,1\n')).toThrow(/line 4, column 1: "x" is not a number/);
  });
  it('an unclosed quote is a clear error naming the text', () => {
    expect(() => parseCsv('x,y\n"1,0\n', {}, 'data.csv')).toThrow(/^data\.csv: not valid CSV/);
  });
});
