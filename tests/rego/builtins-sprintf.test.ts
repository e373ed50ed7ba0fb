// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: the literals are test inputs whose Go output is fixed
/**
 * sprintf (rego/builtins/sprintf.ts, sprintf-gofmt.ts): Go's fmt.Sprintf over the Go values
 * OPA passes (int64, *big.Int, float64, string). Every expected string in the table below was
 * produced by Go's fmt with the same arguments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegoSet, toRegoString, type Value } from '../../rego/value.ts';
import { type Case, caseTable, label, obj, typeErr, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

describe('sprintf conformance (ported)', () => {
  const cases: Case[] = [
    // sprintf/test-sprintf.yaml
    ['sprintf', ['%s', [123456789123456789123n]], v('123456789123456789123')],
    ['sprintf', ['%s', [1208925819614629174706175n]], v('1208925819614629174706175')],
    // strings/test-strings-0917.yaml … 0923
    ['sprintf', ['hi %s', ['there']], v('hi there')],
    ['sprintf', ['hi %.2f', [3.1415]], v('hi 3.14')],
    ['sprintf', ['hi %s', [true]], v('hi true')],
    ['sprintf', ['hi %v', [['there', 5, 3.14]]], v('hi ["there", 5, 3.14]')],
  ];
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_l, c) => check(c));
});

/** [format, values, Go's output] */
const GO_TABLE: Array<[string, Value[], string]> = [
  ['%d', [42], '42'],
  ['%5d|%-5d|%05d', [42, 42, 42], '   42|42   |00042'],
  ['%+d %+d', [5, -5], '+5 -5'],
  ['%x %X %o %O %b', [255, 255, 8, 8, 5], 'ff FF 10 0o10 101'],
  ['%#x %#o %#b', [255, 8, 5], '0xff 010 0b101'],
  ['%c%c', [72, 128512], 'H😀'],
  ['%U %#U', [128512, 65], "U+1F600 U+0041 'A'"],
  ['%q', [65], "'A'"],
  ['%d', [123456789123456789123n], '123456789123456789123'],
  ['%x', [123456789123456789123n], '6b14e9f9b0df36a83'],
  ['%s', [123456789123456789123n], '123456789123456789123'],
  ['%v', [-9223372036854775808n], '-9223372036854775808'],
  ['%d', [9223372036854775808n], '9223372036854775808'],
  ['%f', [123456789123456789123n], '%!f(big.Int=123456789123456789123)'],
  ['%f', [3.14159], '3.141590'],
  ['%.2f', [3.14159], '3.14'],
  ['%8.3f|%-8.3f|%08.3f', [3.14159, 3.14159, -3.14159], '   3.142|3.142   |-003.142'],
  ['%.0f %.0f %.0f', [0.5, 1.5, 2.5], '0 2 2'],
  ['%.2f', [0.125], '0.12'],
  ['%.1f', [0.05], '0.1'],
  ['%e %E', [123456.789, 0.000123], '1.234568e+05 1.230000E-04'],
  ['%.3e', [1.0005], '1.000e+00'],
  ['%g %g %g', [1e21, 1e-7, 123456.5], '1e+21 1e-07 123456.5'],
  ['%v %v %v %v', [0.1, 1e21, 100000000000000000000, 1234567.5], '0.1 1e+21 1e+20 1.2345675e+06'],
  ['%G', [1e-10], '1E-10'],
  ['%.3g', [3.14159], '3.14'],
  ['%#g', [1.5], '1.50000'],
  ['%+.2f % .2f', [1.5, 1.5], '+1.50  1.50'],
  ['%b', [1.5], '6755399441055744p-52'],
  ['%x %X', [1.5, -0.25], '0x1.8p+00 -0X1P-02'],
  ['%.1x', [1], '1'],
  ['%f', [1e21], '1000000000000000000000.000000'],
  ['%.20f', [0.1], '0.10000000000000000555'],
  ['%s', ['foo'], 'foo'],
  ['%q', ['a"b\n'], '"a\\"b\\n"'],
  ['%+q', ['héllo'], '"h\\u00e9llo"'],
  ['%#q', ['back`tick'], '"back`tick"'],
  ['%#q', ['plain'], '`plain`'],
  ['%x % x %#x', ['hi', 'hi', 'hi'], '6869 68 69 0x6869'],
  ['%X', ['héllo'], '68C3A96C6C6F'],
  ['%10s|%-10s|', ['foo', 'foo'], '       foo|foo       |'],
  ['%.2s', ['héllo'], 'hé'],
  ['%5.1s|', ['héllo'], '    h|'],
  ['%010s', ['x'], '000000000x'],
  ['%T %T %T %T', [1, 1.5, 'x', 123456789123456789123n], 'int64 float64 string *big.Int'],
  ['%s', [true], 'true'],
  ['%v', [null], 'null'],
  ['%v', [[1, 'a', [true]]], '[1, "a", [true]]'],
  ['%s', [[1, 'a']], '[1, "a"]'],
  ['%d', [[1]], '%!d(string=[1])'],
  ['%v', [new RegoSet([3, 1, 2])], '{1, 2, 3}'],
  ['%v', [new RegoSet()], 'set()'],
  ['%v', [obj({ b: 2, a: 'x' })], '{"a": "x", "b": 2}'],
  ['%v', [['é\u0001']], '["é\\x01"]'],
  ['%d', ['x'], '%!d(string=x)'],
  ['%s', [5], '%!s(int64=5)'],
  ['%d', [1.5], '%!d(float64=1.5)'],
  ['%t', [true], '%!t(string=true)'],
  ['%z', ['x'], '%!z(string=x)'],
  ['%!', [1], '%!!(int64=1)'],
  ['%d %d', [1], '1 %!d(MISSING)'],
  ['%d', [1, 2], '1%!(EXTRA int64=2)'],
  ['%d', [1, 'a', 2.5], '1%!(EXTRA string=a, float64=2.5)'],
  ['no verbs', ['x'], 'no verbs%!(EXTRA string=x)'],
  ['100%%', [], '100%'],
  ['%', [], '%!(NOVERB)'],
  ['%-', [], '%!(NOVERB)'],
  ['%.', [1], '%!.(int64=1)'],
  ['%[2]d %[1]d', [1, 2], '2 1'],
  ['%[3]d', [1, 2], '%!d(BADINDEX)'],
  ['%[1]d %d', [1, 2], '1 2'],
  ['%*d|%-*d', [5, 42, 5, 42], '   42|42   '],
  ['%.*f', [2, 3.14159], '3.14'],
  ['%*d', ['x', 1], '%!(BADWIDTH)1'],
  ['%.*d', [-1, 5], '%!(BADPREC)5'],
  ['%v', [obj({})], '{}'],
  ['%v %v', ['%d', 5], '%d 5'],
  ['%6.2f%%', [99.5], ' 99.50%'],
  ['%05.1f|%+06.1f', [-2.35, 2.25], '-02.4|+002.2'],
  ['%v', [5e-324], '5e-324'],
  ['%v', [1.7976931348623157e308], '1.7976931348623157e+308'],
  ['%.3v', [3.14159], '3.14'],
  ['%10.4v|', [3.14159], '     3.142|'],
  ['%v', [0.6666666666666666], '0.6666666666666666'],
];

