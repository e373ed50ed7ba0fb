/**
 * Arrays family: array.concat, array.slice, array.reverse, array.flatten. Expectations ported by
 * hand from OPA's conformance cases (array/) and OPA's topdown/array.go.
 */
import { describe, expect, it } from 'vitest';
import { RegoSet } from '../../rego/value.ts';
import { type Case, caseTable, label, obj, typeErr, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

describe('array.concat', () => {
  const cases: Case[] = [
    // array/test-array-0041.yaml, -0042.yaml
    [
      'array.concat',
      [
        [1, 2],
        [3, 4],
      ],
      v([1, 2, 3, 4]),
    ],
    ['array.concat', [[], [3]], v([3])],
    ['array.concat', [[1], []], v([1])],
    [
      'array.concat',
      [obj({ v1: 'hello', v2: 'goodbye' }), [3, 4]],
      typeErr('operand 1 must be array but got object'),
    ],
    ['array.concat', [[1], new RegoSet([2])], typeErr('operand 2 must be array but got set')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('array.slice', () => {
  const cases: Case[] = [
    // array/test-array-0044.yaml, -0045.yaml, -0046.yaml
    ['array.slice', [[1, 2, 3, 4, 5], 1, 3], v([2, 3])],
    ['array.slice', [[1, 2, 3], 0, 0], v([])],
    ['array.slice', [[1, 2, 3, 4, 5], -4, -1], v([])],
    // Clamping: stop to [0, len], start to [0, stop].
    ['array.slice', [[1, 2, 3], -10, 2], v([1, 2])],
    ['array.slice', [[1, 2, 3], 1, 100], v([2, 3])],
    ['array.slice', [[1, 2, 3], 2, 1], v([])],
    ['array.slice', [[1, 2, 3], 0, 3], v([1, 2, 3])],
    ['array.slice', [[1, 2, 3], 5, 10], v([])],
    [
      'array.slice',
      [[1, 2, 3], 0, 18446744073709551616n],
      typeErr('operand 3 must be integer number but got floating-point number'),
    ],
    [
      'array.slice',
      [[1, 2, 3], 0.5, 2],
      typeErr('operand 2 must be integer number but got floating-point number'),
    ],
    ['array.slice', [[1, 2, 3], '0', 2], typeErr('operand 2 must be number but got string')],
    ['array.slice', ['abc', 0, 2], typeErr('operand 1 must be array but got string')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('array.reverse', () => {
  const cases: Case[] = [
    ['array.reverse', [[1, 2, 3]], v([3, 2, 1])],
    ['array.reverse', [[]], v([])],
    ['array.reverse', [[[1, 2], 'a']], v(['a', [1, 2]])],
    ['array.reverse', [new RegoSet([1])], typeErr('operand 1 must be array but got set')],
  ];
  for (const c of cases) it(label(c), () => check(c));

  it('does not modify its operand', () => {
    const arr = [1, 2, 3];
    call('array.reverse', [arr]);
    expect(arr).toEqual([1, 2, 3]);
  });
});

describe('array.flatten', () => {
  const cases: Case[] = [
    // array/flatten.yaml
    ['array.flatten', [[]], v([])],
    ['array.flatten', [[[1, 2], [3, 4], [5]]], v([1, 2, 3, 4, 5])],
    ['array.flatten', [[[[1], [2, 3, []]], [[4, 5]]]], v([[1], [2, 3, []], [4, 5]])],
    [
      'array.flatten',
      [[[1, 2], 'string', [3, obj({ a: 'b' })], 4.5, [6, [7, 8]]]],
      v([1, 2, 'string', 3, obj({ a: 'b' }), 4.5, 6, [7, 8]]),
    ],
    ['array.flatten', [[new RegoSet([1]), [null]]], v([new RegoSet([1]), null])],
    ['array.flatten', [42], typeErr('operand 1 must be array but got number')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});
