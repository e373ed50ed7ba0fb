/**
 * Rego values.
 *
 * Why native JS values: the daemon evaluates a policy per command, and converting the input
 * document into wrapper objects on every evaluation would cost more than the evaluation itself.
 * So JSON-shaped values are plain JS values and are used as they are:
 *
 * | Rego      | JS                                                             |
 * |-----------|----------------------------------------------------------------|
 * | null      | `null`                                                         |
 * | boolean   | `boolean`                                                      |
 * | number    | `number`, or `bigint` for integers outside ±2^53 (see below)   |
 * | string    | `string`                                                       |
 * | array     | `Value[]` (treated as immutable once built)                    |
 * | object    | a plain object whose keys are all strings, or {@link RegoObject} |
 * |           | when any key is not a string                                   |
 * | set       | {@link RegoSet}                                                |
 *
 * Numbers: OPA's numbers are arbitrary precision. Here integers that fit in a double exactly
 * are `number`; integers beyond 2^53 are `bigint` (so nanosecond timestamps stay exact); other
 * numbers are IEEE doubles. {@link normNum} keeps this canonical: a `bigint` is never within
 * the safe range.
 *
 * Plain objects are read with {@link objGet} (own properties only, so `constructor` or
 * `__proto__` in a policy never reach the prototype) and built with {@link makeObject}, which
 * uses null-prototype objects.
 */

/** A Rego value. */
export type Value = null | boolean | number | bigint | string | Value[] | RegoSet | RegoObject | PlainObject;

/** An object whose keys are all strings. */
export interface PlainObject {
  [key: string]: Value;
}

/** The type names OPA uses in `type_name` and error messages. */
export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

/** Returns the Rego type name of a value. */
export function typeName(v: Value): TypeName {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof RegoSet) return 'set';
  return 'object';
}

/** True for numbers (`number` or `bigint`). */
export function isNumber(v: Value | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** True for objects of either representation. */
export function isObject(v: Value | undefined): v is PlainObject | RegoObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RegoSet);
}

