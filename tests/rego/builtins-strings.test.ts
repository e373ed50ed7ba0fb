/**
 * String builtins (rego/builtins/strings.ts, strings-template.ts) and `to_number`.
 * Expectations ported from OPA's conformance cases (strings/, trim/, casts/) and from Go's
 * `strings` package behaviour (outputs checked against Go).
 */
import { describe, expect, it } from 'vitest';
import { makeObject, RegoSet } from '../../rego/value.ts';
import { builtinErr, type Case, caseTable, label, obj, typeErr, v } from '../support/builtin-harness.ts';

const { call, check } = caseTable();

const ANY_PREFIX_STRS = ['a/b/c', 'a/b/d', 'e/f/g'];

describe('strings conformance (ported)', () => {
  const cases: Case[] = [
    // strings/test-anyprefixmatch.yaml
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, ['a/', 'd/']], v(true)],
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, ['f/', 'd/']], v(false)],
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, ['a/b/', 'a/']], v(true)],
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, ['d/', 'e/f/g']], v(true)],
    [
      'strings.any_prefix_match',
      [
        ['aa/bb/cc', 'aa/bb/dd', 'ee/ff/gg'],
        ['aa/b', 'e/f'],
      ],
      v(true),
    ],
    [
      'strings.any_prefix_match',
      [
        ['aa/bb/cc', 'aa/bb/dd', 'ee/ff/gg'],
        ['a/b', 'e/f'],
      ],
      v(false),
    ],
    ['strings.any_prefix_match', [['aa/bb/cc', 'aa/bb/dd', 'ee/ff/gg'], ['b/cc']], v(false)],
    ['strings.any_prefix_match', [[], ['a/b', 'e/f']], v(false)],
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, []], v(false)],
    ['strings.any_prefix_match', [[], []], v(false)],
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, 'a/'], v(true)],
    ['strings.any_prefix_match', [ANY_PREFIX_STRS, 'd/'], v(false)],
    ['strings.any_prefix_match', ['a/b/c', ['a/', 'd/']], v(true)],
    ['strings.any_prefix_match', ['a/b/c', ['g/', 'd/']], v(false)],
    ['strings.any_prefix_match', [new RegoSet(ANY_PREFIX_STRS), new RegoSet(['a/', 'd/'])], v(true)],
    ['strings.any_prefix_match', [new RegoSet(ANY_PREFIX_STRS), new RegoSet(['f/', 'd/'])], v(false)],
    [
      'strings.any_prefix_match',
      [
        ['1', '2', '3'],
        ['f/', 'd/'],
      ],
      v(false),
    ],
    [
      'strings.any_prefix_match',
      [
        [1, 2, 3],
        ['f/', 'd/'],
      ],
      typeErr('operand 1 must be array of strings but got array containing number'),
    ],
    [
      'strings.any_prefix_match',
      [1, ['f/', 'd/']],
      typeErr('operand 1 must be one of {string, set, array} but got number'),
    ],
    [
      'strings.any_prefix_match',
      [ANY_PREFIX_STRS, [1, 2]],
      typeErr('operand 2 must be array of strings but got array containing number'),
    ],
    [
      'strings.any_prefix_match',
      [ANY_PREFIX_STRS, 1],
      typeErr('operand 2 must be one of {string, set, array} but got number'),
    ],
    [
      'strings.any_prefix_match',
      [new RegoSet(['a', 1]), 'a'],
      typeErr('operand 1 must be set of strings but got set containing number'),
    ],
    // strings/test-anysuffixmatch.yaml
    ['strings.any_suffix_match', [ANY_PREFIX_STRS, ['/c', '/a']], v(true)],
    ['strings.any_suffix_match', [ANY_PREFIX_STRS, ['/f', '/a']], v(false)],
    ['strings.any_suffix_match', [ANY_PREFIX_STRS, ['/b/c', '/d']], v(true)],
    ['strings.any_suffix_match', [ANY_PREFIX_STRS, ['/a', 'e/f/g']], v(true)],
    [
      'strings.any_suffix_match',
      [
        ['aa/bb/cc', 'aa/bb/dd', 'ee/ff/gg'],
        ['b/cc', 'f/g'],
      ],
      v(true),
    ],
    [
      'strings.any_suffix_match',
      [
        ['aa/bb/cc', 'aa/bb/dd', 'ee/ff/gg'],
        ['b/c', 'f/g'],
      ],
      v(false),
    ],
    ['strings.any_suffix_match', [['aa/bb/cc', 'aa/bb/dd', 'ee/ff/gg'], ['aa/b']], v(false)],
    ['strings.any_suffix_match', [[], []], v(false)],
    ['strings.any_suffix_match', [ANY_PREFIX_STRS, '/c'], v(true)],
    ['strings.any_suffix_match', [ANY_PREFIX_STRS, '/h'], v(false)],
    ['strings.any_suffix_match', ['a/b/c', ['/c', '/a']], v(true)],
    ['strings.any_suffix_match', ['a/b/g', ['/c', '/a']], v(false)],
    ['strings.any_suffix_match', [new RegoSet(ANY_PREFIX_STRS), new RegoSet(['/c', '/a'])], v(true)],
    ['strings.any_suffix_match', ['h😀é', 'é'], v(true)],
    [
      'strings.any_suffix_match',
      [
        [1, 2, 3],
        ['f/', 'd/'],
      ],
      typeErr('operand 1 must be array of strings but got array containing number'),
    ],
    [
      'strings.any_suffix_match',
      [ANY_PREFIX_STRS, 1],
      typeErr('operand 2 must be one of {string, set, array} but got number'),
    ],
    // strings/test-splitn.yaml
    ['strings.split_n', ['a.b.c.d', '.', 2], v(['a', 'b.c.d'])],
    ['strings.split_n', ['a.b', '.', 5], v(['a', 'b'])],
    ['strings.split_n', ['a.b.c', '.', -1], v(['c'])],
    ['strings.split_n', ['a;b;c;d', ';', -2], v(['c', 'd'])],
    ['strings.split_n', ['a.b', '.', -5], v(['a', 'b'])],
    ['strings.split_n', ['a.b.c', '.', 0], v([])],
    ['strings.split_n', ['a.b.c', '.', 1], v(['a.b.c'])],
    ['strings.split_n', ['abc', '.', 2], v(['abc'])],
    ['strings.split_n', ['', '.', 2], v([''])],
    ['strings.split_n', ['abc', '', 2], v(['a', 'bc'])],
    ['strings.split_n', ['a::b::c::d', '::', 3], v(['a', 'b', 'c::d'])],
    ['strings.split_n', ['a😀b', '', 2], v(['a', '😀b'])],
    [
      'strings.split_n',
      ['a.b', '.', 1.5],
      typeErr('operand 3 must be integer number but got floating-point number'),
    ],
    // format_int (0878, 0879, 0880)
    ['format_int', [15.5, 16], v('f')],
    ['format_int', [3.1, 10], v('3')],
    ['format_int', [4.1, 10], v('4')],
    // concat (0883, 0884, 0885)
    ['concat', [',', new RegoSet(['1', '2', '3'])], v('1,2,3')],
    ['concat', ['/', ['a', 'b']], v('a/b')],
    ['concat', ['', ['f', 'o', 'o']], v('foo')],
    // substring (0890, 0891, 0894)
    ['substring', ['abcdefgh', 2, -1], v('cdefgh')],
    ['substring', ['aåäö', 2, -1], v('äö')],
    ['substring', ['abcdefgh', 2, 10000], v('cdefgh')],
    ['substring', ['abcdefghåäö', 2, 10000], v('cdefghåäö')],
    ['substring', ['aaa', 4, -1], v('')],
    ['substring', ['åäö', 4, -1], v('')],
    // startswith / endswith / lower (0897, 0899, 0901)
    ['startswith', ['abcdefgh', 'abcd'], v(true)],
    ['endswith', ['abcdefgh', 'fgh'], v(true)],
    ['lower', ['AbCdEf'], v('abcdef')],
    // split (0903, 0904, 0905)
    ['split', ['', '.'], v([''])],
    ['split', ['test', ''], v(['t', 'e', 's', 't'])],
    ['split', ['', ''], v([])],
    ['split', ['foo', '.'], v(['foo'])],
    ['split', ['foo.bar.baz', '.'], v(['foo', 'bar', 'baz'])],
    // replace (0908, 0909)
    ['replace', ['foo.bar.baz', '.', ','], v('foo,bar,baz')],
    ['replace', ['foo...bar', '..', ',,'], v('foo,,.bar')],
    // trim (0910, 0913, 0915) and trim/test-trim-0363.yaml
    ['trim', ['', '.'], v('')],
    ['trim', ['...foo.bar...', '.'], v('foo.bar')],
    ['trim', ['...foo.bar...', '.o'], v('foo.bar')],
    ['trim', ['¡¡¡foo, bar!!!', 'i'], v('¡¡¡foo, bar!!!')],
    // strings.count (0926)
    ['strings.count', ['cheese', 'e'], v(3)],
    ['strings.count', ['hello hello hello world', 'hello'], v(3)],
    ['strings.count', ['dummy', 'x'], v(0)],
    ['strings.count', ['dummy', ''], v(6)],
    ['strings.count', ['', ''], v(1)],
    ['strings.count', ['', 'x'], v(0)],
    ['strings.count', ['11111', '11'], v(2)],
    ['strings.count', ['11111', '11111'], v(1)],
    // strings/test-strings-indexof-unicode.yaml
    ['indexof', ['μx', 'x'], v(1)],
    ['indexof', ['μ', 'μμ'], v(-1)],
    ['indexof', ['skön var våren', 'vår'], v(9)],
    ['indexof', ['\u{1F367}\u{1F368}\u{1F9C1}\u{1F370}\u{1F36E}', '\u{1F36E}'], v(4)],
    [
      'indexof',
      ['\u{1F367}\u{1F368}\u{1F9C1}\u{1F370}\u{1F36E}', '\u{1F367}\u{1F368}\u{1F9C1}\u{1F370}\u{1F36E}'],
      v(0),
    ],
  ];
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_l, c) => check(c));
});

