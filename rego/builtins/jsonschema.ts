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
 */
import type { RE2JS } from 're2js';
import { BuiltinError } from '../errors.ts';
import { canonical, compareStrings, isInteger, toJSON, type Value } from '../value.ts';
import { goJSONString, isValidJSON, JSONSyntaxError, parseJSON } from './encoding-json.ts';
import { parseIP } from './net-ip.ts';
import { compileRegex } from './regex-cache.ts';
import { type BuiltinRegistry, builtinError } from './registry.ts';
import { parseLayout } from './time-layout.ts';

// ---------------------------------------------------------------------------------------------
// JSON model

/** A JSON value as the validator sees it (objects have null prototypes; big integers are bigint). */
type J = null | boolean | number | bigint | string | J[] | JObject;
interface JObject {
  [key: string]: J;
}

function isJObject(v: J | undefined): v is JObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isJNumber(v: J | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

function has(o: JObject, k: string): boolean {
  return Object.hasOwn(o, k);
}

function sortedKeys(o: JObject): string[] {
  return Object.keys(o).sort(compareStrings);
}

/** A schema error (compilation, reference resolution); the message is gojsonschema's. */
class SchemaError extends Error {}

/**
 * OPA's astValueToJSONSchemaLoader: a string is JSON text (checked first), objects and arrays
 * are converted as `ast.JSON` does (sets become arrays); anything else is refused.
 */
function load(v: Value): J {
  if (typeof v === 'string') {
    if (!isValidJSON(v)) throw new SchemaError('invalid JSON string');
    try {
      return toJSON(parseJSON(v)) as J;
    } catch (e) {
      if (e instanceof JSONSyntaxError) throw new SchemaError('invalid JSON string');
      throw e;
    }
  }
  if (typeof v === 'object' && v !== null) return toJSON(v) as J;
  throw new SchemaError('wrong type, expected string or object');
}

// ---------------------------------------------------------------------------------------------
// Exact numbers (gojsonschema compares with big.Rat)

interface Rat {
  readonly n: bigint;
  /** Always positive. */
  readonly d: bigint;
}

/** The exact value of a number as written (a double is taken at its shortest decimal form). */
function toRat(x: number | bigint): Rat {
  if (typeof x === 'bigint') return { n: x, d: 1n };
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return { n: 0n, d: 1n };
  const frac = m[3] ?? '';
  let n = BigInt((m[2] ?? '0') + frac);
  let d = 1n;
  const exp = Number(m[4] ?? '0') - frac.length;
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else d = 10n ** BigInt(-exp);
  return { n: m[1] === '-' ? -n : n, d };
}

function ratCmp(a: Rat, b: Rat): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** `(a / b)` is an integer. */
function ratDivisible(a: Rat, b: Rat): boolean {
  const num = a.n * b.d;
  const den = a.d * b.n;
  return den !== 0n && num % den === 0n;
}

/** Decimal digits (no leading/trailing zeros) and exponent e such that value = 0.d1d2… × 10^e. */
function ratDigits(a: Rat): { neg: boolean; digits: string; point: number } | undefined {
  const neg = a.n < 0n;
  const n = neg ? -a.n : a.n;
  if (n === 0n) return { neg: false, digits: '0', point: 1 };
  // Denominators are powers of ten here (from decimal literals), so the expansion terminates.
  let d = a.d;
  let k = 0;
  while (d % 10n === 0n) {
    d /= 10n;
    k++;
  }
  if (d !== 1n) return undefined;
  let digits = n.toString();
  const point = digits.length - k;
  digits = digits.replace(/0+$/, '');
  return { neg, digits, point };
}

/** `%v` of a `*big.Float` set from the rational: Go's shortest `%g` (exponent form below 1e-4 or from 1e6). */
function formatRat(a: Rat): string {
  const dd = ratDigits(a);
  if (!dd) return String(Number(a.n) / Number(a.d));
  const { neg, digits, point } = dd;
  const exp = point - 1;
  let s: string;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    s = `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (point <= 0) {
    s = `0.${'0'.repeat(-point)}${digits}`;
  } else if (point >= digits.length) {
    s = digits + '0'.repeat(point - digits.length);
  } else {
    s = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return neg ? `-${s}` : s;
}

/** gojsonschema's mustBeInteger: an integral JSON number that fits an int64. */
function mustBeInteger(v: J | undefined): number | undefined {
  if (!isJNumber(v) || !isInteger(v)) return undefined;
  const b = BigInt(v);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return undefined;
  return Number(b);
}

// ---------------------------------------------------------------------------------------------
// Go's json.Marshal of a value decoded without UseNumber (numbers become float64)

function marshal(v: J): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint':
      // JS and Go's encoding/json agree on float64 formatting (plain between 1e-6 and 1e21).
      return String(Number(v));
    case 'string':
      return goJSONString(v);
  }
  if (Array.isArray(v)) return `[${v.map(marshal).join(',')}]`;
  return `{${sortedKeys(v)
    .map((k) => `${goJSONString(k)}:${marshal(v[k] as J)}`)
    .join(',')}}`;
}

// ---------------------------------------------------------------------------------------------
// Messages (gojsonschema's DefaultLocale)

type Details = Record<string, string | number>;

function fill(template: string, details: Details): string {
  return template.replace(/\{\{\.(\w+)\}\}/g, (_m, k: string) => {
    const v = details[k];
    return v === undefined ? '<no value>' : String(v);
  });
}

const JSON_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

const invalidType = (expected: string, given: string): SchemaError =>
  new SchemaError(`Invalid type. Expected: ${expected}, given: ${given}`);
const mustBeOfA = (x: string, y: string): SchemaError => new SchemaError(`${x} must be of a ${y}`);
const mustBeOfAn = (x: string, y: string): SchemaError => new SchemaError(`${x} must be of an ${y}`);
const mustBeOfType = (key: string, type: string): SchemaError =>
  new SchemaError(`${key} must be of type ${type}`);
const parseError = (): SchemaError => new SchemaError('Expected: valid schema, given: Invalid JSON');

/** Validation error types and their description templates. */
const ERROR_TEMPLATES = {
  false: 'False always fails validation',
  required: '{{.property}} is required',
  invalid_type: 'Invalid type. Expected: {{.expected}}, given: {{.given}}',
  number_any_of: 'Must validate at least one schema (anyOf)',
  number_one_of: 'Must validate one and only one schema (oneOf)',
  number_all_of: 'Must validate all the schemas (allOf)',
  number_not: 'Must not validate the schema (not)',
  missing_dependency: 'Has a dependency on {{.dependency}}',
  const: '{{.field}} does not match: {{.allowed}}',
  enum: '{{.field}} must be one of the following: {{.allowed}}',
  array_no_additional_items: 'No additional items allowed on array',
  array_min_items: 'Array must have at least {{.min}} items',
  array_max_items: 'Array must have at most {{.max}} items',
  unique: '{{.type}} items[{{.i}},{{.j}}] must be unique',
  contains: 'At least one of the items must match',
  array_min_properties: 'Must have at least {{.min}} properties',
  array_max_properties: 'Must have at most {{.max}} properties',
  additional_property_not_allowed: 'Additional property {{.property}} is not allowed',
  invalid_property_name: 'Property name of "{{.property}}" does not match',
  string_gte: 'String length must be greater than or equal to {{.min}}',
  string_lte: 'String length must be less than or equal to {{.max}}',
  pattern: "Does not match pattern '{{.pattern}}'",
  format: "Does not match format '{{.format}}'",
  multiple_of: 'Must be a multiple of {{.multiple}}',
  number_gte: 'Must be greater than or equal to {{.min}}',
  number_gt: 'Must be greater than {{.min}}',
  number_lte: 'Must be less than or equal to {{.max}}',
  number_lt: 'Must be less than {{.max}}',
  condition_then: 'Must validate "then" as "if" was valid',
  condition_else: 'Must validate "else" as "if" was not valid',
} as const;

type ErrorType = keyof typeof ERROR_TEMPLATES;

// ---------------------------------------------------------------------------------------------
// References: URIs, the document pool, JSON pointers

const DRAFT4 = 4;
const DRAFT6 = 6;
const DRAFT7 = 7;
const HYBRID = 2147483647;

const DRAFT_URLS: Record<string, number> = {
  'http://json-schema.org/draft-04/schema': DRAFT4,
  'http://json-schema.org/draft-06/schema': DRAFT6,
  'http://json-schema.org/draft-07/schema': DRAFT7,
};

function splitFragment(ref: string): [string, string | undefined] {
  const i = ref.indexOf('#');
  return i < 0 ? [ref, undefined] : [ref.slice(0, i), ref.slice(i + 1)];
}

/** A reference's canonical text: an empty fragment is dropped (as Go's url.URL.String does). */
function normalizeRef(ref: string): string {
  const [base, frag] = splitFragment(ref);
  return frag === undefined || frag === '' ? base : `${base}#${frag}`;
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** Resolves `ref` against `base` (RFC 3986, as Go's URL.ResolveReference; the base's fragment is ignored). */
function resolveRef(base: string, ref: string): string {
  const [rb, rf] = splitFragment(ref);
  const bb = splitFragment(base)[0];
  let resolved: string;
  if (SCHEME.test(rb)) {
    resolved = rb;
  } else if (rb === '') {
    resolved = bb;
  } else if (SCHEME.test(bb)) {
    try {
      resolved = new URL(rb, bb).href;
    } catch {
      resolved = rb;
    }
  } else if (rb.startsWith('/') || bb === '') {
    resolved = rb;
  } else {
    resolved = bb.slice(0, bb.lastIndexOf('/') + 1) + rb;
  }
  return normalizeRef(rf === undefined ? resolved : `${resolved}#${rf}`);
}

/** gojsonschema's parseSchemaURL: the draft named by `$schema`, if any. */
function draftOf(doc: J): number | undefined {
  if (typeof doc === 'boolean') return undefined;
  if (!isJObject(doc)) throw new SchemaError('schema is invalid');
  if (!has(doc, '$schema')) return undefined;
  const s = doc.$schema;
  if (typeof s !== 'string') throw mustBeOfType('$schema', 'string');
  return DRAFT_URLS[normalizeRef(s)];
}

/** RFC 6901 JSON pointer evaluation, with gojsonpointer's messages. */
function pointerGet(doc: J, fragment: string): J {
  let pointer = fragment;
  try {
    pointer = decodeURIComponent(fragment);
  } catch {
    // keep the raw text
  }
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) throw new SchemaError('JSON pointer must be empty or start with a "/"');
  let node: J = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (isJObject(node)) {
      if (!has(node, token)) throw new SchemaError(`Object has no key '${token}'`);
      node = node[token] as J;
    } else if (Array.isArray(node)) {
      if (!/^\d+$/.test(token)) throw new SchemaError(`Invalid array index '${token}'`);
      const i = Number(token);
      if (i >= node.length) throw new SchemaError(`Out of bound array[0,${node.length - 1}] index '${i}'`);
      node = node[i] as J;
    } else {
      throw new SchemaError(`Invalid token reference '${token}'`);
    }
  }
  return node;
}

