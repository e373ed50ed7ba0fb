/**
 * The preamble every builtin test (tests/rego/builtins-*.test.ts) would otherwise repeat: a
 * context as a query gets one, calling a builtin by name, and assertions on what it returns or
 * on the BuiltinError it throws. A builtin is called directly, not through a policy, so that a
 * failure points at the builtin rather than at the compiler or the evaluator.
 *
 * Three shapes of test use it:
 * - tables of `[name, args, want]` rows: {@link caseTable}, a fresh context per call;
 * - `call(name, ...args)` with one context whose clock reads {@link NOW_NS}:
 *   {@link fixedClockHarness}, for the families that read the clock (time, net, encoding, …);
 * - one family in a registry of its own ({@link familyRegistry}), so that a test proves the
 *   family registers what it needs and sees nothing else.
 *
 * @example
 * ```ts
 * const { check } = caseTable();
 * check(['count', [[1, 2]], v(2)]);
 * check(['count', [1], typeErr('operand 1 must be one of {array, object, set, string} but got number')]);
 * ```
 */
import { expect } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { type BuiltinContext, BuiltinRegistry } from '../../rego/builtins/registry.ts';
import { BuiltinError } from '../../rego/errors.ts';
import { compile } from '../../rego/index.ts';
import { canonical, equal, fromJSON, makeObject, toRegoString, type Value } from '../../rego/value.ts';

export type ErrorKind = BuiltinError['kind'];
export const TYPE = 'eval_type_error';
export const BUILTIN = 'eval_builtin_error';

/** The clock of {@link fixedClockHarness}: 2023-11-14T22:13:20Z, a fixed instant so results are stable. */
export const NOW_NS = 1_700_000_000_000_000_000n;

/** A context as a query gets one: its own cache (so memoised builtins start afresh), print discarded. */
export function newCtx(nowNs = 0n): BuiltinContext {
  return { nowNs, cache: new Map(), print() {} };
}

/** A registry with only these families in it. */
export function familyRegistry(...families: ((r: BuiltinRegistry) => void)[]): BuiltinRegistry {
  const r = new BuiltinRegistry();
  for (const register of families) register(r);
  return r;
}

/** Calls a builtin by name; a name that is not registered is a mistake in the test, so it throws. */
export function callBuiltin(
  registry: BuiltinRegistry,
  name: string,
  args: Value[],
  ctx: BuiltinContext = newCtx(),
): Value | undefined {
  const b = registry.get(name);
  if (!b) throw new Error(`no builtin ${name}`);
  return b.fn(args, ctx);
}

/** `call(name, args, ctx?)` on one registry; each call without a context gets a fresh one. */
export type Caller = (name: string, args: Value[], ctx?: BuiltinContext) => Value | undefined;

/** A {@link Caller} on `registry` (by default, the default registry). */
export function builtinCaller(registry: BuiltinRegistry = createDefaultRegistry()): Caller {
  return (name, args, ctx = newCtx()) => callBuiltin(registry, name, args, ctx);
}

/** Evaluates `x` of `package p` with `body`, builtin errors strict, as `x = data.p.x`. */
export function evalPolicyX(
  registry: BuiltinRegistry,
  body: string,
  opts: { input?: unknown; nowNs?: bigint | undefined } = {},
): Value | undefined {
  const policy = compile([{ name: 'test.rego', text: `package p\n${body}` }], { registry });
  return policy.query('x = data.p.x', { ...opts, strictBuiltinErrors: true })[0]?.x;
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** Runs `fn` and returns the BuiltinError it throws; anything else, or nothing, fails the test. */
export function thrownBuiltinError(fn: () => unknown): BuiltinError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BuiltinError);
  return err as BuiltinError;
}

/** Asserts `fn` throws a BuiltinError of this kind with exactly this message. */
export function expectThrows(fn: () => unknown, kind: ErrorKind, message: string): void {
  const e = thrownBuiltinError(fn);
  expect({ kind: e.kind, message: e.message }).toEqual({ kind, message });
}

/** Asserts `fn` throws a BuiltinError of this kind whose message contains `fragment`. */
export function expectThrowsContaining(fn: () => unknown, kind: ErrorKind, fragment: string): void {
  const e = thrownBuiltinError(fn);
  expect(e.kind).toBe(kind);
  expect(e.message).toContain(fragment);
}

/**
 * Asserts Rego equality. The printed forms are compared first so that a failure shows both
 * values; `equal` then catches what printing hides (an integer against the same float).
 */
export function expectValue(got: Value | undefined, want: Value): void {
  expect(got === undefined ? 'undefined' : toRegoString(got)).toBe(toRegoString(want));
  expect(equal(got as Value, want)).toBe(true);
}

/** {@link expectValue} with the expectation written as a JS literal. */
export function expectJSON(got: Value | undefined, want: unknown): void {
  expectValue(got, fromJSON(want));
}

/** Asserts equal canonical text: sets and objects unordered, numbers by their exact text. */
export function expectCanonical(actual: Value | undefined, expected: Value): void {
  expect(actual === undefined ? 'undefined' : canonical(actual)).toBe(canonical(expected));
}

/** An object from a JS record of Values. */
export const obj = (entries: Record<string, Value>): Value => makeObject(Object.entries(entries));

// ---------------------------------------------------------------------------------------------
// Tables of cases

export type Expect = { value: Value } | { error: ErrorKind; message: string };
export type Case = [name: string, args: Value[], want: Expect];

export const v = (value: Value): Expect => ({ value });
export const typeErr = (message: string): Expect => ({ error: TYPE, message });
export const builtinErr = (message: string): Expect => ({ error: BUILTIN, message });
/** A row as the call it stands for, e.g. `count([1, 2])`, to name its test. */
export const label = (c: Case): string => `${c[0]}(${c[1].map((a) => toRegoString(a)).join(', ')})`;

/**
 * `call` and `check` on `registry` (by default, the default registry); `check` runs one row
 * with a fresh context.
 */
export function caseTable(registry: BuiltinRegistry = createDefaultRegistry()): {
  call: Caller;
  check: (c: Case) => void;
} {
  const call = builtinCaller(registry);
  const check = ([name, args, want]: Case): void => {
    if ('value' in want) expectValue(call(name, args), want.value);
    else expectThrows(() => call(name, args), want.error, want.message);
  };
  return { call, check };
}

// ---------------------------------------------------------------------------------------------
// One shared context with a fixed clock

/**
 * `call(name, ...args)` on `registry` (by default, the default registry) with one context
 * shared by every call, whose clock reads {@link NOW_NS}; `expectError` asserts such a call
 * throws a BuiltinError of this kind with exactly this message.
 */
export function fixedClockHarness(registry: BuiltinRegistry = createDefaultRegistry()): {
  ctx: BuiltinContext;
  call: (name: string, ...args: Value[]) => Value | undefined;
  expectError: (kind: ErrorKind, message: string, name: string, ...args: Value[]) => void;
} {
  const ctx = newCtx(NOW_NS);
  const call = (name: string, ...args: Value[]): Value | undefined => callBuiltin(registry, name, args, ctx);
  const expectError = (kind: ErrorKind, message: string, name: string, ...args: Value[]): void =>
    expectThrows(() => call(name, ...args), kind, message);
  return { ctx, call, expectError };
}
