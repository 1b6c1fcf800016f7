/** Malformed architecture strings, options and specs for `parseArch` / `validateSpec`. */
import { ACTIVATIONS, type ArchOptions, type ArchSpec, parseArch, Rng, type Seed, validateSpec } from '@fsbayes/core';
import {
  between,
  type FuzzCase,
  getAt,
  leafPaths,
  NOT_NUMBERS,
  OVERFLOWS,
  type Path,
  pick,
  replaceAt,
  SWAPS,
  valueName,
} from './harness.js';

const FCN_BASES = ['fcn:40,40', 'fcn:', 'fcn:1024', 'fcn:7,3,5'];
const CNN_BASES = ['cnn:c16k3,c16k3s2same,gap', 'cnn:c32k5,c32k2,d64', 'cnn:c8k3x2s1x2,d16', 'cnn:c4k2,gap,d8,d8'];
const FCN_OPTS: ArchOptions = { inputShape: [7], activation: 'relu', sigmaW: 1.5, sigmaB: 0.5 };
const CNN_OPTS: ArchOptions = { inputShape: [28, 28, 1], activation: 'erf', sigmaW: 1, sigmaB: 0 };

/** Width tokens that are not positive integers. */
const BAD_WIDTHS = ['0', '-1', '1.5', '+5', '1e3', '', '４０', ...NOT_NUMBERS, ...OVERFLOWS, '9'.repeat(30)].filter(
  (t) => t.trim() === t && !t.includes(','),
);

/** How a layer token is named in a message: quoted, or its first characters if it is long. */
function quoted(t: string): string {
  return t.length > 40 ? t.slice(0, 20) : `"${t}"`;
}

export function archCases(seed: Seed, count: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) out.push(archCase(new Rng(seed, 'fuzz', 'arch', i)));
  return out;
}

