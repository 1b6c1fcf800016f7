/**
 * The JSON Schemas (draft 2020-12) of fsbayes's output formats, shipped in
 * this package's `schemas/` folder and described in docs/formats.md. Each
 * schema's `$id` is `urn:fsbayes:schema:<name>`; the table and P_B file
 * schemas refer to the provenance schema by that id, so load them together.
 * The readers here check every file they read themselves; the schemas are
 * for other tools (and the tests, which validate real outputs with ajv).
 */
import { readFileSync } from 'node:fs';
import { FsbayesError } from '../errors/index.js';

/** The output formats with a schema. */
export const FORMAT_SCHEMAS = ['provenance', 'function-table', 'pb-file', 'metrics', 'summary'] as const;
export type FormatSchemaName = (typeof FORMAT_SCHEMAS)[number];

/** The path of a format's schema file. */
export function formatSchemaPath(name: FormatSchemaName): string {
  if (!FORMAT_SCHEMAS.includes(name))
    throw new FsbayesError(`no schema named ${JSON.stringify(name)}; there are ${FORMAT_SCHEMAS.join(', ')}`);
  return new URL(`../../schemas/${name}.schema.json`, import.meta.url).pathname;
}

/** A format's schema as a JSON object. */
export function readFormatSchema(name: FormatSchemaName): Record<string, unknown> {
  const path = formatSchemaPath(name);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new FsbayesError(`cannot read the schema ${path}: ${(e as Error).message}`, { kind: 'io', cause: e });
  }
}
