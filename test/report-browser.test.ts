/**
 * The compare report in a real browser: headless Chromium (Debian's
 * `chromium`) loads a report made by a small `fsbayes compare` run and the
 * test reads the DOM back: the table of contents and its targets, every
 * inline SVG laid out at a real size, every PNG decoded by the browser with
 * a natural size > 0, and no script or resource error. Skipped, saying so,
 * when no Chromium is installed (`apt-get install -y chromium`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable, Rng, writeTableSync } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

function findBrowser(): string | null {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const browser = findBrowser();
if (!browser)
  console.warn('report-browser.test: no chromium on PATH, browser checks skipped (apt-get install -y chromium)');

/**
 * Run at the top of the page: record script errors and failed resource
 * loads; at the end (load event), write what the page shows as JSON into
 * <pre id="check">, which --dump-dom prints.
 */
const PROBE = `<script>
window.__errors = [];
window.addEventListener('error', (e) => {
  const t = e.target;
  window.__errors.push(t && t !== window ? 'failed to load ' + (t.src || t.href || t.tagName) : String(e.message));
}, true);
const ce = console.error.bind(console);
console.error = (...a) => { window.__errors.push(a.join(' ')); ce(...a); };
window.addEventListener('load', () => {
  const toc = [...document.querySelectorAll('nav.toc a')].map((a) => a.getAttribute('href'));
  const out = {
    title: document.title,
    toc,
    tocTargets: toc.map((h) => !!document.getElementById(h.slice(1))),
    svgs: [...document.querySelectorAll('figure svg')].map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
    imgs: [...document.images].map((i) => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight]),
    gridColumns: (() => { const g = document.querySelector('.figures'); return g ? getComputedStyle(g).gridTemplateColumns.split(' ').length : 0; })(),
    errors: window.__errors,
  };
  const pre = document.createElement('pre');
  pre.id = 'check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`;

/** Load `file` in headless Chromium at the given window width and return the probe's JSON and the browser's stderr. */
function probe(file: string, width: number) {
  const r = spawnSync(
    browser as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--allow-file-access-from-files',
      `--window-size=${width},1000`,
      '--virtual-time-budget=10000',
      '--dump-dom',
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  const m = /<pre id="check">([^<]*)<\/pre>/.exec(r.stdout);
  expect(m, `no probe output in the DOM; stderr: ${r.stderr}`).not.toBeNull();
  const text = (m as RegExpExecArray)[1]
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return JSON.parse(text);
}

describe.skipIf(!browser)('the compare report in headless Chromium', () => {
  const dir = tempDir('fsbayes-browser-');
  // Two tables on m = 12 points drawn from related distributions, so every figure has something to show.
  const rng = new Rng(3, 'report-browser');
  const table = (skew: number) => {
    const t = new FunctionTable(12, new Uint8Array(12));
    for (let i = 0; i < 400; i++) {
      const u = rng.uniform();
      const k = Math.floor(40 * u ** skew);
      t.add((k * 37).toString(16).padStart(3, '0'), 1);
    }
    return t;
  };
  const a = join(dir, 'sgd.json');
  const b = join(dir, 'rejection.json');
  writeTableSync(a, table(3));
  writeTableSync(b, table(2.5));
  const out = join(dir, 'report');
  const run = cli(['compare', a, b, '--names', 'SGD,rejection', '--bootstrap', '20', '--out', out, '--quiet'], 180_000);

  it('renders: TOC with live links, figures laid out at a real size, two columns on a wide screen, no errors', () => {
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const page = join(dir, 'probe-report.html');
    writeFileSync(page, html.replace('<head>', `<head>${PROBE}`));
    const wide = probe(page, 1500);
    expect(wide.title).toBe('Comparison: SGD vs rejection');
    expect(wide.toc.length).toBeGreaterThanOrEqual(4);
    expect(wide.tocTargets.every(Boolean)).toBe(true);
    const figs = readdirSync(out).filter((f) => f.endsWith('.svg'));
    expect(wide.svgs).toHaveLength(figs.length);
    for (const [w, h] of wide.svgs) {
      expect(w).toBeGreaterThan(300);
      expect(h).toBeGreaterThan(200);
    }
    expect(wide.gridColumns).toBe(2);
    expect(wide.errors).toEqual([]);
    const narrow = probe(page, 700);
    expect(narrow.gridColumns).toBe(1);
  }, 300_000);

  it('every PNG decodes in the browser with its natural size (the SVG’s size × 2)', () => {
    expect(run.code, run.stderr).toBe(0);
    const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBeGreaterThan(3);
    const page = join(out, 'probe-pngs.html');
    writeFileSync(
      page,
      `<!DOCTYPE html><html><head>${PROBE}</head><body>${pngs.map((p) => `<img src="${p}">`).join('')}</body></html>`,
    );
    const r = probe(page, 1200);
    expect(r.errors).toEqual([]);
    expect(r.imgs).toHaveLength(pngs.length);
    for (const [src, complete, w, h] of r.imgs) {
      const svg = readFileSync(join(out, src.replace(/\.png$/, '.svg')), 'utf8');
      const [, sw, sh] = /width="(\d+)" height="(\d+)"/.exec(svg) as RegExpExecArray;
      expect([src, complete, w, h]).toEqual([src, true, 2 * Number(sw), 2 * Number(sh)]);
    }
  }, 300_000);
});