describe('strings: more behaviour and errors', () => {
  const cases: Case[] = [
    ['concat', [',', []], v('')],
    ['concat', [',', ['a']], v('a')],
    ['concat', ['-', new RegoSet(['b', 'a', 'c'])], v('a-b-c')],
    ['concat', [',', [1]], typeErr('operand 2 must be array of strings but got array containing number')],
    [
      'concat',
      [',', new RegoSet(['a', null])],
      typeErr('operand 2 must be set of strings but got set containing null'),
    ],
    ['concat', [',', 'ab'], typeErr('operand 2 must be one of {set, array} but got string')],
    ['concat', [1, ['a']], typeErr('operand 1 must be string but got number')],
    ['contains', ['abc', 'bc'], v(true)],
    ['contains', ['abc', ''], v(true)],
    ['contains', ['abc', 'x'], v(false)],
    ['contains', ['abc', 1], typeErr('operand 2 must be string but got number')],
    ['startswith', [1, 'a'], typeErr('operand 1 must be string but got number')],
    ['endswith', ['abc', ''], v(true)],
    ['format_int', [255, 2], v('11111111')],
    ['format_int', [255, 8], v('377')],
    ['format_int', [255, 16], v('ff')],
    ['format_int', [-255.9, 16], v('-ff')],
    ['format_int', [18446744073709551617n, 16], v('10000000000000001')],
    ['format_int', [18446744073709551617n, 10], v('18446744073709551617')],
    ['format_int', [1, 3], typeErr('operand 2 must be one of {2, 8, 10, 16}')],
    ['format_int', ['1', 10], typeErr('operand 1 must be number but got string')],
    ['indexof', ['abc', ''], builtinErr('empty search character')],
    ['indexof', ['aéb😀c', 'c'], v(4)],
    ['indexof_n', ['sad sad sad', 'sad'], v([0, 4, 8])],
    ['indexof_n', ['aaa', 'aa'], v([0, 1])],
    ['indexof_n', ['é😀é😀', '😀'], v([1, 3])],
    ['indexof_n', ['abc', 'x'], v([])],
    ['indexof_n', ['abc', ''], builtinErr('empty search character')],
    ['substring', ['abc', 0, 2], v('ab')],
    ['substring', ['😀😀😀', 1, 1], v('😀')],
    ['substring', ['', 0, 1], v('')],
    ['substring', ['abc', -1, 1], builtinErr('negative offset')],
    ['substring', ['abc', 1.5, 1], typeErr('operand 2 must be integer number but got floating-point number')],
    ['substring', ['abc', 1, 'x'], typeErr('operand 3 must be number but got string')],
    ['lower', ['ÀÉÎ ΣΑΣ'], v('àéî σασ')],
    ['lower', ['İ'], v('i')],
    ['upper', ['straße'], v('STRAßE')],
    ['upper', ['ﬀ'], v('ﬀ')],
    ['upper', ['ᾳ'], v('ᾼ')],
    ['upper', ['abc😀'], v('ABC😀')],
    ['upper', [1], typeErr('operand 1 must be string but got number')],
    ['split', ['a😀b', ''], v(['a', '😀', 'b'])],
    ['split', ['a,b,', ','], v(['a', 'b', ''])],
    ['replace', ['abc', '', '-'], v('-a-b-c-')],
    ['replace', ['', '', '-'], v('-')],
    ['replace', ['a$b', '$', '$$'], v('a$$b')],
    ['replace', ['aaa', 'a', ''], v('')],
    ['strings.replace_n', [obj({ hello: 'hi', world: 'there' }), 'hello world'], v('hi there')],
    ['strings.replace_n', [obj({ a: 'b', aa: 'c' }), 'aaaa'], v('bbbb')],
    ['strings.replace_n', [obj({ '': '-', b: 'B' }), 'abcb'], v('-a-B-c-B-')],
    ['strings.replace_n', [obj({}), 'abc'], v('abc')],
    [
      'strings.replace_n',
      [obj({ a: 1 }), 'abc'],
      typeErr('operand 1 non-string value found in pattern object'),
    ],
    [
      'strings.replace_n',
      [makeObject([[1, 'x']]), 'abc'],
      typeErr('operand 1 non-string key found in pattern object'),
    ],
    ['strings.replace_n', [obj({ a: 'b' }), 1], typeErr('operand 2 must be string but got number')],
    ['strings.replace_n', [['a'], 'x'], typeErr('operand 1 must be object but got array')],
    ['trim', ['xxhixx', ''], v('xxhixx')],
    ['trim', ['😀a😀', '😀'], v('a')],
    ['trim_left', ['..a..', '.'], v('a..')],
    ['trim_right', ['..a..', '.'], v('..a')],
    ['trim_prefix', ['foo.bar', 'foo.'], v('bar')],
    ['trim_prefix', ['foo.bar', 'x'], v('foo.bar')],
    ['trim_suffix', ['foo.bar', '.bar'], v('foo')],
    ['trim_suffix', ['foo.bar', ''], v('foo.bar')],
    ['trim_space', ['\t\n\v\f\r \u0085\u00a0x y\u2028\u3000'], v('x y')],
    ['trim_space', ['\ufeffx'], v('\ufeffx')],
    ['trim_space', [1], typeErr('operand 1 must be string but got number')],
    ['strings.reverse', ['abc'], v('cba')],
    ['strings.reverse', ['a😀é'], v('é😀a')],
    ['strings.reverse', [''], v('')],
    ['strings.count', ['😀😀', ''], v(3)],
    ['strings.count', ['aaaa', 'aa'], v(2)],
  ];
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_l, c) => check(c));
});

