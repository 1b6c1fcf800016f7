/** Test helper: ajv (draft 2020-12, strict) loaded with every shipped format schema. */
import Ajv2020 from 'ajv/dist/2020.js';
import { FORMAT_SCHEMAS, type FormatSchemaName, readFormatSchema } from '../src/functions/schemas.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
for (const name of FORMAT_SCHEMAS) ajv.addSchema(readFormatSchema(name));

/** The schema errors of `data` as one string per error; [] when it is valid. */
export function schemaErrors(name: FormatSchemaName, data: unknown): string[] {
  const validate = ajv.getSchema(`urn:fsbayes:schema:${name}`);
  if (!validate) throw new Error(`schema ${name} not loaded`);
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
