/** Malformed numeric CSV files for `loadCsv` / `parseCsv`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CsvOptions, loadCsv, parseCsv, Rng, type Seed } from '@fsbayes/core';
import { between, type FuzzCase, handCase, NOT_NUMBERS, OVERFLOWS, pick, replaceAt, valueName } from './harness.js';

interface Table {
  header: string[] | null;
  rows: string[][];
  /** Line number (from 1) of each data row. */
  lines: number[];
  labelCol: number;
}

function makeTable(r: Rng): Table {
  const d = between(r, 1, 5);
  const m = between(r, 2, 12);
  const pm = r.uniform() < 0.3;
  const header = r.uniform() < 0.5 ? [...Array.from({ length: d }, (_, j) => `x${j + 1}`), 'label'] : null;
  const rows: string[][] = [];
  for (let i = 0; i < m; i++) {
    const row = Array.from({ length: d }, () =>
      r.uniform() < 0.5 ? (10 * r.normal()).toFixed(between(r, 0, 4)) : (r.normal() * 1e-3).toExponential(3),
    );
    row.push(r.uniform() < 0.5 ? '1' : pm ? '-1' : '0');
    rows.push(row);
  }
  const off = header ? 2 : 1;
  return { header, rows, lines: rows.map((_, i) => i + off), labelCol: d };
}

function render(t: Table): string {
  return `${[...(t.header ? [t.header] : []), ...t.rows].map((row) => row.join(',')).join('\n')}\n`;
}

export function csvCases(seed: Seed, count: number, dir: string): FuzzCase[] {
  mkdirSync(dir, { recursive: true });
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) out.push(csvCase(new Rng(seed, 'fuzz', 'csv', i), join(dir, `f${i}.csv`)));
  out.push(...handWritten(dir));
  return out;
}

function csvCase(r: Rng, path: string): FuzzCase {
  const t = makeTable(r);
  const kind = r.int(8);
  const file = (text: string, opts: CsvOptions = {}) => {
    writeFileSync(path, text);
    return () => loadCsv(path, opts);
  };
  if (kind <= 2) {
    // A cell that is not a finite number (half of them overflow float64).
    const i = r.int(t.rows.length);
    const j = r.int(t.rows[i].length);
    const tok =
      kind === 0
        ? pick(r, OVERFLOWS)
        : pick(r, [...NOT_NUMBERS, '', ' ', '\u00a0', '1e400', '-0', '-0.0', '1e-400', '1e308', '.5e-3']);
    t.rows[i][j] = tok;
    const text = render(t);
    // CSV takes the quotes off a quoted field: "3" is the number 3 (RFC 4180, csv-parse).
    const cell = /^"[^"]*"$/.test(tok) ? tok.slice(1, -1) : tok.trim();
    const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cell);
    // A word in the first line of a header-less file makes that line a header (documented 'auto' rule).
    const mayBeHeader = t.header === null && i === 0 && cell !== '' && !decimal;
    // -0, an underflow to 0 or a large finite number is a valid input (as a label it may be refused, naming the line).
    const finite = decimal && Number.isFinite(Number(cell));
    const valid = mayBeHeader || finite;
    return {
      group: 'csv',
      what: `line ${t.lines[i]}, column ${j + 1} := ${JSON.stringify(tok)}`,
      input: text,
      names: valid ? [path] : [path, `line ${t.lines[i]}`, `column ${j + 1}`],
      expect: valid ? 'any' : 'reject',
      run: file(text),
    };
  }
  if (kind === 3) {
    // A label outside 0/1 (or ±1).
    const i = r.int(t.rows.length);
    const v = pick(r, ['2', '0.5', '-2', '1e300', '-0.0001', '7']);
    t.rows[i][t.labelCol] = v;
    return {
      group: 'csv',
      what: `label on line ${t.lines[i]} := ${v}`,
      input: render(t),
      names: [path, `line ${t.lines[i]}`, `column ${t.labelCol + 1}`],
      expect: 'reject',
      run: file(render(t)),
    };
  }
  if (kind === 4) {
    // A row with a cell too many or too few.
    const i = r.int(t.rows.length);
    if (r.uniform() < 0.5) t.rows[i].push('3');
    else t.rows[i].pop();
    const cols = t.rows[i].length;
    // If it is the first line, it sets the column count and the next line is the one blamed.
    const first = t.header === null && i === 0;
    return {
      group: 'csv',
      what: `line ${t.lines[i]} has ${cols} cells`,
      input: render(t),
      names: first ? [path, 'column'] : [path, `line ${t.lines[i]}`, `${cols} column`],
      expect: 'reject',
      run: file(render(t)),
    };
  }
  if (kind === 5) {
    // A bad option.
    const field = pick(r, ['labelColumn', 'binarize', 'header'] as const);
    const cols = t.rows[0].length;
    const v =
      field === 'labelColumn'
        ? pick(r, [1.5, cols, -cols - 1, Number.NaN, Number.POSITIVE_INFINITY, 'nosuch', {}, true, 2 ** 53])
        : field === 'binarize'
          ? pick(r, [
              'bogus',
              { threshold: Number.NaN },
              { threshold: '1' },
              { threshold: Number.POSITIVE_INFINITY },
              5,
              {},
              [],
            ])
          : pick(r, ['yes', 1, 0, 'true', {}]);
    const rule = field === 'binarize' && typeof v === 'object' && v !== null;
    const shown = rule ? valueName((v as { threshold?: unknown }).threshold) : valueName(v);
    const names: string[] = [rule ? 'threshold' : field];
    if (shown !== '') names.push(shown);
    return {
      group: 'csv',
      what: `opts.${field} := ${JSON.stringify(v) ?? String(v)}`,
      input: { text: render(t), opts: { [field]: v } },
      names,
      expect: 'reject',
      run: file(render(t), { [field]: v } as CsvOptions),
    };
  }
  if (kind === 6) {
    // Truncated at a random character (may leave a valid file).
    const text = render(t);
    const cut = text.slice(0, r.int(text.length));
    return {
      group: 'csv',
      what: `truncated to ${cut.length} chars`,
      input: cut,
      names: [path],
      expect: 'any',
      run: file(cut),
    };
  }
  // One character replaced (may leave a valid file).
  const text = render(t);
  const at = r.int(text.length);
  const flipped = replaceAt(text, at, pick(r, ['0', '9', ',', '\n', 'e', '.', '-', 'x', ' ', '"', '\r', '\u0000']));
  return {
    group: 'csv',
    what: `char ${at} replaced`,
    input: flipped,
    names: [path],
    expect: 'any',
    run: file(flipped),
  };
}

