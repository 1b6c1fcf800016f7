/**
 * The EP-against-Botev summary of the Boolean experiments: each function's whole
 * truth table and its LZ complexity, and the differences, against values worked
 * out here from the definitions.
 */
import { bitString, keyOfBits, lzComplexity, type PbFile } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { epVsBotev, epVsBotevTable, functionLz } from '../src/repro/estimators.js';
import { booleanSystem, booleanTarget } from '../src/repro/system.js';

const target = booleanTarget(7, 0, () => 0);
const sys = booleanSystem(target, 7, 32, 1);
/** The key on E of a function of all 128 inputs (a '0'/'1' string, char i = input i). */
const onE = (full: string) => keyOfBits(Uint8Array.from(sys.split.testIndex, (p) => (full[p] === '1' ? 1 : 0)));

function pbFile(method: 'ep' | 'botev', rows: [string, number][]): PbFile {
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: method === 'ep' ? -10.7 : -10.5,
    ...(method === 'botev' ? { logPSStderr: 0.01 } : {}),
    method,
    methodError: '',
    nS: 32,
    nE: 96,
    massCovered: 0,
    converged: true,
    warnings: [],
    functions: rows.map(([key, logPB]) => ({
      key,
      count: 1,
      errors: null,
      logPB,
      ...(method === 'botev' ? { stderr: 0.05 } : {}),
    })),
    provenance: { dataset: null } as unknown as PbFile['provenance'],
  };
}

describe('functionLz', () => {
  it('is the LZ complexity of the whole truth table: S from the data, E from the function', () => {
    expect(functionLz(sys, onE(target))).toBe(lzComplexity(target));
    const flipped = `${target.slice(0, -1)}${target.endsWith('1') ? '0' : '1'}`;
    // the last input (127) is in S or in E; either way the table is the target's on S
    const whole = sys.split.testIndex.includes(127) ? flipped : target;
    expect(functionLz(sys, onE(flipped))).toBe(lzComplexity(whole));
    const ones = '1'.repeat(128);
    const mixed = Array.from({ length: 128 }, (_, i) => (sys.split.trainIndex.includes(i) ? target[i] : '1')).join('');
    expect(functionLz(sys, onE(ones))).toBe(lzComplexity(mixed));
    expect(bitString(onE(ones), 96)).toBe('1'.repeat(96));
  });
});

describe('epVsBotev', () => {
  it('pairs the functions both files hold and summarises EP − Botev by probability and complexity', () => {
    const keys = [target, '1'.repeat(128), '0'.repeat(128), '01'.repeat(64), '0110'.repeat(32)].map(onE);
    const botev = pbFile('botev', [
      [keys[0], -2],
      [keys[1], -9],
      [keys[2], -12],
      [keys[3], -30],
      [keys[4], -25],
    ]);
    // EP 0.4 low on the two most probable, 0.1 high on the least; one function EP lacks
    const ep = pbFile('ep', [
      [keys[0], -2.4],
      [keys[1], -9.4],
      [keys[2], -12.2],
      [keys[3], -29.9],
    ]);
    const s = epVsBotev(sys, { botev, ep });
    expect(s.functions).toBe(4);
    expect(s.meanDiff).toBeCloseTo((-0.4 - 0.4 - 0.2 + 0.1) / 4, 12);
    expect(s.minDiff).toBeCloseTo(-0.4, 12);
    expect(s.maxDiff).toBeCloseTo(0.1, 12);
    expect(s.logPS.diff).toBeCloseTo(-0.2, 12);
    // the difference rises as log P_B falls
    expect(s.spearmanWithLogPB).toBeLessThan(0);
    expect(s.byLogPB.map((b) => b.n)).toEqual([1, 1, 1, 1]);
    expect(s.byLogPB[0].from).toBe(-30);
    expect(s.byLogPB[0].meanDiff).toBeCloseTo(0.1, 12);
    const t = epVsBotevTable(s);
    expect(t.rows).toHaveLength(8);
    expect(t.columns).toContain('mean EP − Botev');
  });
});