interface PoolDocument {
  readonly doc: J;
  readonly draft: number | undefined;
}

class SchemaPool {
  readonly documents = new Map<string, PoolDocument>();

  /** Adds a document (and every `$id`/`id` inside it), rewriting `$ref`s to absolute references. */
  add(doc: J, ref: string): void {
    if (this.documents.has(ref)) throw new SchemaError(`Reference already exists: "${ref}"`);
    const draft = draftOf(doc);
    this.walk(doc, ref, draft, true);
    this.documents.set(ref, { doc, draft });
  }

  private walk(node: J, ref: string, draft: number | undefined, top: boolean): void {
    if (Array.isArray(node)) {
      for (const v of node) this.walk(v, ref, draft, false);
      return;
    }
    if (!isJObject(node)) return;
    let local = ref;
    const idKey = has(node, 'id') ? 'id' : '$id';
    const id = node[idKey];
    if (typeof id === 'string') {
      local = resolveRef(ref, id);
      if (this.documents.has(local)) {
        // Only a clash at the top of the document is reported (nested ones are ignored, as in Go).
        if (top) throw new SchemaError(`Reference already exists: "${local}"`);
        return;
      }
      this.documents.set(local, { doc: node, draft });
    }
    const r = node.$ref;
    if (typeof r === 'string') node.$ref = resolveRef(local, r);
    for (const k of sortedKeys(node)) {
      const v = node[k] as J;
      if (k === 'const' || k === 'enum') continue;
      if (k === 'properties' || k === 'dependencies' || k === 'patternProperties') {
        if (isJObject(v)) for (const ck of sortedKeys(v)) this.walk(v[ck] as J, local, draft, false);
      } else {
        this.walk(v, local, draft, false);
      }
    }
  }

