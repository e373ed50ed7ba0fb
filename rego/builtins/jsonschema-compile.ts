/**
 * Schema compilation for the JSON Schema builtins (jsonschema.ts): a schema document becomes a
 * SubSchema tree keyword by keyword, with gojsonschema's checks and messages (`minLength must
 * be of an integer`, …), because `json.verify_schema` returns those messages to policies.
 */
import {
  invalidType,
  JSON_TYPES,
  mustBeOfA,
  mustBeOfAn,
  mustBeOfType,
  parseError,
  SchemaError,
} from './jsonschema-errors.ts';
import {
  has,
  isJNumber,
  isJObject,
  type J,
  type JObject,
  marshal,
  mustBeInteger,
  type Rat,
  sortedKeys,
  toRat,
} from './jsonschema-json.ts';
import { DRAFT4, DRAFT6, DRAFT7, draftOf, HYBRID, normalizeRef, SchemaPool } from './jsonschema-refs.ts';
import { compilePattern, SubSchema } from './jsonschema-schema.ts';

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
export function compileSchema(doc: J): SubSchema {
  const c = new Compiler();
  c.pool.add(doc, '');
  const root = new SubSchema('(root)', undefined, draftOf(doc) ?? HYBRID);
  c.parse(doc, root);
  return root;
}
