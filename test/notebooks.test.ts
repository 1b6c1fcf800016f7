/**
 * The notebooks in notebooks/ cannot rot:
 *
 * - each committed notebook is valid nbformat 4 (the official JSON Schema,
 *   fixtures/nbformat.v4.5.schema.json), for the Deno kernel, and was run
 *   top to bottom in one session: every code cell has its execution count
 *   1, 2, 3, … and no error output, and its figures are inline SVG (no PNG
 *   blobs), in a file that stays small;
 * - the README's "Use it as a library" blocks are cells of the first
 *   notebook, as they are, so the committed outputs show them run in the kernel;
 * - every notebook's code runs as a plain script against the built workspace
 *   packages (test/notebook-runner.mjs: Deno's kernel semantics in Node; no
 *   Jupyter, no Deno), at the small size FSBAYES_NB_QUICK=1 selects, and
 *   each cell shows there what its committed output holds: the same MIME
 *   types of its value (an SVG figure, an HTML table, text) and printed
 *   lines where it has them. That also catches a committed notebook that
 *   lost an output (Deno 2.9.6 sometimes publishes a cell's output after
 *   telling Jupyter the cell is done; notebooks/README.md).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIR = path.join(ROOT, 'notebooks');
const NOTEBOOKS = readdirSync(DIR)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
/** A notebook with its outputs stays small enough to read in a diff and on GitHub. */
const MAX_BYTES = 600_000;

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
}
interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
}
interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name: string; language: string } };
  cells: Cell[];
}

const read = (name: string): Notebook => JSON.parse(readFileSync(path.join(DIR, name), 'utf8'));
const joined = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));
const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === 'code');
const showsSvg = (c: Cell) => (c.outputs ?? []).some((o) => o.data?.['image/svg+xml'] !== undefined);

/** The ```js blocks of the README's section `heading`. */
function readmeBlocks(heading: string): string[] {
  const md = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = md.indexOf(`\n${heading}\n`);
  const end = md.indexOf('\n## ', start + heading.length + 2);
  return [...md.slice(start, end).matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('committed notebooks', () => {
  it('are at least the three researchers start from', () => {
    expect(NOTEBOOKS).toEqual(
      expect.arrayContaining(['01-prior-simplicity.ipynb', '02-pb-vs-sgd-boolean.ipynb', '03-nngp-bound-mnist.ipynb']),
    );
  });

  const schema = JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'nbformat.v4.5.schema.json'), 'utf8'));
  // The schema is draft-04; its keywords are ones draft-07 reads alike (checked by the invalid cases below).
  const validate = new Ajv({ strict: false, allErrors: true }).compile({
    ...schema,
    $schema: undefined,
    id: undefined,
  });

  it('the nbformat schema rejects what is not a notebook', () => {
    const nb = read(NOTEBOOKS[0]);
    expect(validate(nb)).toBe(true);
    expect(validate({ ...nb, nbformat: 3 })).toBe(false);
    expect(validate({ ...nb, cells: [{ cell_type: 'code', source: 'x', metadata: {} }] })).toBe(false); // no outputs
    expect(validate({ ...nb, cells: [{ ...nb.cells[0], id: 'no spaces allowed' }] })).toBe(false);
  });

  it.each(NOTEBOOKS)('%s: nbformat 4, run top to bottom in the Deno kernel, figures inline as SVG', (name) => {
    const nb = read(name);
    expect(validate(nb), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(nb.nbformat).toBe(4);
    expect(nb.metadata.kernelspec).toMatchObject({ name: 'deno', language: 'typescript' });
    const code = codeCells(nb);
    expect(code.length).toBeGreaterThanOrEqual(4);
    // one session, top to bottom
    expect(code.map((c) => c.execution_count)).toEqual(code.map((_, i) => i + 1));
    const outputs = code.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
    expect(outputs.filter((o) => o.output_type === 'stream' && (o as { name?: string }).name === 'stderr')).toEqual([]);
    expect(code.filter(showsSvg).length).toBeGreaterThanOrEqual(1);
    for (const o of outputs) {
      expect(Object.keys(o.data ?? {}).filter((k) => k.startsWith('image/') && k !== 'image/svg+xml')).toEqual([]);
      const svg = o.data?.['image/svg+xml'];
      if (svg !== undefined) expect(joined(svg)).toMatch(/^<svg[\s>][\s\S]*<\/svg>\s*$/);
    }
    expect(statSync(path.join(DIR, name)).size).toBeLessThan(MAX_BYTES);
  });

  it("the README's library example is the first notebook's cells, as they are", () => {
    const blocks = readmeBlocks('## Use it as a library');
    expect(blocks).toHaveLength(2);
    const cells = codeCells(read('01-prior-simplicity.ipynb'));
    for (const b of blocks) {
      const cell = cells.find((c) => joined(c.source).trim() === b.trim());
      expect(cell, b.split('\n')[0]).toBeDefined();
      // …and it ran there: the NNGP block prints log P(S) as the README's last comment promises
      const promised = /\/\/\s*(.+)$/.exec(b.trim().split('\n').at(-1) ?? '')?.[1].trim();
      if (promised) expect(joined(cell?.outputs?.map((o) => joined(o.text)))).toContain(promised);
    }
  });
});

describe('notebooks as scripts (FSBAYES_NB_QUICK=1)', () => {
  const dir = tempDir('fsbayes-notebooks-');
  it.each(NOTEBOOKS)(
    '%s runs top to bottom, each cell showing what its committed output holds',
    async (name) => {
      const report = path.join(dir, `${name}.json`);
      const r = await run(
        process.execPath,
        [path.join(ROOT, 'test', 'notebook-runner.mjs'), path.join(DIR, name), report],
        {
          cwd: DIR,
          env: { ...process.env, FSBAYES_NB_QUICK: '1' },
          encoding: 'utf8',
          timeout: 170_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      ).catch((e: { stderr?: string; message: string }) => {
        throw new Error(`${name} failed as a script:\n${e.stderr || e.message}`);
      });
      expect(r.stderr).toBe('');
      const cells = JSON.parse(readFileSync(report, 'utf8')) as {
        cell: number;
        display: string[] | null;
        stdout: boolean;
      }[];
      const code = codeCells(read(name));
      expect(cells).toHaveLength(code.length);
      const here = cells.map((c) => ({ value: c.display, printed: c.stdout }));
      const there = code.map((c) => {
        const result = (c.outputs ?? []).find((o) => o.output_type === 'execute_result');
        return {
          value: result ? Object.keys(result.data ?? {}).sort() : null,
          printed: (c.outputs ?? []).some((o) => o.output_type === 'stream'),
        };
      });
      expect(here).toEqual(there);
    },
    180_000,
  );
});
