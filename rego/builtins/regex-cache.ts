/**
 * Compiling user patterns with re2js (RE2 semantics, linear-time matching: a crafted pattern
 * cannot make matching backtrack) and caching the compiled programs in small LRUs.
 */
import { RE2JS } from 're2js';
import { BuiltinError } from '../errors.ts';

/** A least-recently-used map with a fixed number of entries. */
export class LRU<K, V> {
  private readonly map = new Map<K, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }

  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

const regexCache = new LRU<string, RE2JS>(256);

/**
 * Compiles a pattern with Go's regexp syntax (RE2), cached. A bad pattern throws an
 * `eval_builtin_error` with Go's message, e.g. "error parsing regexp: missing closing ]: `[a`".
 */
export function compileRegex(pattern: string): RE2JS {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    re = compileUncached(pattern);
    regexCache.set(pattern, re);
  }
  return re;
}

/** Compiles without caching (for one-off patterns such as regex.template_match's parts). */
export function compileUncached(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new BuiltinError('eval_builtin_error', e instanceof Error ? e.message : String(e));
  }
}

/** Go's regexp.QuoteMeta: backslash-escapes every RE2 metacharacter. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
