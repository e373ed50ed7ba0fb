/**
 * Misc family: walk, uuid.rfc4122, uuid.parse, semver.is_valid, semver.compare, opa.runtime,
 * trace. Expectations for walk ported by hand from OPA's conformance cases (walkbuiltin/).
 *
 * Also the property test for all the families implemented alongside (numbers, aggregates,
 * arrays, sets, objects, types, misc): for random values, every builtin returns a Value or
 * undefined, or throws BuiltinError, and never anything else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { register as aggregates } from '../../rego/builtins/aggregates.ts';
import { register as arrays } from '../../rego/builtins/arrays.ts';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { register as misc } from '../../rego/builtins/misc.ts';
import { register as numbers } from '../../rego/builtins/numbers.ts';
import { register as objects } from '../../rego/builtins/objects.ts';
import { BuiltinRegistry } from '../../rego/builtins/registry.ts';
import { register as sets } from '../../rego/builtins/sets.ts';
import { register as types } from '../../rego/builtins/types.ts';
import { BuiltinError } from '../../rego/errors.ts';
import {
  equal,
  makeObject,
  normNum,
  RegoObject,
  RegoSet,
  stringify,
  toRegoString,
  type Value,
} from '../../rego/value.ts';
import { builtinErr, type Case, caseTable, label, newCtx, typeErr, v } from '../support/builtin-harness.ts';

const reg = createDefaultRegistry();
const { call, check } = caseTable(reg);

const o = (x: Record<string, Value>): Value => makeObject(Object.entries(x));

/** walk's pairs as Rego text, for compact comparisons. */
function walked(x: Value): string[] {
  const r = call('walk', [x]);
  expect(Array.isArray(r)).toBe(true);
  return (r as Value[]).map((p) => toRegoString(p));
}

describe('walk', () => {
  it('is registered as a relation', () => {
    expect(reg.get('walk')?.relation).toBe(true);
    expect(reg.get('walk')?.arity).toBe(1);
  });

  // walkbuiltin/test-walkbuiltin-0970.yaml
  it('scalar', () => expect(walked(1)).toEqual(['[[], 1]']));

  // walkbuiltin/test-walkbuiltin-0971.yaml
  it('arrays', () =>
    expect(walked([1, 2, 3, 4])).toEqual([
      '[[], [1, 2, 3, 4]]',
      '[[0], 1]',
      '[[1], 2]',
      '[[2], 3]',
      '[[3], 4]',
    ]));

  // walkbuiltin/test-walkbuiltin-0972.yaml
  it('objects', () =>
    expect(walked(o({ v2: 'goodbye', v1: 'hello' }))).toEqual([
      '[[], {"v1": "hello", "v2": "goodbye"}]',
      '[["v1"], "hello"]',
      '[["v2"], "goodbye"]',
    ]));

  it('sets: elements are their own path key, in sorted order', () =>
    expect(walked(new RegoSet(['b', 'a']))).toEqual(['[[], {"a", "b"}]', '[["a"], "a"]', '[["b"], "b"]']));

  it('pre-order over nested values, non-string keys included', () =>
    expect(
      walked(
        new RegoObject([
          [2, [true]],
          ['a', null],
        ]),
      ),
    ).toEqual(['[[], {2: [true], "a": null}]', '[[2], [true]]', '[[2, 0], true]', '[["a"], null]']));

  // walkbuiltin/test-walkbuiltin-0974.yaml: walk(q, [k, x]); contains(k[1], "oo")
  it('match and filter', () => {
    const q = [o({ foo: 1, bar: 2, bazoo: 3 })];
    const out = (call('walk', [q]) as Value[][]).filter(([k]) => {
      const second = (k as Value[])[1];
      return typeof second === 'string' && second.includes('oo');
    });
    expect(out.map((p) => toRegoString(p))).toEqual(['[[0, "bazoo"], 3]', '[[0, "foo"], 1]']);
  });

  // walkbuiltin/test-walkbuiltin-0975.yaml: walk(q, [["a", k1, "b", k2], x])
  it('partially ground path', () => {
    const q = o({ a: [o({ b: o({ foo: 1, bar: 2 }) }), o({ b: o({ baz: 3, qux: 4 }) })] });
    const rows: string[] = [];
    for (const [path, x] of call('walk', [q]) as Value[][]) {
      const p = path as Value[];
      if (p.length === 4 && p[0] === 'a' && p[2] === 'b')
        rows.push(toRegoString([p[1] as Value, p[3] as Value, x as Value]));
    }
    expect(rows).toEqual(['[0, "bar", 2]', '[0, "foo", 1]', '[1, "baz", 3]', '[1, "qux", 4]']);
  });

  // walkbuiltin/test-walkbuiltin-issue-7656.yaml: paths are not shared/overwritten
  it('array paths are not overwritten', () => {
    const x = o({
      a: [o({ b: [o({ c: [o({ aa: 'AA' }), o({ bb: 'BB' }), o({ cc: 'CC' }), o({ dd: 'DDD' })] })] })],
    });
    const got: Record<string, Value> = {};
    for (const [path, value] of call('walk', [x]) as Value[][]) {
      if (typeof value === 'string' && [...value].length === 2) got[stringify(path as Value)] = value;
    }
    expect(got).toEqual({
      '["a",0,"b",0,"c",0,"aa"]': 'AA',
      '["a",0,"b",0,"c",1,"bb"]': 'BB',
      '["a",0,"b",0,"c",2,"cc"]': 'CC',
    });
  });
});