  get(ref: string): PoolDocument {
    const found = this.documents.get(ref);
    if (found) return found;
    const [base, frag] = splitFragment(ref);
    const whole = this.documents.get(base);
    if (whole) {
      const spd = { doc: pointerGet(whole.doc, frag ?? ''), draft: whole.draft };
      this.documents.set(ref, spd);
      return spd;
    }
    if (base === '') throw new SchemaError(`Reference ${ref} must be canonical`);
    throw new SchemaError(`remote schema references are not supported: ${ref}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled schema

interface Pattern {
  readonly source: string;
  readonly re: RE2JS;
}

function compilePattern(source: string): RE2JS | undefined {
  try {
    return compileRegex(source);
  } catch (e) {
    if (e instanceof BuiltinError) return undefined;
    throw e;
  }
}

class SubSchema {
  draft: number | undefined;
  readonly parent: SubSchema | undefined;
  readonly property: string;

  pass: boolean | undefined;
  refSchema: SubSchema | undefined;
  types: string[] = [];
  properties: SubSchema[] = [];
  additionalProperties: boolean | SubSchema | undefined;
  patternProperties: [Pattern, SubSchema][] | undefined;
  propertyNames: SubSchema | undefined;
  dependencies: Map<string, string[] | SubSchema> | undefined;
  items: SubSchema[] = [];
  itemsSingle = false;
  additionalItems: boolean | SubSchema | undefined;
  multipleOf: Rat | undefined;
  minimum: Rat | undefined;
  exclusiveMinimum: Rat | undefined;
  maximum: Rat | undefined;
  exclusiveMaximum: Rat | undefined;
  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: Pattern | undefined;
  format = '';
  minProperties: number | undefined;
  maxProperties: number | undefined;
  required: string[] = [];
  minItems: number | undefined;
  maxItems: number | undefined;
  uniqueItems = false;
  contains: SubSchema | undefined;
  constJSON: string | undefined;
  enumPresent = false;
  enumJSON: string[] = [];
  oneOf: SubSchema[] = [];
  anyOf: SubSchema[] = [];
  allOf: SubSchema[] = [];
  not: SubSchema | undefined;
  ifSchema: SubSchema | undefined;
  thenSchema: SubSchema | undefined;
  elseSchema: SubSchema | undefined;

  constructor(property: string, parent: SubSchema | undefined, draft?: number) {
    this.property = property;
    this.parent = parent;
    this.draft = draft;
  }

  typesString(): string {
    if (this.types.length === 0) return 'undefined';
    return this.types.length > 1 ? `[${this.types.join(',')}]` : (this.types[0] as string);
  }
}

function getString(m: JObject, key: string): string | undefined {
  if (!has(m, key)) return undefined;
  const v = m[key];
  if (typeof v !== 'string') throw invalidType('string', key);
  return v;
}

function getSlice(m: JObject, key: string): J[] | undefined {
  if (!has(m, key)) return undefined;
  const v = m[key];
  if (!Array.isArray(v)) throw mustBeOfAn(key, 'array');
  return v;
}

function mustBeNumber(v: J | undefined): Rat | undefined {
  return isJNumber(v) ? toRat(v) : undefined;
}

const isSchemaValue = (v: J | undefined): boolean => typeof v === 'boolean' || isJObject(v);

/** Compiles a schema document the way gojsonschema's Schema.parseSchema does, keyword by keyword. */
class Compiler {
  readonly pool = new SchemaPool();
  readonly refs = new Map<string, SubSchema>();

  private child(v: J, property: string, parent: SubSchema): SubSchema {
    const s = new SubSchema(property, parent);
    this.parse(v, s);
    return s;
  }

  parse(node: J, cur: SubSchema): void {
    if (cur.draft === undefined) {
      if (!cur.parent) throw new SchemaError('Draft not set');
      cur.draft = cur.parent.draft;
    }
    const draft = cur.draft as number;
    if (draft >= DRAFT6 && typeof node === 'boolean') {
      cur.pass = node;
      return;
    }
    if (!isJObject(node)) throw parseError();
    const m = node;

    const idKey = draft === DRAFT4 ? 'id' : draft === HYBRID && has(m, 'id') ? 'id' : '$id';
    getString(m, idKey);

    if (has(m, 'definitions')) {
      const defs = m.definitions;
      if (!isJObject(defs)) throw invalidType('array of schemas', 'definitions');
      for (const k of sortedKeys(defs)) {
        const dv = defs[k] as J;
        if (!isSchemaValue(dv)) throw invalidType('array of schemas', 'definitions');
        this.child(dv, 'definitions', cur);
      }
    }

    getString(m, 'title');
    getString(m, 'description');

    const refText = getString(m, '$ref');
    if (refText !== undefined) {
      const ref = normalizeRef(refText);
      const known = this.refs.get(ref);
      if (known) cur.refSchema = known;
      else {
        this.parseReference(ref, cur);
        return;
      }
    }

    if (has(m, 'type')) {
      const t = m.type;
      const add = (name: string): void => {
        if (!JSON_TYPES.includes(name)) {
          throw new SchemaError(
            `has a primitive type that is NOT VALID -- given: /${name}/ Expected valid values are:[${JSON_TYPES.join(' ')}]`,
          );
        }
        if (cur.types.includes(name)) throw new SchemaError(`${name} type is duplicated`);
        cur.types.push(name);
      };
      if (typeof t === 'string') {
        add(t);
      } else if (Array.isArray(t)) {
        for (const e of t) {
          if (typeof e !== 'string') throw invalidType('type', 'string/array of strings');
          add(e);
        }
      } else {
        throw invalidType('type', 'string/array of strings');
      }
    }

    if (has(m, 'properties')) {
      const props = m.properties;
      if (!isJObject(props)) throw mustBeOfType('properties', 'object');
      for (const k of sortedKeys(props)) cur.properties.push(this.child(props[k] as J, k, cur));
    }

    if (has(m, 'additionalProperties')) {
      const ap = m.additionalProperties;
      if (typeof ap === 'boolean') cur.additionalProperties = ap;
      else if (isJObject(ap)) cur.additionalProperties = this.child(ap, 'additionalProperties', cur);
      else throw invalidType('boolean/valid schema', 'additionalProperties');
    }

    if (has(m, 'patternProperties')) {
      const pp = m.patternProperties;
      if (!isJObject(pp)) throw invalidType('valid schema', 'patternProperties');
      const keys = sortedKeys(pp);
      if (keys.length > 0) {
        cur.patternProperties = [];
        for (const k of keys) {
          const re = compilePattern(k);
          if (!re) throw new SchemaError(`Invalid regex pattern '${k}'`);
          cur.patternProperties.push([{ source: k, re }, this.child(pp[k] as J, k, cur)]);
        }
      }
    }

    if (has(m, 'propertyNames') && draft >= DRAFT6) {
      const pn = m.propertyNames as J;
      if (!isSchemaValue(pn)) throw invalidType('valid schema', 'patternProperties');
      cur.propertyNames = this.child(pn, 'propertyNames', cur);
    }

    if (has(m, 'dependencies')) {
      const deps = m.dependencies;
      if (!isJObject(deps)) throw mustBeOfType('dependencies', 'object');
      cur.dependencies = new Map();
      for (const k of sortedKeys(deps)) {
        const dv = deps[k] as J;
        if (Array.isArray(dv)) {
          const names: string[] = [];
          for (const e of dv) {
            if (typeof e !== 'string') throw mustBeOfType('dependency', 'schema or array of strings');
            names.push(e);
          }
          if (names.length > 0) cur.dependencies.set(k, names);
        } else if (isSchemaValue(dv)) {
          cur.dependencies.set(k, this.child(dv, k, cur));
        } else {
          throw mustBeOfType('dependency', 'schema or array of strings');
        }
      }
    }

    if (has(m, 'items')) {
      const items = m.items as J;
      if (Array.isArray(items)) {
        for (const e of items) {
          if (!isSchemaValue(e)) throw invalidType('valid schema/array of schemas', 'items');
          cur.items.push(this.child(e, 'items', cur));
        }
        cur.itemsSingle = false;
      } else if (isSchemaValue(items)) {
        cur.items.push(this.child(items, 'items', cur));
        cur.itemsSingle = true;
      } else {
        throw invalidType('valid schema/array of schemas', 'items');
      }
    }

    if (has(m, 'additionalItems')) {
      const ai = m.additionalItems;
      if (typeof ai === 'boolean') cur.additionalItems = ai;
      else if (isJObject(ai)) cur.additionalItems = this.child(ai, 'additionalItems', cur);
      else throw invalidType('boolean/valid schema', 'additionalItems');
    }

    if (has(m, 'multipleOf')) {
      const mo = mustBeNumber(m.multipleOf);
      if (!mo) throw invalidType('number', 'multipleOf');
      if (mo.n <= 0n) throw new SchemaError('multipleOf must be strictly greater than 0');
      cur.multipleOf = mo;
    }

    this.parseBound(m, cur, draft, 'minimum', 'exclusiveMinimum');
    this.parseBound(m, cur, draft, 'maximum', 'exclusiveMaximum');

    cur.minLength = this.nonNegativeInteger(m, 'minLength');
    cur.maxLength = this.nonNegativeInteger(m, 'maxLength');
    if (cur.minLength !== undefined && cur.maxLength !== undefined && cur.minLength > cur.maxLength) {
      throw new SchemaError('minLength cannot be greater than maxLength');
    }

    const pattern = getString(m, 'pattern');
    if (pattern !== undefined) {
      const re = compilePattern(pattern);
      if (!re) throw new SchemaError('pattern must be a valid regex');
      cur.pattern = { source: pattern, re };
    }

    const format = getString(m, 'format');
    if (format !== undefined) cur.format = format;

    cur.minProperties = this.nonNegativeInteger(m, 'minProperties');
    cur.maxProperties = this.nonNegativeInteger(m, 'maxProperties');
    if (
      cur.minProperties !== undefined &&
      cur.maxProperties !== undefined &&
      cur.minProperties > cur.maxProperties
    ) {
      throw new SchemaError('minProperties cannot be greater than maxProperties');
    }

    for (const e of getSlice(m, 'required') ?? []) {
      if (typeof e !== 'string') throw invalidType('string', 'required');
      if (cur.required.includes(e)) throw new SchemaError('required items must be unique');
      cur.required.push(e);
    }

    cur.minItems = this.nonNegativeInteger(m, 'minItems');
    cur.maxItems = this.nonNegativeInteger(m, 'maxItems');

    if (has(m, 'uniqueItems')) {
      const u = m.uniqueItems;
      if (typeof u !== 'boolean') throw mustBeOfA('uniqueItems', 'boolean');
      cur.uniqueItems = u;
    }

    if (has(m, 'contains') && draft >= DRAFT6) cur.contains = this.child(m.contains as J, 'contains', cur);

    if (has(m, 'const') && draft >= DRAFT6) cur.constJSON = marshal(m.const as J);

    const enumValues = getSlice(m, 'enum');
    cur.enumPresent = enumValues !== undefined;
    for (const e of enumValues ?? []) {
      const s = marshal(e);
      if (cur.enumJSON.includes(s)) throw new SchemaError('enum items must be unique');
      cur.enumJSON.push(s);
    }

    for (const e of getSlice(m, 'oneOf') ?? []) cur.oneOf.push(this.child(e, 'oneOf', cur));
    for (const e of getSlice(m, 'anyOf') ?? []) cur.anyOf.push(this.child(e, 'anyOf', cur));
    for (const e of getSlice(m, 'allOf') ?? []) cur.allOf.push(this.child(e, 'allOf', cur));

    if (has(m, 'not')) {
      const n = m.not as J;
      if (!isSchemaValue(n)) throw mustBeOfAn('not', 'object');
      cur.not = this.child(n, 'not', cur);
    }

    if (draft >= DRAFT7) {
      for (const [key, field] of [
        ['if', 'ifSchema'],
        ['then', 'thenSchema'],
        ['else', 'elseSchema'],
      ] as const) {
        if (!has(m, key)) continue;
        const v = m[key] as J;
        if (!isSchemaValue(v)) throw mustBeOfAn(key, 'object');
        cur[field] = this.child(v, key, cur);
      }
    }
  }

  private parseBound(
    m: JObject,
    cur: SubSchema,
    draft: number,
    key: 'minimum' | 'maximum',
    exclusiveKey: 'exclusiveMinimum' | 'exclusiveMaximum',
  ): void {
    if (has(m, key)) {
      const v = mustBeNumber(m[key]);
      if (!v) throw mustBeOfA(key, 'number');
      cur[key] = v;
    }
    if (!has(m, exclusiveKey)) return;
    const ex = m[exclusiveKey];
    const fromBool = (b: boolean): void => {
      if (cur[key] === undefined) throw new SchemaError(`${exclusiveKey} cannot be used without ${key}`);
      if (b) {
        cur[exclusiveKey] = cur[key];
        cur[key] = undefined;
      }
    };
    if (draft === DRAFT4) {
      if (typeof ex !== 'boolean') throw invalidType('boolean', exclusiveKey);
      fromBool(ex);
    } else if (draft === HYBRID) {
      if (typeof ex === 'boolean') fromBool(ex);
      else if (isJNumber(ex)) cur[exclusiveKey] = toRat(ex);
      else throw invalidType('boolean/number', exclusiveKey);
    } else {
      if (!isJNumber(ex)) throw invalidType('number', exclusiveKey);
      cur[exclusiveKey] = toRat(ex);
    }
  }

  private nonNegativeInteger(m: JObject, key: string): number | undefined {
    if (!has(m, key)) return undefined;
    const v = mustBeInteger(m[key]);
    if (v === undefined) throw mustBeOfAn(key, 'integer');
    if (v < 0) throw new SchemaError(`${key} must be greater than or equal to 0`);
    return v;
  }

  private parseReference(ref: string, cur: SubSchema): void {
    const s = new SubSchema('$ref', cur);
    this.refs.set(ref, s);
    const spd = this.pool.get(ref);
    s.draft = spd.draft;
    if (!isSchemaValue(spd.doc)) throw mustBeOfType('valid schema', 'object');
    this.parse(spd.doc, s);
    cur.refSchema = s;
  }
}

/** gojsonschema's SchemaLoader.Compile for a document loaded from a string or a value. */
function compileSchema(doc: J): SubSchema {
  const c = new Compiler();
  c.pool.add(doc, '');
  const root = new SubSchema('(root)', undefined, draftOf(doc) ?? HYBRID);
  c.parse(doc, root);
  return root;
}

// ---------------------------------------------------------------------------------------------
// Validation

class Context {
  readonly head: string;
  readonly tail: Context | undefined;
  constructor(head: string, tail?: Context) {
    this.head = head;
    this.tail = tail;
  }
  toString(): string {
    const parts: string[] = [];
    for (let c: Context | undefined = this; c; c = c.tail) parts.push(c.head);
    return parts.reverse().join('.');
  }
}

interface ResultError {
  readonly type: ErrorType;
  readonly field: string;
  readonly description: string;
}

class Result {
  readonly errors: ResultError[] = [];
  score = 0;

  valid(): boolean {
    return this.errors.length === 0;
  }

  add(type: ErrorType, context: Context, details: Details = {}): void {
    const field = context.toString().replace(/^\(root\)\./, '');
    const description = fill(ERROR_TEMPLATES[type], { ...details, field, context: context.toString() });
    this.errors.push({ type, field, description });
    this.score -= 2;
  }

  merge(other: Result): void {
    this.errors.push(...other.errors);
    this.score += other.score;
  }
}

const MAX_DEPTH = 2000;

/** Format checkers (gojsonschema's FormatCheckers); unknown formats pass; only strings are checked. */
const FORMATS: Record<string, (s: string) => boolean> = {
  date: (s) => parsesAs(['2006-01-02'], s),
  time: (s) => parsesAs(['15:04:05Z07:00', '15:04:05'], s),
  'date-time': (s) =>
    parsesAs(
      [
        '15:04:05',
        '15:04:05Z07:00',
        '2006-01-02',
        '2006-01-02T15:04:05Z07:00',
        '2006-01-02T15:04:05.999999999Z07:00',
      ],
      s,
    ),
  hostname: (s) =>
    /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]))*$/.test(
      s,
    ) && s.length < 256,
  email: isEmail,
  'idn-email': isEmail,
  ipv4: (s) => parseIP(s) !== undefined && s.includes('.'),
  ipv6: (s) => parseIP(s) !== undefined && s.includes(':'),
  uri: (s) => {
    const u = parseURL(s);
    return u !== undefined && u.scheme !== '' && !s.includes('\\');
  },
  'uri-reference': (s) => parseURL(s) !== undefined && !s.includes('\\'),
  iri: (s) => {
    const u = parseURL(s);
    return u !== undefined && u.scheme !== '' && !s.includes('\\');
  },
  'iri-reference': (s) => parseURL(s) !== undefined && !s.includes('\\'),
  'uri-template': (s) => {
    const u = parseURL(s);
    if (u === undefined || s.includes('\\')) return false;
    return /^([^{]*(\{[^}]*\})?)*$/.test(u.path);
  },
  uuid: (s) => /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/i.test(s),
  regex: (s) => s === '' || compilePattern(s) !== undefined,
  'json-pointer': (s) => /^(?:\/(?:[^~/]|~0|~1)*)*$/.test(s),
  'relative-json-pointer': (s) => /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/.test(s),
};

function parsesAs(layouts: string[], s: string): boolean {
  return layouts.some((layout) => {
    try {
      parseLayout(layout, s);
      return true;
    } catch {
      return false;
    }
  });
}

const ATEXT = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]";
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const EMAIL_BARE = new RegExp(`^\\s*${ADDR_SPEC}\\s*$`);
const EMAIL_NAMED = new RegExp(`^\\s*(?:${QUOTED}|[^<>"@]*)\\s*<${ADDR_SPEC}>\\s*$`);

/** Approximates Go's net/mail.ParseAddress: `local@domain` or `Name <local@domain>`. */
function isEmail(s: string): boolean {
  return EMAIL_BARE.test(s) || EMAIL_NAMED.test(s);
}

const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** Approximates Go's net/url.Parse: returns the scheme and path, or undefined when Go would fail. */
function parseURL(s: string): { scheme: string; path: string } | undefined {
  if (/[\x00-\x1f\x7f]/.test(s)) return undefined;
  let rest = s;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (BAD_ESCAPE.test(rest.slice(hash + 1))) return undefined;
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const sm = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (sm) {
    scheme = sm[1] as string;
    rest = rest.slice(scheme.length + 1);
  } else if (rest.startsWith(':')) {
    return undefined;
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (scheme !== '' && !rest.startsWith('/')) {
    // An opaque URL such as mailto:x; Go accepts it as is.
    return { scheme, path: '' };
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    const host = at < 0 ? authority : authority.slice(at + 1);
    if (at >= 0 && BAD_ESCAPE.test(authority.slice(0, at))) return undefined;
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) return undefined;
      const port = host.slice(close + 1);
      if (port !== '' && !/^:\d*$/.test(port)) return undefined;
    } else {
      const colon = host.lastIndexOf(':');
      if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) return undefined;
      const name = colon >= 0 ? host.slice(0, colon) : host;
      if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9a-fA-F]{2})*$/.test(name)) return undefined;
    }
  } else if (scheme === '') {
    const slash = rest.indexOf('/');
    const first = slash < 0 ? rest : rest.slice(0, slash);
    if (first.includes(':')) return undefined;
  }
  if (BAD_ESCAPE.test(rest)) return undefined;
  let path = rest;
  try {
    path = decodeURIComponent(rest);
  } catch {
    // keep the raw path
  }
  return { scheme, path };
}

