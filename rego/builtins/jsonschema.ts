/**
 * JSON Schema builtins: `json.verify_schema(schema)` → `[ok, error|null]` and
 * `json.match_schema(document, schema)` → `[ok, errors]`.
 *
 * OPA validates with its fork of gojsonschema (drafts 4, 6 and 7, plus the default "hybrid"
 * draft that accepts the keywords of all three; `$schema` picks a draft). To give policies the
 * same results and the same error objects, this module reimplements that validator's
 * behaviour rather than mapping another library's output: schema compilation checks and their
 * messages (`has a primitive type that is NOT VALID -- given: /x/ …`, `minLength must be of an
 * integer`, …), validation order, the "closest match" errors merged for failed
 * `anyOf`/`oneOf`/`contains`, `$ref` resolution through `$id`/`id` and JSON pointers, format
 * checkers, and the `{"error", "type", "field", "desc"}` objects (`type` is gojsonschema's
 * error type, `field` the path without `(root).`, `error` is `field: desc`).
 *
 * Differences from OPA: remote `$ref`s (http, file) are not fetched (an error says so);
 * gojsonschema iterates Go maps (properties, patternProperties, dependencies) in random order,
 * so OPA's error order can vary; here it is sorted by key. The `email` and `uri` format
 * checkers approximate Go's `net/mail` and `net/url` parsers.
 *
 * This module holds the builtins and a cache of compiled schemas. The validator is spread over
 * jsonschema-json.ts (the JSON model, exact numbers, Go's json.Marshal), jsonschema-errors.ts
 * (messages and results), jsonschema-refs.ts (`$ref` resolution), jsonschema-schema.ts (the
 * compiled form), jsonschema-compile.ts, jsonschema-formats.ts and jsonschema-validate.ts.
 */
import { canonical, type Value } from '../value.ts';
import { compileSchema } from './jsonschema-compile.ts';
import { type Result, SchemaError } from './jsonschema-errors.ts';
import { type J, load } from './jsonschema-json.ts';
import type { SubSchema } from './jsonschema-schema.ts';
import { validateDocument } from './jsonschema-validate.ts';
import { type BuiltinRegistry, builtinError } from './registry.ts';

/** Schemas compiled recently, by their text or canonical value (schemas are usually policy constants). */
const compiledCache = new Map<string, SubSchema>();
const CACHE_MAX = 64;

function compileCached(v: Value): SubSchema {
  const key = typeof v === 'string' ? `s${v}` : `v${canonical(v)}`;
  const hit = compiledCache.get(key);
  if (hit) return hit;
  const compiled = compileSchema(load(v));
  if (compiledCache.size >= CACHE_MAX) {
    const oldest = compiledCache.keys().next();
    if (!oldest.done) compiledCache.delete(oldest.value);
  }
  compiledCache.set(key, compiled);
  return compiled;
}

function rethrow(e: unknown): never {
  if (e instanceof SchemaError) builtinError(e.message);
  throw e;
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'object';

  r.def('json.verify_schema', 1, cat, ([schema]) => {
    try {
      compileCached(schema as Value);
      return [true, null];
    } catch (e) {
      if (e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
      throw e;
    }
  });

  r.def('json.match_schema', 2, cat, ([document, schema]) => {
    let doc: J;
    let compiled: SubSchema;
    let result: Result;
    try {
      doc = load(document as Value);
      compiled = compileCached(schema as Value);
      result = validateDocument(compiled, doc);
    } catch (e) {
      rethrow(e);
    }
    const errors: Value[] = result.errors.map((e) => {
      const o: Record<string, Value> = Object.create(null);
      o.error = `${e.field}: ${e.description}`;
      o.type = e.type;
      o.field = e.field;
      o.desc = e.description;
      return o;
    });
    return [result.valid(), errors];
  });
}
