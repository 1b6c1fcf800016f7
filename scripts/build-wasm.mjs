#!/usr/bin/env node
/**
 * Compile the AssemblyScript prior/forward module (packages/core/wasm/*.ts) into
 * packages/core/wasm/build/: `fsbayes-simd.wasm` (SIMD128) and
 * `fsbayes-fma.wasm` (SIMD128 + relaxed SIMD, whose relaxed_madd fuses into
 * FMA). The backend picks one at load time (`backend/wasm-module.ts`).
 *
 * The linear-algebra module (packages/core/wasm/linalg/*.ts) is a second
 * module, `fsbayes-linalg-{simd,fma}.wasm`, compiled with an imported shared
 * memory and atomics so a thread pool works on one matrix in place
 * (`src/linalg/engine.ts`).
 *
 * The SGD trainer (packages/sgd/wasm/train.ts) is a third module,
 * `packages/sgd/wasm/build/sgd-{simd,fma}.wasm` (`packages/sgd/src/wasm.ts`).
 *
 * Generated sources. The activation codes and their SIMD code come from the
 * activation tables, compiled by `tsc -b` (so it runs first: `pnpm build`):
 * core's `ACTIVATION_TABLE` gives `packages/core/wasm/generated/activations.ts`
 * (the forward pass, `wasm/mlp.ts`), nngp's `DUALS` gives
 * `packages/core/wasm/generated/duals.ts` (the layer maps of the linalg
 * module). Both are git-ignored and rewritten only when their text changes.
 * (The sgd trainer's optimiser and loss codes come from
 * `packages/sgd/src/wasm-codes.ts` as `asc --use` constants, see below.)
 *
 * Offline: uses the assemblyscript devDependency's JS API. Skips a target
 * whose output is newer than every source (and this script); `--force`
 * rebuilds, `--wat` also writes the text format next to each binary.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'packages/core/wasm');
const genDir = path.join(srcDir, 'generated');

/** A module of a package's compiled dist (tsc -b must have run). */
async function fromDist(file) {
  const full = path.join(root, file);
  if (!existsSync(full)) {
    console.error(`build-wasm: ${file} is missing: compile the TypeScript first (\`npx tsc -b\`, or \`pnpm build\`)`);
    process.exit(1);
  }
  return import(pathToFileURL(full).href);
}

const { wasmActivationSource } = await fromDist('packages/core/dist/arch/activations.js');
const { wasmDualSource } = await fromDist('packages/nngp/dist/kernels/wasm-source.js');
mkdirSync(genDir, { recursive: true });
for (const [file, text] of [
  ['activations.ts', wasmActivationSource()],
  ['duals.ts', wasmDualSource()],
]) {
  const out = path.join(genDir, file);
  if (!existsSync(out) || readFileSync(out, 'utf8') !== text) {
    writeFileSync(out, text);
    console.log(`build-wasm: generated ${path.relative(root, out)}`);
  }
}
const outDir = path.join(srcDir, 'build');
const entry = path.join(srcDir, 'index.ts');
const force = process.argv.includes('--force');
const wat = process.argv.includes('--wat');

const common = ['-O3', '--noAssert', '--runtime', 'stub', '--initialMemory', '2'];
const linalgDir = path.join(srcDir, 'linalg');
const linalgEntry = path.join(linalgDir, 'index.ts');
// Shared memory of at most 4 GiB (65536 pages), imported: the JS glue creates it.
const linalgFlags = ['--importMemory', '--sharedMemory', '--maximumMemory', '65536', '--enable', 'threads'];
const sgdDir = path.join(root, 'packages/sgd/wasm');
const sgdEntry = path.join(sgdDir, 'train.ts');
const sgdOut = path.join(sgdDir, 'build');
// The sgd trainer's optimiser and loss codes are written once, in this TypeScript file: its WASM_CODES
// become AssemblyScript constants GROUP_NAME (OPT_SGD, LOSS_CE, …) through asc --use.
const sgdCodesFile = path.join(root, 'packages/sgd/src/wasm-codes.ts');
async function sgdCodeFlags() {
  const { default: ts } = await import('typescript');
  const js = ts.transpileModule(readFileSync(sgdCodesFile, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const { WASM_CODES } = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
  return Object.entries(WASM_CODES).flatMap(([group, codes]) =>
    Object.entries(codes).flatMap(([name, code]) => ['--use', `${group}_${name.toUpperCase()}=${code}`]),
  );
}
const targets = [
  { file: 'fsbayes-simd.wasm', flags: ['--enable', 'simd'] },
  { file: 'fsbayes-fma.wasm', flags: ['--enable', 'simd', '--enable', 'relaxed-simd'] },
  { file: 'fsbayes-linalg-simd.wasm', entry: linalgEntry, flags: ['--enable', 'simd', ...linalgFlags] },
  {
    file: 'fsbayes-linalg-fma.wasm',
    entry: linalgEntry,
    flags: ['--enable', 'simd', '--enable', 'relaxed-simd', ...linalgFlags],
  },
  // shrinkLevel 1 keeps Binaryen from inlining the optimiser loops into one huge function, which V8 compiles ~4× slower.
  { file: 'sgd-simd.wasm', entry: sgdEntry, dir: sgdOut, flags: ['--shrinkLevel', '1', '--enable', 'simd'] },
  {
    file: 'sgd-fma.wasm',
    entry: sgdEntry,
    dir: sgdOut,
    flags: ['--shrinkLevel', '1', '--enable', 'simd', '--enable', 'relaxed-simd'],
  },
];

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function newestIn(dir) {
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
  return Math.max(mtime(fileURLToPath(import.meta.url)), ...sources.map(mtime));
}
const newestGen = newestIn(genDir);
const newest = Math.max(newestIn(srcDir), newestGen);
const newestLinalg = Math.max(newestIn(linalgDir), newestGen);
const newestSgd = Math.max(newestIn(sgdDir), mtime(sgdCodesFile));
const sourcesOf = (t) => (t.entry === linalgEntry ? newestLinalg : t.entry === sgdEntry ? newestSgd : newest);
const todo = targets.filter((t) => force || mtime(path.join(t.dir ?? outDir, t.file)) <= sourcesOf(t));

if (todo.length === 0) {
  console.log('build-wasm: up to date');
} else {
  const { default: asc } = await import('assemblyscript/asc');
  for (const t of todo) {
    mkdirSync(t.dir ?? outDir, { recursive: true });
    const out = path.join(t.dir ?? outDir, t.file);
    const args = [path.relative(root, t.entry ?? entry), '-o', path.relative(root, out), ...common, ...t.flags];
    if (t.entry === sgdEntry) args.push(...(await sgdCodeFlags()));
    if (wat) args.push('-t', path.relative(root, out.replace(/\.wasm$/, '.wat')));
    const started = Date.now();
    const prev = process.cwd();
    process.chdir(root);
    let result;
    try {
      result = await asc.main(args, {});
    } finally {
      process.chdir(prev);
    }
    if (result.error) {
      console.error(result.stderr.toString());
      console.error(`build-wasm: ${t.file} failed: ${result.error.message}`);
      process.exit(1);
    }
    console.log(`build-wasm: ${t.file} (${statSync(out).size} bytes, ${Date.now() - started} ms)`);
  }
}
