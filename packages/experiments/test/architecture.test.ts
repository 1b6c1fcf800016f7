/**
 * The arrows between the layers: the experiments depend on packages only
 * (never on the CLI in scripts/), no package imports the CLI, the packages
 * below them depend on core only, every package names its public API
 * (no `export *`), and the npm scripts are the experiment registry's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../src/repro/registry.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier a file imports or re-exports. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]);
}

describe('package layering', () => {
  it('the experiments import only node:, their own files and core, nngp, sampler, sgd, compare', () => {
    const allowed = new Set(['@fsbayes/core', '@fsbayes/nngp', '@fsbayes/sampler', '@fsbayes/sgd', '@fsbayes/compare']);
    const dir = join(root, 'packages/experiments/src');
    const files = sources(dir);
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      for (const spec of imports(f)) {
        const ok =
          spec.startsWith('node:') ||
          allowed.has(spec) ||
          (spec.startsWith('.') && join(f, '..', spec).startsWith(dir));
        expect(ok, `${f} imports ${spec}`).toBe(true);
      }
    }
  });

  it('no package imports the CLI (scripts/)', () => {
    for (const pkg of readdirSync(join(root, 'packages'))) {
      const dir = join(root, 'packages', pkg, 'src');
      let files: string[] = [];
      try {
        files = sources(dir);
      } catch {
        continue;
      }
      for (const f of files)
        for (const spec of imports(f))
          expect(spec.includes('scripts') || spec === '@fsbayes/scripts', `${f}: ${spec}`).toBe(false);
    }
  });

  it('nngp, sampler, sgd and compare depend on core only among the packages', () => {
    for (const pkg of ['nngp', 'sampler', 'sgd', 'compare']) {
      const files = sources(join(root, 'packages', pkg, 'src'));
      expect(files.length).toBeGreaterThan(3);
      for (const f of files)
        for (const spec of imports(f))
          if (spec.startsWith('@fsbayes/')) expect(spec, `${f} imports ${spec}`).toBe('@fsbayes/core');
    }
  });

  it('every package lists its public names (no export * in src/index.ts)', () => {
    for (const pkg of readdirSync(join(root, 'packages'))) {
      const index = join(root, 'packages', pkg, 'src', 'index.ts');
      let text: string;
      try {
        text = readFileSync(index, 'utf8');
      } catch {
        continue;
      }
      expect(text, index).toMatch(/export \{/);
      expect(/export\s*\*/.test(text), `${index} has export *`).toBe(false);
    }
  });
});

describe('the experiment registry', () => {
  it('the npm scripts repro:<name> are exactly the experiments of EXPERIMENTS', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const scripts = Object.keys(pkg.scripts).filter((k) => k.startsWith('repro:'));
    expect(scripts.sort()).toEqual(EXPERIMENTS.map((e) => `repro:${e.name}`).sort());
    for (const e of EXPERIMENTS)
      expect(pkg.scripts[`repro:${e.name}`]).toBe(`node scripts/dist/cli.js repro ${e.name}`);
  });
});