function archCase(r: Rng): FuzzCase {
  const cnn = r.uniform() < 0.5;
  const base = pick(r, cnn ? CNN_BASES : FCN_BASES);
  const opts = cnn ? CNN_OPTS : FCN_OPTS;
  const call =
    (arch: unknown, o: unknown = opts) =>
    () =>
      parseArch(arch as string, o as ArchOptions);
  const kind = r.int(9);
  const items = base
    .slice(4)
    .split(',')
    .filter((t) => t !== '');
  switch (kind) {
    case 0: {
      // A bad width or layer in place of a good one.
      const tok = pick(r, BAD_WIDTHS);
      if (items.length === 0) items.push('40');
      const j = r.int(items.length);
      let item = tok;
      if (cnn && r.uniform() < 0.5 && /^c\d+k\d+/.test(items[j])) item = items[j].replace(/^c\d+/, `c${tok}`);
      if (cnn && item === tok && r.uniform() < 0.3 && /^\w*$/.test(tok)) item = `d${tok}`;
      items[j] = item;
      const arch = `${base.slice(0, 4)}${items.join(',')}`;
      // A CNN layer the regex cannot read is named whole; a bad number is named itself.
      const names = cnn && item !== tok && !/^c\d+k/.test(item) ? [quoted(item)] : [[quoted(tok), quoted(item)]];
      // `fcn:` alone is a perceptron.
      const valid = arch === 'fcn:';
      return {
        group: 'arch',
        what: `layer ${j} := ${JSON.stringify(item)}`,
        input: arch,
        names: valid ? [] : names,
        expect: valid ? 'any' : 'reject',
        run: call(arch),
      };
    }
    case 1: {
      const arch = pick(r, ['rnn:40', 'fcn40', '', ':', 'mlp:4', 'cnnn:c3k3', 'f c n:4', '💥:1']);
      const k = (arch.includes(':') ? arch.slice(0, arch.indexOf(':')) : arch).trim().toLowerCase();
      return { group: 'arch', what: 'unknown kind', input: arch, names: [`"${k}"`], expect: 'reject', run: call(arch) };
    }
    case 2: {
      // Kernel larger than the 28×28 input.
      const k = between(r, 29, 1000);
      const arch = `cnn:c4k${k}`;
      return {
        group: 'arch',
        what: 'kernel larger than the input',
        input: arch,
        names: [String(k)],
        expect: 'reject',
        run: call(arch, CNN_OPTS),
      };
    }
    case 3: {
      // Layer order.
      const arch = pick(r, [
        'cnn:gap,c16k3',
        'cnn:d64,c16k3',
        'cnn:c16k3,gap,gap',
        'cnn:c16k3,d8,gap',
        'cnn:d8',
        'cnn:gap',
      ]);
      const bad =
        arch === 'cnn:d8'
          ? 'conv layer'
          : arch.endsWith('c16k3')
            ? arch.includes('gap')
              ? '"gap"'
              : '"c16k3"'
            : '"gap"';
      return {
        group: 'arch',
        what: 'layers out of order',
        input: arch,
        names: [bad],
        expect: 'reject',
        run: call(arch, CNN_OPTS),
      };
    }
    case 4: {
      // A bad option value.
      const field = pick(r, ['sigmaW', 'sigmaB', 'activation', 'inputShape'] as const);
      const pool: unknown[] =
        field === 'activation'
          ? ['sigmoid', 'RELU', '', 5, '💥', {}, true].filter((v) => !(ACTIVATIONS as readonly unknown[]).includes(v))
          : field === 'inputShape'
            ? [[], [0], [-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [7, '2'], 'abc', null, 7, [2 ** 53], {}]
            : [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1', -Number.MAX_VALUE, [], {}, true].filter(
                (v) => !(field === 'sigmaB' && v === 0),
              );
      const v = pick(r, pool);
      const o = { ...opts, [field]: v };
      const shown = Array.isArray(v)
        ? v.length === 0
          ? '[]'
          : valueName(v.find((e) => !(Number.isSafeInteger(e) && e > 0)))
        : valueName(v);
      const names: (string | string[])[] = [field];
      if (shown !== '') names.push(shown);
      return {
        group: 'arch',
        what: `opts.${field} := ${String(v)}`,
        input: { arch: base, opts: o },
        names,
        expect: 'reject',
        run: call(base, o),
      };
    }
    case 5: {
      const v = pick(r, [5, null, undefined, {}, ['fcn:40'], true]);
      return { group: 'arch', what: 'arch is not a string', input: v, names: ['arch'], expect: 'reject', run: call(v) };
    }
    case 6: {
      // Very long: thousands of good layers then one bad.
      const tok = pick(r, ['x', '0', '-3', '1e400']);
      const arch = `fcn:${'40,'.repeat(between(r, 1000, 5000))}${tok}`;
      return {
        group: 'arch',
        what: 'very long, bad last layer',
        input: arch,
        names: [`"${tok}"`],
        expect: 'reject',
        run: call(arch, FCN_OPTS),
      };
    }
    case 7: {
      // Truncated at a random point (may still be valid).
      const arch = base.slice(0, r.int(base.length));
      return { group: 'arch', what: 'truncated', input: arch, names: [], expect: 'any', run: call(arch) };
    }
    default: {
      // One character replaced (may still be valid).
      const at = r.int(base.length);
      const arch = replaceAt(base, at, pick(r, ['0', '9', ',', ':', 'x', 's', 'k', '-', '.', ' ', 'é', '\u0000', '']));
      return { group: 'arch', what: `char ${at} replaced`, input: arch, names: [], expect: 'any', run: call(arch) };
    }
  }
}

/** Specs as read back from a result file, with one field swapped for another type or removed. */
export function specCases(seed: Seed, count: number): FuzzCase[] {
  const bases: ArchSpec[] = [
    ...FCN_BASES.map((a) => parseArch(a, FCN_OPTS)),
    ...CNN_BASES.map((a) => parseArch(a, CNN_OPTS)),
  ];
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const r = new Rng(seed, 'fuzz', 'spec', i);
    const spec = JSON.parse(JSON.stringify(pick(r, bases))) as Record<string, unknown>;
    const paths = leafPaths(spec);
    const path = pick(r, paths);
    const drawn = r.uniform() < 0.1 ? undefined : pick(r, SWAPS);
    // Case i stays case i of the stream: a swap that changes nothing becomes a deletion.
    const v = Object.is(getAt(spec, path), drawn) ? undefined : drawn;
    setPath(spec, path, v);
    const valid = stillValid(path, v, spec);
    const field = path.filter((p) => typeof p === 'string').pop() as string;
    const convIndex = path[0] === 'convs' && typeof path[1] === 'number' ? path[1] : -1;
    // A conv layer is named "conv layer i" (from 1); a whole convs array by its first bad layer.
    const names: (string | string[])[] = [
      convIndex >= 0
        ? [`conv layer ${convIndex + 1}`, `convs[${convIndex}]`]
        : field === 'convs'
          ? ['convs', 'conv layer']
          : field,
    ];
    const shown = valueName(v);
    if (shown !== '' && typeof v !== 'object' && typeof v !== 'boolean') names.push(shown);
    out.push({
      group: 'spec',
      what: `${path.join('.')} := ${String(v)}`,
      input: spec,
      names: valid ? [] : names,
      expect: valid ? 'any' : 'reject',
      run: () => validateSpec(spec as unknown as ArchSpec),
    });
  }
  // Not an object at all.
  for (const v of [null, 5, 'fcn:4', [], true]) {
    out.push({
      group: 'spec',
      what: `spec := ${JSON.stringify(v)}`,
      input: v,
      names: ['spec'],
      expect: 'reject',
      run: () => validateSpec(v as unknown as ArchSpec),
    });
  }
  return out;
}

function setPath(x: unknown, path: Path, v: unknown): void {
  const parent = getAt(x, path.slice(0, -1)) as Record<string | number, unknown>;
  if (v === undefined) delete parent[path[path.length - 1]];
  else parent[path[path.length - 1]] = v;
}

/** Whether the swap may have left a valid spec (then any outcome but a crash is fine). */
function stillValid(path: Path, v: unknown, spec: Record<string, unknown>): boolean {
  const field = path[path.length - 1];
  const posInt = Number.isSafeInteger(v) && (v as number) >= 1;
  if (field === 'bias') return typeof v === 'boolean' && !(v && spec.sigmaB === 0);
  if (field === 'sigmaW') return typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (field === 'sigmaB') return typeof v === 'number' && Number.isFinite(v) && v >= 0 && !(v === 0 && spec.bias);
  const posInts = (n?: number) =>
    Array.isArray(v) && (n === undefined || v.length === n) && v.every((w) => Number.isSafeInteger(w) && w >= 1);
  if (field === 'hidden') return posInts();
  if (field === 'kernel' || field === 'stride') return posInts(2);
  if (field === 'convs' || field === 'inputShape') return false;
  if (typeof field === 'number') {
    // An element of hidden, inputShape (CNN), kernel or stride: a positive integer might still fit.
    if (path[path.length - 2] === 'convs') return false;
    return posInt;
  }
  if (field === 'inputDim' || field === 'channels') return posInt;
  return false;
}
