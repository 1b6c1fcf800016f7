/**
 * The JSON Schemas of the output formats (packages/core/schemas, described
 * in docs/formats.md) against what the writers really write, checked by ajv
 * (draft 2020-12, strict): every writer's output is valid, and files that
 * the readers refuse are invalid too. The CLI and experiment outputs are
 * validated in test/compare-cli.test.ts and test/repro.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  createProvenance,
  FORMAT_SCHEMAS,
  FunctionTable,
  type PbFile,
  parsePbFile,
  pbFileText,
  readFormatSchema,
} from '../src/functions/index.js';
import { schemaErrors } from './schema-validator.js';

const provenance = createProvenance({
  spec: { kind: 'fcn', hidden: [4] },
  dataset: { name: 'boolean-n3', trainMask: '0x0f', testMask: '0xf0' },
  seeds: [1],
  backend: { name: 'js', precision: 'f64', threads: 1 },
});

function table(): FunctionTable {
  const t = new FunctionTable(5, Uint8Array.from([1, 0, 1, 1, 0]), provenance);
  t.add('f8', 3);
  t.add('10', 1);
  return t;
}

/** A P_B file over the table's functions (as the experiments write one), an exact zero and an unconverged row among them. */
function pb(): PbFile {
  const fns: PbFile['functions'] = table()
    .entries()
    .map((e, i) => ({ key: e.key, count: e.count, errors: e.errors, logPB: Math.log(0.4 / (i + 1)) }));
  fns.push({ key: '08', count: 0, errors: 3, logPB: Number.NEGATIVE_INFINITY, pB: 0 });
  fns[1].converged = false;
  return {
    format: 'fsbayes.pb',
    formatVersion: 1,
    logPS: -2.25,
    method: 'ep',
    nS: 3,
    nE: 5,
    massCovered: 0.6,
    converged: false,
    warnings: ['EP did not converge for 1 function'],
    functions: fns,
    provenance,
  };
}

describe('format schemas', () => {
  it('every schema is draft 2020-12 with an urn:fsbayes id', () => {
    for (const name of FORMAT_SCHEMAS) {
      const s = readFormatSchema(name);
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(s.$id).toBe(`urn:fsbayes:schema:${name}`);
    }
  });
  it('a function table as written is valid; a bad key, count 0 or a wrong format are not', () => {
    const json = JSON.parse(JSON.stringify(table().toJSON()));
    expect(schemaErrors('function-table', json)).toEqual([]);
    const bad = (f: (j: typeof json) => void) => {
      const j = structuredClone(json);
      f(j);
      return schemaErrors('function-table', j);
    };
    expect(bad((j) => (j.functions[0].key = 'zz'))).not.toEqual([]);
    expect(bad((j) => (j.functions[0].count = 0))).not.toEqual([]);
    expect(bad((j) => (j.format = 'fsbayes.table'))).not.toEqual([]);
    expect(bad((j) => (j.labels = '10201'))).not.toEqual([]);
  });
  it('a P_B file as written (−∞ as null with pB 0) is valid, with or without the fields being added', () => {
    const text = pbFileText(pb());
    const json = JSON.parse(text);
    expect(schemaErrors('pb-file', json)).toEqual([]);
    const withNew = {
      ...json,
      pbMethod: 'lowrank',
      methodError: 'lowrank vs joint EP: below it by at most 0.25 × frozenKL',
    };
    withNew.functions = json.functions.map((f: object) => ({ ...f, frozenKL: 0.01 }));
    expect(schemaErrors('pb-file', withNew)).toEqual([]);
    // a null logPB without pB: 0 is what the reader refuses, and so does the schema
    const bad = structuredClone(json);
    delete bad.functions[2].pB;
    expect(() => parsePbFile(bad, 'pb.json')).toThrow(/logPB/);
    expect(schemaErrors('pb-file', bad)).not.toEqual([]);
    expect(schemaErrors('pb-file', { ...json, nE: 0 })).not.toEqual([]);
  });
});