class Validator {
  private depth = 0;

  validate(schema: SubSchema, node: J, result: Result, context: Context): void {
    if (++this.depth > MAX_DEPTH) throw new SchemaError('schema recursion is too deep');
    try {
      this.recurse(schema, node, result, context);
    } finally {
      this.depth--;
    }
  }

  private sub(schema: SubSchema, node: J, context: Context): Result {
    const r = new Result();
    this.validate(schema, node, r, context);
    return r;
  }

  private recurse(s: SubSchema, node: J, result: Result, context: Context): void {
    if (s.pass !== undefined) {
      if (!s.pass) result.add('false', context);
      return;
    }
    if (s.refSchema) {
      this.validate(s.refSchema, node, result, context);
      return;
    }
    const typed = s.types.length > 0;
    const typeError = (given: string): void =>
      result.add('invalid_type', context, { expected: s.typesString(), given });

    if (node === null) {
      if (typed && !s.types.includes('null')) {
        typeError('null');
        return;
      }
      this.schemaKeywords(s, node, result, context);
      this.common(s, node, result, context);
    } else if (isJNumber(node)) {
      const isInt = isInteger(node);
      if (typed && !(s.types.includes('number') || (isInt && s.types.includes('integer')))) {
        typeError(isInt ? 'integer' : 'number');
        return;
      }
      this.schemaKeywords(s, node, result, context);
      this.number(s, node, result, context);
      this.common(s, node, result, context);
    } else if (Array.isArray(node)) {
      if (typed && !s.types.includes('array')) {
        typeError('array');
        return;
      }
      this.schemaKeywords(s, node, result, context);
      this.array(s, node, result, context);
      this.common(s, node, result, context);
    } else if (isJObject(node)) {
      if (typed && !s.types.includes('object')) {
        typeError('object');
        return;
      }
      this.schemaKeywords(s, node, result, context);
      this.object(s, node, result, context);
      this.common(s, node, result, context);
      for (const p of s.properties) {
        if (has(node, p.property))
          this.validate(p, node[p.property] as J, result, new Context(p.property, context));
      }
    } else if (typeof node === 'boolean') {
      if (typed && !s.types.includes('boolean')) {
        typeError('boolean');
        return;
      }
      this.schemaKeywords(s, node, result, context);
      this.common(s, node, result, context);
    } else {
      if (typed && !s.types.includes('string')) {
        typeError('string');
        return;
      }
      this.schemaKeywords(s, node, result, context);
      this.common(s, node, result, context);
      this.string(s, node, result, context);
    }
    result.score++;
  }