describe('sprintf matches Go fmt', () => {
  it.each(
    GO_TABLE.map(
      ([f, a, want]) => [`sprintf(${JSON.stringify(f)}, ${toRegoString(a)})`, f, a, want] as const,
    ),
  )('%s', (_l, f, a, want) => {
    expect(call('sprintf', [f, a])).toBe(want);
  });
});

describe('sprintf errors', () => {
  const cases: Case[] = [
    ['sprintf', [1, []], typeErr('operand 1 must be string but got number')],
    ['sprintf', ['%d', 1], typeErr('operand 2 must be array but got number')],
    ['sprintf', ['%d', new RegoSet([1])], typeErr('operand 2 must be array but got set')],
  ];
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_l, c) => check(c));
});

describe('sprintf properties', () => {
  const arg = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 3 }),
  );
  it('never throws for any format string and arguments', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.array(arg, { maxLength: 4 }), (f, a) => {
        expect(typeof call('sprintf', [f, a as Value[]])).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
  it('%d of any safe integer is its decimal text', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(call('sprintf', ['%d', [n]])).toBe(String(n));
      }),
    );
  });
  it('%v of any finite double round-trips', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = call('sprintf', ['%v', [x]]) as string;
        expect(Number(s)).toBe(x === 0 ? 0 : x);
      }),
    );
  });
});
