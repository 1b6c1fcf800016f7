/**
 * Plots: one scene rendered as SVG (parsed back for the expected elements)
 * and as PNG by resvg from that SVG (decoded back by an independent decoder,
 * pixels checked at known places).
 */
import { describe, expect, it } from 'vitest';
import {
  Figure,
  fontMetrics,
  heatmapPlot,
  histogramPlot,
  linePlot,
  lzPlot,
  missingGlyphs,
  rankPlot,
  scatterPlot,
  subscriptName,
  viridis,
} from '../src/index.js';
import { linearScale, logScale } from '../src/plots/axes.js';
import { integerEdges } from '../src/plots/charts.js';
import { plainText, textRuns, textWidth } from '../src/plots/text.js';
import { decodePNG, parseTags } from './helpers.js';

describe('PNG (resvg on the SVG)', () => {
  it('a red square on white, decoded back pixel by pixel, at scale 1 and 2', async () => {
    const fig = new Figure(50, 40, [{ kind: 'rect', x: 10, y: 10, w: 20, h: 10, fill: '#ff0000' }]);
    const one = decodePNG(await fig.toPNG(1));
    expect([one.width, one.height]).toEqual([50, 40]);
    expect(one.pixel(2, 2)).toEqual([255, 255, 255]);
    expect(one.pixel(10, 10)).toEqual([255, 0, 0]); // first pixel inside
    expect(one.pixel(29, 19)).toEqual([255, 0, 0]); // last pixel inside
    expect(one.pixel(30, 19)).toEqual([255, 255, 255]); // just outside
    const two = decodePNG(await fig.toPNG(2));
    expect([two.width, two.height]).toEqual([100, 80]);
    expect(two.pixel(40, 30)).toEqual([255, 0, 0]);
    expect(two.pixel(61, 30)).toEqual([255, 255, 255]);
  });
  it('translucency blends once: a half-transparent black bar over white is mid grey', async () => {
    const fig = new Figure(20, 20, [
      { kind: 'line', x1: 0, y1: 10, x2: 20, y2: 10, color: '#000000', width: 4, opacity: 0.5 },
    ]);
    const [r, g, b] = decodePNG(await fig.toPNG(1)).pixel(10, 10);
    expect(Math.abs(r - 127.5)).toBeLessThanOrEqual(1);
    expect([g, b]).toEqual([r, r]);
  });
  it('overlapping translucent discs add up (density shows), as fill-opacity composes', async () => {
    const disc = { kind: 'circle', cx: 10, cy: 10, r: 6, fill: '#000000', opacity: 0.5 } as const;
    const one = decodePNG(await new Figure(20, 20, [disc]).toPNG(1)).pixel(10, 10)[0];
    const two = decodePNG(await new Figure(20, 20, [disc, disc]).toPNG(1)).pixel(10, 10)[0];
    // 1 − ½ = ½ of white left after one disc, ¼ after two
    expect(Math.abs(one - 127.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(two - 63.75)).toBeLessThanOrEqual(1);
  });
  it('anti-aliased: a diagonal line leaves intermediate greys, not just black and white', async () => {
    const fig = new Figure(40, 40, [{ kind: 'line', x1: 2, y1: 3, x2: 37, y2: 31, color: '#000000', width: 1.5 }]);
    const png = decodePNG(await fig.toPNG(1));
    const greys = new Set<number>();
    let partial = 0;
    for (let i = 0; i < png.rgb.length; i += 3)
      if (png.rgb[i] > 10 && png.rgb[i] < 245) {
        greys.add(png.rgb[i]);
        partial++;
      }
    // an aliased renderer leaves none; a 45 px line has partly covered pixels along both edges
    expect(partial).toBeGreaterThan(40);
    expect(greys.size).toBeGreaterThan(8);
  });
  it('text is drawn with the shipped font: its ink spans the width measured from the font’s advances', async () => {
    const text = 'Hello, P_{B}(f|S)';
    const size = 20;
    const fig = new Figure(300, 40, [{ kind: 'text', x: 10, y: 20, text, size, color: '#000000' }]);
    const png = decodePNG(await fig.toPNG(1));
    let x0 = png.width;
    let x1 = -1;
    for (let y = 0; y < png.height; y++)
      for (let x = 0; x < png.width; x++)
        if (png.pixel(x, y)[0] < 128) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
        }
    // Ink starts at the left side bearing of 'H' and ends before the advance of ')': within a few pixels.
    expect(x0 - 10).toBeGreaterThanOrEqual(0);
    expect(x0 - 10).toBeLessThanOrEqual(4);
    const w = textWidth(text, size);
    expect(Math.abs(x1 + 1 - (10 + w))).toBeLessThanOrEqual(6);
    // and the SVG sets the subscript as a lowered, smaller tspan that shifts back after it
    const svg = fig.toSVG();
    expect(svg).toMatch(/Hello, P<tspan dy="4\.4" font-size="14">B<\/tspan><tspan dy="-4\.4">\(f\|S\)<\/tspan>/);
  });
  it('the font metrics read from the TTF agree with the font’s own table: DejaVu Sans advances', async () => {
    // DejaVu Sans: unitsPerEm 2048, 'H' 1540, space 651 (from its hmtx table)
    const m = fontMetrics();
    expect(m.unitsPerEm).toBe(2048);
    expect(m.advance('H'.codePointAt(0) as number)).toBe(1540);
    expect(m.advance(32)).toBe(651);
    expect(textWidth('HH', 2048)).toBe(3080);
  });
  it('every character the charts and reports put in figures is in the shipped font', async () => {
    const used = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;()[]|=+−-–—×·≤≥≈ΣρσαΔ‖√∞%#/'‘’_";
    expect(missingGlyphs(used)).toEqual([]);
    expect(missingGlyphs('中')).toEqual(['中']);
  });
  it('same figure, same PNG bytes', async () => {
    const f = () =>
      scatterPlot({
        title: 'P_{SGD}(f|S) against P_{B}(f|S)',
        x: { label: 'P_{B}(f|S)', log: true },
        y: { label: 'P_{SGD}(f|S)', log: true },
        series: [
          {
            name: 's',
            points: [
              [0.01, 0.02],
              [0.1, 0.05],
              [0.3, 0.4],
            ],
          },
        ],
        diagonal: true,
      });
    expect(Buffer.from(await f().toPNG()).equals(Buffer.from(await f().toPNG()))).toBe(true);
  });
});

