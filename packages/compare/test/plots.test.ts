/**
 * Plots: one scene rendered as SVG (parsed back for the expected elements)
 * and as PNG (decoded back, pixels checked at known places).
 */
import { describe, expect, it } from 'vitest';
import { Figure, heatmapPlot, histogramPlot, linePlot, lzPlot, rankPlot, scatterPlot } from '../src/index.js';
import { linearScale, logScale } from '../src/plots/axes.js';
import { integerEdges, viridis } from '../src/plots/charts.js';
import { decodePNG, parseTags } from './helpers.js';

describe('PNG encoder', () => {
  it('a red square on white, decoded back pixel by pixel, at scale 1 and 2', () => {
    const fig = new Figure(50, 40, [{ kind: 'rect', x: 10, y: 10, w: 20, h: 10, fill: '#ff0000' }]);
    const one = decodePNG(fig.toPNG(1));
    expect([one.width, one.height]).toEqual([50, 40]);
    expect(one.pixel(2, 2)).toEqual([255, 255, 255]);
    expect(one.pixel(10, 10)).toEqual([255, 0, 0]); // first pixel inside
    expect(one.pixel(29, 19)).toEqual([255, 0, 0]); // last pixel inside
    expect(one.pixel(30, 19)).toEqual([255, 255, 255]); // just outside
    const two = decodePNG(fig.toPNG(2));
    expect([two.width, two.height]).toEqual([100, 80]);
    expect(two.pixel(40, 30)).toEqual([255, 0, 0]);
    expect(two.pixel(61, 30)).toEqual([255, 255, 255]);
  });
  it('opacity blends once: a half-transparent black line over white is mid grey', () => {
    const fig = new Figure(20, 20, [
      { kind: 'line', x1: 0, y1: 10, x2: 20, y2: 10, color: '#000000', width: 4, opacity: 0.5 },
    ]);
    expect(decodePNG(fig.toPNG(1)).pixel(10, 10)).toEqual([128, 128, 128]);
  });
  it('text draws ink from the bitmap font', () => {
    const fig = new Figure(60, 20, [{ kind: 'text', x: 2, y: 10, text: 'IIII', size: 10, color: '#000000' }]);
    const png = decodePNG(fig.toPNG(1));
    let ink = 0;
    for (let i = 0; i < png.rgb.length; i += 3) if (png.rgb[i] === 0) ink++;
    // 'I' has 3 + 5 + 3 = 11 ink pixels at glyph scale 1: 4 × 11
    expect(ink).toBe(44);
  });
});

describe('scales', () => {
  it('log axes widen to whole decades and label decades 10^k', () => {
    const s = logScale(0.003, 0.5, [0, 300]);
    expect(s.domain[0]).toBeCloseTo(1e-3, 15);
    expect(s.domain[1]).toBe(1);
    expect(s.ticks.map((t) => `${t.label}^${t.sup}`)).toEqual(['10^−3', '10^−2', '10^−1', '10^0']);
    expect(s.map(0.01)).toBeCloseTo(100, 9);
  });
  it('linear axes use nice steps', () => {
    expect(linearScale(0, 0.47, [0, 1]).ticks.map((t) => t.label)).toEqual(['0', '0.1', '0.2', '0.3', '0.4', '0.5']);
  });
});

describe('charts', () => {
  // Points at (.01, .01), (.1, .1), (1, 1) share one 2-decade range on both axes, so (.1, .1)
  // is the centre of the plot area: x = 80 + 536/2 = 348, y = 44 + 356/2 = 222 (default layout).
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
  it('scatter SVG: one circle per point, a dashed diagonal, decade labels, a legend', () => {
    const svg = fig.toSVG();
    const tags = parseTags(svg);
    expect(tags.get('circle')?.filter((c) => c.includes('cx="348"') && c.includes('cy="222"')).length).toBe(1);
    expect(tags.get('line')?.some((l) => l.includes('stroke-dasharray'))).toBe(true);
    expect(svg).toContain('>10<tspan dy="-0.45em" font-size="75%">−1</tspan>');
    expect(svg).toContain('>P_SGD</text>');
    expect(svg).toContain('>middle (1)</text>');
    expect(svg).toContain('>y = x</text>');
  });
  it('scatter PNG: the middle point lands at the centre of the plot area', () => {
    const png = decodePNG(fig.toPNG(2));
    expect(png.pixel(348 * 2, 222 * 2)).toEqual([0xd5, 0x5e, 0x00]);
    expect(png.pixel(5, 5)).toEqual([255, 255, 255]);
  });
  it('drops points a log axis cannot show', () => {
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
  it('heatmap: cells coloured by value (max = the top of viridis), empty cells white', () => {
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
    // plot area x 80..(640-94-80=466 wide), y 44..400; cell (row 0, col 0) is the bottom-left quarter
    const png = decodePNG(h.toPNG(1));
    const w = 640 - 80 - 94;
    expect(png.pixel(80 + Math.round(w / 4), 44 + Math.round((356 * 3) / 4))).toEqual([253, 231, 37]);
    expect(png.pixel(80 + Math.round((3 * w) / 4), 44 + Math.round((356 * 3) / 4))).toEqual([255, 255, 255]);
    expect(viridis(1)).toBe('#fde725');
    expect(h.toSVG()).toContain(`fill="${viridis(0.5)}"`);
  });
  it('rank, histogram and LZ plots render valid SVG with their labels', () => {
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
    expect(l.toSVG()).toContain('Lempel–Ziv complexity K_LZ');
    expect(decodePNG(l.toPNG()).width).toBe(1280);
  });
  it('line plot: one polyline per series, dashed when asked, log x ticks', () => {
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
    expect(svg).toContain('font-size="75%">3</tspan>');
    expect(decodePNG(f.toPNG(1)).width).toBe(640);
  });
});
