import { describe, expect, it } from 'vitest';
import { BuiltinError } from '../../rego/errors.ts';
import { fromJSON, RegoObject, RegoSet, type Value } from '../../rego/value.ts';
import { BUILTIN, expectCanonical, fixedClockHarness, TYPE } from '../support/builtin-harness.ts';

const { call, expectError } = fixedClockHarness();

/** A JS literal as a Value (null-prototype objects). */
const v = (x: unknown): Value => fromJSON(x);

describe('base64', () => {
  it.each([
    ['hello', 'aGVsbG8='],
    ['there', 'dGhlcmU='], // conformance base64builtins/encode-2
    ['subjects?_d', 'c3ViamVjdHM/X2Q='], // conformance encode-slash
    ['', ''],
    ['héllo ✓', 'aMOpbGxvIOKckw=='],
  ])('base64.encode(%j) = %j', (input, want) => {
    expect(call('base64.encode', input)).toBe(want);
    expect(call('base64.decode', want)).toBe(input);
  });

  it('decodes (conformance base64builtins/decode-1)', () => {
    expect(call('base64.decode', 'aGVsbG8=')).toBe('hello');
  });

  it('skips newlines and accepts non-zero trailing bits like Go', () => {
    expect(call('base64.decode', 'aGVs\r\nbG8=')).toBe('hello');
    expect(call('base64.decode', 'aGVsbG==')).toBe('hell');
  });

  it.each([
    ['aGVsbG8', 'illegal base64 data at input byte 4'], // missing padding
    ['aGVsbG8=x', 'illegal base64 data at input byte 8'], // trailing garbage
    ['aGV*bG8=', 'illegal base64 data at input byte 3'],
    ['a===', 'illegal base64 data at input byte 1'],
    ['aGVsbA=', 'illegal base64 data at input byte 7'], // half padding
    ['c3ViamVjdHM_X2Q=', 'illegal base64 data at input byte 11'], // URL alphabet
  ])('base64.decode(%j) fails: %s', (input, message) => {
    expectError(BUILTIN, message, 'base64.decode', input);
    expect(call('base64.is_valid', input)).toBe(false);
  });

  it('is_valid', () => {
    expect(call('base64.is_valid', 'aGVsbG8=')).toBe(true);
    expect(call('base64.is_valid', '')).toBe(true);
    expect(call('base64.is_valid', 1)).toBe(false);
  });

  it('type errors', () => {
    expectError(TYPE, 'operand 1 must be string but got number', 'base64.encode', 1);
    expectError(TYPE, 'operand 1 must be string but got array', 'base64.decode', v([]));
  });
});

describe('base64url', () => {
  it.each([
    ['hello', 'aGVsbG8=', 'aGVsbG8'],
    ['there', 'dGhlcmU=', 'dGhlcmU'],
    ['subjects?_d', 'c3ViamVjdHM_X2Q=', 'c3ViamVjdHM_X2Q'],
  ])('encodes %j (conformance base64urlbuiltins)', (input, padded, raw) => {
    expect(call('base64url.encode', input)).toBe(padded);
    expect(call('base64url.encode_no_pad', input)).toBe(raw);
  });

  it('decodes padded and unpadded (conformance decode-1/decode-2)', () => {
    expect(call('base64url.decode', 'aGVsbG8=')).toBe('hello');
    expect(call('base64url.decode', 'aGVsbG8')).toBe('hello');
    expect(call('base64url.decode', 'aGk')).toBe('hi');
    expect(call('base64url.decode', 'c3ViamVjdHM_X2Q')).toBe('subjects?_d');
  });

  it('errors', () => {
    expectError(BUILTIN, 'illegal base64url string: aGVsb', 'base64url.decode', 'aGVsb');
    expectError(BUILTIN, 'illegal base64 data at input byte 2', 'base64url.decode', 'aG+s');
    expectError(TYPE, 'operand 1 must be string but got null', 'base64url.decode', null);
  });
});

