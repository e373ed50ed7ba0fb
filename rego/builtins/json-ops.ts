/**
 * `json.filter`, `json.remove` and `json.patch`, following OPA's semantics:
 *
 * - Paths are JSON-pointer strings (`"a/b/0"`, leading slashes ignored, `~1`/`~0` unescaped)
 *   or arrays of segments (`["a", "b", 0]`). In filter/remove, array elements are matched by
 *   string index segments (`"0"`), set elements by the element itself.
 * - `json.patch` applies RFC 6902 operations to any value, including sets (a set member is
 *   addressed by its value; adding to a set requires the key to equal the value). Any failing
 *   operation makes the result undefined (OPA does not raise an error).
 */
import { BuiltinError } from '../errors.ts';
import {
  equal,
  isInteger,
  isObject,
  ObjectBuilder,
  objEntries,
  objGet,
  type PlainObject,
  type RegoObject,
  RegoSet,
  typeName,
  type Value,
  valueKey,
} from '../value.ts';
import { argArray, argObject, type BuiltinRegistry, typeError } from './registry.ts';

type Path = Value[];

/** OPA's parsePath; `undefined` when the element is not a path. */
function toPath(p: Value): Path | undefined {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(p)) return p;
  return undefined;
}

/** Paths of operand 2 of json.filter / json.remove, with OPA's type errors. */
function pathsOperand(v: Value): Path[] {
  if (!Array.isArray(v) && !(v instanceof RegoSet)) typeError(2, 'one of {set, array}', v);
  const items = Array.isArray(v) ? v : v.sorted();
  return items.map((p) => {
    const path = toPath(p);
    if (!path) {
      throw new BuiltinError(
        'eval_type_error',
        `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
      );
    }
    return path;
  });
}

/** A tree of path segments; `null` marks the end of a path (a leaf). */
class PathTree {
  private readonly children = new Map<unknown, PathTree | null>();

  get(k: Value): PathTree | null | undefined {
    return this.children.get(valueKey(k));
  }

  set(k: Value, v: PathTree | null): void {
    this.children.set(valueKey(k), v);
  }

  /** OPA's pathsToObject: a shorter path wins over longer ones sharing its prefix. */
  static of(paths: Path[]): PathTree {
    const root = new PathTree();
    for (const path of paths) {
      if (path.length === 0) continue;
      let node = root;
      let done = false;
      for (let i = 0; i < path.length - 1 && !done; i++) {
        const k = path[i] as Value;
        const child = node.get(k);
        if (child === undefined) {
          const fresh = new PathTree();
          node.set(k, fresh);
          node = fresh;
        } else if (child === null) {
          done = true;
        } else {
          node = child;
        }
      }
      if (!done) node.set(path[path.length - 1] as Value, null);
    }
    return root;
  }
}

function filterValue(v: Value, filter: PathTree | null): Value {
  if (filter === null || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = filter.get(String(i));
      if (sub !== undefined) out.push(filterValue(x, sub));
    });
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const x of v) {
      const sub = filter.get(x);
      if (sub !== undefined) out.add(filterValue(x, sub));
    }
    return out;
  }
  const b = new ObjectBuilder();
  for (const [k, x] of objEntries(v)) {
    const sub = filter.get(k);
    if (sub !== undefined) b.set(k, filterValue(x, sub));
  }
  return b.build();
}

/** OPA's jsonRemove; `undefined` when the value itself is removed. */
function removeValue(v: Value, tree: PathTree | null | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const r = removeValue(x, tree.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const x of v) {
      const r = removeValue(x, tree.get(x));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  const b = new ObjectBuilder();
  for (const [k, x] of objEntries(v)) {
    const r = removeValue(x, tree.get(k));
    if (r !== undefined) b.set(k, r);
  }
  return b.build();
}

// ---------------------------------------------------------------------------------------------
// json.patch

/** Any patch failure; json.patch turns it into an undefined result. */
class PatchError extends Error {}

function fail(message: string): never {
  throw new PatchError(message);
}

/** OPA's edittree toIndex: `-` is the end; strings must be canonical decimal integers. */
function toIndex(length: number, key: Value): number {
  if (typeof key === 'number' || typeof key === 'bigint') {
    if (!isInteger(key)) fail('invalid number type for indexing');
    const n = Number(key);
    if (!Number.isSafeInteger(n)) fail('invalid number type for indexing');
    return n;
  }
  if (typeof key === 'string') {
    if (key === '-') return length;
    if (!/^[+-]?\d+$/.test(key)) fail('invalid string for indexing');
    if (key !== '0' && key.startsWith('0')) fail('leading zeros are not allowed in JSON paths');
    const n = Number(key);
    if (!Number.isSafeInteger(n)) fail('invalid string for indexing');
    return n;
  }
  return fail('invalid type for indexing');
}

/** The child of a composite at key (must exist). */
function child(node: Value, key: Value): Value {
  if (Array.isArray(node)) {
    const i = toIndex(node.length, key);
    if (i < 0 || i >= node.length) fail('path does not exist in array');
    return node[i] as Value;
  }
  if (node instanceof RegoSet) {
    if (!node.has(key)) fail('path does not exist in set');
    return key;
  }
  if (isObject(node)) {
    const v = objGet(node, key);
    if (v === undefined) fail('path does not exist in object');
    return v;
  }
  return fail('expected composite type');
}

function withObject(o: PlainObject | RegoObject, edit: (b: ObjectBuilder) => void): Value {
  const b = new ObjectBuilder();
  for (const [k, v] of objEntries(o)) b.set(k, v);
  edit(b);
  return b.build();
}

function setWithout(s: RegoSet, drop: Value): RegoSet {
  const out = new RegoSet();
  const dk = valueKey(drop);
  for (const x of s) if (valueKey(x) !== dk) out.add(x);
  return out;
}

/** Replaces the (existing) child at key with `value`. */
function replaceChild(node: Value, key: Value, value: Value): Value {
  if (Array.isArray(node)) {
    const copy = node.slice();
    copy[toIndex(node.length, key)] = value;
    return copy;
  }
  if (node instanceof RegoSet) {
    const out = setWithout(node, key);
    out.add(value);
    return out;
  }
  return withObject(node as PlainObject | RegoObject, (b) => b.set(key, value));
}

function insertChild(node: Value, key: Value, value: Value): Value {
  if (Array.isArray(node)) {
    const i = toIndex(node.length, key);
    if (i < 0 || i > node.length) fail('index for array insertion out of bounds');
    return [...node.slice(0, i), value, ...node.slice(i)];
  }
  if (node instanceof RegoSet) {
    if (!equal(key, value)) fail('set key does not equal value to be inserted');
    const out = setWithout(node, key);
    out.add(value);
    return out;
  }
  if (isObject(node)) return withObject(node, (b) => b.set(key, value));
  return fail('expected composite type');
}

function deleteChild(node: Value, key: Value): Value {
  if (Array.isArray(node)) {
    const i = toIndex(node.length, key);
    if (i < 0 || i > node.length - 1) fail('index for array delete out of bounds');
    return [...node.slice(0, i), ...node.slice(i + 1)];
  }
  if (node instanceof RegoSet) {
    if (!node.has(key)) fail('cannot delete child key that does not exist');
    return setWithout(node, key);
  }
  if (isObject(node)) {
    if (objGet(node, key) === undefined) fail('cannot delete child key that does not exist');
    const out = new ObjectBuilder();
    const dk = valueKey(key);
    for (const [k, v] of objEntries(node)) if (valueKey(k) !== dk) out.set(k, v);
    return out.build();
  }
  return fail('expected composite type');
}

/** The document; `undefined` after the root was removed. */
type Doc = Value | undefined;

function getAt(doc: Doc, path: Path): Value {
  if (doc === undefined) fail('nil value encountered');
  let node = doc;
  for (const k of path) node = child(node, k);
  return node;
}

/** Rebuilds doc with the parent of path transformed by edit(parent, lastKey). */
function editParent(doc: Doc, path: Path, edit: (parent: Value, key: Value) => Value): Value {
  if (doc === undefined) fail('nil value encountered');
  const rec = (node: Value, i: number): Value => {
    const key = path[i] as Value;
    if (i === path.length - 1) return edit(node, key);
    return replaceChild(node, key, rec(child(node, key), i + 1));
  };
  return rec(doc, 0);
}

function insertAt(doc: Doc, path: Path, value: Value): Value {
  if (path.length === 0) return value;
  return editParent(doc, path, (parent, key) => insertChild(parent, key, value));
}

function deleteAt(doc: Doc, path: Path): Doc {
  if (path.length === 0) {
    if (doc === undefined) fail('deleted node encountered during delete operation');
    return undefined;
  }
  return editParent(doc, path, (parent, key) => deleteChild(parent, key));
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function applyPatch(doc: Value, operations: Value[]): Doc {
  let cur: Doc = doc;
  for (const opv of operations) {
    if (!isObject(opv)) fail('must be an array of JSON-Patch objects');
    const attr = (name: string): Value => {
      const v = objGet(opv, name);
      if (v === undefined) fail(`missing '${name}' attribute`);
      return v;
    };
    const op = attr('op');
    if (typeof op !== 'string') fail("attribute 'op' must be a string");
    if (!OPS.has(op)) fail(`unrecognized op '${op}'`);
    const pathValue = attr('path');
    const from = op === 'move' || op === 'copy' ? attr('from') : undefined;
    const value = op === 'add' || op === 'replace' || op === 'test' ? attr('value') : undefined;
    const path = toPath(pathValue) ?? fail('invalid path');
    switch (op) {
      case 'add':
        cur = insertAt(cur, path, value as Value);
        break;
      case 'remove':
        cur = deleteAt(cur, path);
        break;
      case 'replace':
        cur = insertAt(deleteAt(cur, path), path, value as Value);
        break;
      case 'move': {
        const fromPath = toPath(from as Value) ?? fail('invalid from');
        const chunk = getAt(cur, fromPath);
        cur = insertAt(deleteAt(cur, fromPath), path, chunk);
        break;
      }
      case 'copy': {
        const fromPath = toPath(from as Value) ?? fail('invalid from');
        cur = insertAt(cur, path, getAt(cur, fromPath));
        break;
      }
      case 'test':
        if (!equal(getAt(cur, path), value as Value)) fail('value from EditTree != patch value');
        break;
    }
  }
  return cur;
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'object';

  r.def('json.filter', 2, cat, (args) => {
    const obj = argObject(args, 0);
    return filterValue(obj, PathTree.of(pathsOperand(args[1] as Value)));
  });

  r.def('json.remove', 2, cat, (args) => {
    const obj = argObject(args, 0);
    return removeValue(obj, PathTree.of(pathsOperand(args[1] as Value)));
  });

  r.def('json.patch', 2, cat, (args) => {
    const operations = argArray(args, 1);
    try {
      return applyPatch(args[0] as Value, operations);
    } catch (e) {
      if (e instanceof PatchError) return undefined;
      throw e;
    }
  });
}
