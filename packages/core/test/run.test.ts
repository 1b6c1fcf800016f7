/** Shards and checkpoints of long runs (core run/). */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionTable } from '../src/functions/index.js';
import { parseShard, readCheckpoint, removeCheckpoint, shardRange, writeCheckpoint } from '../src/run/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fsbayes-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shards', () => {
  it('parses i/N and names bad values', () => {
    expect(parseShard('3/10')).toEqual({ index: 3, count: 10 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(() => parseShard('0/4')).toThrow(/between 1 and 4.*'0\/4'/);
    expect(() => parseShard('5/4')).toThrow(/between 1 and 4/);
    expect(() => parseShard('2/0')).toThrow(/≥ 1/);
    expect(() => parseShard('a/b')).toThrow(/i\/N/);
  });

  it('N shards tile [0, total) exactly, sizes differing by at most one', () => {
    for (const [total, N] of [
      [0, 3],
      [7, 3],
      [10, 10],
      [5, 8],
      [1_000_003, 17],
    ]) {
      let at = 0;
      const sizes: number[] = [];
      for (let i = 1; i <= N; i++) {
        const r = shardRange(total, { index: i, count: N });
        expect(r.first).toBe(at);
        at += r.count;
        sizes.push(r.count);
      }
      expect(at).toBe(total);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(sizes.reduce((s, x) => s + x, 0)).toBe(total);
    }
    expect(() => shardRange(-1, { index: 1, count: 1 })).toThrow(/non-negative/);
  });
});

describe('checkpoints', () => {
  const identity = { mode: 'posterior', seed: 1, spec: { kind: 'fcn', hidden: [40, 40] } };
  const table = () => {
    const t = new FunctionTable(5, new Uint8Array([1, 0, 1, 1, 0]));
    t.add(new Uint32Array([0b11111]), 3);
    t.add(new Uint32Array([0b00101]));
    return t;
  };

  it('round-trips state and table; missing file gives null; remove is idempotent', () => {
    const path = join(dir, 'a.ckpt');
    expect(readCheckpoint(path, identity)).toBeNull();
    writeCheckpoint(path, { identity, state: { next: 4096, accepted: 3 }, table: table() });
    const cp = readCheckpoint<{ next: number; accepted: number }>(path, { ...identity });
    expect(cp?.state).toEqual({ next: 4096, accepted: 3 });
    expect(cp?.table.toJSON()).toEqual(table().toJSON());
    removeCheckpoint(path);
    expect(existsSync(path)).toBe(false);
    removeCheckpoint(path);
  });

  it('identity is compared as canonical JSON (key order does not matter) and a mismatch names the setting', () => {
    const path = join(dir, 'b.ckpt');
    writeCheckpoint(path, { identity, state: {}, table: table() });
    const reordered = { spec: { hidden: [40, 40], kind: 'fcn' }, seed: 1, mode: 'posterior' };
    expect(readCheckpoint(path, reordered)).not.toBeNull();
    expect(() => readCheckpoint(path, { ...identity, seed: 2 })).toThrow(
      /another run \(seed: this run has 2, the checkpoint 1\)/,
    );
    expect(() => readCheckpoint(path, { ...identity, spec: { kind: 'fcn', hidden: [40] } })).toThrow(/spec\.hidden/);
  });

  it('refuses corrupt or foreign files, naming the file', () => {
    const bad = join(dir, 'bad.ckpt');
    writeFileSync(bad, '{"format": "fsbayes.checkp');
    expect(() => readCheckpoint(bad, identity)).toThrow(/bad\.ckpt: not a readable checkpoint/);
    writeFileSync(bad, JSON.stringify({ format: 'other', version: 1 }));
    expect(() => readCheckpoint(bad, identity)).toThrow(/bad\.ckpt: not an fsbayes checkpoint/);
  });

  it('writes atomically: no temporary files are left beside the checkpoint', () => {
    const path = join(dir, 'c.ckpt');
    for (let i = 0; i < 3; i++) writeCheckpoint(path, { identity, state: { i }, table: table() });
    expect(JSON.parse(readFileSync(path, 'utf8')).state).toEqual({ i: 2 });
    expect(readdirSync(dir).filter((f) => f.startsWith('c.ckpt'))).toEqual(['c.ckpt']);
  });
});
