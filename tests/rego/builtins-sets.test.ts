/**
 * Sets family: and (&), or (|), intersection, union. Expectations ported by hand from OPA's
 * conformance cases (sets/) and OPA's topdown/binary.go and sets.go.
 */
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import type { BuiltinContext } from '../../rego/builtins/registry.ts';
import { BuiltinError } from '../../rego/errors.ts';
import { equal, makeObject, RegoSet, toRegoString, type Value } from '../../rego/value.ts';

const reg = createDefaultRegistry();
const newCtx = (): BuiltinContext => ({ nowNs: 0n, cache: new Map(), print() {} });

function call(name: string, args: Value[], ctx: BuiltinContext = newCtx()): Value | undefined {
  const b = reg.get(name);
  if (!b) throw new Error(`no builtin ${name}`);
  return b.fn(args, ctx);
}

type Expect = { value: Value } | { error: 'eval_type_error' | 'eval_builtin_error'; message: string };
type Case = [name: string, args: Value[], want: Expect];

function check([name, args, want]: Case): void {
  if ('value' in want) {
    const got = call(name, args);
    expect(got === undefined ? 'undefined' : toRegoString(got)).toBe(toRegoString(want.value));
    expect(equal(got as Value, want.value)).toBe(true);
  } else {
    let err: unknown;
    try {
      call(name, args);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BuiltinError);
    expect((err as BuiltinError).kind).toBe(want.error);
    expect((err as BuiltinError).message).toBe(want.message);
  }
}

const v = (value: Value): Expect => ({ value });
const typeErr = (message: string): Expect => ({ error: 'eval_type_error', message });
const label = (c: Case): string => `${c[0]}(${c[1].map((a) => toRegoString(a)).join(', ')})`;
const s = (...xs: Value[]): RegoSet => new RegoSet(xs);

describe('and / or', () => {
  const cases: Case[] = [
    ['and', [s(1, 2, 3), s(2, 3, 4)], v(s(2, 3))],
    ['and', [s(1), s(2)], v(s())],
    ['and', [s([1], makeObject([['a', 1]])), s(makeObject([['a', 1]]))], v(s(makeObject([['a', 1]])))],
    // sets/test-sets-0876.yaml: {3, 2, 3} | {3, 4, 3} = {2, 3, 4}
    ['or', [s(3, 2, 3), s(3, 4, 3)], v(s(2, 3, 4))],
    ['or', [s(), s()], v(s())],
    ['or', [s(1, 'a'), s('a', null)], v(s(null, 1, 'a'))],
    ['and', [[1], s(1)], typeErr('operand 1 must be set but got array')],
    ['or', [s(1), 1], typeErr('operand 2 must be set but got number')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('intersection / union', () => {
  const cases: Case[] = [
    ['intersection', [s(s(1, 2, 3), s(2, 3, 4), s(3, 2))], v(s(2, 3))],
    ['intersection', [s(s(1, 2))], v(s(1, 2))],
    ['intersection', [s()], v(s())],
    ['intersection', [s(s(1), s(2))], v(s())],
    ['union', [s(s(1, 2), s(2, 3), s())], v(s(1, 2, 3))],
    ['union', [s()], v(s())],
    ['intersection', [[s(1)]], typeErr('operand 1 must be set but got array')],
    ['union', [s(s(1), 3)], typeErr('operand 1 must be set but got number')],
    ['intersection', [s(s(1), [1])], typeErr('operand 1 must be set but got array')],
  ];
  for (const c of cases) it(label(c), () => check(c));

  it('does not modify the operand sets', () => {
    const a = s(1, 2);
    const b = s(2, 3);
    call('union', [s(a, b)]);
    call('intersection', [s(a, b)]);
    call('or', [a, b]);
    expect(toRegoString(a)).toBe('{1, 2}');
    expect(toRegoString(b)).toBe('{2, 3}');
  });
});
