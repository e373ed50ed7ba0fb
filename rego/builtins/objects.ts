/**
 * Objects: `object.get`, `object.keys`, `object.remove`, `object.filter`, `object.union`,
 * `object.union_n`, `object.subset`. (`json.filter`/`json.remove` live in `json-ops.ts`.)
 */
import { BuiltinError } from '../errors.ts';
import {
  compare,
  equal,
  isNumber,
  isObject,
  ObjectBuilder,
  objEntries,
  objGet,
  objKeys,
  type PlainObject,
  type RegoObject,
  RegoSet,
  typeName,
  type Value,
} from '../value.ts';
import { argArray, argObject, type BuiltinRegistry, typeError } from './registry.ts';

type Obj = PlainObject | RegoObject;

/** The keys operand of `object.remove`/`object.filter`: an array, set or object (its keys). */
function keySet(args: Value[]): RegoSet {
  const v = args[1] as Value;
  if (Array.isArray(v)) return new RegoSet(v);
  if (v instanceof RegoSet) return v;
  if (isObject(v)) return new RegoSet(objKeys(v));
  return typeError(2, 'one of {object, set, array}', v);
}

/** Follows a path of keys/indices/set members into a value (OPA's `Value.Find`). */
function find(v: Value, path: Value[]): Value | undefined {
  let cur: Value = v;
  for (const k of path) {
    if (Array.isArray(cur)) {
      if (!isNumber(k)) return undefined;
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return undefined;
      cur = cur[i] as Value;
    } else if (cur instanceof RegoSet) {
      if (!cur.has(k)) return undefined;
      cur = k;
    } else if (isObject(cur)) {
      const next = objGet(cur, k);
      if (next === undefined) return undefined;
      cur = next;
    } else {
      return undefined;
    }
  }
  return cur;
}

/** OPA's recursive merge: on a shared key, objects merge recursively, otherwise `b` wins. */
function merge(a: Obj, b: Obj): Obj {
  const out = new ObjectBuilder();
  for (const [k, v] of objEntries(a)) out.set(k, v);
  for (const [k, v] of objEntries(b)) {
    const prev = out.get(k);
    out.set(k, prev !== undefined && isObject(prev) && isObject(v) ? merge(prev, v) : v);
  }
  return out.build();
}

function objectSubset(sup: Obj, sub: Obj): boolean {
  for (const [k, subV] of objEntries(sub)) {
    const supV = objGet(sup, k);
    if (supV === undefined) return false;
    if (equal(subV, supV)) continue;
    if (isObject(supV) && isObject(subV)) {
      if (!objectSubset(supV, subV)) return false;
    } else if (supV instanceof RegoSet && subV instanceof RegoSet) {
      if (!setSubset(supV, subV)) return false;
    } else if (Array.isArray(supV) && Array.isArray(subV)) {
      if (!arraySubset(supV, subV)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function setSubset(sup: RegoSet, sub: RegoSet): boolean {
  for (const v of sub) if (!sup.has(v)) return false;
  return true;
}

/** `sub` appears in `sup` as a contiguous run. */
function arraySubset(sup: Value[], sub: Value[]): boolean {
  if (sub.length > sup.length) return false;
  outer: for (let i = 0; i + sub.length <= sup.length; i++) {
    for (let j = 0; j < sub.length; j++) {
      if (compare(sup[i + j] as Value, sub[j] as Value) !== 0) continue outer;
    }
    return true;
  }
  return false;
}

/**
 * Every element of the set occurs in the array. (OPA counts matching array elements instead,
 * so duplicates in the array can satisfy it and an empty set is not a subset of an empty array;
 * we implement the documented meaning.)
 */
function arraySetSubset(sup: Value[], sub: RegoSet): boolean {
  const present = new RegoSet(sup);
  for (const v of sub) if (!present.has(v)) return false;
  return true;
}

export function register(r: BuiltinRegistry): void {
  r.def('object.get', 3, 'object', (args) => {
    const obj = argObject(args, 0);
    const key = args[1] as Value;
    const dflt = args[2] as Value;
    // Note: a present key whose value is null is found (no `??`, which would treat null as absent).
    const found = Array.isArray(key) ? (key.length === 0 ? obj : find(obj, key)) : objGet(obj, key);
    return found === undefined ? dflt : found;
  });

  r.def('object.keys', 1, 'object', (args) => new RegoSet(objKeys(argObject(args, 0))));

  r.def('object.remove', 2, 'object', (args) => {
    const obj = argObject(args, 0);
    const keys = keySet(args);
    const out = new ObjectBuilder();
    for (const [k, v] of objEntries(obj)) if (!keys.has(k)) out.set(k, v);
    return out.build();
  });

  r.def('object.filter', 2, 'object', (args) => {
    const obj = argObject(args, 0);
    const keys = keySet(args);
    const out = new ObjectBuilder();
    for (const k of keys) {
      const v = objGet(obj, k);
      if (v !== undefined) out.set(k, v);
    }
    return out.build();
  });

  r.def('object.union', 2, 'object', (args) => merge(argObject(args, 0), argObject(args, 1)));

  // Equivalent to folding object.union from left to right.
  r.def('object.union_n', 1, 'object', (args) => {
    const arr = argArray(args, 0);
    let acc: Obj = new ObjectBuilder().build();
    for (const o of arr) {
      if (!isObject(o)) {
        throw new BuiltinError(
          'eval_type_error',
          `operand 1 must be array of objects but got array containing ${typeName(o)}`,
        );
      }
      acc = merge(acc, o);
    }
    return acc;
  });

  r.def('object.subset', 2, 'object', (args) => {
    const [sup, sub] = args as [Value, Value];
    if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
    if (sup instanceof RegoSet && sub instanceof RegoSet) return setSubset(sup, sub);
    if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
    if (Array.isArray(sup) && sub instanceof RegoSet) return arraySetSubset(sup, sub);
    throw new BuiltinError(
      'eval_type_error',
      'both arguments object.subset must be of the same type or array and set',
    );
  });
}