describe('hex', () => {
  it('round trips', () => {
    expect(call('hex.encode', 'hello')).toBe('68656c6c6f');
    expect(call('hex.decode', '68656c6c6f')).toBe('hello');
    expect(call('hex.decode', '68656C6C6F')).toBe('hello');
    expect(call('hex.encode', 'é')).toBe('c3a9');
    expect(call('hex.decode', 'c3a9')).toBe('é');
  });

  it('reports invalid bytes as Go (conformance hexbuiltins)', () => {
    expectError(BUILTIN, "encoding/hex: invalid byte: U+0067 'g'", 'hex.decode', 'fghijkl');
    expectError(BUILTIN, 'encoding/hex: odd length hex string', 'hex.decode', 'abc');
    expectError(BUILTIN, "encoding/hex: invalid byte: U+007A 'z'", 'hex.decode', 'abz');
    expectError(BUILTIN, "encoding/hex: invalid byte: U+0020 ' '", 'hex.decode', 'a ');
    expectError(BUILTIN, 'encoding/hex: invalid byte: U+0001', 'hex.decode', 'a\u0001');
  });

  it('invalid UTF-8 decodes to U+FFFD', () => {
    expect(call('hex.decode', 'ff')).toBe('\ufffd');
  });
});

describe('urlquery', () => {
  it('encode / decode', () => {
    expect(call('urlquery.encode', 'a b&c=d/é~')).toBe('a+b%26c%3Dd%2F%C3%A9~');
    expect(call('urlquery.decode', 'a+b%26c%3Dd%2F%C3%A9~')).toBe('a b&c=d/é~');
    expect(call('urlquery.decode', '%e2%9c%93')).toBe('✓');
  });

  it('decode errors', () => {
    expectError(BUILTIN, 'invalid URL escape "%zz"', 'urlquery.decode', 'a%zz');
    expectError(BUILTIN, 'invalid URL escape "%4"', 'urlquery.decode', 'a%4');
    expectError(BUILTIN, 'invalid URL escape "%"', 'urlquery.decode', '%');
  });

  it('encode_object sorts keys and keeps value order', () => {
    expect(call('urlquery.encode_object', v({ b: 'x y', a: ['2', '1'], c: [] }))).toBe('a=2&a=1&b=x+y');
    expect(call('urlquery.encode_object', v({ s: new RegoSet(['z', 'y']) }))).toBe('s=y&s=z');
    expect(call('urlquery.encode_object', v({}))).toBe('');
  });

  it('encode_object errors', () => {
    expectError(TYPE, 'operand 1 must be object but got string', 'urlquery.encode_object', 'a');
    const msg = 'operand 1 values must be string, array[string], or set[string]';
    expectError(TYPE, msg, 'urlquery.encode_object', v({ a: 1 }));
    expectError(TYPE, msg, 'urlquery.encode_object', v({ a: ['x', 1] }));
  });

  it('decode_object', () => {
    expectCanonical(
      call('urlquery.decode_object', 'a=1&b=x+y&a=2&c&=e'),
      v({ a: ['1', '2'], b: ['x y'], c: [''], '': ['e'] }),
    );
    expectCanonical(call('urlquery.decode_object', ''), v({}));
    expectError(BUILTIN, 'invalid semicolon separator in query', 'urlquery.decode_object', 'a=1;b=2');
    expectError(BUILTIN, 'invalid URL escape "%g"', 'urlquery.decode_object', 'a=%g');
  });
});

