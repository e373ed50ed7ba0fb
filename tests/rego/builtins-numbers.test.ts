/**
 * Numbers family: arithmetic operators, rounding, numbers.range(_step), rand.intn, bits.*.
 * Expectations ported by hand from OPA's conformance cases (arithmetic/, numbersrange/, sets/)
 * and OPA's topdown sources.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { MAX_RANGE_LENGTH } from '../../rego/builtins/numbers.ts';
import { BuiltinError } from '../../rego/errors.ts';
import { normNum, RegoSet, toRegoString, type Value } from '../../rego/value.ts';
import { builtinErr, type Case, caseTable, label, newCtx, typeErr, v } from '../support/builtin-harness.ts';

const reg = createDefaultRegistry();
const { call, check } = caseTable(reg);

describe('arithmetic', () => {
  const cases: Case[] = [
    ['plus', [1, 2], v(3)],
    ['plus', [2, 3], v(5)],
    ['plus', [1.5, 2.5], v(4)],
    ['plus', [1, 2.5], v(3.5)],
    ['mul', [2.5, 2], v(5)],
    ['minus', [5, 7], v(-2)],
    ['mul', [-3, 4], v(-12)],
    // arithmetic/test-arithmetic-bignum.yaml
    ['plus', [18446744073709551617n, 1], v(18446744073709551618n)],
    ['minus', [18446744073709551617n, 1], v(18446744073709551616n)],
    ['mul', [18446744073709551617n, 2], v(36893488147419103234n)],
    ['plus', [123456789012345678901234567890n, 1], v(123456789012345678901234567891n)],
    ['minus', [-18446744073709551617n, 1], v(-18446744073709551618n)],
    ['rem', [10, 18446744073709551616n], v(10)],
    ['rem', [5, 55340232221128654848n], v(5)],
    ['rem', [7, 340282366920938463463374607431768211456n], v(7)],
    ['rem', [100, -18446744073709551616n], v(100)],
    ['rem', [18446744073709551617n, 18446744073709551616n], v(1)],
    ['rem', [10, 18446744073709551617n], v(10)],
    // Safe integers whose result is not safe switch to bigint, and back.
    ['plus', [Number.MAX_SAFE_INTEGER, 1], v(9007199254740992n)],
    ['mul', [4294967296, 4294967296], v(18446744073709551616n)],
    ['minus', [9007199254740993n, 2], v(9007199254740991)],
    ['div', [18446744073709551616n, 4294967296], v(4294967296)],
    // Decimal semantics for non-integers (OPA computes on arbitrary precision).
    ['plus', [0.1, 0.2], v(0.3)],
    ['mul', [1.1, 1.1], v(1.21)],
    ['mul', [0.1, 3], v(0.3)],
    ['minus', [0.3, 0.1], v(0.2)],
    ['plus', [-0.5, 0.5], v(0)],
    ['mul', [0, -1], v(0)],
    // Division.
    ['div', [10, 4], v(2.5)],
    ['div', [10, 5], v(2)],
    ['div', [1, 3], v(1 / 3)],
    ['div', [0.3, 0.1], v(3)],
    ['div', [0, 5], v(0)],
    ['div', [-7, 2], v(-3.5)],
    ['div', [1, 0], builtinErr('divide by zero')],
    ['div', [1, 0.0], builtinErr('divide by zero')],
    ['div', [18446744073709551616n, 0], builtinErr('divide by zero')],
    // Remainder: integers only, sign of the dividend.
    ['rem', [7, 3], v(1)],
    ['rem', [-7, 3], v(-1)],
    ['rem', [7, -3], v(1)],
    ['rem', [4.0, 2], v(0)],
    ['rem', [1.1, 1], builtinErr('modulo on floating-point number')],
    ['rem', [1.5, 0], builtinErr('modulo on floating-point number')],
    ['rem', [5, 0], builtinErr('modulo by zero')],
    ['rem', [18446744073709551616n, 0], builtinErr('modulo by zero')],
    // Type errors.
    ['plus', ['1', 2], typeErr('operand 1 must be number but got string')],
    ['plus', [1, null], typeErr('operand 2 must be number but got null')],
    ['mul', [[], 1], typeErr('operand 1 must be number but got array')],
    ['div', [1, true], typeErr('operand 2 must be number but got boolean')],
    ['rem', [{}, 1], typeErr('operand 1 must be number but got object')],
  ];
  for (const c of cases) it(label(c), () => check(c));

  it('conformance arithmetic/divide+round: round(i / x) over [1, 2, 3, 4]', () => {
    const out = new RegoSet();
    [1, 2, 3, 4].forEach((x, i) => {
      out.add(call('round', [call('div', [i, x]) as Value]) as Value);
    });
    expect(toRegoString(out)).toBe('{0, 1}');
  });
});

describe('minus: numbers and sets', () => {
  const cases: Case[] = [
    ['minus', [3, 1], v(2)],
    // sets/test-sets-0874.yaml
    ['minus', [new RegoSet([1, 2, 'c']), new RegoSet(['c', 1])], v(new RegoSet([2]))],
    ['minus', [new RegoSet([1]), new RegoSet([1])], v(new RegoSet())],
    // arithmetic/test-arithmetic-minus-type-error.yaml
    ['minus', [new RegoSet([1]), 1], typeErr('operand 2 must be set but got number')],
    ['minus', [1, new RegoSet([1])], typeErr('operand 2 must be number but got set')],
    ['minus', ['a', 1], typeErr('operand 1 must be one of {number, set} but got string')],
    ['minus', [1, 'a'], typeErr('operand 2 must be number but got string')],
    // OPA's wording for a set minus a non-set, non-number.
    ['minus', [new RegoSet([1]), 'a'], typeErr('operand 2 must be number but got string')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('rounding and abs', () => {
  const cases: Case[] = [
    // arithmetic/test-arithmetic-0825.yaml
    ['floor', [1.01], v(1)],
    ['floor', [1.5], v(1)],
    ['floor', [99.99999], v(99)],
    ['floor', [1], v(1)],
    ['floor', [-1.001], v(-2)],
    ['ceil', [1.01], v(2)],
    ['ceil', [-1.5], v(-1)],
    ['ceil', [-0.5], v(0)],
    ['round', [2.5], v(3)],
    ['round', [-2.5], v(-3)],
    ['round', [1.4999], v(1)],
    ['round', [-1.5], v(-2)],
    ['round', [0.49999999999999994], v(0)],
    ['round', [-0.4], v(0)],
    ['round', [18446744073709551617n], v(18446744073709551617n)],
    ['abs', [-5], v(5)],
    ['abs', [-2.5], v(2.5)],
    ['abs', [-18446744073709551617n], v(18446744073709551617n)],
    ['abs', ['x'], typeErr('operand 1 must be number but got string')],
    ['round', [null], typeErr('operand 1 must be number but got null')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('numbers.range / numbers.range_step', () => {
  const cases: Case[] = [
    // numbersrange/*.yaml
    ['numbers.range', [0, 0], v([0])],
    ['numbers.range', [-2, 3], v([-2, -1, 0, 1, 2, 3])],
    ['numbers.range', [2, -3], v([2, 1, 0, -1, -2, -3])],
    ['numbers.range', [5, 2], v([5, 4, 3, 2])],
    [
      'numbers.range',
      [9007199254740991, 9007199254740993n],
      v([9007199254740991, 9007199254740992n, 9007199254740993n]),
    ],
    ['numbers.range', [1.5, 2], typeErr('operand 1 must be integer number but got floating-point number')],
    ['numbers.range', [1, 'a'], typeErr('operand 2 must be integer but got string')],
    [
      'numbers.range',
      [0, MAX_RANGE_LENGTH],
      builtinErr(`range of ${MAX_RANGE_LENGTH + 1} numbers exceeds the limit of ${MAX_RANGE_LENGTH}`),
    ],
    ['numbers.range_step', [0, 10, 3], v([0, 3, 6, 9])],
    ['numbers.range_step', [10, 0, 3], v([10, 7, 4, 1])],
    ['numbers.range_step', [0, 10, 20], v([0])],
    ['numbers.range_step', [0, 10, 0], builtinErr('step must be a positive integer')],
    ['numbers.range_step', [0, 10, -1], builtinErr('step must be a positive integer')],
    [
      'numbers.range_step',
      [0, 10, 0.5],
      typeErr('operand 3 must be integer number but got floating-point number'),
    ],
  ];
  for (const c of cases) it(label(c), () => check(c));

  it('allows a range of exactly the limit', () => {
    expect((call('numbers.range', [1, MAX_RANGE_LENGTH]) as Value[]).length).toBe(MAX_RANGE_LENGTH);
  });
});

describe('rand.intn', () => {
  it('returns an integer in [0, n), one value per (string, n) per evaluation', () => {
    const ctx = newCtx();
    const a = call('rand.intn', ['seed', 1000], ctx);
    expect(typeof a).toBe('number');
    expect(Number.isInteger(a)).toBe(true);
    expect(a as number).toBeGreaterThanOrEqual(0);
    expect(a as number).toBeLessThan(1000);
    for (let i = 0; i < 10; i++) expect(call('rand.intn', ['seed', 1000], ctx)).toBe(a);
    // A negative n is the same as its absolute value (and shares the cache entry).
    expect(call('rand.intn', ['seed', -1000], ctx)).toBe(a);
  });

  it('is 0 for n = 0 and varies across evaluations', () => {
    expect(call('rand.intn', ['x', 0])).toBe(0);
    const seen = new Set<Value | undefined>();
    for (let i = 0; i < 50; i++) seen.add(call('rand.intn', ['x', 1_000_000]));
    expect(seen.size).toBeGreaterThan(1);
  });

  it('supports n beyond 2^48', () => {
    const r = call('rand.intn', ['x', 2 ** 60]) as number | bigint;
    expect(r >= 0 && r < 2 ** 60).toBe(true);
  });

  it('checks its operands', () => {
    check(['rand.intn', [1, 10], typeErr('operand 1 must be string but got number')]);
    check([
      'rand.intn',
      ['x', 1.5],
      typeErr('operand 2 must be integer number but got floating-point number'),
    ]);
    check(['rand.intn', ['x', '1'], typeErr('operand 2 must be number but got string')]);
  });

  it('is marked nondeterministic', () => {
    expect(reg.get('rand.intn')?.nondeterministic).toBe(true);
  });
});

describe('bits', () => {
  const cases: Case[] = [
    ['bits.or', [12, 10], v(14)],
    ['bits.and', [12, 10], v(8)],
    ['bits.xor', [12, 10], v(6)],
    ['bits.negate', [5], v(-6)],
    ['bits.negate', [-1], v(0)],
    ['bits.lsh', [1, 3], v(8)],
    ['bits.lsh', [1, 70], v(1180591620717411303424n)],
    ['bits.lsh', [0, 10 ** 12], v(0)],
    ['bits.rsh', [8, 3], v(1)],
    ['bits.rsh', [-5, 1], v(-3)],
    ['bits.rsh', [-5, 10 ** 12], v(-1)],
    ['bits.rsh', [5, 10 ** 12], v(0)],
    ['bits.and', [18446744073709551615n, 255], v(255)],
    ['bits.or', [-1, 18446744073709551616n], v(-1)],
    ['bits.lsh', [1, -1], typeErr('operand 2 must be an unsigned integer number but got a negative integer')],
    ['bits.lsh', [1, 1_000_000], builtinErr('shift of 1000000 bits exceeds the limit of 65536')],
    ['bits.or', [1.5, 1], typeErr('operand 1 must be integer number but got floating-point number')],
    ['bits.and', [1, 'a'], typeErr('operand 2 must be integer but got string')],
    ['bits.negate', [null], typeErr('operand 1 must be integer but got null')],
  ];
  for (const c of cases) it(label(c), () => check(c));
});

describe('properties', () => {
  const bigs = fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }).map((b) => normNum(b));
  const asBig = (n: number | bigint): bigint => (typeof n === 'bigint' ? n : BigInt(n));

  it('integer plus/minus/mul are exact', () => {
    fc.assert(
      fc.property(bigs, bigs, (a, b) => {
        expect(call('plus', [a, b])).toEqual(normNum(asBig(a) + asBig(b)));
        expect(call('minus', [a, b])).toEqual(normNum(asBig(a) - asBig(b)));
        expect(call('mul', [a, b])).toEqual(normNum(asBig(a) * asBig(b)));
      }),
    );
  });

  it('integer rem and exact div agree with bigint arithmetic', () => {
    fc.assert(
      fc.property(bigs, bigs, (a, b) => {
        if (asBig(b) === 0n) return;
        expect(call('rem', [a, b])).toEqual(normNum(asBig(a) % asBig(b)));
        const q = call('div', [call('mul', [a, b]) as Value, b]);
        expect(q).toEqual(a);
      }),
    );
  });

  it('plus and mul are commutative, and x - x is 0, for any numbers', () => {
    const num = fc.oneof(
      bigs,
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => normNum(d)),
    );
    fc.assert(
      fc.property(num, num, (a, b) => {
        // A result beyond the double range is a builtin error; it must be the same either way round.
        const outcome = (name: string, args: Value[]): unknown => {
          try {
            return call(name, args);
          } catch (e) {
            return `error: ${(e as Error).message}`;
          }
        };
        expect(outcome('plus', [a, b])).toEqual(outcome('plus', [b, a]));
        expect(outcome('mul', [a, b])).toEqual(outcome('mul', [b, a]));
        expect(call('minus', [a, a])).toBe(0);
      }),
    );
  });

  it('results are canonical numbers (no -0, no bigint in the safe range, no unsafe integral double)', () => {
    const num = fc.oneof(
      bigs,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => normNum(d)),
    );
    const canonical = (x: Value | undefined): boolean =>
      typeof x === 'bigint'
        ? x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER)
        : typeof x === 'number' &&
          Number.isFinite(x) &&
          !Object.is(x, -0) &&
          (!Number.isInteger(x) || Number.isSafeInteger(x));
    fc.assert(
      fc.property(
        num,
        num,
        fc.constantFrom('plus', 'minus', 'mul', 'div', 'rem', 'round', 'ceil', 'floor', 'abs'),
        (a, b, op) => {
          try {
            expect(canonical(call(op, [a, b]))).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(BuiltinError);
          }
        },
      ),
    );
  });
});
