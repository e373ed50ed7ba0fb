/**
 * Graph family: graph.reachable, graph.reachable_paths. Expectations ported by hand from OPA's
 * conformance cases (v1/test/cases/testdata/v1/reachable/: test-reachable-03xx.yaml,
 * test-reachable-paths-0422.yaml, test-reachable-paths-1022.yaml) and OPA's
 * topdown/reachable.go.
 *
 * Also the property test for the families implemented alongside (graph, jwt, jsonschema): for
 * random values, every builtin returns a Value or throws BuiltinError, and never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { register as graph } from '../../rego/builtins/graph.ts';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { register as jsonschema } from '../../rego/builtins/jsonschema.ts';
import { register as jwt } from '../../rego/builtins/jwt.ts';
import { BuiltinError, RegoError } from '../../rego/errors.ts';
import {
  canonical,
  compare,
  fromJSON,
  isObject,
  makeObject,
  normNum,
  RegoObject,
  RegoSet,
  toJSON,
  type Value,
} from '../../rego/value.ts';
import { callBuiltin, evalPolicyX, expectValue, familyRegistry, newCtx } from '../support/builtin-harness.ts';

const r = familyRegistry(graph);
const ctx = newCtx();
const call = (name: string, args: Value[]): Value | undefined => callBuiltin(r, name, args, ctx);

/** Evaluates `data.p.x` of a module with the default builtins plus this family. */
const full = createDefaultRegistry();
graph(full);
const evalRego = (body: string, input?: unknown): Value | undefined => evalPolicyX(full, body, { input });

/** Sets of paths compared as OPA's runner does: as sorted JSON arrays. */
function asSorted(v: Value | undefined): string {
  if (v === undefined) return 'undefined';
  const j = fromJSON(toJSON(v));
  return canonical(Array.isArray(j) ? [...j].sort(compare) : j);
}

const s = (...xs: Value[]): RegoSet => new RegoSet(xs);

const o = (entries: Record<string, Value>): Value => makeObject(Object.entries(entries));

