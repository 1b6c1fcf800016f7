import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import packages from source; workers and wasm come from the build (`pnpm build`).
    alias: {
      '@fsbayes/core': pkg('core'),
      '@fsbayes/nngp': pkg('nngp'),
      '@fsbayes/sampler': pkg('sampler'),
      '@fsbayes/sgd': pkg('sgd'),
      '@fsbayes/compare': pkg('compare'),
      '@fsbayes/experiments': pkg('experiments'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // In CI also keep a JSON report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'out/vitest.json' }]] : ['default'],
  },
});
