/** Malformed JSON function tables (objects and files) and checkpoints. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bitString,
  createProvenance,
  FunctionTable,
  keyOfBits,
  keyToBits,
  normalizeKey,
  Rng,
  readTableSync,
  type Seed,
  validateProvenance,
} from '@fsbayes/core';
import { readCheckpoint, writeCheckpoint } from '../../packages/core/src/run/checkpoint.js';
import { between, type FuzzCase, getAt, handCase, leafPaths, type Path, pick, SWAPS, valueName } from './harness.js';

/** A valid table's JSON (as read back from a file): labels known, with provenance. */
function baseTable(r: Rng): Record<string, unknown> {
  const m = between(r, 1, 70);
  const bits = (): Uint8Array => Uint8Array.from({ length: m }, () => (r.uniform() < 0.5 ? 1 : 0));
  const t = new FunctionTable(
    m,
    bits(),
    createProvenance({
      spec: { kind: 'fcn', hidden: [4] },
      dataset: { name: 'boolean-n3', mask: '0xf0' },
      seeds: [1, 'b'],
      shards: ['1/2'],
      backend: { name: 'js', precision: 'f64', threads: 2 },
      command: 'fsbayes sample',
      createdAt: '2025-01-02T03:04:05Z',
      extra: { note: 'x' },
      version: '0.1.0',
    }),
  );
  for (let k = between(r, 1, 6); k > 0; k--) {
    const words = new Uint32Array(t.words);
    for (let j = 0; j < words.length; j++) words[j] = r.uint32();
    t.add(words, between(r, 1, 20));
  }
  return JSON.parse(JSON.stringify(t.toJSON()));
}

function parentOf(x: unknown, path: Path): Record<string | number, unknown> {
  return getAt(x, path.slice(0, -1)) as Record<string | number, unknown>;
}

/** How the table reader names a field: `m`, `functions[2].count`, `provenance.seeds[0]`. */
function fieldName(path: Path): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? k : `${s}.${k}`), '');
}

/**
 * Whether setting `path` to `v` (undefined: deleting it) may leave a valid table.
 * Free-form parts (provenance spec/dataset/experiment/extra contents) accept anything.
 */
function mayStayValid(path: Path, v: unknown): boolean {
  const [top, second, third] = path;
  if (top !== 'provenance') return false; // every other field is checked or recomputed
  if (second === undefined) return v === null;
  if (second === 'spec' || second === 'dataset' || second === 'experiment') return true;
  if (second === 'extra')
    return path.length > 2 || v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
  if (second === 'command') return v === undefined || typeof v === 'string';
  if (second === 'version') return typeof v === 'string' && v !== '';
  if (second === 'createdAt') return v === undefined || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));
  const seedOk = (s: unknown) => (typeof s === 'string' && s !== '') || (Number.isSafeInteger(s) && (s as number) >= 0);
  if (second === 'seeds') return third === undefined ? Array.isArray(v) && v.every(seedOk) : seedOk(v);
  if (second === 'shards')
    return third === undefined
      ? v === undefined || (Array.isArray(v) && v.every((s) => typeof s === 'string'))
      : typeof v === 'string';
  if (second === 'backend') {
    if (third === undefined) return typeof v === 'string';
    if (third === 'threads') return v === undefined || (Number.isSafeInteger(v) && (v as number) > 0);
    return typeof v === 'string';
  }
  return false;
}

export function tableCases(seed: Seed, count: number, dir: string): FuzzCase[] {
  mkdirSync(dir, { recursive: true });
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) out.push(tableCase(new Rng(seed, 'fuzz', 'table', i), join(dir, `t${i}.json`)));
  out.push(...handWritten(dir));
  return out;
}