  /** anyOf, oneOf, allOf, not, dependencies, if/then/else. */
  private schemaKeywords(s: SubSchema, node: J, result: Result, context: Context): void {
    if (s.anyOf.length > 0) {
      let valid = false;
      let best: Result | undefined;
      for (const sub of s.anyOf) {
        const r = this.sub(sub, node, context);
        if (r.valid()) {
          valid = true;
          break;
        }
        if (!best || r.score > best.score) best = r;
      }
      if (!valid) {
        result.add('number_any_of', context);
        if (best) result.merge(best);
      }
    }

    if (s.oneOf.length > 0) {
      let validated = 0;
      let best: Result | undefined;
      for (const sub of s.oneOf) {
        const r = this.sub(sub, node, context);
        if (r.valid()) validated++;
        else if (validated === 0 && (!best || r.score > best.score)) best = r;
      }
      if (validated !== 1) {
        result.add('number_one_of', context);
        if (validated === 0 && best) result.merge(best);
      }
    }

    if (s.allOf.length > 0) {
      let validated = 0;
      for (const sub of s.allOf) {
        const r = this.sub(sub, node, context);
        if (r.valid()) validated++;
        result.merge(r);
      }
      if (validated !== s.allOf.length) result.add('number_all_of', context);
    }

    if (s.not && this.sub(s.not, node, context).valid()) result.add('number_not', context);

    if (s.dependencies && isJObject(node)) {
      for (const key of sortedKeys(node)) {
        const dep = s.dependencies.get(key);
        if (dep === undefined) continue;
        if (Array.isArray(dep)) {
          for (const d of dep)
            if (!has(node, d)) result.add('missing_dependency', context, { dependency: d });
        } else {
          this.validate(dep, node, result, context);
        }
      }
    }

    if (s.ifSchema) {
      const ifValid = this.sub(s.ifSchema, node, context).valid();
      if (s.thenSchema && ifValid) {
        const r = this.sub(s.thenSchema, node, context);
        if (!r.valid()) {
          result.add('condition_then', context);
          result.merge(r);
        }
      }
      if (s.elseSchema && !ifValid) {
        const r = this.sub(s.elseSchema, node, context);
        if (!r.valid()) {
          result.add('condition_else', context);
          result.merge(r);
        }
      }
    }
    result.score++;
  }

