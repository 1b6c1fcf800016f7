/**
 * Function tables at scale: the prior functions of random 7→40→40→1 ReLU
 * nets (σ_w = σ_b = 1) on the 128 inputs of {0,1}^7 — the simplicity
 * experiment's run — counted by today's `FunctionTable` (a Map of hex keys,
 * written as JSON) and by the columnar `ColumnarTable` (typed arrays, sorted
 * spills, written as an Arrow IPC file), side by side: wall time, time spent
 * counting and writing, distinct functions, peak RSS and file size.
 *
 * Each run is its own child process, so its peak RSS (`maxRSS`) is its own.
 * A run that fails (Map size limit, heap, string length) is shown as failed.
 *
 * `node scripts/dist/bench/index.js --only table [--quick]
 *   [--table-runs map:1e6,columnar:1e6,map:1e7,columnar:1e7] [--table-memory BYTES]
 *   [--table-dir DIR] [--table-keep]`
 * e.g. the benchmark: `--table-runs map:1e7,columnar:1e7,columnar:1e8`.
 *
 * `--only table-full` is the done-when end to end: the CLI itself
 * (`fsbayes functions … --out prior.arrow`: count, merge, write, summary)
 * on 10⁸ nets beside today's path (FunctionTable + JSON) on 10⁷, each in its
 * own process, its peak RSS read by a `--import` hook
 * (`[--table-full-runs map:1e7,cli:1e8] [--table-memory 2GiB] [--table-dir DIR] [--table-keep]`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { booleanDataset, ColumnarTable, type FcnSpec, FunctionTable, getBackend, writeTableSync } from '@fsbayes/core';

type Path = 'map' | 'columnar' | 'cli';

export interface TableRow {
  path: Path;
  nets: number;
  ok: boolean;
  /** Why it failed (last line of its error output). */
  error?: string;
  seconds?: number;
  /** Seconds in addBatch (counting). */
  countSeconds?: number;
  /** Seconds writing the file. */
  writeSeconds?: number;
  distinct?: number;
  /** Sorted runs spilled (columnar). */
  spilledRuns?: number;
  peakRssMB?: number;
  fileMB?: number;
}

