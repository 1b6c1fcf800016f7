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
  pbSource,
  type ReportSpec,
  rankPlot,
  renderHtml,
  renderMarkdown,
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
  it('writes report.md, report.html, each figure as SVG and PNG, and the extra files', async () => {
    const out = join(dir, 'r1');
    await writeReport(out, spec);
    expect(readdirSync(out).sort()).toEqual(['metrics.json', 'rank-a.png', 'rank-a.svg', 'report.html', 'report.md']);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('# A <test> report');
    expect(md).toContain('| x | 0.1235 |');
    expect(md).toContain('| y | – |');
    expect(md).toContain('![the ranks](rank-a.png)');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h1>A &lt;test&gt; report</h1>');
    expect(html).toContain('<code>code</code>');
    expect(html).not.toMatch(/\s(src|href)="(?!#)/); // self-contained: nothing to fetch, links only within the page
    expect(
      parseTags(html.replace('<!DOCTYPE html>', '').replace('<meta charset="utf-8">', '')).get('svg')?.length,
    ).toBe(1);
    expect(decodePNG(readFileSync(join(out, 'rank-a.png'))).width).toBe(1280);
  });
  it('a table of contents linking every section; figures in a grid; warnings in a column beside their row', async () => {
    const two: ReportSpec = {
      title: 'T',
      sections: [
        {
          title: 'Summary: every pair',
          tables: [
            {
              columns: ['a', 'x'],
              rows: [
                ['p', 1],
                ['q', 2],
              ],
              warnings: [undefined, ['EP did not converge']],
            },
          ],
        },
        {
          title: 'Summary: every pair',
          notes: ['2-D histogram not drawn: 1 cell'],
          figures: [{ name: 'r', figure: fig }],
        },
      ],
    };
    const md = renderMarkdown(two);
    expect(md).toContain(
      '- [Summary: every pair](#summary-every-pair)\n- [Summary: every pair](#summary-every-pair-1)',
    );
    expect(md).toContain('| a | x | warnings |');
    expect(md).toContain('| p | 1 |  |');
    expect(md).toContain('| q | 2 | EP did not converge |');
    expect(md).toContain('*2-D histogram not drawn: 1 cell*');
    const html = renderHtml(two);
    expect(html).toContain('<a href="#summary-every-pair-1">');
    expect(html).toContain('<section id="summary-every-pair-1">');
    expect(html).toContain('<td class="warn">⚠ EP did not converge</td>');
    expect(html).toMatch(/<div class="figures">\s*<figure id="fig-r">/);
  });
  it('refuses bad names before writing anything', async () => {
    const out = join(dir, 'r2');
    const bad = { ...spec, sections: [{ title: 's', figures: [{ name: '../evil', figure: fig }] }] };
    await expect(writeReport(out, bad)).rejects.toThrow(/figure|file name must use letters/);
    expect(existsSync(out)).toBe(false);
  });
  it('writeFigure writes NAME.svg and NAME.png', async () => {
    const p = await writeFigure(join(dir, 'figs'), 'one', fig);
    expect(readFileSync(p.svg, 'utf8')).toMatch(/^<svg xmlns/);
    expect(decodePNG(readFileSync(p.png)).height).toBe(920);
    // the PNG is the SVG rasterised: same figure, same bytes
    expect(readFileSync(p.png).equals(Buffer.from(await fig.toPNG()))).toBe(true);
  });
  it('formats numbers for tables', async () => {
    expect([
      formatNumber(3),
      formatNumber(0.000012345),
      formatNumber(Number.POSITIVE_INFINITY),
      formatNumber(Number.NaN),
    ]).toEqual(['3', '1.234e-5', '∞', '–']);
  });
});

describe('compareReport', () => {
  it('a section per pair with its scatter and 2-D histogram, then the distributions', async () => {
    const mk = (c: Record<string, number>) => {
      const t = new FunctionTable(4, Uint8Array.from([0, 0, 1, 1]));
      for (const [k, n] of Object.entries(c)) t.add(k, n);
      return t;
    };
    const s = [tableSource('sgd', mk({ 0: 6, 1: 3, 3: 1 })), tableSource('abi', mk({ 0: 5, 1: 4, f: 1 }))];
    const r = compareReport(s, compareSources(s, { bootstrap: 10, minCount: 1 }));
    expect(r.sections.map((x) => x.title)).toEqual(['Summary: every pair', 'Sources', 'sgd vs abi', 'Distributions']);
    // 2 functions seen by both, one per row after normalising: 2 cells of 1.0, left out with the reason
    expect(r.sections[2].figures?.map((f) => f.name)).toEqual(['scatter-sgd-vs-abi']);
    expect(r.sections[2].notes?.[0]).toMatch(
      /2-D histogram of sgd vs abi not drawn: its 2 occupied cells all read 1 after row normalisation/,
    );
    expect(r.sections[3].figures?.map((f) => f.name)).toEqual(['rank', 'test-error', 'p-of-t', 'lz']);
    const head = r.sections[0].tables?.[0];
    expect(head?.rows[0].slice(0, 3)).toEqual(['sgd', 'abi', 2]);
    // every statistic with its interval
    for (const cell of head?.rows[0].slice(3) ?? []) expect(String(cell)).toMatch(/^[-\d.e]+ \[[-\d.e]+, [-\d.e]+\]$/);
  });
  it('a P_B file: the mass its listed functions hold is stated on the figures and tables that renormalise', async () => {
    const t = new FunctionTable(4, Uint8Array.from([0, 0, 1, 1]));
    for (const [k, n] of Object.entries({ 0: 6, 1: 3, 3: 1 })) t.add(k, n);
    const pb = pbSource('P_B', {
      format: 'fsbayes.pb',
      formatVersion: 1,
      nE: 4,
      functions: [
        { key: '3', logPB: Math.log(0.05), errors: 0 },
        { key: '1', logPB: Math.log(0.02), errors: 1 },
      ],
      warnings: ['EP did not converge on S'],
    });
    const s = [tableSource('SGD', t), pb];
    const r = compareReport(s, compareSources(s, { bootstrap: 10, minCount: 1 }));
    const te = r.sections[3].figures?.find((f) => f.name === 'test-error');
    expect(te?.figure.toSVG()).toMatch(
      /P<tspan[^>]*>B<\/tspan><tspan[^>]*>: the 2 functions listed hold 7\.0% of its mass \(Σ = 0\.07\);/,
    );
    expect(te?.caption).toContain('the 2 functions P_B lists hold 7.0% of its mass');
    expect(r.sections[0].text).toContain('the 2 functions P_B lists hold 7.0% of its mass');
    // the P_B file's warning sits beside the pair it concerns and beside the source
    expect(r.sections[0].tables?.[0].warnings).toEqual([['P_B: EP did not converge on S']]);
    expect(r.sections[1].tables?.[0].warnings?.[1]).toEqual(['EP did not converge on S']);
    // on the support ('3', '1'): SGD holds .4 of its mass, P_B .07
    const on = r.sections[1].tables?.[1].rows[0];
    expect(on?.[3]).toBeCloseTo(0.4, 12);
    expect(on?.[4]).toBeCloseTo(0.07, 12);
  });
});
