/**
 * Aggregates family: count, sum, product, max, min, sort, all, any. Expectations ported by hand
 * from OPA's conformance cases (aggregates/, comparisonexpr/test-comparisonexpr-decimals.yaml)
 * and OPA's topdown/aggregates.go.
 */
import { describe, expect, it } from 'vitest';
import { RegoObject, RegoSet, type Value } from '../../rego/value.ts';
import { type Case, caseTable, label, obj, typeErr, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

describe('count', () => {
  const cases: Case[] = [
    // aggregates/test-aggregates-0001.yaml, -0004.yaml
    ['count', [[1, 2, 3, 4]], v(4)],
    ['count', [obj({ v1: 'hello', v2: 'goodbye' })], v(2)],
    ['count', [new RegoSet([1, 2, 3])], v(3)],
    [
      'count',
      [
        new RegoObject([
          [1, 'a'],
          [[2], 'b'],
        ]),
      ],
      v(2),
    ],
    ['count', [''], v(0)],
    // Strings count code points, not UTF-16 units or bytes.
    ['count', ['héllo'], v(5)],
    ['count', ['🍧🍧'], v(2)],
    ['count', ['\ud800x'], v(2)],
    ['count', [[]], v(0)],
    // comparisonexpr/test-comparisonexpr-decimals.yaml: equal decimals are one set element.
    ['count', [new RegoSet([3.5, 3.5, 35e-1, 0.35e1])], v(1)],
    ['count', [1], typeErr('operand 1 must be one of {array, object, set, string} but got number')],
    ['count', [null], typeErr('operand 1 must be one of {array, object, set, string} but got null')],
    ['count', [true], typeErr('operand 1 must be one of {array, object, set, string} but got boolean')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('sum and product', () => {
  const cases: Case[] = [
    // aggregates/test-aggregates-0008.yaml, -0009.yaml, -0012.yaml
    ['sum', [[1, 2, 3, 4]], v(10)],
    ['sum', [new RegoSet([1, 2, 3, 4])], v(10)],
    ['product', [new RegoSet([1, 2, 3, 4])], v(24)],
    ['product', [[1, 2, 3, 4]], v(24)],
    ['sum', [[]], v(0)],
    ['product', [[]], v(1)],
    ['sum', [[1, 2.5]], v(3.5)],
    ['sum', [[0.1, 0.2]], v(0.3)],
    ['product', [[1.1, 1.1]], v(1.21)],
    ['product', [[2.5, 2]], v(5)],
    // Exact beyond 2^53.
    ['sum', [[Number.MAX_SAFE_INTEGER, 2]], v(9007199254740993n)],
    ['sum', [[18446744073709551616n, -18446744073709551615n]], v(1)],
    ['product', [[4294967296, 4294967296, 2]], v(36893488147419103232n)],
    ['sum', [['a']], typeErr('operand 1 must be array of numbers but got array containing string')],
    [
      'sum',
      [new RegoSet([1, 'a'])],
      typeErr('operand 1 must be set of numbers but got set containing string'),
    ],
    ['product', [[1, null]], typeErr('operand 1 must be array of numbers but got array containing null')],
    ['sum', [1], typeErr('operand 1 must be one of {set, array} but got number')],
    ['product', [obj({})], typeErr('operand 1 must be one of {set, array} but got object')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('max, min, sort', () => {
  const cases: Case[] = [
    // aggregates/test-aggregates-0015.yaml, -0019.yaml, -0021.yaml, -0023.yaml, -0024.yaml, -0025.yaml
    ['max', [[1, 2, 3, 4]], v(4)],
    ['max', [[1, 2, 3, 4, 5]], v(5)],
    ['min', [[3, 2, 1, 4, 6, -7, 10]], v(-7)],
    ['min', [[1, 2, 3, 4]], v(1)],
    ['sort', [[4, 3, 2, 1]], v([1, 2, 3, 4])],
    // comparisonexpr/test-comparisonexpr-decimals.yaml
    ['sort', [[3.5, 3, 3.25, -2.5, 3.5, 1, 0.5]], v([-2.5, 0.5, 1, 3, 3.25, 3.5, 3.5])],
    ['max', [[3, 3.5, 3.25, 3.4999]], v(3.5)],
    ['min', [[3, 3.5, 2.75, 2.7499]], v(2.7499)],
    // Empty collections are undefined.
    ['max', [[]], v(undefined as unknown as Value)],
    ['min', [new RegoSet()], v(undefined as unknown as Value)],
    // Any values, in Rego's order: null < boolean < number < string < array < object < set.
    ['max', [[null, true, 1, 'a', [1], obj({}), new RegoSet()]], v(new RegoSet())],
    ['min', [new RegoSet(['b', 2, false])], v(false)],
    ['sort', [new RegoSet(['b', 2, false, null])], v([null, false, 2, 'b'])],
    ['sort', [[[2], [1, 2], [1]]], v([[1], [1, 2], [2]])],
    ['sort', [[]], v([])],
    ['max', [18446744073709551616n], typeErr('operand 1 must be one of {set, array} but got number')],
    ['sort', ['abc'], typeErr('operand 1 must be one of {set, array} but got string')],
  ];
  for (const c of cases) {
    if ('value' in c[2] && c[2].value === undefined) {
      it(label(c), () => expect(call(c[0], c[1])).toBeUndefined());
    } else {
      it(label(c), () => check(c));
    }
  }

  it('sort does not modify its operand', () => {
    const arr = [3, 1, 2];
    call('sort', [arr]);
    expect(arr).toEqual([3, 1, 2]);
  });
});

describe('all and any (deprecated)', () => {
  const cases: Case[] = [
    ['all', [[]], v(true)],
    ['all', [[true, true]], v(true)],
    ['all', [[true, 1]], v(false)],
    ['all', [new RegoSet([true])], v(true)],
    ['all', [new RegoSet([true, false])], v(false)],
    ['any', [[]], v(false)],
    ['any', [new RegoSet()], v(false)],
    ['any', [[false, 'true', true]], v(true)],
    ['any', [new RegoSet([false])], v(false)],
    ['all', [1], typeErr('operand 1 must be one of {array, set} but got number')],
    ['any', [obj({ a: true })], typeErr('operand 1 must be one of {array, set} but got object')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});