  /** const, enum, format. */
  private common(s: SubSchema, node: J, result: Result, context: Context): void {
    if (s.constJSON !== undefined && marshal(node) !== s.constJSON) {
      result.add('const', context, { allowed: s.constJSON });
    }
    if (s.enumPresent && !s.enumJSON.includes(marshal(node))) {
      result.add('enum', context, { allowed: s.enumJSON.length === 0 ? '(none)' : s.enumJSON.join(', ') });
    }
    if (s.format !== '' && typeof node === 'string') {
      const check = FORMATS[s.format];
      if (check && !check(node)) result.add('format', context, { format: s.format });
    }
    result.score++;
  }

  private array(s: SubSchema, node: J[], result: Result, context: Context): void {
    const n = node.length;
    if (s.itemsSingle) {
      const item = s.items[0] as SubSchema;
      node.forEach((v, i) => {
        result.merge(this.sub(item, v, new Context(String(i), context)));
      });
    } else if (s.items.length > 0) {
      const k = s.items.length;
      for (let i = 0; i < k && i < n; i++) {
        result.merge(this.sub(s.items[i] as SubSchema, node[i] as J, new Context(String(i), context)));
      }
      if (k < n) {
        const ai = s.additionalItems;
        if (ai === false) {
          result.add('array_no_additional_items', context);
        } else if (ai instanceof SubSchema) {
          for (let i = k; i < n; i++)
            result.merge(this.sub(ai, node[i] as J, new Context(String(i), context)));
        }
      }
    }
    if (s.minItems !== undefined && n < s.minItems)
      result.add('array_min_items', context, { min: s.minItems });
    if (s.maxItems !== undefined && n > s.maxItems)
      result.add('array_max_items', context, { max: s.maxItems });
    if (s.uniqueItems) {
      const seen = new Map<string, number>();
      node.forEach((v, j) => {
        const key = marshal(v);
        const i = seen.get(key);
        if (i !== undefined) result.add('unique', context, { type: 'array', i, j });
        seen.set(key, j);
      });
    }
    if (s.contains) {
      let found = false;
      let best: Result | undefined;
      for (let i = 0; i < n; i++) {
        const r = this.sub(s.contains, node[i] as J, new Context(String(i), context));
        if (r.valid()) {
          found = true;
          break;
        }
        if (!best || r.score > best.score) best = r;
      }
      if (!found) {
        result.add('contains', context);
        if (best) result.merge(best);
      }
    }
    result.score++;
  }

