/**
 * The values strings.render_template (strings-template.ts) works on: its variables as Go's
 * json.Unmarshal (with UseNumber) produces them, and how Go's text/template types, prints and
 * tests them, so that output and messages match OPA's.
 */
import {
  objSortedEntries,
  type PlainObject,
  type RegoObject,
  RegoSet,
  formatNumber,
  stringify,
  type Value,
} from '../value.ts';

// Go values as json.Unmarshal (with UseNumber) produces them.
type GoNum = { readonly num: string };
export type GoVal = null | boolean | string | GoNum | GoVal[] | Map<string, GoVal> | GoInt | Missing;
/** An int from a template literal or a range index. */
export type GoInt = { readonly int: number };
/** Go's invalid reflect.Value: what a missing map key evaluates to under `missingkey=default`. */
type Missing = { readonly missing: true };
export const MISSING: Missing = { missing: true };

export function toGo(v: Value): GoVal {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
    case 'bigint':
      return { num: formatNumber(v) };
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(toGo);
  if (v instanceof RegoSet) return v.sorted().map(toGo);
  const m = new Map<string, GoVal>();
  for (const [k, x] of objSortedEntries(v as PlainObject | RegoObject)) {
    m.set(typeof k === 'string' ? k : stringify(k), toGo(x));
  }
  return m;
}

export function isNum(v: GoVal): v is GoNum {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && 'num' in v;
}
export function isInt(v: GoVal): v is GoInt {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && 'int' in v;
}

export function goType(v: GoVal): string {
  if (v === null || v === MISSING) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  if (isNum(v)) return 'json.Number';
  return 'int';
}

/** fmt.Sprint of a value (top level: nil prints `<no value>`). */
export function printTop(v: GoVal): string {
  return v === null || v === MISSING ? '<no value>' : printVal(v);
}

export function printVal(v: GoVal): string {
  if (v === null) return '<nil>';
  if (v === MISSING) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(printVal).join(' ')}]`;
  if (v instanceof Map) return `map[${[...v].map(([k, x]) => `${k}:${printVal(x)}`).join(' ')}]`;
  if (isNum(v)) return v.num;
  return String((v as GoInt).int);
}

export function truth(v: GoVal): boolean {
  if (v === null || v === MISSING) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isNum(v)) return v.num.length > 0;
  return (v as GoInt).int !== 0;
}
