/** The fsbayes.pb format: its one writer and its one reader agree, exact zeros included. */
import { describe, expect, it } from 'vitest';
import { createProvenance, type PbFile, parsePbFile, pbFileCsv, pbFileText } from '../src/functions/index.js';

function pbFile(): PbFile {
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: -3.5,
    method: 'ep',
    nS: 4,
    nE: 8,
    massCovered: 0.75,
    converged: false,
    warnings: ['EP did not converge for 1 function'],
    functions: [
      { key: 'f0', count: 7, errors: 0, logPB: Math.log(0.5) },
      { key: '0f', count: 2, errors: 8, logPB: Number.NEGATIVE_INFINITY, pB: 0 },
      { key: '33', count: 1, errors: null, logPB: Math.log(0.25), converged: false },
    ],
    provenance: createProvenance({ spec: null, dataset: { testMask: 'ff' }, seeds: [1], backend: 'js' }),
  };
}

describe('fsbayes.pb', () => {
  it('writes −∞ as "logPB": null with "pB": 0 and reads it back as −∞; every other field survives', () => {
    const pb = pbFile();
    const text = pbFileText(pb);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('{"key":"0f","count":2,"errors":8,"logPB":null,"pB":0}');
    const back = parsePbFile(JSON.parse(text), 'pb.json');
    expect(back.functions[1].logPB).toBe(Number.NEGATIVE_INFINITY);
    expect(back.functions[0].logPB).toBe(Math.log(0.5));
    expect(back).toEqual(pb);
    // Indented, the same JSON.
    expect(JSON.parse(pbFileText(pb, 2))).toEqual(JSON.parse(text));
  });

  it('the CSV lists key, count and log P_B, -inf for an exact zero', () => {
    expect(pbFileCsv(pbFile())).toBe(
      `key,count,logPB\n0xf0,7,${Math.log(0.5)}\n0x0f,2,-inf\n0x33,1,${Math.log(0.25)}\n`,
    );
  });

  it('the reader normalises keys, defaults errors and warnings, and names a bad field', () => {
    const r = parsePbFile(
      { format: 'fsbayes.pb', formatVersion: 1, nE: 8, functions: [{ key: 'F0', logPB: -1 }] },
      'x',
    );
    expect(r.functions[0]).toEqual({ key: 'f0', logPB: -1, errors: null });
    expect(r.warnings).toEqual([]);
    const bad = { ...pbFile(), functions: [{ key: 'f0', logPB: Number.NaN }] };
    expect(() => parsePbFile(JSON.parse(JSON.stringify(bad)), 'pb.json')).toThrow(
      /^pb\.json: functions\[0\]\.logPB: must be a finite number, got null/,
    );
    expect(() => parsePbFile({ ...pbFile(), nE: 0 }, 'pb.json')).toThrow(/nE must be a positive integer, got 0/);
  });
});