  private object(s: SubSchema, node: JObject, result: Result, context: Context): void {
    const keys = sortedKeys(node);
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      result.add('array_min_properties', context, { min: s.minProperties });
    }
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      result.add('array_max_properties', context, { max: s.maxProperties });
    }
    for (const req of s.required) {
      if (has(node, req)) result.score++;
      else result.add('required', context, { property: req });
    }
    for (const key of keys) {
      const value = node[key] as J;
      const described = s.properties.some((p) => p.property === key);
      let matched = false;
      for (const [pattern, sub] of s.patternProperties ?? []) {
        if (pattern.re.test(key)) {
          matched = true;
          result.merge(this.sub(sub, value, new Context(key, context)));
        }
      }
      if (matched) result.score++;
      if (described || matched) continue;
      const ap = s.additionalProperties;
      if (ap === false) result.add('additional_property_not_allowed', context, { property: key });
      else if (ap instanceof SubSchema) result.merge(this.sub(ap, value, new Context(key, context)));
    }
    if (s.propertyNames) {
      for (const key of keys) {
        const r = this.sub(s.propertyNames, key, context);
        if (!r.valid()) {
          result.add('invalid_property_name', context, { property: key });
          result.merge(r);
        }
      }
    }
    result.score++;
  }

  private string(s: SubSchema, node: string, result: Result, context: Context): void {
    const length = [...node].length;
    if (s.minLength !== undefined && length < s.minLength)
      result.add('string_gte', context, { min: s.minLength });
    if (s.maxLength !== undefined && length > s.maxLength)
      result.add('string_lte', context, { max: s.maxLength });
    if (s.pattern && !s.pattern.re.test(node)) result.add('pattern', context, { pattern: s.pattern.source });
    result.score++;
  }

  private number(s: SubSchema, node: number | bigint, result: Result, context: Context): void {
    const v = toRat(node);
    if (s.multipleOf && !ratDivisible(v, s.multipleOf)) {
      result.add('multiple_of', context, { multiple: formatRat(s.multipleOf) });
    }
    if (s.maximum && ratCmp(v, s.maximum) > 0)
      result.add('number_lte', context, { max: formatRat(s.maximum) });
    if (s.exclusiveMaximum && ratCmp(v, s.exclusiveMaximum) >= 0) {
      result.add('number_lt', context, { max: formatRat(s.exclusiveMaximum) });
    }
    if (s.minimum && ratCmp(v, s.minimum) < 0)
      result.add('number_gte', context, { min: formatRat(s.minimum) });
    if (s.exclusiveMinimum && ratCmp(v, s.exclusiveMinimum) <= 0) {
      result.add('number_gt', context, { min: formatRat(s.exclusiveMinimum) });
    }
    result.score++;
  }
}

function validateDocument(schema: SubSchema, doc: J): Result {
  const result = new Result();
  new Validator().validate(schema, doc, result, new Context('(root)'));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Builtins

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
