/**
 * `--set` values and setting ranges: numbers, lists of numbers, and names
 * (a named setting takes one of its declared choices); every refusal names
 * the key, the value and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import { parseOverrides, settingsFor } from '../src/repro/context.js';
import { COUNT, oneOf } from '../src/repro/settings.js';

const ctx = (overrides = {}) => ({ name: 'demo', scale: 'small' as const, out: '', seed: 1, quiet: true, overrides });
const PRESET = { dataset: 'mnist', runs: 10, sizes: [1, 2] };
const RANGES = { dataset: oneOf(['mnist', 'fashion']), runs: COUNT, sizes: COUNT };
const settings = (overrides: Record<string, number | number[] | string>) =>
  settingsFor(ctx(overrides), PRESET, PRESET, RANGES);

describe('named settings', () => {
  it('--set parses numbers, lists and names', () => {
    expect(parseOverrides(['runs=5', 'sizes=3,4', 'dataset=fashion', 'one=7'])).toEqual({
      runs: 5,
      sizes: [3, 4],
      dataset: 'fashion',
      one: 7,
    });
    // Not a number and not a name: refused as before.
    expect(() => parseOverrides(['runs=1e'])).toThrow(/--set runs: values must be numbers, got '1e'/);
    expect(() => parseOverrides(['sizes=a,b'])).toThrow(/values must be numbers/);
  });

  it('a name must be one of the choices, and each kind keeps its kind', () => {
    expect(settings({ dataset: 'fashion', sizes: 3 })).toEqual({ dataset: 'fashion', runs: 10, sizes: [3] });
    expect(() => settings({ dataset: 'cifar' })).toThrow(
      '--set dataset=cifar: dataset of demo must be one of mnist, fashion, got cifar',
    );
    expect(() => settings({ dataset: 3 })).toThrow("setting 'dataset' takes one of mnist, fashion, got 3");
    expect(() => settings({ runs: 'many' })).toThrow("setting 'runs' takes a number, got 'many'");
    expect(() => settings({ sizes: 'few' })).toThrow("setting 'sizes' takes numbers, got 'few'");
  });

  it('a named setting without choices is an internal error', () => {
    expect(() => settingsFor(ctx(), PRESET, PRESET, { ...RANGES, dataset: COUNT })).toThrow(
      /setting 'dataset' of demo is a name but declares no choices/,
    );
  });
});
