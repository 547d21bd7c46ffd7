// CRD OpenAPI v3 (structural) schemas as JSON Schemas, and an Ajv to check objects with them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { isObject, type Json, type JsonObject } from './objects.ts';
import { manifestsTestDir } from './paths.ts';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * The API server prunes (or, with strict field validation, rejects) fields a structural schema does
 * not declare, unless x-kubernetes-preserve-unknown-fields says otherwise; `nullable` admits null.
 * The JSON Schema made here rejects undeclared fields, so a misspelt field fails the test instead of
 * vanishing on the cluster.
 */
export function structuralToJsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(structuralToJsonSchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-kubernetes-') || k === 'nullable' || k === 'default' || k === 'description') continue;
    if (k === 'properties' && isObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, structuralToJsonSchema(s)]));
    } else if (k === 'items' || k === 'additionalProperties' || k === 'not') {
      out[k] = typeof v === 'boolean' ? v : structuralToJsonSchema(v);
    } else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = v.map(structuralToJsonSchema);
    } else {
      out[k] = v;
    }
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(schema.properties) && !preserve && schema.additionalProperties === undefined) out.additionalProperties = false;
  if (schema.nullable === true && typeof schema.type === 'string') out.type = [schema.type, 'null'];
  return out;
}

export function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv;
}

export function loadYaml(file: string): Json {
  return parse(readFileSync(file, 'utf8')) as Json;
}

/** Validators keyed `apiVersion/Kind`, from a file of `apiVersion/Kind: <openAPIV3Schema>` entries. */
export function crdValidators(ajv: Ajv, file: string): Map<string, ValidateFunction> {
  const doc = loadYaml(path.join(manifestsTestDir, 'crds', file));
  if (!isObject(doc)) throw new Error(`${file}: expected a map of apiVersion/Kind to schemas`);
  return new Map(Object.entries(doc).map(([key, schema]) => [key, ajv.compile(structuralToJsonSchema(schema) as object)]));
}

export function formatErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
    return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
  });
}
