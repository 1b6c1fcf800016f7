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

  it('a Botev file: rows with stderr and upperBound survive, the CSV adds them, bad values and methods are refused', () => {
    const pb: PbFile = {
      ...pbFile(),
      method: 'botev',
      logPSStderr: 0.004,
      logPSUpperBound: -2.1,
      samples: 1000,
      samplesS: 100_000,
      seed: 3,
      functions: [
        { key: 'f0', count: 7, errors: 0, logPB: -0.7, stderr: 0.03, upperBound: 1.5 },
        { key: '0f', count: 2, errors: 8, logPB: Number.NEGATIVE_INFINITY, pB: 0 },
        { key: '33', count: 1, errors: null, logPB: -1.4, stderr: 0.05, converged: false },
      ],
    };
    const back = parsePbFile(JSON.parse(pbFileText(pb)), 'pb.json');
    expect(back).toEqual(pb);
    expect(pbFileCsv(pb)).toBe(
      'key,count,logPB,stderr,upperBound\n0xf0,7,-0.7,0.03,1.5\n0x0f,2,-inf,0,\n0x33,1,-1.4,0.05,\n',
    );
    const neg = { ...pb, functions: [{ key: 'f0', logPB: -1, stderr: -0.1 }] };
    expect(() => parsePbFile(neg, 'pb.json')).toThrow(
      /functions\[0\]\.stderr: must be a finite number ≥ 0 when present, got -0\.1/,
    );
    expect(() => parsePbFile({ ...pb, method: 'genz' }, 'pb.json')).toThrow(
      /method must be "ep" or "botev", got "genz"/,
    );
    // files from before Botev (method 'ep', no stderr) read as they did
    expect(parsePbFile(JSON.parse(pbFileText(pbFile())), 'old.json').functions[0].stderr).toBeUndefined();
  });
});
