import { describe, expect, it } from 'vitest';
import { fromJSON, RegoSet, type Value } from '../../rego/value.ts';
import { expectCanonical, fixedClockHarness } from '../support/builtin-harness.ts';

const { call, expectError } = fixedClockHarness();

/** A JS literal as a Value (null-prototype objects). */
const v = (x: unknown): Value => fromJSON(x);

describe('json.filter', () => {
  it.each([
    ['empty object (conformance jsonfilter-0224)', {}, new RegoSet(['a/b']), {}],
    [
      'arrays (conformance jsonfilter-0225)',
      { a: [{ b: 7, c: 8 }, { d: 9 }] },
      new RegoSet(['a/0/b', 'a/1']),
      { a: [{ b: 7 }, { d: 9 }] },
    ],
    [
      'mixed root types (conformance jsonfilter-0228)',
      { a: { b: { c: 7, d: 8, x: 0 } }, e: 9 },
      new RegoSet(['a/b/d', v(['a', 'b', 'c'])]),
      { a: { b: { c: 7, d: 8 } } },
    ],
    ['shorter path wins', { a: { b: 1, c: 2 }, d: 3 }, v(['a/b', 'a']), { a: { b: 1, c: 2 } }],
    [
      'leading slashes and escapes',
      { 'a/b': 1, 'c~d': 2, e: 3 },
      v(['/a~1b', '//c~0d']),
      { 'a/b': 1, 'c~d': 2 },
    ],
    ['empty path is ignored', { a: 1 }, v(['', []]), {}],
    ['missing keys are skipped', { a: 1 }, v(['x/y', 'a']), { a: 1 }],
    ['array index must be a string segment', { a: [1, 2] }, v([['a', 0]]), { a: [] }],
    ['set members by value', { s: new RegoSet(['x', 'y']) }, v([['s', 'x']]), { s: new RegoSet(['x']) }],
  ])('%s', (_name, obj, paths, want) => {
    expectCanonical(call('json.filter', v(obj), paths as Value), v(want));
  });

  it('type errors', () => {
    expectError('eval_type_error', 'operand 1 must be object but got string', 'json.filter', 'x', v(['a']));
    expectError(
      'eval_type_error',
      'operand 2 must be one of {set, array} but got string',
      'json.filter',
      v({}),
      'a',
    );
    expectError(
      'eval_type_error',
      'operand 2 must be one of {set, array} containing string paths or array of path segments but got number',
      'json.filter',
      v({}),
      v([1]),
    );
  });
});

describe('json.remove', () => {
  it.each([
    [
      'base (jsonremove-0230)',
      { a: { b: { c: 7, d: 8 } }, e: 9 },
      new RegoSet(['a/b/c']),
      { a: { b: { d: 8 } }, e: 9 },
    ],
    [
      'multiple roots (0231)',
      { a: { b: { c: 7, d: 8 } }, e: 9 },
      new RegoSet(['a/b/c', 'e']),
      { a: { b: { d: 8 } } },
    ],
    [
      'shared roots (0233)',
      { a: { b: { c: 7, d: 8 }, e: 9 } },
      new RegoSet(['a/b/c', 'a/e']),
      { a: { b: { d: 8 } } },
    ],
    ['empty list (0235)', { a: 7 }, new RegoSet(), { a: 7 }],
    ['delete all (0237)', { a: { b: 7 }, c: 1 }, new RegoSet(['a', 'c']), {}],
    ['arrays (0239)', { a: [{ b: 7, c: 8 }, { d: 9 }] }, new RegoSet(['a/0/b', 'a/1']), { a: [{ c: 8 }] }],
    [
      'mixed root types (0242)',
      { a: { b: { c: 7, d: 8, x: 0 } }, e: 9 },
      new RegoSet(['a/b/d', v(['a', 'b', 'c'])]),
      { a: { b: { x: 0 } }, e: 9 },
    ],
    ['array of paths', { a: 1, b: 2 }, v(['b']), { a: 1 }],
    ['set members by value', { s: new RegoSet(['x', 'y']) }, v([['s', 'x']]), { s: new RegoSet(['y']) }],
  ])('%s', (_name, obj, paths, want) => {
    expectCanonical(call('json.remove', v(obj), paths as Value), v(want));
  });

  it.each([
    ['string input (0243)', 'foo', new RegoSet(['a/b/c']), 'operand 1 must be object but got string'],
    ['number input (0244)', 22, new RegoSet(['a/b/c']), 'operand 1 must be object but got number'],
    [
      'paths number (0248)',
      v({ a: { b: { c: 123 } } }),
      22,
      'operand 2 must be one of {set, array} but got number',
    ],
    [
      'set with objects (0252)',
      v({ a: { b: { c: 123 } } }),
      new RegoSet(['a', v({ x: 1 }), v({ y: 2 })]),
      'operand 2 must be one of {set, array} containing string paths or array of path segments but got object',
    ],
    [
      'array with objects (0254)',
      v({ a: { b: { c: 123 } } }),
      v(['a', { x: 1 }, { y: 2 }]),
      'operand 2 must be one of {set, array} containing string paths or array of path segments but got object',
    ],
  ])('error: %s', (_name, obj, paths, message) => {
    expectError('eval_type_error', message, 'json.remove', obj as Value, paths as Value);
  });
});

