/** Reports: the files written, Markdown linking PNGs, self-contained HTML with inlined SVGs. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionTable } from '@fsbayes/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareReport,
  compareSources,
  formatNumber,
  type ReportSpec,
  rankPlot,
  tableSource,
  writeFigure,
  writeReport,
} from '../src/index.js';
import { decodePNG, parseTags } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fig = rankPlot({ title: 'ranks', series: [{ name: 'A', values: [0.5, 0.3, 0.2] }] });
const spec: ReportSpec = {
  title: 'A <test> report',
  intro: 'First paragraph.\n\nSecond with `code`.',
  sections: [
    {
      title: 'Numbers',
      text: 'Some text.',
      tables: [
        {
          columns: ['name', 'value'],
          rows: [
            ['x', 0.123456],
            ['y', null],
          ],
          caption: 'a table',
        },
      ],
      figures: [{ name: 'rank-a', figure: fig, caption: 'the ranks' }],
    },
  ],
  files: { 'metrics.json': '{"x":1}\n' },
};

describe('writeReport', () => {
  it('writes report.md, report.html, each figure as SVG and PNG, and the extra files', () => {
    const out = join(dir, 'r1');
    writeReport(out, spec);
    expect(readdirSync(out).sort()).toEqual(['metrics.json', 'rank-a.png', 'rank-a.svg', 'report.html', 'report.md']);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('# A <test> report');
    expect(md).toContain('| x | 0.1235 |');
    expect(md).toContain('| y | – |');
    expect(md).toContain('![the ranks](rank-a.png)');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h1>A &lt;test&gt; report</h1>');
    expect(html).toContain('<code>code</code>');
    expect(html).not.toMatch(/\s(src|href)=/); // self-contained: nothing to fetch
    expect(
      parseTags(html.replace('<!DOCTYPE html>', '').replace('<meta charset="utf-8">', '')).get('svg')?.length,
    ).toBe(1);
    expect(decodePNG(readFileSync(join(out, 'rank-a.png'))).width).toBe(1280);
  });
  it('refuses bad names before writing anything', () => {
    const out = join(dir, 'r2');
    const bad = { ...spec, sections: [{ title: 's', figures: [{ name: '../evil', figure: fig }] }] };
    expect(() => writeReport(out, bad)).toThrow(/figure|file name must use letters/);
    expect(existsSync(out)).toBe(false);
  });
  it('writeFigure writes NAME.svg and NAME.png', () => {
    const p = writeFigure(join(dir, 'figs'), 'one', fig);
    expect(readFileSync(p.svg, 'utf8')).toMatch(/^<svg xmlns/);
    expect(decodePNG(readFileSync(p.png)).height).toBe(920);
  });
  it('formats numbers for tables', () => {
    expect([
      formatNumber(3),
      formatNumber(0.000012345),
      formatNumber(Number.POSITIVE_INFINITY),
      formatNumber(Number.NaN),
    ]).toEqual(['3', '1.234e-5', '∞', '–']);
  });
});

describe('compareReport', () => {
  it('a section per pair with its scatter and 2-D histogram, then the distributions', () => {
    const mk = (c: Record<string, number>) => {
      const t = new FunctionTable(4, Uint8Array.from([0, 0, 1, 1]));
      for (const [k, n] of Object.entries(c)) t.add(k, n);
      return t;
    };
    const s = [tableSource('sgd', mk({ 0: 6, 1: 3, 3: 1 })), tableSource('abi', mk({ 0: 5, 1: 4, f: 1 }))];
    const r = compareReport(s, compareSources(s, { bootstrap: 10, minCount: 1 }));
    expect(r.sections.map((x) => x.title)).toEqual(['Sources', 'Pairs', 'sgd vs abi', 'Distributions']);
    expect(r.sections[2].figures?.map((f) => f.name)).toEqual(['scatter-sgd-vs-abi', 'hist2d-sgd-vs-abi']);
    expect(r.sections[3].figures?.map((f) => f.name)).toEqual(['rank', 'test-error', 'p-of-t', 'lz']);
    expect(r.sections[1].tables?.[0].rows[0].slice(0, 3)).toEqual(['sgd', 'abi', 2]);
  });
});