function tableCase(r: Rng, path: string): FuzzCase {
  const obj = baseTable(r);
  const kind = r.int(6);
  const viaFile = r.uniform() < 0.5;
  const run = (o: unknown, text = JSON.stringify(o)) => {
    if (!viaFile) return () => FunctionTable.fromJSON(o);
    writeFileSync(path, text);
    return () => readTableSync(path);
  };
  const fileName = viaFile ? [path] : [];
  if (kind <= 2) {
    // One field swapped for another type, or deleted.
    const p = pick(r, leafPaths(obj));
    const v = r.uniform() < 0.12 ? undefined : pick(r, SWAPS);
    // What the reader sees: through a file, NaN and ±Infinity become null.
    const seen = viaFile && v !== undefined ? JSON.parse(JSON.stringify([v]))[0] : v;
    const parent = parentOf(obj, p);
    const key = p[p.length - 1];
    if (Object.is(parent[key], seen)) return tableCase(r, path);
    if (v === undefined) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else parent[key] = v;
    // A deleted array entry shifts the rest: name the array.
    const named = v === undefined && typeof key === 'number' ? p.slice(0, -1) : p;
    const valid =
      mayStayValid(p, seen) ||
      (v === undefined && typeof key === 'number' && p[0] === 'provenance') ||
      (p[0] === 'functions' &&
        key === 'key' &&
        typeof seen === 'string' &&
        /^[0-9a-f]*$/i.test(seen) &&
        seen.length === Math.ceil((obj.m as number) / 4));
    // The reader names top-level fields after "function table: ", entries as functions[j], provenance fields by path.
    let name: string | string[];
    if (p.length === 1)
      name =
        p[0] === 'labels'
          ? ['function table: labels', 'labels are unknown']
          : p[0] === 'functions'
            ? ['function table: functions', 'total']
            : `function table: ${p[0]}`;
    else if (p[0] === 'functions')
      name = v === undefined && p.length === 2 ? ['total', 'distinct'] : `functions[${p[1]}]`;
    else name = fieldName(named);
    const shown = valueName(v);
    return {
      group: 'table',
      what: `${fieldName(p)} := ${v === undefined ? '(deleted)' : shown || typeof v}${viaFile ? ' (file)' : ''}`,
      input: obj,
      names: valid ? fileName : [...fileName, name],
      expect: valid ? 'any' : 'reject',
      run: run(obj),
    };
  }
  if (kind === 3) {
    // A function entry repeated (same key, maybe in upper case) or removed.
    const fs = obj.functions as Record<string, unknown>[];
    const j = r.int(fs.length);
    if (r.uniform() < 0.6) {
      const dup = { ...fs[j], key: r.uniform() < 0.5 ? String(fs[j].key).toUpperCase() : fs[j].key };
      fs.push(dup);
      const upperSame = dup.key === fs[j].key || /^[0-9]*$/.test(String(dup.key));
      return {
        group: 'table',
        what: `functions[${j}] repeated${upperSame ? '' : ' in upper case'}`,
        input: obj,
        names: [...fileName, `functions[${fs.length - 1}].key`, 'duplicate'],
        expect: 'reject',
        run: run(obj),
      };
    }
    fs.splice(j, 1);
    return {
      group: 'table',
      what: `functions[${j}] removed`,
      input: obj,
      names: [...fileName, 'total'],
      expect: 'reject',
      run: run(obj),
    };
  }
  if (kind === 4) {
    // JSON text mangled: truncated, a byte changed, or a number that overflows float64.
    if (!viaFile) return tableCase(r, path);
    const text = JSON.stringify(obj);
    const how = r.int(3);
    if (how === 0) {
      const cut = text.slice(0, r.int(text.length));
      return {
        group: 'table',
        what: `JSON cut to ${cut.length} chars`,
        input: cut,
        names: [path],
        expect: 'reject',
        run: run(null, cut),
      };
    }
    if (how === 1) {
      const at = r.int(text.length);
      const t = text.slice(0, at) + pick(r, ['"', '{', ']', ',', '0', 'x', '\\', ' ', '-', 'e']) + text.slice(at + 1);
      return {
        group: 'table',
        what: `JSON char ${at} replaced`,
        input: t,
        names: [path],
        expect: 'any',
        run: run(null, t),
      };
    }
    const field = pick(r, ['"m":', '"count":', '"total":', '"ones":']);
    const t = text.replace(new RegExp(`${field}\\d+`), `${field}1e400`);
    const name = field === '"m":' ? 'm' : field === '"count":' ? 'count' : field === '"total":' ? 'total' : 'ones';
    return {
      group: 'table',
      what: `${name} := 1e400 in the JSON text`,
      input: t,
      names: [path, name, 'Infinity'],
      expect: 'reject',
      run: run(null, t),
    };
  }
  // A duplicate JSON member: JSON.parse keeps the last; the reader then validates the result as usual.
  const text = JSON.stringify(obj);
  const t = text.replace('{"format"', `{"m":${between(r, 1, 1000)},"format"`);
  return {
    group: 'table',
    what: 'duplicate JSON member "m" (first one ignored)',
    input: t,
    names: [path],
    expect: 'any',
    run: viaFile ? run(null, t) : () => FunctionTable.fromJSON(JSON.parse(t)),
  };
}