describe('text markup', () => {
  it('splits sub- and superscripts and measures each run at its size', async () => {
    expect(textRuns('P_{SGD}(f|S)')).toEqual([
      { text: 'P', shift: 'none' },
      { text: 'SGD', shift: 'sub' },
      { text: '(f|S)', shift: 'none' },
    ]);
    expect(textRuns('10^{−3}')).toEqual([
      { text: '10', shift: 'none' },
      { text: '−3', shift: 'sup' },
    ]);
    expect(plainText('log_{10} P_{B}')).toBe('log10 PB');
    expect(textWidth('x_{y}', 10)).toBeCloseTo(textWidth('x', 10) + textWidth('y', 7), 12);
    expect(subscriptName('P_B')).toBe('P_{B}');
    expect(subscriptName('t0-sgd')).toBe('t0-sgd');
  });
});

describe('scales', () => {
  it('log axes fit the data (4% margin in log units), decade ticks 10^k inside', async () => {
    const s = logScale(0.003, 0.5, [0, 300]);
    const span = Math.log10(0.5 / 0.003);
    expect(Math.log10(s.domain[0])).toBeCloseTo(Math.log10(0.003) - 0.04 * span, 12);
    expect(Math.log10(s.domain[1])).toBeCloseTo(Math.log10(0.5) + 0.04 * span, 12);
    expect(s.ticks.map((t) => t.label)).toEqual(['10^{−2}', '10^{−1}']);
    expect(s.map(0.003)).toBeCloseTo((0.04 / 1.08) * 300, 9);
    expect(logScale(0.003, 0.5, [0, 300], true).domain).toEqual([0.003, 0.5].map((v) => 10 ** Math.log10(v)));
  });
  it('a log axis inside one decade gets 1-2-5 ticks', async () => {
    expect(logScale(0.15, 0.6, [0, 100], true).ticks.map((t) => t.label)).toEqual(['0.2', '0.5']);
    expect(logScale(1.5e-6, 6e-6, [0, 100], true).ticks.map((t) => t.label)).toEqual(['2×10^{−6}', '5×10^{−6}']);
  });
  it('linear axes use nice steps', async () => {
    expect(linearScale(0, 0.47, [0, 1]).ticks.map((t) => t.label)).toEqual(['0', '0.1', '0.2', '0.3', '0.4', '0.5']);
  });
});