interface PatchCase {
  note: string;
  doc: unknown;
  patch: unknown[];
  expected?: unknown;
  error?: string;
}

// Ported from the conformance file jsonpatch/json-patch-tests.yaml (cases marked
// opa_disabled omitted). A case with `error` must give an undefined result; one without
// `expected` must give some result.
const PATCH_CASES: PatchCase[] = [
  {
    note: 'json_spec_tests: 4.1. add with missing object',
    doc: { q: { bar: 2 } },
    patch: [{ op: 'add', path: '/a/b', value: 1 }],
    error: 'path /a does not exist -- missing objects are not created recursively',
  },
  {
    note: 'json_spec_tests: A.1.  Adding an Object Member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    expected: { baz: 'qux', foo: 'bar' },
  },
  {
    note: 'json_spec_tests: A.2.  Adding an Array Element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    expected: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    note: 'json_spec_tests: A.3.  Removing an Object Member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    expected: { foo: 'bar' },
  },
  {
    note: 'json_spec_tests: A.4.  Removing an Array Element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    expected: { foo: ['bar', 'baz'] },
  },
  {
    note: 'json_spec_tests: A.5.  Replacing a Value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    expected: { baz: 'boo', foo: 'bar' },
  },
  {
    note: 'json_spec_tests: A.6.  Moving a Value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    expected: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    note: 'json_spec_tests: A.7.  Moving an Array Element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    expected: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    note: 'json_spec_tests: A.8.  Testing a Value: Success',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    expected: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  {
    note: 'json_spec_tests: A.9.  Testing a Value: Error',
    doc: { baz: 'qux' },
    patch: [{ op: 'test', path: '/baz', value: 'bar' }],
    error: 'string not equivalent',
  },
  {
    note: 'json_spec_tests: A.10.  Adding a nested Member Object',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    expected: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    note: 'json_spec_tests: A.11.  Ignoring Unrecognized Elements',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    expected: { foo: 'bar', baz: 'qux' },
  },
  {
    note: 'json_spec_tests: A.12.  Adding to a Non-existent Target',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    error: 'add to a non-existent target',
  },
  {
    note: 'json_spec_tests: A.13 Invalid JSON Patch Document',
    doc: { foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz', value: 'qux' }],
    error: "operation has two 'op' members",
  },
  {
    note: 'json_spec_tests: A.14. ~ Escape Ordering',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    expected: { '/': 9, '~1': 10 },
  },
  {
    note: 'json_spec_tests: A.15. Comparing Strings and Numbers',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: '10' }],
    error: 'number is not equal to string',
  },
  {
    note: 'json_spec_tests: A.16. Adding an Array Value',
    doc: { foo: ['bar'] },
    patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    expected: { foo: ['bar', ['abc', 'def']] },
  },
  { note: 'json_tests: empty list, empty docs', doc: {}, patch: [], expected: {} },
  { note: 'json_tests: empty patch list', doc: { foo: 1 }, patch: [], expected: { foo: 1 } },
  {
    note: 'json_tests: rearrangements OK?',
    doc: { foo: 1, bar: 2 },
    patch: [],
    expected: { bar: 2, foo: 1 },
  },
  {
    note: 'json_tests: rearrangements OK?  How about one level down ... array',
    doc: [{ foo: 1, bar: 2 }],
    patch: [],
    expected: [{ bar: 2, foo: 1 }],
  },
  {
    note: 'json_tests: rearrangements OK?  How about one level down...',
    doc: { foo: { foo: 1, bar: 2 } },
    patch: [],
    expected: { foo: { bar: 2, foo: 1 } },
  },
  {
    note: 'json_tests: add replaces any existing field',
    doc: { foo: null },
    patch: [{ op: 'add', path: '/foo', value: 1 }],
    expected: { foo: 1 },
  },
  {
    note: 'json_tests: toplevel array',
    doc: [],
    patch: [{ op: 'add', path: '/0', value: 'foo' }],
    expected: ['foo'],
  },
  { note: 'json_tests: toplevel array, no change', doc: ['foo'], patch: [], expected: ['foo'] },
  {
    note: 'json_tests: toplevel object, numeric string',
    doc: {},
    patch: [{ op: 'add', path: '/foo', value: '1' }],
    expected: { foo: '1' },
  },
  {
    note: 'json_tests: toplevel object, integer',
    doc: {},
    patch: [{ op: 'add', path: '/foo', value: 1 }],
    expected: { foo: 1 },
  },
  {
    note: 'json_tests: Toplevel scalar values OK?',
    doc: 'foo',
    patch: [{ op: 'replace', path: '', value: 'bar' }],
    expected: 'bar',
  },
  {
    note: 'json_tests: replace object document with array document?',
    doc: {},
    patch: [{ op: 'add', path: '', value: [] }],
    expected: [],
  },
  {
    note: 'json_tests: replace array document with object document?',
    doc: [],
    patch: [{ op: 'add', path: '', value: {} }],
    expected: {},
  },
  {
    note: 'json_tests: append to root array document?',
    doc: [],
    patch: [{ op: 'add', path: '/-', value: 'hi' }],
    expected: ['hi'],
  },
  {
    note: 'json_tests: Add, / target',
    doc: {},
    patch: [{ op: 'add', path: '/', value: 1 }],
    expected: { '': 1 },
  },
  {
    note: 'json_tests: Add, /foo/ deep target (trailing slash)',
    doc: { foo: {} },
    patch: [{ op: 'add', path: '/foo/', value: 1 }],
    expected: { foo: { '': 1 } },
  },
  {
    note: 'json_tests: Add composite value at top level',
    doc: { foo: 1 },
    patch: [{ op: 'add', path: '/bar', value: [1, 2] }],
    expected: { foo: 1, bar: [1, 2] },
  },
  {
    note: 'json_tests: Add into composite value',
    doc: { foo: 1, baz: [{ qux: 'hello' }] },
    patch: [{ op: 'add', path: '/baz/0/foo', value: 'world' }],
    expected: { foo: 1, baz: [{ qux: 'hello', foo: 'world' }] },
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/bar/8", "value": "5"}]',
    doc: { bar: [1, 2] },
    patch: [{ op: 'add', path: '/bar/8', value: '5' }],
    error: 'Out of bounds (upper)',
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/bar/-1", "value": "5"}]',
    doc: { bar: [1, 2] },
    patch: [{ op: 'add', path: '/bar/-1', value: '5' }],
    error: 'Out of bounds (lower)',
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/bar", "value": true}]',
    doc: { foo: 1 },
    patch: [{ op: 'add', path: '/bar', value: true }],
    expected: { foo: 1, bar: true },
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/bar", "value": false}]',
    doc: { foo: 1 },
    patch: [{ op: 'add', path: '/bar', value: false }],
    expected: { foo: 1, bar: false },
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/bar", "value": null}]',
    doc: { foo: 1 },
    patch: [{ op: 'add', path: '/bar', value: null }],
    expected: { foo: 1, bar: null },
  },
  {
    note: 'json_tests: 0 can be an array index or object element name',
    doc: { foo: 1 },
    patch: [{ op: 'add', path: '/0', value: 'bar' }],
    expected: { foo: 1, '0': 'bar' },
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/1", "value": "bar"}]',
    doc: ['foo'],
    patch: [{ op: 'add', path: '/1', value: 'bar' }],
    expected: ['foo', 'bar'],
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/1", "value": "bar"}]',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/1', value: 'bar' }],
    expected: ['foo', 'bar', 'sil'],
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/0", "value": "bar"}]',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/0', value: 'bar' }],
    expected: ['bar', 'foo', 'sil'],
  },
  {
    note: 'json_tests: push item to array via last index + 1',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/2', value: 'bar' }],
    expected: ['foo', 'sil', 'bar'],
  },
  {
    note: 'json_tests: add item to array at index > length should fail',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/3', value: 'bar' }],
    error: 'index is greater than number of items in array',
  },
  {
    note: 'json_tests: test against implementation-specific numeric parsing',
    doc: { '1e0': 'foo' },
    patch: [{ op: 'test', path: '/1e0', value: 'foo' }],
    expected: { '1e0': 'foo' },
  },
  {
    note: 'json_tests: test with bad number should fail',
    doc: ['foo', 'bar'],
    patch: [{ op: 'test', path: '/1e0', value: 'bar' }],
    error: "test op shouldn't get array element 1",
  },
  {
    note: 'json_tests: [{"op": "add", "path": "/bar", "value": 42}]',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/bar', value: 42 }],
    error: 'Object operation on array target',
  },
  {
    note: 'json_tests: value in array add not flattened',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/1', value: ['bar', 'baz'] }],
    expected: ['foo', ['bar', 'baz'], 'sil'],
  },
  {
    note: 'json_tests: [{"op": "remove", "path": "/bar"}]',
    doc: { foo: 1, bar: [1, 2, 3, 4] },
    patch: [{ op: 'remove', path: '/bar' }],
    expected: { foo: 1 },
  },
  {
    note: 'json_tests: [{"op": "remove", "path": "/baz/0/qux"}]',
    doc: { foo: 1, baz: [{ qux: 'hello' }] },
    patch: [{ op: 'remove', path: '/baz/0/qux' }],
    expected: { foo: 1, baz: [{}] },
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/foo", "value": [1, 2, 3, 4]}]',
    doc: { foo: 1, baz: [{ qux: 'hello' }] },
    patch: [{ op: 'replace', path: '/foo', value: [1, 2, 3, 4] }],
    expected: { foo: [1, 2, 3, 4], baz: [{ qux: 'hello' }] },
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/baz/0/qux", "value": "world"}]',
    doc: { foo: [1, 2, 3, 4], baz: [{ qux: 'hello' }] },
    patch: [{ op: 'replace', path: '/baz/0/qux', value: 'world' }],
    expected: { foo: [1, 2, 3, 4], baz: [{ qux: 'world' }] },
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/0", "value": "bar"}]',
    doc: ['foo'],
    patch: [{ op: 'replace', path: '/0', value: 'bar' }],
    expected: ['bar'],
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/0", "value": 0}]',
    doc: [''],
    patch: [{ op: 'replace', path: '/0', value: 0 }],
    expected: [0],
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/0", "value": true}]',
    doc: [''],
    patch: [{ op: 'replace', path: '/0', value: true }],
    expected: [true],
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/0", "value": false}]',
    doc: [''],
    patch: [{ op: 'replace', path: '/0', value: false }],
    expected: [false],
  },
  {
    note: 'json_tests: [{"op": "replace", "path": "/0", "value": null}]',
    doc: [''],
    patch: [{ op: 'replace', path: '/0', value: null }],
    expected: [null],
  },
  {
    note: 'json_tests: value in array replace not flattened',
    doc: ['foo', 'sil'],
    patch: [{ op: 'replace', path: '/1', value: ['bar', 'baz'] }],
    expected: ['foo', ['bar', 'baz']],
  },
  {
    note: 'json_tests: replace whole document',
    doc: { foo: 'bar' },
    patch: [{ op: 'replace', path: '', value: { baz: 'qux' } }],
    expected: { baz: 'qux' },
  },
  {
    note: 'json_tests: test replace with missing parent key should fail',
    doc: { bar: 'baz' },
    patch: [{ op: 'replace', path: '/foo/bar', value: false }],
    error: 'replace op should fail with missing parent key',
  },
  {
    note: 'json_tests: spurious patch properties',
    doc: { foo: 1 },
    patch: [{ op: 'test', path: '/foo', value: 1, spurious: 1 }],
    expected: { foo: 1 },
  },
  {
    note: 'json_tests: null value should be valid obj property',
    doc: { foo: null },
    patch: [{ op: 'test', path: '/foo', value: null }],
    expected: { foo: null },
  },
  {
    note: 'json_tests: null value should be valid obj property to be replaced with something truthy',
    doc: { foo: null },
    patch: [{ op: 'replace', path: '/foo', value: 'truthy' }],
    expected: { foo: 'truthy' },
  },
  {
    note: 'json_tests: null value should be valid obj property to be moved',
    doc: { foo: null },
    patch: [{ op: 'move', from: '/foo', path: '/bar' }],
    expected: { bar: null },
  },
  {
    note: 'json_tests: null value should be valid obj property to be copied',
    doc: { foo: null },
    patch: [{ op: 'copy', from: '/foo', path: '/bar' }],
    expected: { foo: null, bar: null },
  },
  {
    note: 'json_tests: null value should be valid obj property to be removed',
    doc: { foo: null },
    patch: [{ op: 'remove', path: '/foo' }],
    expected: {},
  },
  {
    note: 'json_tests: null value should still be valid obj property replace other value',
    doc: { foo: 'bar' },
    patch: [{ op: 'replace', path: '/foo', value: null }],
    expected: { foo: null },
  },
  {
    note: 'json_tests: test should pass despite rearrangement',
    doc: { foo: { foo: 1, bar: 2 } },
    patch: [{ op: 'test', path: '/foo', value: { bar: 2, foo: 1 } }],
    expected: { foo: { foo: 1, bar: 2 } },
  },
  {
    note: 'json_tests: test should pass despite (nested) rearrangement',
    doc: { foo: [{ foo: 1, bar: 2 }] },
    patch: [{ op: 'test', path: '/foo', value: [{ bar: 2, foo: 1 }] }],
    expected: { foo: [{ foo: 1, bar: 2 }] },
  },
  {
    note: 'json_tests: test should pass - no error',
    doc: { foo: { bar: [1, 2, 5, 4] } },
    patch: [{ op: 'test', path: '/foo', value: { bar: [1, 2, 5, 4] } }],
    expected: { foo: { bar: [1, 2, 5, 4] } },
  },
  {
    note: 'json_tests: [{"op": "test", "path": "/foo", "value": [1, 2]}]',
    doc: { foo: { bar: [1, 2, 5, 4] } },
    patch: [{ op: 'test', path: '/foo', value: [1, 2] }],
    error: 'test op should fail',
  },
  {
    note: 'json_tests: Whole document',
    doc: { foo: 1 },
    patch: [{ op: 'test', path: '', value: { foo: 1 } }],
  },
  {
    note: 'json_tests: Empty-string element',
    doc: { '': 1 },
    patch: [{ op: 'test', path: '/', value: 1 }],
    expected: { '': 1 },
  },
  {
    note: 'json_tests: [{"op": "test", "path": "/foo", "value": ["bar", "baz"]}, {"',
    doc: {
      foo: ['bar', 'baz'],
      '': 0,
      'a/b': 1,
      'c%d': 2,
      'e^f': 3,
      'g|h': 4,
      'i\\j': 5,
      'k"l': 6,
      ' ': 7,
      'm~n': 8,
    },
    patch: [
      { op: 'test', path: '/foo', value: ['bar', 'baz'] },
      { op: 'test', path: '/foo/0', value: 'bar' },
      { op: 'test', path: '/', value: 0 },
      { op: 'test', path: '/a~1b', value: 1 },
      { op: 'test', path: '/c%d', value: 2 },
      { op: 'test', path: '/e^f', value: 3 },
      { op: 'test', path: '/g|h', value: 4 },
      { op: 'test', path: '/i\\j', value: 5 },
      { op: 'test', path: '/k"l', value: 6 },
      { op: 'test', path: '/ ', value: 7 },
      { op: 'test', path: '/m~0n', value: 8 },
    ],
    expected: {
      '': 0,
      ' ': 7,
      'a/b': 1,
      'c%d': 2,
      'e^f': 3,
      foo: ['bar', 'baz'],
      'g|h': 4,
      'i\\j': 5,
      'k"l': 6,
      'm~n': 8,
    },
  },
  {
    note: 'json_tests: Move to same location has no effect',
    doc: { foo: 1 },
    patch: [{ op: 'move', from: '/foo', path: '/foo' }],
    expected: { foo: 1 },
  },
  {
    note: 'json_tests: [{"op": "move", "from": "/foo", "path": "/bar"}]',
    doc: { foo: 1, baz: [{ qux: 'hello' }] },
    patch: [{ op: 'move', from: '/foo', path: '/bar' }],
    expected: { baz: [{ qux: 'hello' }], bar: 1 },
  },
  {
    note: 'json_tests: [{"op": "move", "from": "/baz/0/qux", "path": "/baz/1"}]',
    doc: { baz: [{ qux: 'hello' }], bar: 1 },
    patch: [{ op: 'move', from: '/baz/0/qux', path: '/baz/1' }],
    expected: { baz: [{}, 'hello'], bar: 1 },
  },
  {
    note: 'json_tests: [{"op": "copy", "from": "/baz/0", "path": "/boo"}]',
    doc: { baz: [{ qux: 'hello' }], bar: 1 },
    patch: [{ op: 'copy', from: '/baz/0', path: '/boo' }],
    expected: { baz: [{ qux: 'hello' }], bar: 1, boo: { qux: 'hello' } },
  },
  {
    note: 'json_tests: replacing the root of the document is possible with add',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '', value: { baz: 'qux' } }],
    expected: { baz: 'qux' },
  },
  {
    note: 'json_tests: Adding to "/-" adds to the end of the array',
    doc: [1, 2],
    patch: [{ op: 'add', path: '/-', value: { foo: ['bar', 'baz'] } }],
    expected: [1, 2, { foo: ['bar', 'baz'] }],
  },
  {
    note: 'json_tests: Adding to "/-" adds to the end of the array, even n levels down',
    doc: [1, 2, [3, [4, 5]]],
    patch: [{ op: 'add', path: '/2/1/-', value: { foo: ['bar', 'baz'] } }],
    expected: [1, 2, [3, [4, 5, { foo: ['bar', 'baz'] }]]],
  },
  {
    note: 'json_tests: test remove with bad number should fail',
    doc: { foo: 1, baz: [{ qux: 'hello' }] },
    patch: [{ op: 'remove', path: '/baz/1e0/qux' }],
    error: "remove op shouldn't remove from array with bad number",
  },
  {
    note: 'json_tests: test remove on array',
    doc: [1, 2, 3, 4],
    patch: [{ op: 'remove', path: '/0' }],
    expected: [2, 3, 4],
  },
  {
    note: 'json_tests: test repeated removes',
    doc: [1, 2, 3, 4],
    patch: [
      { op: 'remove', path: '/1' },
      { op: 'remove', path: '/2' },
    ],
    expected: [1, 3],
  },
  {
    note: 'json_tests: test remove with bad index should fail',
    doc: [1, 2, 3, 4],
    patch: [{ op: 'remove', path: '/1e0' }],
    error: "remove op shouldn't remove from array with bad number",
  },
  {
    note: 'json_tests: test replace with bad number should fail',
    doc: [''],
    patch: [{ op: 'replace', path: '/1e0', value: false }],
    error: "replace op shouldn't replace in array with bad number",
  },
  {
    note: 'json_tests: test copy with bad number should fail',
    doc: { baz: [1, 2, 3], bar: 1 },
    patch: [{ op: 'copy', from: '/baz/1e0', path: '/boo' }],
    error: "copy op shouldn't work with bad number",
  },
  {
    note: 'json_tests: test move with bad number should fail',
    doc: { foo: 1, baz: [1, 2, 3, 4] },
    patch: [{ op: 'move', from: '/baz/1e0', path: '/foo' }],
    error: "move op shouldn't work with bad number",
  },
  {
    note: 'json_tests: test add with bad number should fail',
    doc: ['foo', 'sil'],
    patch: [{ op: 'add', path: '/1e0', value: 'bar' }],
    error: "add op shouldn't add to array with bad number",
  },
  {
    note: "json_tests: missing 'path' parameter",
    doc: {},
    patch: [{ op: 'add', value: 'bar' }],
    error: "missing 'path' parameter",
  },
  {
    note: "json_tests: 'path' parameter with null value",
    doc: {},
    patch: [{ op: 'add', path: null, value: 'bar' }],
    error: "null is not valid value for 'path'",
  },
  {
    note: "json_tests: missing 'value' parameter to add",
    doc: [1],
    patch: [{ op: 'add', path: '/-' }],
    error: "missing 'value' parameter",
  },
  {
    note: "json_tests: missing 'value' parameter to replace",
    doc: [1],
    patch: [{ op: 'replace', path: '/0' }],
    error: "missing 'value' parameter",
  },
  {
    note: "json_tests: missing 'value' parameter to test",
    doc: [null],
    patch: [{ op: 'test', path: '/0' }],
    error: "missing 'value' parameter",
  },
  {
    note: 'json_tests: missing value parameter to test - where undef is falsy',
    doc: [false],
    patch: [{ op: 'test', path: '/0' }],
    error: "missing 'value' parameter",
  },
  {
    note: 'json_tests: missing from parameter to copy',
    doc: [1],
    patch: [{ op: 'copy', path: '/-' }],
    error: "missing 'from' parameter",
  },
  {
    note: 'json_tests: missing from location to copy',
    doc: { foo: 1 },
    patch: [{ op: 'copy', from: '/bar', path: '/foo' }],
    error: "missing 'from' location",
  },
  {
    note: 'json_tests: missing from parameter to move',
    doc: { foo: 1 },
    patch: [{ op: 'move', path: '' }],
    error: "missing 'from' parameter",
  },
  {
    note: 'json_tests: missing from location to move',
    doc: { foo: 1 },
    patch: [{ op: 'move', from: '/bar', path: '/foo' }],
    error: "missing 'from' location",
  },
  {
    note: 'json_tests: unrecognized op should fail',
    doc: { foo: 1 },
    patch: [{ op: 'spam', path: '/foo', value: 1 }],
    error: "Unrecognized op 'spam'",
  },
  {
    note: 'json_tests: test with bad array number that has leading zeros',
    doc: ['foo', 'bar'],
    patch: [{ op: 'test', path: '/00', value: 'foo' }],
    error: 'test op should reject the array value, it has leading zeros',
  },
  {
    note: 'json_tests: test with bad array number that has leading zeros',
    doc: ['foo', 'bar'],
    patch: [{ op: 'test', path: '/01', value: 'bar' }],
    error: 'test op should reject the array value, it has leading zeros',
  },
  {
    note: 'json_tests: Removing nonexistent field',
    doc: { foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    error: 'removing a nonexistent field should fail',
  },
  {
    note: 'json_tests: Removing deep nonexistent path',
    doc: { foo: 'bar' },
    patch: [{ op: 'remove', path: '/missing1/missing2' }],
    error: 'removing a nonexistent field should fail',
  },
  {
    note: 'json_tests: Removing nonexistent index',
    doc: ['foo', 'bar'],
    patch: [{ op: 'remove', path: '/2' }],
    error: 'removing a nonexistent index should fail',
  },
  {
    note: 'json_tests: Patch with different capitalisation than doc',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/FOO', value: 'BAR' }],
    expected: { foo: 'bar', FOO: 'BAR' },
  },
];