function handWritten(dir: string): FuzzCase[] {
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const c = handCase('table');
  const base = (extra: Record<string, unknown>) => ({
    format: 'fsbayes.function-table',
    formatVersion: 1,
    m: 4,
    labels: null,
    total: 0,
    distinct: 0,
    provenance: null,
    functions: [],
    ...extra,
  });
  const big = 2 ** 53 - 1;
  const prov = (p: Record<string, unknown>) => ({
    tool: 'fsbayes',
    version: '1',
    seeds: [1],
    backend: 'js',
    spec: null,
    dataset: null,
    ...p,
  });
  const empty = file('empty.json', '');
  const nan = file('nan.json', '{"m": NaN}');
  return [
    c('not an object: null', null, ['expected an object'], () => FunctionTable.fromJSON(null)),
    c('not an object: array', [], ['expected an object'], () => FunctionTable.fromJSON([])),
    c('m = 2^40 (keys could not hold it)', 2 ** 40, ['m', '1099511627776'], () =>
      FunctionTable.fromJSON(base({ m: 2 ** 40 })),
    ),
    c('counts that sum past 2^53', big, ['total', 'safe'], () =>
      FunctionTable.fromJSON(
        base({
          total: 2 * big,
          distinct: 2,
          functions: [
            { key: '0', count: big, errors: null, ones: 0 },
            { key: '8', count: big, errors: null, ones: 1 },
          ],
        }),
      ),
    ),
    c('key is a number', 5, ['functions[0].key'], () =>
      FunctionTable.fromJSON(base({ total: 1, distinct: 1, functions: [{ key: 5, count: 1, errors: null, ones: 0 }] })),
    ),
    c('function entry null', null, ['functions[0]'], () => FunctionTable.fromJSON(base({ functions: [null] }))),
    c('labels with a unicode digit', '01٣0', ['labels', 'position 2'], () =>
      FunctionTable.fromJSON(base({ labels: '01٣0' })),
    ),
    c('provenance seed -1', -1, ['provenance.seeds[0]', '-1'], () => validateProvenance(prov({ seeds: [-1] }))),
    c('provenance seed 1.5', 1.5, ['provenance.seeds[0]', '1.5'], () => validateProvenance(prov({ seeds: [1.5] }))),
    c('provenance createdAt not a date', 'yesterday', ['createdAt', 'yesterday'], () =>
      validateProvenance(prov({ createdAt: 'yesterday' })),
    ),
    c('createProvenance of null', null, ['provenance'], () => createProvenance(null as never)),
    c('createProvenance with seeds 5', 5, ['seeds', '5'], () =>
      createProvenance({ spec: null, dataset: null, seeds: 5 as never, backend: 'js' }),
    ),
    c('createProvenance with a BigInt in the spec', '1n', ['provenance', 'JSON'], () =>
      createProvenance({ spec: { w: 1n }, dataset: null, seeds: [1], backend: 'js' }),
    ),
    c('createProvenance with a cycle', 'cycle', ['provenance', 'JSON'], () => {
      const spec: Record<string, unknown> = {};
      spec.self = spec;
      return createProvenance({ spec, dataset: null, seeds: [1], backend: 'js' });
    }),
    c('readTableSync of an empty file', '', [empty, 'JSON'], () => readTableSync(empty)),
    c('readTableSync of NaN', '{"m": NaN}', [nan, 'JSON'], () => readTableSync(nan)),
    c('readTableSync of a folder', dir, [dir], () => readTableSync(dir)),
    c('readTableSync of a missing file', 'nope', [join(dir, 'nope.json')], () => readTableSync(join(dir, 'nope.json'))),
    c('readTableSync of a number (a file descriptor to fs)', 999999, ['path', '999999'], () =>
      readTableSync(999999 as never),
    ),
  ];
}

