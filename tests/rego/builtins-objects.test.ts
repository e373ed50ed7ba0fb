/**
 * Objects family: object.get, object.keys, object.remove, object.filter, object.union,
 * object.union_n, object.subset. Expectations ported by hand from OPA's conformance cases
 * (objectget/, objectremove/, objectfilter/, objectunion/, objectunionn/) and OPA's
 * topdown/object.go and subset.go.
 */
import { describe, expect, it } from 'vitest';
import {
  isPlainObject,
  makeObject,
  RegoObject,
  RegoSet,
  toRegoString,
  type Value,
} from '../../rego/value.ts';
import { type Case, caseTable, label, typeErr, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

/** Builds an object from a JS literal (nested literals become Rego objects too). */
function o(x: Record<string, unknown>): Value {
  const conv = (y: unknown): Value =>
    y !== null &&
    typeof y === 'object' &&
    !Array.isArray(y) &&
    !(y instanceof RegoSet) &&
    !(y instanceof RegoObject)
      ? o(y as Record<string, unknown>)
      : Array.isArray(y)
        ? y.map(conv)
        : (y as Value);
  return makeObject(Object.entries(x).map(([k, y]) => [k, conv(y)]));
}
const s = (...xs: Value[]): RegoSet => new RegoSet(xs);

describe('object.get', () => {
  const cases: Case[] = [
    // objectget/test-objectget-0266.yaml, -0267.yaml
    ['object.get', [o({ a: { b: 'c' } }), 'a', true], v(o({ b: 'c' }))],
    ['object.get', [o({ a: { b: 'c' } }), 'b', true], v(true)],
    // A present key with a null (or false) value is found.
    ['object.get', [o({ a: null }), 'a', 'dflt'], v(null)],
    ['object.get', [o({ a: false }), 'a', 'dflt'], v(false)],
    // Paths.
    ['object.get', [o({ a: { b: { c: 1 } } }), ['a', 'b', 'c'], 0], v(1)],
    ['object.get', [o({ a: { b: { c: 1 } } }), ['a', 'x'], 0], v(0)],
    ['object.get', [o({ a: 1 }), [], 0], v(o({ a: 1 }))],
    ['object.get', [o({ a: [10, 20, { b: 'x' }] }), ['a', 2, 'b'], 0], v('x')],
    ['object.get', [o({ a: [10, 20] }), ['a', 5], 0], v(0)],
    ['object.get', [o({ a: [10, 20] }), ['a', '0'], 0], v(0)],
    ['object.get', [o({ a: s('x', 'y') }), ['a', 'x'], 0], v('x')],
    ['object.get', [o({ a: s('x') }), ['a', 'z'], 0], v(0)],
    ['object.get', [o({ a: 'str' }), ['a', 'b'], 0], v(0)],
    // Non-string keys.
    [
      'object.get',
      [
        new RegoObject([
          [1, 'one'],
          [[1, 2], 'pair'],
        ]),
        1,
        0,
      ],
      v('one'),
    ],
    [
      'object.get',
      [
        new RegoObject([
          [1, 'one'],
          [[1, 2], 'pair'],
        ]),
        [[1, 2]],
        0,
      ],
      v('pair'),
    ],
    ['object.get', [o({ '1': 'string one' }), 1, 0], v(0)],
    // Own keys only.
    ['object.get', [o({}), 'constructor', 'dflt'], v('dflt')],
    ['object.get', [o({}), '__proto__', 'dflt'], v('dflt')],
    ['object.get', [[1], 0, 0], typeErr('operand 1 must be object but got array')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('object.keys', () => {
  const cases: Case[] = [
    ['object.keys', [o({ a: 1, b: 2 })], v(s('a', 'b'))],
    ['object.keys', [o({})], v(s())],
    [
      'object.keys',
      [
        new RegoObject([
          [1, 'x'],
          ['a', 'y'],
        ]),
      ],
      v(s(1, 'a')),
    ],
    ['object.keys', [s('a')], typeErr('operand 1 must be object but got set')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('object.remove', () => {
  const cases: Case[] = [
    // objectremove/*.yaml
    ['object.remove', [o({ a: 1, b: { c: 3 } }), s('a')], v(o({ b: { c: 3 } }))],
    ['object.remove', [o({ a: 1, b: { c: 3 }, d: 4 }), s('b', 'd')], v(o({ a: 1 }))],
    ['object.remove', [o({ a: 1, b: { c: 3 }, d: 4 }), ['b', 'd']], v(o({ a: 1 }))],
    ['object.remove', [o({ a: 1, b: { c: 3 }, d: 4 }), o({ b: 1, d: '' })], v(o({ a: 1 }))],
    ['object.remove', [o({ a: 1, b: { c: 3 } }), s('z')], v(o({ a: 1, b: { c: 3 } }))],
    [
      'object.remove',
      [
        new RegoObject([
          [1, 'x'],
          ['a', 'y'],
        ]),
        [1],
      ],
      v(o({ a: 'y' })),
    ],
    ['object.remove', [123, s('a')], typeErr('operand 1 must be object but got number')],
    ['object.remove', ['foo', s('a')], typeErr('operand 1 must be object but got string')],
    [
      'object.remove',
      [o({ a: 1 }), 'foo'],
      typeErr('operand 2 must be one of {object, set, array} but got string'),
    ],
    [
      'object.remove',
      [o({ a: 1 }), null],
      typeErr('operand 2 must be one of {object, set, array} but got null'),
    ],
  ];
  for (const c of cases) it(label(c), () => check(c));

  it('returns a plain (null-prototype) object when the remaining keys are strings', () => {
    const r = call('object.remove', [
      new RegoObject([
        [1, 'x'],
        ['a', 'y'],
      ]),
      [1],
    ]);
    expect(isPlainObject(r)).toBe(true);
    expect(Object.getPrototypeOf(r)).toBe(null);
  });
});

describe('object.filter', () => {
  const cases: Case[] = [
    // objectfilter/*.yaml
    ['object.filter', [o({ a: { b: { c: 7, d: 8 } }, e: 9 }), s('a')], v(o({ a: { b: { c: 7, d: 8 } } }))],
    ['object.filter', [o({ a: 1, b: 2, c: 3, e: 9 }), s('a', 'e')], v(o({ a: 1, e: 9 }))],
    ['object.filter', [o({ a: 1, b: 2, c: 3, e: 9 }), ['a', 'e']], v(o({ a: 1, e: 9 }))],
    ['object.filter', [o({ a: 1, b: 2 }), o({ b: 'x', z: 'y' })], v(o({ b: 2 }))],
    ['object.filter', [o({ a: 7 }), []], v(o({}))],
    ['object.filter', [['a'], s('a')], typeErr('operand 1 must be object but got array')],
    ['object.filter', ['foo', s('a')], typeErr('operand 1 must be object but got string')],
    ['object.filter', [null, s('a')], typeErr('operand 1 must be object but got null')],
    [
      'object.filter',
      [o({ a: 1 }), true],
      typeErr('operand 2 must be one of {object, set, array} but got boolean'),
    ],
    [
      'object.filter',
      [o({ a: 1 }), null],
      typeErr('operand 2 must be one of {object, set, array} but got null'),
    ],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('object.union / object.union_n', () => {
  const cases: Case[] = [
    // objectunion/*.yaml
    ['object.union', [o({}), o({})], v(o({}))],
    ['object.union', [o({}), o({ a: 1 })], v(o({ a: 1 }))],
    ['object.union', [o({ a: 1 }), o({ b: 2 })], v(o({ a: 1, b: 2 }))],
    ['object.union', [o({ a: 1 }), o({ a: 2 })], v(o({ a: 2 }))],
    ['object.union', [o({ a: 1 }), o({ a: { b: { c: 1 } }, d: 7 })], v(o({ a: { b: { c: 1 } }, d: 7 }))],
    ['object.union', [o({ a: { b: 1, c: 2 } }), o({ a: { c: 3, d: 4 } })], v(o({ a: { b: 1, c: 3, d: 4 } }))],
    ['object.union', [o({ a: { b: 1 } }), o({ a: 5 })], v(o({ a: 5 }))],
    [
      'object.union',
      [new RegoObject([[1, 'x']]), o({ a: 'y' })],
      v(
        new RegoObject([
          [1, 'x'],
          ['a', 'y'],
        ]),
      ),
    ],
    ['object.union', [o({ a: 1 }), [1, 2, 3]], typeErr('operand 2 must be object but got array')],
    ['object.union', [null, o({})], typeErr('operand 1 must be object but got null')],
    // objectunionn/test-objectunionn-0001.yaml
    ['object.union_n', [[o({})]], v(o({}))],
    ['object.union_n', [[]], v(o({}))],
    ['object.union_n', [[o({ foo: 'bar' })]], v(o({ foo: 'bar' }))],
    ['object.union_n', [[o({ foo: 'bar' }), o({ x: 'y' })]], v(o({ foo: 'bar', x: 'y' }))],
    ['object.union_n', [[o({ foo: 'bar' }), o({ foo: 'baz' })]], v(o({ foo: 'baz' }))],
    [
      'object.union_n',
      [[o({ a: 1, b: 2, c: 3 }), o({ foo: 'baz', a: 'a', b: 2, d: 4 }), o({ a: 'final A!', e: 5.0 })]],
      v(o({ a: 'final A!', b: 2, c: 3, d: 4, e: 5, foo: 'baz' })),
    ],
    // A non-object overwriting an object, then an object again: no merge with the first one.
    ['object.union_n', [[o({ a: { b: 2 } }), o({ a: 4 }), o({ a: { c: 3 } })]], v(o({ a: { c: 3 } }))],
    ['object.union_n', [[o({ a: { b: 2 } }), o({ a: { c: 3 } })]], v(o({ a: { b: 2, c: 3 } }))],
    [
      'object.union_n',
      [[o({ foo: 1 }), o({ bar: 2 }), 'baz']],
      typeErr('operand 1 must be array of objects but got array containing string'),
    ],
    ['object.union_n', [s(o({}))], typeErr('operand 1 must be array but got set')],
  ];
  for (const c of cases) it(label(c), () => check(c));

  it('does not modify its operands', () => {
    const a = o({ a: { b: 1 } });
    const b = o({ a: { c: 2 } });
    call('object.union', [a, b]);
    call('object.union_n', [[a, b]]);
    expect(toRegoString(a)).toBe('{"a": {"b": 1}}');
    expect(toRegoString(b)).toBe('{"a": {"c": 2}}');
  });
});

describe('object.subset', () => {
  const cases: Case[] = [
    ['object.subset', [o({ a: 1, b: 2 }), o({ a: 1 })], v(true)],
    ['object.subset', [o({ a: 1, b: 2 }), o({ a: 2 })], v(false)],
    ['object.subset', [o({ a: 1 }), o({ c: 1 })], v(false)],
    ['object.subset', [o({ a: { b: 1, c: 2 }, d: 3 }), o({ a: { c: 2 } })], v(true)],
    ['object.subset', [o({ a: s(1, 2, 3) }), o({ a: s(1, 3) })], v(true)],
    ['object.subset', [o({ a: [1, 2, 3, 4] }), o({ a: [2, 3] })], v(true)],
    ['object.subset', [o({ a: [1, 2, 3, 4] }), o({ a: [2, 4] })], v(false)],
    ['object.subset', [o({ a: 1 }), o({ a: [1] })], v(false)],
    ['object.subset', [o({}), o({})], v(true)],
    ['object.subset', [s(1, 2, 3), s(1, 3)], v(true)],
    ['object.subset', [s(1, 2), s(1, 4)], v(false)],
    [
      'object.subset',
      [
        [1, 2, 3],
        [2, 3],
      ],
      v(true),
    ],
    [
      'object.subset',
      [
        [1, 2, 2, 3],
        [2, 3],
      ],
      v(true),
    ],
    [
      'object.subset',
      [
        [1, 2, 3],
        [3, 2],
      ],
      v(false),
    ],
    [
      'object.subset',
      [
        [1, 2],
        [1, 2, 3],
      ],
      v(false),
    ],
    ['object.subset', [[1, 2, 3], []], v(true)],
    ['object.subset', [[1, 2, 3], s(3, 1)], v(true)],
    ['object.subset', [[1, 1], s(1, 2)], v(false)],
    ['object.subset', [[1], s(2)], v(false)],
    [
      'object.subset',
      [s(1), [1]],
      typeErr('both arguments object.subset must be of the same type or array and set'),
    ],
    [
      'object.subset',
      [o({}), 1],
      typeErr('both arguments object.subset must be of the same type or array and set'),
    ],
  ];
  for (const c of cases) it(label(c), () => check(c));
});
