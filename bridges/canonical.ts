/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, i.e. `Array.prototype.sort`), no
 * whitespace, strings and numbers written exactly as `JSON.stringify` writes them.
 *
 * Why it exists: the bridge signs `params`, sends them with `JSON.stringify`, and the peer
 * (Code.gs, or the test stand-in) re-canonicalises what it parsed before checking the signature.
 * Both sides must produce the same bytes, so every value whose `JSON.stringify` form would not
 * survive that round trip unchanged (NaN, Infinity, undefined inside arrays, bigint, functions,
 * Maps, cycles) is rejected with a TypeError instead of being silently rewritten.
 * `bridges/apps-script/Code.gs` carries the same algorithm in Apps Script.
 */

/**
 * Serialises a JSON value canonically.
 *
 * @example
 * ```ts
 * canonicalJSON({ service: 'google', a: [1, { y: 2, x: 'é' }] });
 * // → '{"a":[1,{"x":"é","y":2}],"service":"google"}'
 * ```
 * @throws TypeError for values JSON cannot carry unchanged.
 */
export function canonicalJSON(value: unknown): string {
  return write(value, [], '$');
}

function write(value: unknown, stack: object[], path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJSON: ${path} is not a finite number`);
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, stack, path);
    default:
      throw new TypeError(`canonicalJSON: ${path} is a ${typeof value}, which JSON cannot carry`);
  }
}

function writeObject(value: object, stack: object[], path: string): string {
  // Dates and other toJSON carriers: JSON.stringify uses toJSON, so the peer sees its result.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), stack, path);
  if (stack.includes(value)) throw new TypeError(`canonicalJSON: ${path} is circular (a cyclic structure)`);
  stack.push(value);
  try {
    if (Array.isArray(value)) {
      const parts = value.map((item: unknown, i) => {
        // JSON.stringify would write null here; the peer would then sign null, not undefined.
        if (item === undefined) throw new TypeError(`canonicalJSON: ${path}[${i}] is undefined`);
        return write(item, stack, `${path}[${i}]`);
      });
      return `[${parts.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJSON: ${path} is not a plain object`);
    }
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      // JSON.stringify drops undefined members, so the peer never sees them either.
      if (item === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(item, stack, `${path}.${key}`)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.pop();
  }
}