describe('json.marshal', () => {
  it('sorts keys, writes sets as sorted arrays (conformance jsonbuiltins/marshal)', () => {
    expect(call('json.marshal', v([{ foo: new RegoSet([3, 1, 2]) }]))).toBe('[{"foo":[1,2,3]}]');
    expect(call('json.marshal', v({ b: 1, a: [true, null, 'x'] }))).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it('escapes like Go', () => {
    expect(call('json.marshal', '<a href="x">&\u2028\u2029\b\f\n\t\u0001\u007f')).toBe(
      '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028\\u2029\\b\\f\\n\\t\\u0001\u007f"',
    );
    expect(call('json.marshal', 'bad \ud800 surrogate 😀')).toBe('"bad \\ufffd surrogate 😀"');
  });

  it('writes numbers as OPA prints them', () => {
    expect(call('json.marshal', v([1, -2, 1.5, 1e21, 1e-7, 12345678901234567890n]))).toBe(
      '[1,-2,1.5,1e+21,1e-07,12345678901234567890]',
    );
  });

  it('objects with non-string keys use the keys JSON text', () => {
    const o = new RegoObject([
      [1, 'one'],
      [v(['a']), 'arr'],
      ['z', 'zed'],
    ]);
    expect(call('json.marshal', o)).toBe('{"1":"one","[\\"a\\"]":"arr","z":"zed"}');
  });

  it('marshal_with_options', () => {
    const doc = v({ a: [1, {}], b: [] });
    expect(call('json.marshal_with_options', doc, v({ pretty: true }))).toBe(
      '{\n\t"a": [\n\t\t1,\n\t\t{}\n\t],\n\t"b": []\n}',
    );
    expect(call('json.marshal_with_options', doc, v({ prefix: '--', indent: '  ' }))).toBe(
      '--{\n--  "a": [\n--    1,\n--    {}\n--  ],\n--  "b": []\n--}',
    );
    expect(call('json.marshal_with_options', doc, v({ indent: ' ', pretty: false }))).toBe(
      '{"a":[1,{}],"b":[]}',
    );
    expect(call('json.marshal_with_options', doc, v({}))).toBe('{"a":[1,{}],"b":[]}');
    expect(call('json.marshal_with_options', 'x', v({ pretty: true }))).toBe('"x"');
  });

  it('marshal_with_options errors', () => {
    expectError(TYPE, 'operand 2 must be object but got string', 'json.marshal_with_options', 1, 'x');
    expectError(
      TYPE,
      'operand 2 object contained unknown key foo',
      'json.marshal_with_options',
      1,
      v({ foo: 1 }),
    );
    expectError(
      TYPE,
      'operand 2 key pretty failed cast to bool',
      'json.marshal_with_options',
      1,
      v({ pretty: 1 }),
    );
    expectError(
      TYPE,
      'operand 2 key prefix failed cast to string: operand 1 must be string but got number',
      'json.marshal_with_options',
      1,
      v({ indent: 'x', prefix: 1 }),
    );
  });
});

describe('json.unmarshal / json.is_valid', () => {
  it('parses to Values with exact big integers', () => {
    const r = call(
      'json.unmarshal',
      '{"a": 12345678901234567890, "b": 1e20, "c": 1.5e2, "d": 0.1, "e": [true, null]}',
    );
    expectCanonical(r, v({ a: 12345678901234567890n, b: 10n ** 20n, c: 150, d: 0.1, e: [true, null] }));
    expect(typeof (r as Record<string, Value>).a).toBe('bigint');
    expect(call('json.unmarshal', '9007199254740993')).toBe(9007199254740993n);
    expect(call('json.unmarshal', '-0')).toBe(0);
  });

  it('produces null-prototype objects (no prototype pollution)', () => {
    const r = call('json.unmarshal', '{"__proto__": {"x": 1}, "constructor": 2}') as Record<string, Value>;
    expect(Object.getPrototypeOf(r)).toBeNull();
    expect(Object.keys(r).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    ['plainstring', "invalid character 'p' looking for beginning of value"],
    ['{', 'unexpected end of JSON input'],
    ['', 'unexpected end of JSON input'],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
    ['01', "invalid character '1' after top-level value"],
    ['{} x', "invalid character 'x' after top-level value"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\u0001"', "invalid character '\\x01' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
  ])('json.unmarshal(%j) fails with Go message', (text, message) => {
    expectError(BUILTIN, message, 'json.unmarshal', text);
    expect(call('json.is_valid', text)).toBe(false);
  });

  it('is_valid (conformance jsonbuiltins/json is_valid)', () => {
    expect(['plainstring', '{', '{"json": "ok"}'].map((d) => call('json.is_valid', d))).toEqual([
      false,
      false,
      true,
    ]);
    expect(call('json.is_valid', 1)).toBe(false);
    expect(call('json.is_valid', ' [1, 2.5e3, "x", {"a": null}] ')).toBe(true);
  });

  it('type errors', () => {
    expectError(TYPE, 'operand 1 must be string but got number', 'json.unmarshal', 1);
  });
});

describe('yaml', () => {
  it('round-trips (conformance jsonbuiltins/yaml round-trip)', () => {
    const text = call('yaml.marshal', v([{ foo: new RegoSet([1, 2, 3]) }]));
    expect(text).toBe('- foo:\n  - 1\n  - 2\n  - 3\n');
    expectCanonical(call('yaml.unmarshal', text as string), v([{ foo: [1, 2, 3] }]));
  });

  it('marshals like go-yaml v2', () => {
    const doc = v({
      b: {
        s: 'x: y',
        t: 'true',
        e: '',
        m: 'multi\nline',
        q: "it's",
        n: null,
        f: 1.5,
        g: 1234567.5,
        d: '2001-12-14',
      },
      a10: 1,
      a2: [],
      z: {},
    });
    expect(call('yaml.marshal', doc)).toBe(
      [
        'a2: []',
        'a10: 1',
        'b:',
        '  d: "2001-12-14"',
        '  e: ""',
        '  f: 1.5',
        '  g: 1.2345675e+06',
        '  m: |-',
        '    multi',
        '    line',
        '  "n": null',
        "  q: it's",
        "  s: 'x: y'",
        '  t: "true"',
        'z: {}',
        '',
      ].join('\n'),
    );
    expect(call('yaml.marshal', 'hello')).toBe('hello\n');
    expect(call('yaml.marshal', 42)).toBe('42\n');
    expect(call('yaml.marshal', 12345678901234567890n)).toBe('12345678901234567890\n');
  });

  it('unmarshals YAML 1.1 scalars as go-yaml v2 does', () => {
    const r = call(
      'yaml.unmarshal',
      'a: yes\nb: off\nc: 0777\nd: 2001-12-14\ne: 1:30\nf: ~\ng: !!binary aGVsbG8=\n1: int key\ntrue: bool key\nbig: 123456789012345678901234\n',
    );
    expectCanonical(
      r,
      v({
        a: true,
        b: false,
        c: 511,
        d: '2001-12-14',
        e: '1:30',
        f: null,
        g: 'hello',
        '1': 'int key',
        true: 'bool key',
        big: 123456789012345678901234n,
      }),
    );
  });

  it('uses the first document, last duplicate key wins, empty is null', () => {
    expectCanonical(call('yaml.unmarshal', 'a: 1\n---\nb: 2\n'), v({ a: 1 }));
    expectCanonical(call('yaml.unmarshal', 'a: 1\na: 2\n'), v({ a: 2 }));
    expect(call('yaml.unmarshal', '')).toBeNull();
  });

  it('errors', () => {
    expect(() => call('yaml.unmarshal', 'a: [1\n')).toThrow(BuiltinError);
    expectError(TYPE, 'operand 1 must be string but got number', 'yaml.unmarshal', 1);
    expect(() => call('yaml.unmarshal', '~: 1\n')).toThrow(/unsupported map key/);
  });

  it('is_valid (conformance jsonbuiltins/yaml is_valid)', () => {
    const docs = ['foo:\n   - qux: bar\n   - baz: 2', 'foo:\n   - qux: bar\n   - baz: {', '{"json": "ok"}'];
    expect(docs.map((d) => call('yaml.is_valid', d))).toEqual([true, false, true]);
    expect(call('yaml.is_valid', 1)).toBe(false);
    const unreachable = ['  test:\ntest1: hello\n', 'a: 1\n---\n\tb: 2\n', 'a: 1\n---\nb: 2\n'];
    expect(unreachable.map((d) => call('yaml.is_valid', d))).toEqual([false, false, true]);
  });
});
