/**
 * Run a notebook's code cells in plain Node, the way Deno's Jupyter kernel
 * runs them, so that the test suite needs neither Jupyter nor Deno:
 *
 * - each cell is TypeScript, stripped of its types by the `typescript`
 *   package (imports kept as written: `verbatimModuleSyntax`);
 * - its `import` declarations become `const { … } = await import(…)`,
 *   resolved from the notebook's folder (where the kernel starts), so they
 *   load the built workspace packages;
 * - it is evaluated in one shared global scope through V8's REPL mode (the
 *   inspector's `Runtime.evaluate` with `replMode`), which is what gives a
 *   kernel its top-level `await` and lets a later cell declare a name again;
 * - a cell's value is shown as the kernel shows it: through
 *   `Symbol.for('Jupyter.display')` when it has one (the MIME types are
 *   recorded, and an SVG must be an <svg> document), else as text when it
 *   is not undefined.
 *
 * Usage: node test/notebook-runner.mjs NOTEBOOK.ipynb REPORT.json
 * Cells print as they run; REPORT.json gets one entry per code cell:
 * { cell, display (the MIME types of its value, or null), stdout (whether
 * it printed), error }. The first cell that throws ends the run with exit 1,
 * naming the cell and the error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const [notebookPath, reportPath] = process.argv.slice(2);
if (!notebookPath || !reportPath) {
  console.error('usage: node test/notebook-runner.mjs NOTEBOOK.ipynb REPORT.json');
  process.exit(2);
}

/** A cell's source: nbformat stores a string or a list of lines. */
const text = (src) => (Array.isArray(src) ? src.join('') : src);

/** The cell's TypeScript as JavaScript, imports kept. */
function transpile(source) {
  return ts.transpileModule(source, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: true,
    },
  }).outputText;
}

/** Top-level import declarations → awaited dynamic imports (a script in REPL mode cannot hold `import`). */
function rewriteImports(js) {
  const sf = ts.createSourceFile('cell.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  let out = js;
  for (const st of [...sf.statements].reverse()) {
    if (!ts.isImportDeclaration(st)) continue;
    const load = `(await globalThis.__notebookImport(${JSON.stringify(st.moduleSpecifier.text)}))`;
    const c = st.importClause;
    let code;
    if (!c) code = `${load};`;
    else {
      const parts = [];
      if (c.name) parts.push(`default: ${c.name.text}`);
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) {
        code = `const ${nb.name.text} = ${load};${parts.length ? ` const { ${parts.join(', ')} } = ${nb.name.text};` : ''}`;
      } else {
        for (const e of nb?.elements ?? [])
          parts.push(e.propertyName ? `${e.propertyName.text}: ${e.name.text}` : e.name.text);
        code = `const { ${parts.join(', ')} } = ${load};`;
      }
    }
    out = out.slice(0, st.getStart(sf)) + code + out.slice(st.end);
  }
  return out;
}

const notebook = JSON.parse(readFileSync(notebookPath, 'utf8'));
const require = createRequire(path.resolve(notebookPath));
globalThis.__notebookImport = (spec) =>
  spec.startsWith('node:') ? import(spec) : import(pathToFileURL(require.resolve(spec)).href);

// What the kernel does with a cell's value: call its Jupyter display method, if any, else show it as text.
const DISPLAY = `function () {
  const show = this?.[Symbol.for('Jupyter.display')];
  if (typeof show !== 'function') return ['text/plain'];
  const bundle = show.call(this);
  const svg = bundle['image/svg+xml'];
  if (svg !== undefined && !/^<svg[\\s>][\\s\\S]*<\\/svg>\\s*$/.test(svg)) throw new Error('image/svg+xml is not an SVG document');
  return Object.keys(bundle).sort();
}`;

// Whether a cell printed: console.log writes through process.stdout.
let printed = false;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (...args) => {
  printed = true;
  return write(...args);
};

const session = new Session();
session.connect();
const report = [];
let failed = false;
const cells = notebook.cells.filter((c) => c.cell_type === 'code');
for (const [i, cell] of cells.entries()) {
  const expression = rewriteImports(transpile(text(cell.source)));
  printed = false;
  const r = await session.post('Runtime.evaluate', { expression, replMode: true, awaitPromise: true });
  let error = r.exceptionDetails ? (r.exceptionDetails.exception?.description ?? r.exceptionDetails.text) : null;
  let display = null;
  if (!error && r.result.objectId) {
    const d = await session.post('Runtime.callFunctionOn', {
      objectId: r.result.objectId,
      functionDeclaration: DISPLAY,
      returnByValue: true,
    });
    if (d.exceptionDetails) error = `display: ${d.exceptionDetails.exception?.description ?? d.exceptionDetails.text}`;
    else display = d.result.value;
  } else if (!error && r.result.type !== 'undefined') display = ['text/plain'];
  report.push({ cell: i, display, stdout: printed, error });
  if (error) {
    console.error(`${notebookPath}: code cell ${i + 1} of ${cells.length} threw:\n${error}`);
    failed = true;
    break;
  }
}
session.disconnect();
writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
// Worker threads a notebook leaves open (a kernel keeps them) must not keep the test waiting.
process.exit(failed ? 1 : 0);