describe('charts', () => {
  // Points at (.01, .01), (.1, .1), (1, 1): each axis spans 10^−2..10^0 plus equal margins, so (.1, .1)
  // is the centre of the plot area: x = 84 + 532/2 = 350, y = 44 + 356/2 = 222 (default layout).
  const fig = scatterPlot({
    title: 'P vs P',
    x: { label: 'P_B', log: true },
    y: { label: 'P_SGD', log: true },
    series: [
      {
        name: 'ends',
        points: [
          [0.01, 0.01],
          [1, 1],
        ],
        color: '#0072b2',
      },
      { name: 'middle', points: [[0.1, 0.1]], color: '#d55e00', opacity: 1 },
    ],
    diagonal: true,
  });
  it('scatter SVG: one circle per point, a dashed diagonal, decade labels, a legend', async () => {
    const svg = fig.toSVG();
    const tags = parseTags(svg);
    expect(tags.get('circle')?.filter((c) => c.includes('cx="350"') && c.includes('cy="222"')).length).toBe(1);
    expect(tags.get('line')?.some((l) => l.includes('stroke-dasharray'))).toBe(true);
    expect(svg).toContain('>10<tspan dy="-5.04" font-size="8.4">−1</tspan>');
    expect(svg).toContain('>P_SGD</text>');
    expect(svg).toContain('>middle (1)</text>');
    expect(svg).toContain('>y = x</text>');
  });
  it('scatter PNG: the middle point lands at the centre of the plot area', async () => {
    const png = decodePNG(await fig.toPNG(2));
    expect(png.pixel(350 * 2, 222 * 2)).toEqual([0xd5, 0x5e, 0x00]);
    expect(png.pixel(5, 5)).toEqual([255, 255, 255]);
  });
  it('each axis is fitted to its own data; y = x only where the ranges overlap', async () => {
    const pts: [number, number][] = [
      [1e-6, 0.1],
      [1e-5, 1],
    ];
    const f = scatterPlot({
      title: '',
      x: { label: 'x', log: true },
      y: { label: 'y', log: true },
      series: [{ name: 's', points: pts, opacity: 1 }],
      diagonal: true,
    });
    const circles = (parseTags(f.toSVG()).get('circle') ?? []).filter((c) => c.includes('r="3"')); // not the legend's
    const at = (c: string, k: string) => Number((new RegExp(`${k}="([\\d.]+)"`).exec(c) as RegExpExecArray)[1]);
    // margins of 0.05 decades (the floor) on both ends of a 1-decade span: the points sit 0.05/1.1 in from each side
    const xs = circles.map((c) => at(c, 'cx')).sort((a, b) => a - b);
    expect(xs[0]).toBeCloseTo(84 + (532 * 0.05) / 1.1, 1);
    expect(xs[xs.length - 1]).toBeCloseTo(84 + (532 * 1.05) / 1.1, 1);
    const ys = circles.map((c) => at(c, 'cy')).sort((a, b) => a - b);
    expect(ys[0]).toBeCloseTo(44 + (356 * 0.05) / 1.1, 1);
    // x ≤ 10^−5 and y ≥ 10^−1 never meet: no diagonal, and the legend does not offer one
    expect(f.toSVG()).not.toContain('stroke-dasharray');
    expect(f.toSVG()).not.toContain('y = x');
  });
  it('histograms span the bins that hold mass, not every possible value', async () => {
    const h = histogramPlot({
      title: 'errors',
      x: { label: 'errors' },
      series: [{ name: 'A', values: [2, 3, 3, 5] }],
      edges: integerEdges(0, 96),
    });
    const svg = h.toSVG();
    // ticks run over 1.5..5.5 (bins 2..5), so no tick reaches 10, let alone 96
    expect(svg).toContain('>2</text>');
    expect(svg).toContain('>5</text>');
    expect(svg).not.toContain('>10</text>');
    expect(svg).not.toContain('>90</text>');
  });
  it('drops points a log axis cannot show', async () => {
    const f = scatterPlot({
      title: '',
      x: { label: 'x', log: true },
      y: { label: 'y', log: true },
      series: [
        {
          name: 's',
          points: [
            [0, 1],
            [0.5, 0.5],
          ],
        },
      ],
    });
    expect(f.toSVG()).toContain('>s (1)</text>');
  });
  it('heatmap: cells coloured by value (max = the top of viridis), empty cells white', async () => {
    const h = heatmapPlot({
      title: 'h',
      x: { label: 'x', log: true },
      y: { label: 'y', log: true },
      xEdges: [-2, -1, 0],
      yEdges: [-2, -1, 0],
      values: [
        [1, 0],
        [0.5, 0.5],
      ],
    });
    // plot area x 84..(640-94-84=462 wide), y 44..400; cell (row 0, col 0) is the bottom-left quarter
    const png = decodePNG(await h.toPNG(1));
    const w = 640 - 84 - 94;
    expect(png.pixel(84 + Math.round(w / 4), 44 + Math.round((356 * 3) / 4))).toEqual([253, 231, 37]);
    expect(png.pixel(84 + Math.round((3 * w) / 4), 44 + Math.round((356 * 3) / 4))).toEqual([255, 255, 255]);
    expect(viridis(1)).toBe('#fde725');
    expect(h.toSVG()).toContain(`fill="${viridis(0.5)}"`);
  });
  it('rank, histogram and LZ plots render valid SVG with their labels', async () => {
    const r = rankPlot({ title: 'rank', series: [{ name: 'A', values: [0.5, 0.25, 0.125, 0.125] }] });
    expect(parseTags(r.toSVG()).get('polyline')?.length).toBe(1);
    expect(r.toSVG()).toContain('>rank</text>');
    const h = histogramPlot({
      title: 'P(T)',
      x: { label: 'T' },
      series: [{ name: 'A', values: [0, 0, 1, 3] }],
      edges: integerEdges(0, 3),
    });
    const hs = h.toSVG();
    parseTags(hs);
    expect(hs).toContain('>T</text>');
    expect(hs).toContain('>probability</text>');
    const l = lzPlot({ title: 'lz', series: [{ name: 'A', lz: [7, 14, 21], p: [0.5, 0.1, 0.01] }] });
    expect(l.toSVG()).toContain('Lempel–Ziv complexity K<tspan dy="2.86" font-size="9.1">LZ</tspan>');
    expect(decodePNG(await l.toPNG()).width).toBe(1280);
  });
  it('line plot: one polyline per series, dashed when asked, log x ticks', async () => {
    const f = linePlot({
      title: 'bound',
      x: { label: '|S|', log: true },
      y: { label: 'error', domain: [0, 1] },
      series: [
        { name: 'bound', x: [10, 100, 1000], y: [0.9, 0.5, 0.2], dash: true },
        { name: 'error', x: [10, 100, 1000], y: [0.4, 0.2, 0.1] },
      ],
    });
    const svg = f.toSVG();
    const lines = parseTags(svg).get('polyline') ?? [];
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => l.includes('stroke-dasharray'))).toHaveLength(1);
    expect(svg).toContain('font-size="8.4">3</tspan>');
    expect(decodePNG(await f.toPNG(1)).width).toBe(640);
  });
});
