/**
 * Sets family: and (&), or (|), intersection, union. Expectations ported by hand from OPA's
 * conformance cases (sets/) and OPA's topdown/binary.go and sets.go.
 */
import { describe, expect, it } from 'vitest';
import { makeObject, RegoSet, toRegoString, type Value } from '../../rego/value.ts';
import { type Case, caseTable, label, typeErr, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

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
