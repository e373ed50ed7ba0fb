/**
 * Per-evaluation state that `with` swaps in and out: the input document, data and function
 * mocks, and the caches that depend on them.
 */
import type { RuleNode } from '../compiler/tree.ts';
import { isObject, makeObject, objEntries, type Value } from '../value.ts';

/** What a mocked function or builtin is replaced with. */
export type FunctionMock =
  | { readonly kind: 'value'; readonly value: Value }
  | { readonly kind: 'function'; readonly node: RuleNode }
  | { readonly kind: 'builtin'; readonly name: string };

export interface DataMock {
  readonly path: readonly string[];
  readonly value: Value;
}

export interface EvalState {
  input: Value | undefined;
  dataMocks: readonly DataMock[];
  fnMocks: ReadonlyMap<string, FunctionMock> | undefined;
  /** Rule node id → computed value (undefined when the rule is undefined). */
  docCache: Map<number, Value | undefined>;
  /** Function results keyed by node id and canonical args. */
  fnCache: Map<string, Value | undefined>;
}

/** Returns a copy of `doc` with `value` set at `path`, creating objects along the way. */
export function setPath(doc: Value | undefined, path: readonly Value[], value: Value): Value {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [Value, ...Value[]];
  const base = isObject(doc) ? objEntries(doc) : [];
  const current = isObject(doc) ? base.find(([k]) => k === head)?.[1] : undefined;
  const entries = base.filter(([k]) => k !== head);
  entries.push([head, setPath(current, rest, value)]);
  return makeObject(entries);
}