const spec: FcnSpec = {
  kind: 'fcn',
  activation: 'relu',
  sigmaW: 1,
  sigmaB: 1,
  bias: true,
  inputDim: 7,
  hidden: [40, 40],
};
const CHUNK = 1 << 16;

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** One run, in this (child) process: sample `nets` prior functions, count them, write the table. */
async function child(path: Path, nets: number, out: string, memoryBytes: number | undefined): Promise<TableRow> {
  const t0 = performance.now();
  const ds = booleanDataset({ n: 7 });
  const m = 128;
  const backend = await getBackend('auto');
  const map = path === 'map' ? new FunctionTable(m) : null;
  const col =
    path === 'columnar'
      ? new ColumnarTable(m, null, null, { ...(memoryBytes ? { memoryBytes } : {}), tmpDir: join(out, '..') })
      : null;
  let countMs = 0;
  let lastReport = t0;
  const draw = (first: number) =>
    backend.priorFunctions({ spec, inputs: ds.inputs, m, seed: 1, first, count: Math.min(CHUNK, nets - first) });
  try {
    // Prefetch the next chunk while this one is counted, as the sampler does.
    let pending = nets > 0 ? draw(0) : null;
    for (let first = 0; pending; first += CHUNK) {
      const bits = await pending;
      const n = Math.min(CHUNK, nets - first);
      pending = first + CHUNK < nets ? draw(first + CHUNK) : null;
      const c0 = performance.now();
      if (map) map.addBatch(bits, n);
      else col?.addBatch(bits, n);
      countMs += performance.now() - c0;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const held = map ? `${map.distinct} distinct` : `${col?.inMemory} in memory, ${col?.spilledRuns} runs`;
        console.error(`  ${path} ${nets}: ${first + n} nets, ${held}, ${((lastReport - t0) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    await backend.close();
  }
  const w0 = performance.now();
  let distinct: number;
  const spilledRuns = col?.spilledRuns;
  if (map) {
    writeTableSync(out, map);
    distinct = map.distinct;
  } else {
    const c = col as ColumnarTable;
    distinct = (await c.write(out)).distinct;
    c.close();
  }
  const end = performance.now();
  return {
    path,
    nets,
    ok: true,
    seconds: (end - t0) / 1000,
    countSeconds: countMs / 1000,
    writeSeconds: (end - w0) / 1000,
    distinct,
    spilledRuns,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    fileMB: statSync(out).size / 2 ** 20,
  };
}

function parseRuns(
  s: string,
  flag = '--table-runs',
  paths: Path[] = ['map', 'columnar'],
): { path: Path; nets: number }[] {
  return s.split(',').map((r) => {
    const [p, n] = r.split(':');
    const nets = Number(n);
    if (!paths.includes(p as Path) || !Number.isSafeInteger(nets) || nets < 1) {
      throw new Error(`${flag}: expected path:nets with path ${paths.join(' or ')}, got "${r}"`);
    }
    return { path: p as Path, nets };
  });
}

/** Run a child process; its result line (JSON) or why it failed, and its peak RSS when the hook reported it. */
function runChild(args: string[]): { row: Record<string, unknown> | null; error: string; peakRssMB?: number } {
  const p = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const last = p.stdout.trim().split('\n').pop() ?? '';
  const rss = /FSBAYES_BENCH_MAXRSS_KB (\d+)/.exec(p.stderr);
  process.stderr.write(
    p.stderr
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .join('\n'),
  );
  const why = (p.stderr || String(p.error ?? p.signal ?? `exit ${p.status}`)).trim().split('\n');
  const error = (why.find((l) => /Error|error:|heap|Map maximum|Invalid string/.test(l)) ?? why[why.length - 1]).trim();
  return {
    row: p.status === 0 && last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : null,
    error: error.slice(0, 160),
    peakRssMB: rss ? Number(rss[1]) / 1024 : undefined,
  };
}

const f = (x: number | undefined, d = 1) => (x === undefined ? '' : x.toFixed(d));

/** The benchmark as a markdown table (rows also returned for --json). */
export async function benchTable(opts: { quick: boolean }): Promise<{ markdown: string; rows: TableRow[] }> {
  const runs = parseRuns(
    arg('--table-runs') ??
      (opts.quick ? 'map:1e5,columnar:1e5,map:1e6,columnar:1e6' : 'map:1e6,columnar:1e6,map:1e7,columnar:1e7'),
  );
  const memory = arg('--table-memory');
  const dir = mkdtempSync(join(arg('--table-dir') ?? tmpdir(), 'fsbayes-bench-table-'));
  const self = fileURLToPath(import.meta.url);
  const rows: TableRow[] = [];
  try {
    for (const r of runs) {
      const out = join(dir, `${r.path}-${r.nets}.${r.path === 'map' ? 'json' : 'arrow'}`);
      console.error(`table bench: ${r.path}, ${r.nets} nets ...`);
      const args = [self, '--table-child', r.path, '--nets', String(r.nets), '--out', out];
      if (memory) args.push('--table-memory', memory);
      const c = runChild(args);
      rows.push(c.row ? (c.row as unknown as TableRow) : { path: r.path, nets: r.nets, ok: false, error: c.error });
      if (!process.argv.includes('--table-keep')) rmSync(out, { force: true });
    }
  } finally {
    if (!process.argv.includes('--table-keep')) rmSync(dir, { recursive: true, force: true });
  }
  const md = [
    '7→40→40→1 ReLU (σ_w = σ_b = 1), prior functions on the 128 inputs of {0,1}^7, seed 1; each run in its own process.',
    '',
    '| table | nets | wall s | counting s | writing s | distinct | spilled runs | peak RSS MB | file MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.ok
        ? `| ${r.path === 'map' ? 'FunctionTable (Map, JSON)' : 'ColumnarTable (Arrow)'} | ${r.nets.toExponential(0)} | ${f(r.seconds)} | ${f(r.countSeconds)} | ${f(r.writeSeconds)} | ${r.distinct} | ${r.spilledRuns ?? ''} | ${f(r.peakRssMB, 0)} | ${f(r.fileMB)} |`
        : `| ${r.path} | ${r.nets.toExponential(0)} | failed: ${r.error} | | | | | | |`,
    ),
  ];
  // Both paths count the same nets: their distinct counts must agree.
  for (const r of rows) {
    const other = rows.find((o) => o.ok && r.ok && r.path === 'map' && o.nets === r.nets && o.path === 'columnar');
    if (other && other.distinct !== r.distinct) md.push('', `**distinct counts differ at ${r.nets} nets!**`);
  }
  return { markdown: md.join('\n'), rows };
}

/**
 * The benchmark end to end: `fsbayes functions` writing an Arrow
 * table (`cli:N`) beside today's FunctionTable + JSON path (`map:N`).
 */
export async function benchTableFull(opts: { quick: boolean }): Promise<{ markdown: string; rows: TableRow[] }> {
  const runs = parseRuns(
    arg('--table-full-runs') ?? (opts.quick ? 'map:1e5,cli:1e6' : 'map:1e7,cli:1e8'),
    '--table-full-runs',
    ['map', 'cli'],
  );
  const memory = arg('--table-memory');
  const keep = process.argv.includes('--table-keep');
  const dir = mkdtempSync(join(arg('--table-dir') ?? tmpdir(), 'fsbayes-bench-table-full-'));
  const self = fileURLToPath(import.meta.url);
  const cli = join(dirname(self), '..', 'cli.js');
  const hook = pathToFileURL(join(dirname(self), 'rss-hook.js')).href;
  const rows: TableRow[] = [];
  const commands: string[] = [];
  try {
    for (const r of runs) {
      const out = join(dir, `${r.path}-${r.nets}.${r.path === 'map' ? 'json' : 'arrow'}`);
      console.error(`table-full bench: ${r.path}, ${r.nets} nets ...`);
      if (r.path === 'map') {
        const c = runChild([self, '--table-child', 'map', '--nets', String(r.nets), '--out', out]);
        rows.push(c.row ? (c.row as unknown as TableRow) : { path: 'map', nets: r.nets, ok: false, error: c.error });
      } else {
        const args = [
          'functions',
          ...['--arch', 'fcn:40,40', '--n', '7', '--sigma-w', '1', '--sigma-b', '1'],
          ...['--samples', String(r.nets), '--seed', '1', '--out', out, '--json', '--quiet'],
          ...(memory ? ['--table-memory', memory] : []),
        ];
        commands.push(`fsbayes ${args.join(' ')}`);
        const t0 = performance.now();
        const c = runChild(['--import', hook, cli, ...args]);
        const seconds = (performance.now() - t0) / 1000;
        const res = c.row as { distinct: number; seconds: number } | null;
        rows.push(
          res
            ? {
                path: 'cli',
                nets: r.nets,
                ok: true,
                seconds,
                countSeconds: res.seconds,
                writeSeconds: seconds - res.seconds,
                distinct: res.distinct,
                peakRssMB: c.peakRssMB,
                fileMB: statSync(out).size / 2 ** 20,
              }
            : { path: 'cli', nets: r.nets, ok: false, error: c.error },
        );
      }
      if (!keep) rmSync(out, { force: true });
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  const md = [
    '7→40→40→1 ReLU (σ_w = σ_b = 1), prior functions on the 128 inputs of {0,1}^7, seed 1; each run in its own process.',
    '`fsbayes functions … --out prior.arrow` end to end (counting in typed arrays, spilled runs merged, Arrow written, summary) beside today’s path (a FunctionTable Map, written as JSON). For the CLI, "counting s" is its own compute time (`seconds` of --json) and "writing s" the rest (start-up, merge, file, summary).',
    '',
    '| path | nets | wall s | counting s | writing s | distinct | peak RSS MB | file MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.ok
        ? `| ${r.path === 'map' ? 'FunctionTable (Map, JSON)' : 'fsbayes functions (columnar, Arrow)'} | ${r.nets.toExponential(0)} | ${f(r.seconds)} | ${f(r.countSeconds)} | ${f(r.writeSeconds)} | ${r.distinct} | ${f(r.peakRssMB, 0)} | ${f(r.fileMB)} |`
        : `| ${r.path} | ${r.nets.toExponential(0)} | failed: ${r.error} | | | | | |`,
    ),
    ...(commands.length > 0 ? ['', 'Commands:', ...commands.map((c) => `- \`${c}\``)] : []),
  ];
  return { markdown: md.join('\n'), rows };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--table-child')) {
  const path = arg('--table-child') as Path;
  const memory = arg('--table-memory');
  const row = await child(path, Number(arg('--nets')), arg('--out') as string, memory ? Number(memory) : undefined);
  console.log(JSON.stringify(row));
}
