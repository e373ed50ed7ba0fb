/**
 * Canonical JSON and the payload hash. The ledger stores `payloadHash(command)` with each action
 * so that the same `action_id` submitted again can be told apart: same hash → the same request
 * (answer with the existing record, never execute twice); different hash → a conflict (409).
 *
 * The form is that of RFC 8785 (JCS) for the values a command can hold: object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers as `JSON.stringify` writes them. Key
 * order and spacing as sent therefore never change the hash.
 */
import { createHash } from 'node:crypto';

/**
 * Serializes a JSON value canonically. Throws a `TypeError` on values JSON cannot carry
 * faithfully (non-finite numbers, bigint, functions, symbols, cycles) rather than guess: two
 * different commands must never share a form.
 *
 * @example
 * ```ts
 * canonicalJSON({ b: [1, { d: true, c: null }], a: 'x' }); // '{"a":"x","b":[1,{"c":null,"d":true}]}'
 * ```
 */
export function canonicalJSON(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJSON: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJSON: cannot serialize a ${typeof value}`);
  }
  const obj = value as object;
  // Honour toJSON (Dates) as JSON.stringify does, so the hash matches what is stored.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(obj), ancestors);
  if (ancestors.has(obj)) throw new TypeError('canonicalJSON: cyclic structure');
  ancestors.add(obj);
  let out: string;
  if (Array.isArray(obj)) {
    // Like JSON.stringify: holes and undefined elements are null, so indexes keep their meaning.
    out = `[${Array.from(obj, (v) => (v === undefined ? 'null' : write(v, ancestors))).join(',')}]`;
  } else {
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    // Default sort compares UTF-16 code units, which is exactly what JCS prescribes.
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue; // absent and undefined are the same JSON
      parts.push(`${JSON.stringify(key)}:${write(v, ancestors)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  ancestors.delete(obj);
  return out;
}

/**
 * The payload hash of a command: lowercase hex sha256 of its canonical JSON. Hashes the whole
 * command (including `severity` and `metadata`): resubmitting an `action_id` with anything
 * changed is a different request.
 *
 * @example
 * ```ts
 * payloadHash({ action_id: 'a-1', command_type: 'REFRESH_TOKEN', params: { service: 'slack' } });
 * // '3c1f…' (64 hex characters), identical whatever the key order of the input
 * ```
 */
export function payloadHash(command: unknown): string {
  return createHash('sha256').update(canonicalJSON(command), 'utf8').digest('hex');
}
