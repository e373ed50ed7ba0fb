/**
 * Validation of a document against a compiled schema (jsonschema-compile.ts), in gojsonschema's
 * order and with its scores: a failed `anyOf`, `oneOf` or `contains` reports the errors of the
 * closest match, the subschema with the best score.
 */
import { isInteger } from '../value.ts';
import { Context, Result, SchemaError } from './jsonschema-errors.ts';
import { FORMATS } from './jsonschema-formats.ts';
import {
  formatRat,
  has,
  isJNumber,
  isJObject,
  type J,
  type JObject,
  marshal,
  ratCmp,
  ratDivisible,
  sortedKeys,
  toRat,
} from './jsonschema-json.ts';
import { SubSchema } from './jsonschema-schema.ts';

const MAX_DEPTH = 2000;

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

export function validateDocument(schema: SubSchema, doc: J): Result {
  const result = new Result();
  new Validator().validate(schema, doc, result, new Context('(root)'));
  return result;
}
