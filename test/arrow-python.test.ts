/**
 * The Arrow function table read by an independent reader: the Python block
 * of docs/formats.md ("Reading it elsewhere"), run as written with pyarrow,
 * pandas and polars on a table `fsbayes functions` wrote, must read what
 * fsbayes's own JSON export of the same run holds: every function's bits
 * (unpacked MSB first, as the docs say) and count. Skipped, saying why,
 * where Python lacks those packages (fsbayes never needs Python).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = new URL('../scripts/dist/cli.js', import.meta.url).pathname;
const DOCS = new URL('../docs/formats.md', import.meta.url).pathname;

const probe = spawnSync('python3', ['-c', 'import pyarrow, pandas, polars, numpy'], { encoding: 'utf8' });
const why = probe.error ? 'no python3' : probe.status !== 0 ? 'python3 lacks pyarrow, pandas, polars or numpy' : null;
if (why) console.warn(`arrow-python.test.ts skipped: ${why}`);

/** The documented block: the first ```python fence after "Reading it elsewhere". */
function documentedBlock(): string {
  const md = readFileSync(DOCS, 'utf8');
  const from = md.indexOf('Reading it elsewhere');
  const start = md.indexOf('```python\n', from);
  const end = md.indexOf('```', start + 10);
  expect(from).toBeGreaterThan(0);
  expect(start).toBeGreaterThan(from);
  return md.slice(start + '```python\n'.length, end);
}

describe.skipIf(why !== null)('the Arrow table from Python (docs/formats.md)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsbayes-arrow-py-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pyarrow, pandas and polars read the bits and counts fsbayes wrote', () => {
    const args = ['functions', '--arch', 'fcn:40,40', '--n', '7', '--samples', '50000', '--seed', '3', '--quiet'];
    for (const out of ['prior.arrow', 'prior.json']) {
      const r = spawnSync(process.execPath, [CLI, ...args, '--out', out], { cwd: dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    // The block as documented, then what it read, printed as JSON.
    const check = `
import polars as pl, pandas
every = np.unpackbits(np.frombuffer(b"".join(df["bits"]), np.uint8).reshape(len(df), -1), axis=1)[:, : header["m"]]
print(json.dumps({
  "rows": len(df), "total": header["total"], "sizes": sum(sizes),
  "top": ["".join(map(str, b)) for b in bits], "topCounts": [int(c) for c in top["count"]],
  "all": {"".join(map(str, b)): int(c) for b, c in zip(every, df["count"])},
  "ones": bool((every.sum(axis=1) == df["ones"].to_numpy()).all()),
  "pandas": len(pandas.read_feather("prior.arrow")),
  "polars": int(pl.scan_ipc("prior.arrow").select(pl.col("count").sum()).collect().item()),
}))
`;
    writeFileSync(join(dir, 'read.py'), documentedBlock() + check);
    const py = spawnSync('python3', ['read.py'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(py.status, py.stderr).toBe(0);
    const got = JSON.parse(py.stdout);

    // fsbayes's JSON export of the same run: keys are hex of the bits, MSB first.
    const table = JSON.parse(readFileSync(join(dir, 'prior.json'), 'utf8'));
    const m: number = table.m;
    const bitsOf = (hex: string) =>
      Array.from(hex, (h) => Number.parseInt(h, 16).toString(2).padStart(4, '0'))
        .join('')
        .slice(0, m);
    const want = new Map<string, number>();
    for (const f of table.functions as { key: string; count: number }[]) want.set(bitsOf(f.key), f.count);

    expect(got.total).toBe(50_000);
    expect(got.rows).toBe(want.size);
    expect(got.sizes).toBe(want.size);
    expect(got.pandas).toBe(want.size);
    expect(got.polars).toBe(50_000);
    expect(got.ones).toBe(true);
    expect(new Map(Object.entries(got.all))).toEqual(want);
    // the documented top 10 are the ten largest counts
    const counts = [...want.values()].sort((a, b) => b - a).slice(0, 10);
    expect(got.topCounts).toEqual(counts);
    for (const [i, b] of (got.top as string[]).entries()) expect(want.get(b)).toBe(got.topCounts[i]);
  }, 120_000);
});
