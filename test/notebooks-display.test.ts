/**
 * What a notebook shows: a FunctionTable prints as a table (console.log,
 * Node's inspect, Deno's console), a compare Figure answers Jupyter's
 * display call with its SVG, and report tables made to show themselves
 * (`showTable`, `pairTable`, `sourceTable`) give HTML and aligned text while
 * their fields and JSON stay as they were.
 */
import { inspect } from 'node:util';
import {
  compareSources,
  Figure,
  pairTable,
  type ReportTable,
  renderHtml,
  renderMarkdown,
  scatterPlot,
  showTable,
  sourceTable,
  tableSource,
  tableText,
} from '@fsbayes/compare';
import { FunctionTable } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';

const JUPYTER = Symbol.for('Jupyter.display');
type Displayable = { [JUPYTER]: () => Record<string, string> };

/** A table on m = 8 points with known counts: key → count. */
function known(counts: Record<string, number>, labels: Uint8Array | null = null): FunctionTable {
  const t = new FunctionTable(8, labels);
  for (const [k, c] of Object.entries(counts)) t.add(k, c);
  return t;
}

describe('FunctionTable as text', () => {
  const labels = Uint8Array.from('00110011', Number); // the labels are function 0x33 (bit i is the i-th character)
  const t = known({ '33': 6, '00': 3, ff: 1, '31': 2 }, labels);

  it('console.log prints its text: a summary line, then the functions, most frequent first', () => {
    expect(inspect(t)).toBe(t.toText());
    const lines = t.toText().split('\n');
    // 12 nets, 4 distinct; mean test error Σ count·errors / (total·m) = (6·0 + 3·4 + 1·4 + 2·1)/(12·8) = 18/96
    expect(lines[0]).toBe('FunctionTable: 12 functions counted, 4 distinct, on |E| = 8 points; mean test error 0.1875');
    const rows = lines.slice(2).map((l) => l.trim().split(/\s+/));
    // (#, count, P(f), errors, ones, key), read back against the counts put in
    expect(rows).toEqual([
      ['1', '6', (6 / 12).toPrecision(4), '0', '4', '0x33'],
      ['2', '3', (3 / 12).toPrecision(4), '4', '0', '0x00'],
      ['3', '2', (2 / 12).toPrecision(4), '1', '3', '0x31'],
      ['4', '1', (1 / 12).toPrecision(4), '4', '8', '0xff'],
    ]);
    // right-aligned numbers: every row ends its count column at the same place
    const end = (l: string) => l.indexOf(l.trim().split(/\s+/)[1]) + l.trim().split(/\s+/)[1].length;
    expect(new Set(lines.slice(1).map(end)).size).toBe(1);
  });

  it('shows the most frequent rows only, and says how many it left out', () => {
    const text = t.toText(2).split('\n');
    expect(text).toHaveLength(1 + 1 + 2 + 1);
    expect(text.at(-1)).toBe('(the 2 most frequent of 4; entries() lists all)');
    expect(() => t.toText(-1)).toThrow(/rows must be a non-negative integer, got -1/);
  });

  it('unknown labels show as –, long keys are cut, an empty table says so', () => {
    const wide = new FunctionTable(200);
    wide.add('f'.repeat(50), 1_234_567);
    const lines = wide.toText().split('\n');
    expect(lines[0]).toBe('FunctionTable: 1,234,567 functions counted, 1 distinct, on |E| = 200 points');
    expect(lines[2].trim().split(/\s+/)).toEqual(['1', '1,234,567', '1.000', '–', '200', `0x${'f'.repeat(32)}…`]);
    expect(new FunctionTable(5).toText()).toBe('FunctionTable: 0 functions counted, 0 distinct, on |E| = 5 points');
  });
});

describe('compare figures in Jupyter', () => {
  const fig = scatterPlot({
    title: 'P_{SGD}(f|S) against P_{B}(f|S)',
    x: { label: 'x', log: true },
    y: { label: 'y', log: true },
    series: [
      {
        name: 'f',
        points: [
          [0.1, 0.2],
          [0.01, 0.03],
          [0.001, 0.0005],
        ],
      },
    ],
  });

  it('answer the display call with their SVG, and print as one line', () => {
    const bundle = (fig as unknown as Displayable)[JUPYTER]();
    expect(Object.keys(bundle).sort()).toEqual(['image/svg+xml', 'text/plain']);
    expect(bundle['image/svg+xml']).toBe(fig.toSVG());
    expect(inspect(fig)).toBe(
      `Figure "P_SGD(f|S) against P_B(f|S)", ${fig.width}×${fig.height} px, ${fig.marks.length} marks (toSVG(), toPNG())`,
    );
    expect(bundle['text/plain']).toBe(inspect(fig));
    expect(inspect(new Figure(10, 20, []))).toBe('Figure, 10×20 px, 0 marks (toSVG(), toPNG())');
  });
});

describe('report tables in notebooks', () => {
  const table: ReportTable = {
    caption: 'a caption',
    columns: ['name', 'value', 'interval'],
    rows: [
      ['alpha', 0.123456, '0.1 [0.05, 0.2]'],
      ['b', 12, null],
    ],
    warnings: [undefined, ['EP did not converge']],
  };

  it('showTable adds the display methods and nothing else: fields, keys and JSON are unchanged', () => {
    const before = JSON.stringify(table);
    const shown = showTable(structuredClone(table));
    expect(JSON.stringify(shown)).toBe(before);
    expect(Object.keys(shown)).toEqual(Object.keys(table));
    expect({ ...shown }).toEqual(table);
    // a report rendered from it is the report of the plain table
    const spec = (t: ReportTable) => ({ title: 'r', sections: [{ title: 's', tables: [t] }] });
    expect(renderMarkdown(spec(shown))).toBe(renderMarkdown(spec(table)));
    expect(renderHtml(spec(shown))).toBe(renderHtml(spec(table)));
  });

  it('prints as aligned text with the warnings under it, and shows as HTML in Jupyter', () => {
    const shown = showTable(structuredClone(table));
    expect(inspect(shown)).toBe(tableText(table));
    expect(tableText(table).split('\n')).toEqual([
      'a caption',
      'name    value         interval',
      'alpha  0.1235  0.1 [0.05, 0.2]',
      'b          12                –',
      'warning (row 2): EP did not converge',
    ]);
    const bundle = (shown as unknown as Displayable)[JUPYTER]();
    expect(bundle['text/plain']).toBe(tableText(table));
    const html = bundle['text/html'];
    expect(html).toContain('<caption>a caption</caption>');
    expect(html).toContain('<tr><td>alpha</td><td>0.1235</td><td>0.1 [0.05, 0.2]</td><td class="warn"></td></tr>');
    expect(html).toContain('<td class="warn">⚠ EP did not converge</td>');
  });

  it("pairTable and sourceTable (compare's metrics and summary) show themselves", () => {
    const a = known({ '33': 6, '00': 3, ff: 1 });
    const b = known({ '33': 5, '00': 5 });
    const sources = [tableSource('A', a), tableSource('B', b)];
    const cmp = compareSources(sources, { bootstrap: 0 });
    for (const t of [pairTable(cmp, sources), sourceTable(cmp, sources)]) {
      expect(inspect(t)).toBe(tableText(t));
      expect((t as unknown as Displayable)[JUPYTER]()['text/html']).toMatch(/^<div class="table-wrap"><table>/);
    }
    expect(tableText(sourceTable(cmp, sources)).split('\n')).toEqual([
      'source   kind  nets  functions  Σ P listed  expected test error',
      'A       table    10          3           1                    –',
      'B       table    10          2           1                    –',
    ]);
  });
});
