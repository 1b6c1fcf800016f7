/**
 * The engine choice seen from the CLI: an optimiser the wasm trainer lacks
 * trains on the js reference under `auto`, and the table's provenance says
 * so and why (as do the --json result and stderr); `--backend wasm` refuses
 * it before any training.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FunctionTable } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { cli, cliJson, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-sgd-engine-');
const agd = ['sgd', '--n', '5', '--train-size', '16', '--arch', 'fcn:12,12', '--sigma-b', '0', '--seed', '3'];

describe('fsbayes sgd engine choice', () => {
  it('agd under auto: trained by js, recorded with the reason; --backend wasm exits 1 naming agd and writes nothing', () => {
    const out = join(dir, 'agd.json');
    const r = cliJson([...agd, '--optimizer', 'agd', '--runs', '4', '--threads', '1', '--out', out]);
    expect(r).toMatchObject({ runs: 4, backend: 'js', precision: 'f64' });
    const t = FunctionTable.fromJSON(JSON.parse(readFileSync(out, 'utf8')));
    expect(t.provenance?.backend).toEqual({
      name: 'js',
      precision: 'f64',
      reason: expect.stringMatching(/^the wasm trainer has optimizers sgd, .*, not agd$/),
      threads: 1,
    });
    const refused = join(dir, 'refused.json');
    const bad = cli([...agd, '--optimizer', 'agd', '--runs', '4', '--backend', 'wasm', '--out', refused]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--backend wasm cannot train this: the wasm trainer has optimizers .*, not agd/);
    expect(readdirSync(dir)).toEqual(['agd.json']); // no table, checkpoint or lock left by the refused run
  });
  it('the reason is shown: on stderr before the run, and as backendReason in --json (null when wasm trains)', () => {
    const r = cli([...agd, '--optimizer', 'agd', '--runs', '2', '--threads', '1', '--json']);
    expect(r.code).toBe(0);
    const why = /the wasm trainer has optimizers sgd, .*, not agd/;
    expect(r.stderr).toMatch(new RegExp(`sgd: training on the float64 js reference: ${why.source}`));
    expect(JSON.parse(r.stdout).backendReason).toMatch(why);
    const fast = cliJson([...agd, '--runs', '2', '--threads', '1']);
    expect(fast.backend).toMatch(/^wasm/);
    expect(fast.backendReason).toBeNull();
  });
});