/** True for plain (string-keyed) objects. */
export function isPlainObject(v: Value | undefined): v is PlainObject {
  return isObject(v) && !(v instanceof RegoObject);
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Canonical form of a number: bigint only outside the safe integer range; no -0. */
export function normNum(n: number | bigint): number | bigint {
  if (typeof n === 'bigint') {
    return n > SAFE || n < -SAFE ? n : Number(n);
  }
  return n === 0 ? 0 : n;
}

/** Converts a number to a double (lossy for big integers). */
export function toDouble(n: number | bigint): number {
  return typeof n === 'bigint' ? Number(n) : n;
}

/** True when n is an integer (bigint, or a double with no fraction). */
export function isInteger(n: number | bigint): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

/** Converts an integer-valued number to a bigint (throws for fractions). */
export function toBigInt(n: number | bigint): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

// ---------------------------------------------------------------------------------------------
// Keys: a JS Map key standing for a Rego value, so sets and non-string-keyed objects can use Map.

const COMPOSITE = '\u0000';

/**
 * Returns a Map key that is equal (SameValueZero) for exactly the values Rego considers equal.
 * Strings are their own key unless they start with NUL, which is reserved for composites.
 */
export function valueKey(v: Value): string | number | boolean | null {
  switch (typeof v) {
    case 'string':
      return v.charCodeAt(0) === 0 ? COMPOSITE + JSON.stringify(v) : v;
    case 'number':
      // A whole double beyond 2^53 equals the bigint it denotes, so it must share its key.
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return COMPOSITE + BigInt(v).toString();
      return v === 0 ? 0 : v;
    case 'bigint':
      return COMPOSITE + v.toString();
    case 'boolean':
      return v;
  }
  if (v === null) return null;
  return COMPOSITE + canonical(v);
}

/** A canonical text for a value: equal values give equal text. Sets and objects are sorted. */
export function canonical(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return numText(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof RegoSet) return `s{${v.sorted().map(canonical).join(',')}}`;
  return `{${objSortedEntries(v)
    .map(([k, x]) => `${canonical(k)}:${canonical(x)}`)
    .join(',')}}`;
}

function numText(n: number): string {
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? n.toFixed(0) : BigInt(n).toString();
  return String(n);
}

// ---------------------------------------------------------------------------------------------
// Sets

/** A Rego set. Elements keep insertion order internally; iteration for evaluation is sorted. */
export class RegoSet {
  private readonly map = new Map<unknown, Value>();
  private sortedCache: Value[] | undefined;

  constructor(items?: Iterable<Value>) {
    if (items) for (const v of items) this.add(v);
  }

  /** Adds v; returns false when it was already present. */
  add(v: Value): boolean {
    const k = valueKey(v);
    if (this.map.has(k)) return false;
    this.map.set(k, v);
    this.sortedCache = undefined;
    return true;
  }

  has(v: Value): boolean {
    return this.map.has(valueKey(v));
  }

  get size(): number {
    return this.map.size;
  }

  /** Elements in insertion order. */
  values(): IterableIterator<Value> {
    return this.map.values();
  }

  /** Elements in Rego's total order (what OPA prints and iterates). */
  sorted(): Value[] {
    if (!this.sortedCache) this.sortedCache = [...this.map.values()].sort(compare);
    return this.sortedCache;
  }

  [Symbol.iterator](): IterableIterator<Value> {
    return this.map.values();
  }
}

// ---------------------------------------------------------------------------------------------
// Objects

/** An object with at least one non-string key. Plain objects are used otherwise. */
export class RegoObject {
  /** valueKey(key) → [key, value] */
  private readonly map = new Map<unknown, [Value, Value]>();

  constructor(entries?: Iterable<[Value, Value]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  get(k: Value): Value | undefined {
    return this.map.get(valueKey(k))?.[1];
  }

  set(k: Value, v: Value): void {
    this.map.set(valueKey(k), [k, v]);
  }

  has(k: Value): boolean {
    return this.map.has(valueKey(k));
  }

  get size(): number {
    return this.map.size;
  }

  entries(): IterableIterator<[Value, Value]> {
    return this.map.values();
  }
}

/** Reads key k of an object (own properties only for plain objects). */
export function objGet(o: PlainObject | RegoObject, k: Value): Value | undefined {
  if (o instanceof RegoObject) return o.get(k);
  if (typeof k !== 'string') return undefined;
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

/** Number of keys in an object. */
export function objSize(o: PlainObject | RegoObject): number {
  return o instanceof RegoObject ? o.size : Object.keys(o).length;
}

/** Entries of an object, in no particular order. */
export function objEntries(o: PlainObject | RegoObject): [Value, Value][] {
  if (o instanceof RegoObject) return [...o.entries()];
  return Object.entries(o) as [Value, Value][];
}

/** Entries of an object sorted by key in Rego's order (OPA's iteration order). */
export function objSortedEntries(o: PlainObject | RegoObject): [Value, Value][] {
  if (o instanceof RegoObject) return [...o.entries()].sort((a, b) => compare(a[0], b[0]));
  return Object.keys(o)
    .sort(compareStrings)
    .map((k) => [k, o[k] as Value]);
}

/** Keys of an object. */
export function objKeys(o: PlainObject | RegoObject): Value[] {
  if (o instanceof RegoObject) return [...o.entries()].map((e) => e[0]);
  return Object.keys(o);
}

/**
 * Builds an object from entries, choosing the representation: plain (null prototype) when all
 * keys are strings, {@link RegoObject} otherwise. Later entries win on duplicate keys.
 */
export function makeObject(entries: Iterable<[Value, Value]>): PlainObject | RegoObject {
  const list = Array.isArray(entries) ? (entries as [Value, Value][]) : [...entries];
  if (list.every((e) => typeof e[0] === 'string')) {
    const o: PlainObject = Object.create(null);
    for (const [k, v] of list) o[k as string] = v;
    return o;
  }
  return new RegoObject(list);
}

/** An empty plain object with a null prototype. */
export function emptyObject(): PlainObject {
  return Object.create(null) as PlainObject;
}

/**
 * Incrementally builds an object, switching representation only if a non-string key arrives.
 */
export class ObjectBuilder {
  private plain: PlainObject | undefined = Object.create(null) as PlainObject;
  private rich: RegoObject | undefined;

  has(k: Value): boolean {
    if (this.rich) return this.rich.has(k);
    return typeof k === 'string' && Object.hasOwn(this.plain!, k);
  }

  get(k: Value): Value | undefined {
    if (this.rich) return this.rich.get(k);
    return typeof k === 'string' && Object.hasOwn(this.plain!, k) ? this.plain![k] : undefined;
  }

  set(k: Value, v: Value): void {
    if (!this.rich && typeof k === 'string') {
      this.plain![k] = v;
      return;
    }
    if (!this.rich) {
      this.rich = new RegoObject(Object.entries(this.plain!) as [Value, Value][]);
      this.plain = undefined;
    }
    this.rich.set(k, v);
  }

  build(): PlainObject | RegoObject {
    return this.rich ?? this.plain!;
  }
}

// ---------------------------------------------------------------------------------------------
// Equality and order

/** Rego equality (structural; sets and objects unordered; 1 == 1.0). */
export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== 'object' || tb !== 'object' || a === null || b === null) {
    if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) {
      return compareNumbers(a as number | bigint, b as number | bigint) === 0;
    }
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (a instanceof RegoSet) {
    if (!(b instanceof RegoSet) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  if (Array.isArray(b) || b instanceof RegoSet) return false;
  const oa = a as PlainObject | RegoObject;
  const ob = b as PlainObject | RegoObject;
  if (objSize(oa) !== objSize(ob)) return false;
  for (const [k, v] of objEntries(oa)) {
    const w = objGet(ob, k);
    if (w === undefined || !equal(v, w)) return false;
  }
  return true;
}

const TYPE_ORDER: Record<TypeName, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  array: 4,
  object: 5,
  set: 6,
};

/** Compares two numbers exactly (bigint aware). */
export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed: compare exactly by moving the double to bigint when it is an integer.
  if (typeof a === 'number' && !Number.isInteger(a)) return a < Number(b) ? -1 : a > Number(b) ? 1 : 0;
  if (typeof b === 'number' && !Number.isInteger(b)) return Number(a) < b ? -1 : Number(a) > b ? 1 : 0;
  const x = toBigInt(a);
  const y = toBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares strings by Unicode code point, as Go compares UTF-8 bytes. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after all other BMP units in UTF-8 byte order.
      const sx = x >= 0xd800 && x <= 0xdfff;
      const sy = y >= 0xd800 && y <= 0xdfff;
      if (sx !== sy) return sx ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** OPA's total order over values: null < boolean < number < string < array < object < set. */
export function compare(a: Value, b: Value): number {
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return TYPE_ORDER[ta] - TYPE_ORDER[tb];
  switch (ta) {
    case 'null':
      return 0;
    case 'boolean':
      return a === b ? 0 : a ? 1 : -1;
    case 'number':
      return compareNumbers(a as number | bigint, b as number | bigint);
    case 'string':
      return compareStrings(a as string, b as string);
    case 'array': {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i] as Value, y[i] as Value);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 'set': {
      const x = (a as RegoSet).sorted();
      const y = (b as RegoSet).sorted();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i] as Value, y[i] as Value);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = objSortedEntries(a as PlainObject);
      const y = objSortedEntries(b as PlainObject);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const [ka, va] = x[i]!;
        const [kb, vb] = y[i]!;
        const ck = compare(ka, kb);
        if (ck !== 0) return ck;
        const cv = compare(va, vb);
        if (cv !== 0) return cv;
      }
      return x.length - y.length;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON conversion

/**
 * Converts a value to JSON-compatible data as OPA prints it: sets become sorted arrays, object
 * keys that are not strings are serialised to their JSON text, big integers stay bigint (the
 * caller decides how to print them).
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RegoSet) return v.sorted().map(toJSON);
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of objSortedEntries(v)) {
    out[typeof k === 'string' ? k : stringify(k)] = toJSON(x);
  }
  return out;
}

/**
 * Converts parsed JSON (or YAML) data to a Value: objects get null prototypes, integral
 * bigints are normalised, non-finite numbers are rejected.
 */
export function fromJSON(x: unknown): Value {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new TypeError(`not a finite number: ${x}`);
    return x === 0 ? 0 : x;
  }
  if (typeof x === 'bigint') return normNum(x);
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof RegoSet || x instanceof RegoObject) return x;
  if (typeof x === 'object') {
    const o: PlainObject = Object.create(null);
    for (const k of Object.keys(x)) o[k] = fromJSON((x as Record<string, unknown>)[k]);
    return o;
  }
  throw new TypeError(`not a JSON value: ${typeof x}`);
}

/** Serialises a value as JSON text (sets as sorted arrays, big integers exact). */
export function stringify(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`;
  if (v instanceof RegoSet) return `[${v.sorted().map(stringify).join(',')}]`;
  return `{${objSortedEntries(v)
    .map(([k, x]) => `${JSON.stringify(typeof k === 'string' ? k : stringify(k))}:${stringify(x)}`)
    .join(',')}}`;
}

/**
 * Formats a number as OPA prints it: integers without exponent, other doubles in the shortest
 * form that round-trips (Go's strconv 'g'-like output, with exponents for very large/small).
 */
export function formatNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  const s = String(n);
  // JS writes 1e+21 and 1e-7; Go's json/strconv writes 1e+21 and 1e-07.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Renders a value in Rego syntax (sets as `{1, 2}`, empty set as `set()`), as OPA's `%v`
 * and error messages do.
 */
export function toRegoString(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(toRegoString).join(', ')}]`;
  if (v instanceof RegoSet) {
    return v.size === 0 ? 'set()' : `{${v.sorted().map(toRegoString).join(', ')}}`;
  }
  return `{${objSortedEntries(v)
    .map(([k, x]) => `${toRegoString(k)}: ${toRegoString(x)}`)
    .join(', ')}}`;
}