describe('to_number (casts)', () => {
  const cases: Case[] = [
    // casts/test-casts-0825.yaml, 0827, 0828
    ['to_number', ['3'], v(3)],
    ['to_number', ['broken'], builtinErr('strconv.ParseFloat: parsing "broken": invalid syntax')],
    ['to_number', ['nan'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['inf'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['-inf'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['Infinity'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['-Infinity'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['-nan'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['-NaN'], typeErr('operand 1 must be valid number string but got string')],
    ['to_number', ['iNf'], typeErr('operand 1 must be valid number string but got string')],
    // OPA's documented conversions
    ['to_number', [null], v(0)],
    ['to_number', [true], v(1)],
    ['to_number', [false], v(0)],
    ['to_number', [42.5], v(42.5)],
    ['to_number', ['1e3'], v(1000)],
    ['to_number', ['-1.5'], v(-1.5)],
    ['to_number', ['+5'], v(5)],
    ['to_number', ['.5'], v(0.5)],
    ['to_number', ['5.'], v(5)],
    ['to_number', ['0x1p-2'], v(0.25)],
    ['to_number', ['123456789012345678901234567890'], v(123456789012345678901234567890n)],
    ['to_number', [''], builtinErr('strconv.ParseFloat: parsing "": invalid syntax')],
    ['to_number', [' 1'], builtinErr('strconv.ParseFloat: parsing " 1": invalid syntax')],
    ['to_number', ['0x10'], builtinErr('strconv.ParseFloat: parsing "0x10": invalid syntax')],
    ['to_number', ['1e400'], builtinErr('strconv.ParseFloat: parsing "1e400": value out of range')],
    ['to_number', [[1]], typeErr('operand 1 must be one of {null, boolean, number, string} but got array')],
  ];
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_l, c) => check(c));

  it('keeps big integers exact', () => {
    expect(call('to_number', ['9007199254740993'])).toBe(9007199254740993n);
    expect(call('to_number', ['-9007199254740993'])).toBe(-9007199254740993n);
    expect(call('to_number', ['9007199254740991'])).toBe(9007199254740991);
  });
});

describe('strings.render_template (Go text/template subset)', () => {
  const vars = obj({
    name: 'World',
    n: 1.5,
    i: 3,
    list: ['a', 1, true, null],
    nested: obj({ b: 1, a: ['x'] }),
    nul: null,
    empty: [],
    flag: false,
  });
  const cases: Case[] = [
    ['strings.render_template', ['Hello {{.name}}!', vars], v('Hello World!')],
    ['strings.render_template', ['{{ .n }} {{.i}}', vars], v('1.5 3')],
    [
      'strings.render_template',
      ['{{.list}}|{{.nested}}|{{.nul}}', vars],
      v('[a 1 true <nil>]|map[a:[x] b:1]|<undefined>'),
    ],
    ['strings.render_template', ['{{.nested.a}}', vars], v('[x]')],
    ['strings.render_template', ['a  {{- .name -}}  b', vars], v('aWorldb')],
    ['strings.render_template', ['a{{/* comment */}}b', vars], v('ab')],
    ['strings.render_template', ['{{if .flag}}y{{else if .name}}n{{else}}z{{end}}', vars], v('n')],
    ['strings.render_template', ['{{range .empty}}x{{else}}none{{end}}', vars], v('none')],
    [
      'strings.render_template',
      ['{{range $i, $v := .list}}{{$i}}:{{$v}},{{end}}', vars],
      v('0:a,1:1,2:true,3:<undefined>,'),
    ],
    ['strings.render_template', ['{{range $k, $v := .nested}}{{$k}}={{$v}};{{end}}', vars], v('a=[x];b=1;')],
    ['strings.render_template', ['{{with .nested}}{{.b}}{{end}}', vars], v('1')],
    ['strings.render_template', ['{{$x := .name}}{{$x}}-{{$.i}}', vars], v('World-3')],
    [
      'strings.render_template',
      ['{{if eq .name "World"}}yes{{end}} {{len .list}} {{index .list 0}} {{not .flag}}', vars],
      v('yes 4 a true'),
    ],
    ['strings.render_template', ['{{and .name .flag}} {{or .flag .name}}', vars], v('false World')],
    // Missing keys (Go's default missingkey; OPA then replaces `<no value>` with `<undefined>`).
    // rendertemplate/missingkey and rendertemplate/missingmultiplekeys:
    ['strings.render_template', ['{{.testvarnotprovided}}', obj({ test: 'hello world' })], v('<undefined>')],
    [
      'strings.render_template',
      ['test {{.foo}} {{.bar}} {{.baz}}', obj({ baz: 1 })],
      v('test <undefined> <undefined> 1'),
    ],
    ['strings.render_template', ['[{{.missing.deeper}}] <no value>', vars], v('[<undefined>] <undefined>')],
    ['strings.render_template', ['{{if .missing}}y{{else}}n{{end}}{{range .missing}}x{{end}}', vars], v('n')],
    ['strings.render_template', ['{{with .missing}}y{{else}}n{{end}} {{not .missing}}', vars], v('n true')],
    [
      'strings.render_template',
      ['{{eq .missing "x"}} {{eq .missing nil}} {{or .missing .name}}', vars],
      v('false true World'),
    ],
    ['strings.render_template', ['{{$x := .missing}}{{$x}} {{$x.y}}', vars], v('<undefined> <undefined>')],
    [
      'strings.render_template',
      ['{{.nul.x}}', vars],
      builtinErr(
        'template: template:1:2: executing "template" at <.nul.x>: nil pointer evaluating interface {}.x',
      ),
    ],
    [
      'strings.render_template',
      ['x\n {{.name.first}}', vars],
      builtinErr(
        'template: template:2:3: executing "template" at <.name.first>: can\'t evaluate field first in type string',
      ),
    ],
    ['strings.render_template', ['{{if .name}}', vars], builtinErr('template: template:1: unexpected EOF')],
    ['strings.render_template', ['{{end}}', vars], builtinErr('template: template:1: unexpected {{end}}')],
    [
      'strings.render_template',
      ['{{foo}}', vars],
      builtinErr('template: template:1: function "foo" not defined'),
    ],
    ['strings.render_template', ['{{.name', vars], builtinErr('template: template:1: unclosed action')],
    [
      'strings.render_template',
      ['{{.name | printf "%s"}}', vars],
      builtinErr("strings.render_template: '|' in actions is not supported"),
    ],
    ['strings.render_template', [1, vars], typeErr('operand 1 must be string but got number')],
    ['strings.render_template', ['x', []], typeErr('operand 2 must be object but got array')],
  ];
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_l, c) => check(c));
});
