/**
 * Checks on the raw parsed value that must happen before zod sees it. zod cannot be trusted with
 * `__proto__`: depending on how the object was built the key is either an own property that
 * zod reports as merely "unrecognized", or it has already become the prototype and is invisible.
 * Both must be refused with the exact path, wherever they are nested, including inside values
 * zod would never look at because an outer check failed first.
 *
 * Strings are checked here too: a NUL character or a lone UTF-16 surrogate is valid in a JS
 * string but rejected by Postgres `jsonb`, so a command carrying one would pass validation and
 * then make every ledger write fail. Refusing it at the door keeps the ledger writable.
 */
import type { ContractIssue } from './issues.ts';
import { formatPath } from './paths.ts';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Stop collecting after this many findings: the agent gets enough to act, we bound the work. */
const MAX_FINDINGS = 20;

export interface RawFindings {
  readonly forbidden: ContractIssue[];
  readonly badStrings: ContractIssue[];
}

function badString(s: string): boolean {
  return s.includes('\u0000') || !s.isWellFormed();
}

const BAD_STRING_MESSAGE = 'contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored';

/**
 * Walks a JSON value (iteratively, so nesting depth cannot overflow the stack) and reports
 * forbidden keys and unstorable strings with their paths.
 *
 * @example
 * ```ts
 * scanRaw(JSON.parse('{"params":{"__proto__":{"x":1}}}')).forbidden;
 * // [{ path: 'params.__proto__', code: 'forbidden_key', message: '…' }]
 * ```
 */
export function scanRaw(root: unknown): RawFindings {
  const forbidden: ContractIssue[] = [];
  const badStrings: ContractIssue[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (badString(value) && badStrings.length < MAX_FINDINGS) {
        badStrings.push({ path: formatPath(path), code: 'invalid_characters', message: BAD_STRING_MESSAGE });
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    // Own keys only: a JSON-parsed object has no inherited ones, and Object.keys includes an own
    // `__proto__` created by JSON.parse.
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const childPath = [...path, key];
      if (FORBIDDEN_KEYS.has(key)) {
        if (forbidden.length < MAX_FINDINGS) {
          forbidden.push({
            path: formatPath(childPath),
            code: 'forbidden_key',
            message: `key "${key}" is not allowed anywhere in a command (prototype pollution)`,
          });
        }
        continue; // nothing under a refused key is worth reading
      }
      if (badString(key) && badStrings.length < MAX_FINDINGS) {
        badStrings.push({
          path: formatPath(childPath),
          code: 'invalid_characters',
          message: `key ${BAD_STRING_MESSAGE}`,
        });
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: childPath });
    }
  }
  // Depth-first order from a stack visits in document order, so findings already read top-down.
  return { forbidden, badStrings };
}