describe('json.patch', () => {
  it.each(PATCH_CASES)('$note', (c) => {
    const got = call('json.patch', v(c.doc), v(c.patch));
    if (c.error !== undefined) expect(got).toBeUndefined();
    else if (c.expected !== undefined) expectCanonical(got, v(c.expected));
    else expect(got).not.toBeUndefined();
  });

  it('bad path on an array is undefined (conformance jsonpatch/coverage)', () => {
    expect(call('json.patch', v([1, 2, 3]), v([{ op: 'add', path: '1.2', value: 'foo' }]))).toBeUndefined();
  });

  it('works on sets and with array paths', () => {
    const s = new RegoSet([1, v([0]), 'a']);
    expectCanonical(
      call('json.patch', s, v([{ op: 'add', path: [2], value: 2 }])),
      new RegoSet([1, 2, v([0]), 'a']),
    );
    expectCanonical(
      call('json.patch', s, v([{ op: 'add', path: 'b', value: 'b' }])),
      new RegoSet([1, v([0]), 'a', 'b']),
    );
    expect(call('json.patch', s, v([{ op: 'add', path: '/2', value: 2 }]))).toBeUndefined();
    expectCanonical(call('json.patch', s, v([{ op: 'remove', path: [1] }])), new RegoSet([v([0]), 'a']));
    expectCanonical(
      call('json.patch', s, v([{ op: 'add', path: [[0], 1], value: 1 }])),
      new RegoSet([1, v([0, 1]), 'a']),
    );
    expectCanonical(
      call('json.patch', v({ a: { b: 1 } }), v([{ op: 'replace', path: ['a', 'b'], value: 2 }])),
      v({ a: { b: 2 } }),
    );
  });

  it('root operations', () => {
    expect(call('json.patch', v({ a: 1 }), v([{ op: 'remove', path: '' }]))).toBeUndefined();
    expectCanonical(
      call(
        'json.patch',
        v({ a: 1 }),
        v([
          { op: 'remove', path: '' },
          { op: 'add', path: '', value: 3 },
        ]),
      ),
      3,
    );
    expectCanonical(call('json.patch', 'foo', v([{ op: 'replace', path: '', value: 'bar' }])), 'bar');
  });

  it('does not modify its input', () => {
    const doc = v({ a: [1, 2], b: { c: 1 } });
    call(
      'json.patch',
      doc,
      v([
        { op: 'add', path: '/a/0', value: 0 },
        { op: 'remove', path: '/b/c' },
      ]),
    );
    expectCanonical(doc, v({ a: [1, 2], b: { c: 1 } }));
  });

  it('type errors', () => {
    expectError('eval_type_error', 'operand 2 must be array but got object', 'json.patch', v({}), v({}));
  });
});
