/**
 * The arrows between the layers: the experiments depend on packages only
 * (never on the CLI in scripts/), and no package imports the CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
});