describe('uuid.rfc4122', () => {
  it('returns a version 4 UUID, one per seed per evaluation', () => {
    const ctx = newCtx();
    const a = call('uuid.rfc4122', ['x'], ctx);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call('uuid.rfc4122', ['x'], ctx)).toBe(a);
    expect(call('uuid.rfc4122', ['y'], ctx)).not.toBe(a);
    expect(call('uuid.rfc4122', ['x'], newCtx())).not.toBe(a);
    expect(reg.get('uuid.rfc4122')?.nondeterministic).toBe(true);
  });
});

describe('uuid.parse', () => {
  const cases: Case[] = [
    ['uuid.parse', ['6ba7b810-9dad-41d1-80b4-00c04fd430c8'], v(o({ version: 4, variant: 'RFC4122' }))],
    ['uuid.parse', ['6BA7B810-9DAD-41D1-80B4-00C04FD430C8'], v(o({ version: 4, variant: 'RFC4122' }))],
    ['uuid.parse', ['{6ba7b810-9dad-41d1-80b4-00c04fd430c8}'], v(o({ version: 4, variant: 'RFC4122' }))],
    [
      'uuid.parse',
      ['urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8'],
      v(o({ version: 4, variant: 'RFC4122' })),
    ],
    ['uuid.parse', ['6ba7b8109dad41d180b400c04fd430c8'], v(o({ version: 4, variant: 'RFC4122' }))],
    ['uuid.parse', ['6ba7b810-9dad-51d1-c0b4-00c04fd430c8'], v(o({ version: 5, variant: 'Microsoft' }))],
    ['uuid.parse', ['6ba7b810-9dad-31d1-e0b4-00c04fd430c8'], v(o({ version: 3, variant: 'Future' }))],
    ['uuid.parse', ['6ba7b810-9dad-31d1-00b4-00c04fd430c8'], v(o({ version: 3, variant: 'Reserved' }))],
    // Version 1: the DNS namespace UUID of RFC 4122 (created 1998-02-04).
    [
      'uuid.parse',
      ['6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
      v(
        o({
          version: 1,
          variant: 'RFC4122',
          time: 886630433151182400n,
          nodeid: '00-c0-4f-d4-30-c8',
          macvariables: 'global:unicast',
          clocksequence: 180,
        }),
      ),
    ],
    [
      'uuid.parse',
      ['000003e8-2363-21ef-b200-325096b39f47'],
      v(
        o({
          version: 2,
          variant: 'RFC4122',
          time: 1717609358051018400n,
          nodeid: '32-50-96-b3-9f-47',
          macvariables: 'local:unicast',
          clocksequence: 12800,
          id: 1000,
          domain: 'Person',
        }),
      ),
    ],
    // uuid/test-uuid-parse.yaml: uuid-parse/positive-v2
    [
      'uuid.parse',
      ['000003e8-48b9-21ee-b200-325096b39f47'],
      v(
        o({
          clocksequence: 12800,
          domain: 'Person',
          id: 1000,
          macvariables: 'local:unicast',
          nodeid: '32-50-96-b3-9f-47',
          time: 1693566990121469600n,
          variant: 'RFC4122',
          version: 2,
        }),
      ),
    ],
    ['uuid.parse', ['not-a-uuid'], v(undefined as unknown as Value)],
    ['uuid.parse', ['6ba7b810-9dad-41d1-80b4-00c04fd430cg'], v(undefined as unknown as Value)],
    ['uuid.parse', ['6ba7b810x9dad-41d1-80b4-00c04fd430c8'], v(undefined as unknown as Value)],
    ['uuid.parse', ['urn:uuix:6ba7b810-9dad-41d1-80b4-00c04fd430c8'], v(undefined as unknown as Value)],
    ['uuid.parse', [1], typeErr('operand 1 must be string but got number')],
  ];
  for (const c of cases) {
    if ('value' in c[2] && c[2].value === undefined)
      it(label(c), () => expect(call(c[0], c[1])).toBeUndefined());
    else it(label(c), () => check(c));
  }
});

describe('semver', () => {
  // Strict SemVer 2.0.0 (semverisvalid/test-semverisvalid-strict.yaml), optional leading "v".
  const valid = [
    '1.2.3',
    'v1.2.3',
    '0.0.0',
    '1.2.3-alpha',
    '1.2.3-alpha.1',
    '1.2.3+build.5',
    '1.2.3-rc-1+meta',
    '1.2.3-0',
    '1.2.3-0a',
    '1.2.3+01',
    '1.2.3-alpha.0.x+build.007',
  ];
  const invalid = [
    '1.2',
    '1.2.3.4',
    'a.b.c',
    '1.2.3-al..pha',
    '1.2.3-$',
    '',
    'vv1.2.3',
    '1.2.x',
    '99999999999999999999.0.0',
    '01.2.3',
    '1.02.3',
    '1.2.03',
    '1.2.3-01',
    '1.2.3-alpha.01',
    '1.2.3-',
    '1.2.3+',
    '1.2.3-+b',
    '1.2.3+a..b',
  ];
  for (const s of valid) it(`semver.is_valid(${s}) is true`, () => check(['semver.is_valid', [s], v(true)]));
  for (const s of invalid)
    it(`semver.is_valid(${s}) is false`, () => check(['semver.is_valid', [s], v(false)]));
  it('semver.is_valid is false for non-strings', () => {
    for (const x of [1, null, ['1.2.3'], o({})]) expect(call('semver.is_valid', [x])).toBe(false);
  });

  const cases: Case[] = [
    ['semver.compare', ['1.0.0', '1.0.0'], v(0)],
    ['semver.compare', ['1.0.0', '2.0.0'], v(-1)],
    ['semver.compare', ['1.10.0', '1.9.0'], v(1)],
    ['semver.compare', ['1.0.10', '1.0.9'], v(1)],
    ['semver.compare', ['v1.2.3', '1.2.3+build'], v(0)],
    ['semver.compare', ['1.0.0-alpha', '1.0.0'], v(-1)],
    ['semver.compare', ['1.0.0', '1.0.0-alpha'], v(1)],
    // The SemVer spec's precedence chain.
    ['semver.compare', ['1.0.0-alpha', '1.0.0-alpha.1'], v(-1)],
    ['semver.compare', ['1.0.0-alpha.1', '1.0.0-alpha.beta'], v(-1)],
    ['semver.compare', ['1.0.0-alpha.beta', '1.0.0-beta'], v(-1)],
    ['semver.compare', ['1.0.0-beta', '1.0.0-beta.2'], v(-1)],
    ['semver.compare', ['1.0.0-beta.2', '1.0.0-beta.11'], v(-1)],
    ['semver.compare', ['1.0.0-beta.11', '1.0.0-rc.1'], v(-1)],
    ['semver.compare', ['1.0.0-rc.1', '1.0.0'], v(-1)],
    ['semver.compare', ['1.2.3-0', '1.2.3-1'], v(-1)],
    ['semver.compare', ['1.2.3-99999999999999999999', '1.2.3-99999999999999999998'], v(1)],
    // Build metadata is ignored for precedence.
    ['semver.compare', ['1.2.3+01', '1.2.3+2'], v(0)],
    // The operand is quoted as OPA's %s of an ast.String quotes it (semvercompare-0347, -strict).
    ['semver.compare', ['1', '1.0.0'], builtinErr('operand 1: string "1" is not a valid SemVer')],
    ['semver.compare', ['1.02.3', '1.2.3'], builtinErr('operand 1: string "1.02.3" is not a valid SemVer')],
    [
      'semver.compare',
      ['1.2.3', '1.2.3-01'],
      builtinErr('operand 2: string "1.2.3-01" is not a valid SemVer'),
    ],
    ['semver.compare', ['1.2.3-', '1.2.3'], builtinErr('operand 1: string "1.2.3-" is not a valid SemVer')],
    ['semver.compare', ['1.2.3', 'x"y'], builtinErr('operand 2: string "x\\"y" is not a valid SemVer')],
    ['semver.compare', [1, '1.2.3'], typeErr('operand 1 must be string but got number')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('opa.runtime and trace', () => {
  it('opa.runtime returns an empty object', () => {
    const r = call('opa.runtime', []);
    expect(equal(r as Value, o({}))).toBe(true);
    expect(Object.getPrototypeOf(r)).toBe(null);
  });
  it('trace returns true for a string and checks its operand', () => {
    check(['trace', ['hello'], v(true)]);
    check(['trace', [1], typeErr('operand 1 must be string but got number')]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: no builtin of these families throws anything but BuiltinError.

const family = new BuiltinRegistry();
for (const r of [numbers, aggregates, arrays, sets, objects, types, misc]) r(family);

/** Checks a value is a well-formed Rego value as defined in value.ts. */
function isValue(x: unknown): boolean {
  if (x === null || typeof x === 'boolean' || typeof x === 'string') return true;
  if (typeof x === 'number') return Number.isFinite(x) && !Object.is(x, -0);
  if (typeof x === 'bigint') return normNum(x) === x;
  if (Array.isArray(x)) return x.every(isValue);
  if (x instanceof RegoSet) return [...x].every(isValue);
  if (x instanceof RegoObject)
    return [...x.entries()].every(([k, y]) => isValue(k) && isValue(y) && typeof k !== 'undefined');
  if (typeof x === 'object' && Object.getPrototypeOf(x) === null) {
    return Object.values(x as Record<string, unknown>).every(isValue);
  }
  return false;
}

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -20, max: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => normNum(d)),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => normNum(b)),
  fc.constantFrom('', 'a', 'b', '1.2.3', 'v1.0.0-rc.1', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '🍧'),
  fc.string({ maxLength: 8 }),
);

const { value } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 4 }).map((xs) => new RegoSet(xs)),
    fc
      .array(fc.tuple(fc.string({ maxLength: 4 }), tie('value')), { maxLength: 4 })
      .map((es) => makeObject(es)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((es) => makeObject(es)),
  ),
}));

describe('property: every builtin returns a Value/undefined or throws BuiltinError', () => {
  for (const b of family.all()) {
    it(b.name, () => {
      fc.assert(
        fc.property(fc.array(value, { minLength: b.arity, maxLength: b.arity }), (args) => {
          let out: Value | undefined;
          try {
            out = b.fn(args, newCtx());
          } catch (e) {
            expect(e).toBeInstanceOf(BuiltinError);
            return;
          }
          if (b.relation) {
            expect(Array.isArray(out)).toBe(true);
            for (const x of out as Value[]) expect(isValue(x)).toBe(true);
          } else if (out !== undefined) {
            expect(isValue(out)).toBe(true);
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});