function handWritten(dir: string): FuzzCase[] {
  const c = (what: string, text: string, names: (string | string[])[], opts: CsvOptions = {}): FuzzCase => {
    const path = join(dir, `hand-${what.replace(/\W+/g, '-')}.csv`);
    writeFileSync(path, text);
    return {
      group: 'csv',
      what,
      input: text,
      names: [path, ...names],
      expect: 'reject',
      run: () => loadCsv(path, opts),
    };
  };
  const p = handCase('csv');
  return [
    c('issue 10: 1e400 in an input', 'a,b,y\n1,2,0\n1e400,3,1\n', ['line 3', 'column 1', '1e400']),
    c('1e400 as a label with a threshold', '1,1e400\n2,0\n', ['line 1', 'column 2'], { binarize: { threshold: 0.5 } }),
    c('-1e400 as a class label', '1,-1e400\n2,3\n', ['line 1', 'column 2'], { binarize: 'oddeven' }),
    c('400 nines', `1,${'9'.repeat(400)},0\n`, ['line 1', 'column 2']),
    c(
      'very long line, 1e400 in column 4001',
      `${Array.from({ length: 5000 }, (_, j) => (j === 4000 ? '1e400' : String(j))).join(',')},1\n`,
      ['line 1', 'column 4001'],
    ),
    c('empty file', '', ['empty']),
    c('only blank lines', '\n \r\n\t\n', ['empty']),
    c('header only', 'a,b,y\n', ['no data rows']),
    c('one column', '1\n0\n', ['1 column']),
    c('duplicate label name in the header', 'y,x,y\n1,2,0\n3,4,1\n', ['"y"', 'twice'], { labelColumn: 'y' }),
    c('label name without a header', '1,2,0\n', ['"y"', 'no header'], { labelColumn: 'y' }),
    c('labels mixing 0/1 and ±1', '1,0\n2,-1\n3,1\n', ['line 1', 'line 2']),
    c('class label 256', '1,256\n', ['line 1', 'column 2', '256'], { binarize: 'threshold' }),
    p('parseCsv of a number', 5, ['CSV text', '5'], () => parseCsv(5 as never)),
    p('parseCsv of null', null, ['CSV text', 'null'], () => parseCsv(null as never)),
    p('parseCsv with null options', null, ['options', 'null'], () => parseCsv('1,0\n', null as never)),
    p('loadCsv with null options', null, ['options', 'null'], () => loadCsv(join(dir, 'x.csv'), null as never)),
    p('missing file', join(dir, 'nope.csv'), [join(dir, 'nope.csv')], () => loadCsv(join(dir, 'nope.csv'))),
    p('a folder', dir, [dir], () => loadCsv(dir)),
    p('path is a number (a file descriptor to fs)', 999999, ['path', '999999'], () => loadCsv(999999 as never)),
  ];
}