describe('graph.reachable (conformance reachable/)', () => {
  const components = o({
    a: s('b', 'c'),
    b: s('d'),
    c: s('d'),
    d: s(),
    e: s('f'),
    f: s('e'),
    x: s('x'),
  });

  it('components', () => {
    expectValue(call('graph.reachable', [components, s('b', 'e')]), s('b', 'd', 'e', 'f'));
    expect(
      evalRego(
        'x := sort(graph.reachable({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set(), "e": {"f"}, "f": {"e"}, "x": {"x"}}, {"b", "e"}))',
      ),
    ).toEqual(['b', 'd', 'e', 'f']);
  });

  it('arrays', () => {
    expect(evalRego('x := sort(graph.reachable({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a"]))')).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('malformed 2: a null neighbour list still makes the node reachable', () => {
    expectValue(
      evalRego('x := graph.reachable(input.graph, input.initial)', { graph: { a: null }, initial: ['a'] }),
      s('a'),
    );
  });

  it('malformed 3: initial must be a collection', () => {
    expect(() =>
      evalRego('x := graph.reachable(input.graph, input.initial)', { graph: { a: [] }, initial: 'a' }),
    ).toThrow(RegoError);
    expect(() => call('graph.reachable', [o({ a: [] }), 'a'])).toThrow(
      'operand 2 must be one of {array, set} but got string',
    );
  });

  it('graph must be an object', () => {
    try {
      call('graph.reachable', [1, [1]]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BuiltinError);
      expect((e as BuiltinError).kind).toBe('eval_type_error');
      expect((e as BuiltinError).message).toBe('operand 1 must be object but got number');
    }
  });

  it('nodes missing from the graph are not reported', () => {
    expectValue(call('graph.reachable', [o({ a: ['b'] }), ['a', 'z']]), s('a'));
    expectValue(call('graph.reachable', [o({}), s('a')]), s());
  });

  it('non-string nodes', () => {
    const g = makeObject([
      [1, [2]],
      [2, s(3)],
      [3, []],
    ]);
    expectValue(call('graph.reachable', [g, [1]]), s(1, 2, 3));
  });
});

describe('graph.reachable_paths (conformance reachable/test-reachable-paths-*.yaml)', () => {
  const paths = (graphTerm: string, initial: string): string =>
    asSorted(evalRego(`x := graph.reachable_paths(${graphTerm}, ${initial})`));
  const want = (v: Value[][]): string => canonical([...v].sort(compare));

  it('empty', () => {
    expect(paths('{}', '{"a"}')).toBe(want([]));
  });

  it('cycle', () => {
    expect(paths('{"a": {"b"}, "b": {"c"}, "c": {"a"}}', '{"a"}')).toBe(want([['a', 'b', 'c']]));
  });

  it('components', () => {
    expect(
      paths(
        '{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set(), "e": {"f"}, "f": {"e"}, "x": {"x"}}',
        '{"b", "e"}',
      ),
    ).toBe(
      want([
        ['b', 'd'],
        ['e', 'f'],
      ]),
    );
  });

  it('arrays', () => {
    expect(paths('{"a": ["b"], "b": ["c"], "c": ["a"]}', '["a"]')).toBe(want([['a', 'b', 'c']]));
  });

  it('malformed 1: graph must be an object', () => {
    expect(() =>
      evalRego('x := graph.reachable_paths(input.graph, input.initial)', { graph: 1, initial: [1] }),
    ).toThrow('operand 1 must be object but got number');
  });

  it('malformed 2: null neighbours end the path', () => {
    expect(paths('{"a": null}', '["a"]')).toBe(want([['a']]));
  });

  it('malformed 3: initial must be a collection', () => {
    expect(() =>
      evalRego('x := graph.reachable_paths(input.graph, input.initial)', { graph: { a: [] }, initial: 'a' }),
    ).toThrow('operand 2 must be one of {array, set} but got string');
  });

  it('multiple_paths', () => {
    expect(paths('{"a": ["b", "c"], "b": ["c"], "c": []}', '{"a"}')).toBe(
      want([
        ['a', 'b', 'c'],
        ['a', 'c'],
      ]),
    );
  });

  it('shared_ancestor', () => {
    expect(paths('{"1": [], "2": ["1"], "3": ["2"], "4": ["3", "2"], "5": ["4"]}', '["5"]')).toBe(
      want([
        ['5', '4', '2', '1'],
        ['5', '4', '3', '2', '1'],
      ]),
    );
  });

  it('invalid_end: a neighbour missing from the graph ends the path before it', () => {
    expect(paths('{"a": ["b"], "b": ["nonexistent"]}', '{"a", "b"}')).toBe(want([['a', 'b'], ['b']]));
  });

  const g1022 = (open: string, close: string, six: string, eight: string): string =>
    `{"one": ${open}"two","five"${close}, "two": ${open}"four"${close}, "three": ${open}""${close}, "four": ${open}"three"${close}, "five": ${open}"seven","six"${close}, "six": ${open}${six}${close}, "seven": ${open}"eight"${close}, "eight": ${open}${eight}${close}, "nine": ${open}""${close}}`;

  it('cycle_1022_1 (arrays)', () => {
    expect(paths(g1022('[', ']', '"nine"', '""'), '{"one"}')).toBe(
      want([
        ['one', 'five', 'seven', 'eight'],
        ['one', 'five', 'six', 'nine'],
        ['one', 'two', 'four', 'three'],
      ]),
    );
  });

  it('cycle_1022_2 (sets)', () => {
    expect(paths(g1022('{', '}', '"nine"', '""'), '{"one"}')).toBe(
      want([
        ['one', 'five', 'seven', 'eight'],
        ['one', 'five', 'six', 'nine'],
        ['one', 'two', 'four', 'three'],
      ]),
    );
  });

  it('cycle_1022_3', () => {
    expect(paths(g1022('[', ']', '"nine","seven"', '"three"'), '{"one"}')).toBe(
      want([
        ['one', 'five', 'seven', 'eight', 'three'],
        ['one', 'five', 'six', 'nine'],
        ['one', 'five', 'six', 'seven', 'eight', 'three'],
        ['one', 'two', 'four', 'three'],
      ]),
    );
  });

  it('self loop and an initial leaf', () => {
    // As in OPA, the start node is on the path before the cycle check: x -> x gives [x, x].
    expectValue(call('graph.reachable_paths', [o({ x: ['x'] }), ['x']]), s(['x', 'x']));
    expectValue(call('graph.reachable_paths', [o({ a: [] }), ['a']]), s(['a']));
  });
});

describe('property: graph, jwt and jsonschema builtins return a Value or throw BuiltinError', () => {
  const family = familyRegistry(graph, jwt, jsonschema);

  const isValue = (x: unknown): boolean => {
    if (x === null || typeof x === 'boolean' || typeof x === 'string' || typeof x === 'bigint') return true;
    if (typeof x === 'number') return Number.isFinite(x);
    if (Array.isArray(x)) return x.every(isValue);
    if (x instanceof RegoSet) return [...x].every(isValue);
    if (x instanceof RegoObject) return [...x.entries()].every(([k, y]) => isValue(k) && isValue(y));
    return isObject(x as Value) && Object.values(x as Record<string, unknown>).every(isValue);
  };

  const scalar: fc.Arbitrary<Value> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -20, max: 20 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => normNum(d)),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => normNum(b)),
    fc.constantFrom(
      '',
      'a',
      'e30.e30.',
      'a.b.c',
      'eyJhbGciOiJIUzI1NiJ9.e30.',
      '{"kty":"oct","k":"c2VjcmV0"}',
      '{"alg":"HS256"}',
      '{}',
      '[]',
      '{"type":"string"}',
      '{"$ref":"#"}',
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
    ),
    fc.string({ maxLength: 8 }),
  );
  const keys = fc.constantFrom(
    'a',
    'b',
    'type',
    'cert',
    'secret',
    'alg',
    'time',
    'items',
    'properties',
    'enum',
    'k',
    'kty',
  );
  const { value } = fc.letrec<{ value: Value }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.array(tie('value'), { maxLength: 4 }).map((xs) => new RegoSet(xs)),
      fc
        .array(fc.tuple(fc.oneof(keys, fc.string({ maxLength: 4 })), tie('value')), { maxLength: 4 })
        .map((es) => makeObject(es)),
      fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((es) => makeObject(es)),
    ),
  }));

  for (const b of family.all()) {
    it(b.name, () => {
      fc.assert(
        fc.property(fc.array(value, { minLength: b.arity, maxLength: b.arity }), (args) => {
          let out: Value | undefined;
          try {
            out = b.fn(args, ctx);
          } catch (e) {
            expect(e).toBeInstanceOf(BuiltinError);
            return;
          }
          expect(out === undefined || isValue(out)).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }
});