/** Checkpoints: a valid one with one thing wrong. */
export function checkpointCases(seed: Seed, count: number, dir: string): FuzzCase[] {
  mkdirSync(dir, { recursive: true });
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const r = new Rng(seed, 'fuzz', 'checkpoint', i);
    const path = join(dir, `c${i}.ckpt`);
    const identity = { arch: 'fcn:4', seed: between(r, 0, 99), lr: 0.1 };
    const table = FunctionTable.fromJSON(baseTable(r));
    writeCheckpoint(path, { identity, state: { next: between(r, 0, 1000) }, table });
    const text = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
    const obj = JSON.parse(text) as Record<string, unknown>;
    const kind = r.int(5);
    let t: string;
    let what: string;
    let names: (string | string[])[] = [path];
    let expect: 'reject' | 'any' = 'reject';
    let want: unknown = identity;
    if (kind === 0) {
      t = text.slice(0, r.int(text.length));
      what = `cut to ${t.length} chars`;
    } else if (kind === 1) {
      const at = r.int(text.length);
      t = text.slice(0, at) + pick(r, ['"', '{', '}', '0', 'x', ',', '\\']) + text.slice(at + 1);
      what = `char ${at} replaced`;
      expect = 'any';
    } else if (kind === 2) {
      const field = pick(r, ['format', 'version', 'identity', 'table'] as const);
      const v = pick(r, SWAPS);
      obj[field] = v;
      t = JSON.stringify(obj);
      what = `${field} := ${valueName(v) || typeof v}`;
      names =
        field === 'identity'
          ? [path, 'another run']
          : field === 'table'
            ? [path, 'table']
            : [path, field === 'version' ? ['version', 'format'] : 'format'];
    } else if (kind === 3) {
      const tf = obj.table as Record<string, unknown>;
      const fs = tf.functions as Record<string, unknown>[];
      const j = r.int(fs.length);
      fs[j].count = pick(r, [0, -1, 1.5, '2', null]);
      t = JSON.stringify(obj);
      what = `table.functions[${j}].count := ${String(fs[j].count)}`;
      names = [path, `functions[${j}].count`];
    } else {
      want = { ...identity, lr: 0.2 };
      t = text;
      what = 'resumed with another lr';
      names = [path, 'lr', '0.2'];
    }
    writeFileSync(path, t);
    out.push({ group: 'checkpoint', what, input: t, names, expect, run: () => readCheckpoint(path, want) });
  }
  const p = join(dir, 'null.ckpt');
  writeFileSync(p, 'null');
  out.push({
    group: 'checkpoint',
    what: 'the JSON null',
    input: 'null',
    names: [p],
    expect: 'reject',
    run: () => readCheckpoint(p, {}),
  });
  out.push({
    group: 'checkpoint',
    what: 'a folder',
    input: dir,
    names: [dir],
    expect: 'reject',
    run: () => readCheckpoint(dir, {}),
  });
  return out;
}

/** Function keys (hex of a function's bits) with one thing wrong, through the key helpers and a table. */
export function keyCases(seed: Seed, count: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const r = new Rng(seed, 'fuzz', 'key', i);
    const m = between(r, 1, 90);
    const len = Math.ceil(m / 4);
    const bits = Uint8Array.from({ length: m }, () => (r.uniform() < 0.5 ? 1 : 0));
    const key = keyOfBits(bits);
    const kind = r.int(4);
    let bad: unknown;
    let names: (string | string[])[];
    if (kind === 0) {
      const at = r.int(len);
      bad = key.slice(0, at) + pick(r, ['g', 'x', ' ', 'é', '-', '.', 'Z', '\u0000']) + key.slice(at + 1);
      names = [`position ${at}`];
    } else if (kind === 1) {
      const extra = r.uniform() < 0.5 || len === 1;
      bad = extra ? `${key}0` : key.slice(0, -1);
      names = [`${len + (extra ? 1 : -1)} hex digit`, String(m)];
    } else if (kind === 2 && m % 4 !== 0) {
      // Set a padding bit (a function position ≥ m) in the last digit.
      const pad = 4 * len - m;
      const last = Number.parseInt(key[len - 1], 16) | (1 << r.int(pad));
      bad = key.slice(0, -1) + last.toString(16);
      names = ['padding'];
    } else {
      bad = pick(r, [5, null, {}, ['0'], Number.NaN, true]);
      names = ['key', 'string'];
    }
    const api = pick(r, ['normalizeKey', 'keyToBits', 'bitString', 'add', 'count'] as const);
    const run = () => {
      if (api === 'normalizeKey') return normalizeKey(bad as string, m);
      if (api === 'keyToBits') return keyToBits(bad as string, m);
      if (api === 'bitString') return bitString(bad as string, m);
      const t = new FunctionTable(m);
      return api === 'add' ? t.add(bad as string, 1) : t.count(bad as string);
    };
    out.push({
      group: 'key',
      what: `${api}(${valueName(bad) || typeof bad}, m = ${m})`,
      input: bad,
      names,
      expect: 'reject',
      run,
    });
  }
  return out;
}
