/**
 * Template strings (`$"Hello {input.name}!"`, `` $`…` ``): lexing, the parser's lowering to
 * `internal.template_string([...])`, evaluation (rendering, undefined parts, `with`), and the
 * compile-time rules OPA applies to template expressions.
 */
import { describe, expect, it } from 'vitest';
import type { Body, Term } from '../../rego/ast.ts';
import { RegoSet } from '../../rego/index.ts';
import { compile, RegoError, toJSON } from '../../rego/index.ts';
import { tokenize } from '../../rego/lexer.ts';
import { parseModule, parseQuery, parseTerm } from '../../rego/parser.ts';
import { defaultRegistry } from '../../rego/builtins/index.ts';

const src = (text: string) => ({ name: 'test.rego', text });

/** A compact rendering of the terms template strings lower to. */
function t(x: Term): string {
  switch (x.type) {
    case 'string':
      return JSON.stringify(x.value);
    case 'number':
      return x.raw;
    case 'var':
      return x.name;
    case 'ref':
      return `${t(x.head)}${x.path.map((p) => `[${t(p)}]`).join('')}`;
    case 'array':
      return `[${x.items.map(t).join(', ')}]`;
    case 'setcomp':
      return `{${t(x.term)} | ${b(x.body)}}${x.template ? '@' : ''}`;
    case 'call':
      return `${x.name}(${x.args.map(t).join(', ')})`;
    default:
      return x.type;
  }
}
function b(body: Body): string {
  return body
    .map((e) => {
      const n = e.node;
      const s = n.type === 'unify' ? `${t(n.lhs)} = ${t(n.rhs)}` : n.type === 'term' ? t(n.term) : n.type;
      return `${e.negated ? 'not ' : ''}${s}${e.withs.map((w) => ` with ${t(w.target)} as ${t(w.value)}`).join('')}`;
    })
    .join('; ');
}
const term = (text: string) => t(parseTerm(src(text)));

function evalP(body: string, input?: unknown, data?: unknown): unknown {
  const v = compile([src(`package test\n${body}\n`)], { data }).evalRule('data.test.p', { input }).value;
  return v === undefined ? undefined : toJSON(v);
}

function failure(f: () => unknown): RegoError {
  try {
    f();
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('lexing template strings', () => {
  it('splits a template into parts around the expression tokens', () => {
    const toks = tokenize(src('$"a {x} b {y} c"'));
    expect(toks.map((x) => [x.kind, x.text, x.value ?? null, !!x.continued, !!x.last])).toEqual([
      ['template', '$"a {', 'a ', false, false],
      ['ident', 'x', null, false, false],
      ['template', '} b {', ' b ', true, false],
      ['ident', 'y', null, false, false],
      ['template', '} c"', ' c', true, true],
      ['eof', '', null, false, false],
    ]);
  });

  it('matches braces inside expressions and nested templates', () => {
    const toks = tokenize(src('$"{ {1: $"{z}"} }!"'));
    expect(toks.map((x) => x.text)).toEqual(['$"{', '{', '1', ':', '$"{', 'z', '}"', '}', '}!"', '']);
  });

  it('decodes escapes: JSON ones and \\{ (and \\}) in $"…"; only \\{ in $`…`', () => {
    expect(tokenize(src('$"\\{x\\} \\t\\u00e9 \\"q\\""'))[0]!.value).toBe('{x} \té "q"');
    expect(tokenize(src('$`\\{x\\} \\t "q"`'))[0]!.value).toBe('{x\\} \\t "q"');
  });

  it('lets raw templates span lines, and keeps line numbers right after them', () => {
    const toks = tokenize(src('$`a\n{x}\nb`\ny'));
    expect(toks.map((x) => [x.text, x.span.line])).toEqual([
      ['$`a\n{', 1],
      ['x', 2],
      ['}\nb`', 2],
      ['y', 4],
      ['', 4],
    ]);
  });

  it.each([
    ['$"abc', 'non-terminated string'],
    ['$"a\nb"', 'non-terminated string'],
    ['$`abc', 'non-terminated string'],
    ['$"a\\qb"', 'illegal escape sequence'],
    ['$x', 'illegal $ character'],
  ])('reports %j', (text, message) => {
    const toks = tokenize(src(text));
    expect(toks.find((x) => x.kind === 'error')?.text).toBe(message);
  });
});

describe('parsing template strings', () => {
  it.each([
    ['$""', '""'],
    ['$"foo bar"', '"foo bar"'],
    ['$`a\nb`', '"a\\nb"'],
    // Scalar literals are rendered by the parser, numbers as written.
    ['$"{42} {1.50} {1e3} {-2} {true} {null} {"s"}"', '"42 1.50 1e3 -2 true null s"'],
    ['$"Hello {input.name}!"', 'internal.template_string(["Hello ", {$t0 | $t0 = input["name"]}@, "!"])'],
    ['$"{a}{b}"', 'internal.template_string([{$t0 | $t0 = a}@, {$t1 | $t1 = b}@])'],
    ['$"{1 + x}"', 'internal.template_string([{$t0 | $t0 = plus(1, x)}@])'],
    ['$"{a with input as 1}"', 'internal.template_string([{$t0 | $t0 = a with input as 1}@])'],
    [
      '$"<{$"{a}"}>"',
      'internal.template_string(["<", {$t1 | $t1 = internal.template_string([{$t0 | $t0 = a}@])}@, ">"])',
    ],
  ])('%s', (text, want) => {
    expect(term(text)).toBe(want);
  });

  it('works in queries, rule heads and function arguments', () => {
    expect(b(parseQuery(src('x = $"{y}"')))).toBe('x = internal.template_string([{$t0 | $t0 = y}@])');
    const m = parseModule(src('package p\nf($"{x}-{input.y}") := 42 if x = "a" else := 1'));
    const f = m.rules[0]!;
    // The template argument becomes a fresh var that each body unifies with it.
    expect(f.head.args!.map(t)).toEqual(['$t2']);
    const lifted = '$t2 = internal.template_string([{$t0 | $t0 = x}@, "-", {$t1 | $t1 = input["y"]}@])';
    expect(b(f.body)).toBe(`x = "a"; ${lifted}`);
    expect(b(f.elses[0]!.body)).toBe(lifted);
  });

  it.each([
    ['$"{x = 1}"', "unexpected unification ('=') in template-string expression"],
    ['$"{x := 1}"', "unexpected assignment (':=') in template-string expression"],
    ['$"{not x}"', "unexpected negation ('not') in template-string expression"],
    ['$"{some x in y}"', "unexpected 'some' in template-string expression"],
    ['$"{every x in y { x }}"', "unexpected 'every' in template-string expression"],
    ['$"{1 2}"', 'expected } to end template string expression'],
    ['$"{}"', 'unexpected } token'],
    ['$"{1 +}"', 'unexpected } token'],
  ])('rejects %s', (text, message) => {
    const e = failure(() => parseTerm(src(text)));
    expect(e.code).toBe('rego_parse_error');
    expect(e.details[0]!.message).toBe(message);
  });
});

describe('evaluating template strings', () => {
  it.each([
    ['p := $"{42}, {13.37}, {true}, {"foo"}, {null}"', '42, 13.37, true, foo, null'],
    [
      'p := $"{[]} {[1, "a"]} {set()} {{2, 1, "b", null}} {{}} {{"a": {"b": [1]}}}"',
      '[] [1, "a"] set() {null, 1, 2, "b"} {} {"a": {"b": [1]}}',
    ],
    ['p := $"{input.x}, {data.y}"', '<undefined>, <undefined>'],
    ['p := $"sum: {1 + input.n}, {input.n > 1}"', 'sum: 3, true'],
    ['p := $"{input.s} {[input.s]}"', 'é "q" ["é \\"q\\""]'],
    ['p := $"{$"{data.nope}"} {$"{$"{input.n}"}!"}"', '<undefined> 2!'],
    ['p := $"{[x | some x in input.xs]} {{x | some x in input.xs}}"', '[3, 1] {1, 3}'],
    ['p := $`<v>\n  {input.n}\n</v>`', '<v>\n  2\n</v>'],
    ['a := input.n\np := $"{a with input.n as 5} {a}"', '5 2'],
    ['a := input.n\np := x if { x := $"{a}" with input.n as 7 }', '7'],
  ])('%s', (body, want) => {
    expect(evalP(body, { n: 2, s: 'é "q"', xs: [3, 1] })).toBe(want);
  });

  it('works wherever a term does', () => {
    expect(evalP('p := [$"<{x}>" | some x in input]', [1, 'a'])).toEqual(['<1>', '<a>']);
    expect(evalP('p := {$"{k}": $"{v}" | some k, v in input}', ['a'])).toEqual({ '0': 'a' });
    expect(evalP('p contains $"k{x}" if some x in input', [2, 1])).toEqual(['k1', 'k2']);
    expect(evalP('p[$"k{x}"] := x if some x in input', [1])).toEqual({ k1: 1 });
    expect(evalP('p if $"user_{input.id}" in {"user_1"}', { id: 1 })).toBe(true);
    expect(evalP('p if every i, x in input.a { input.b[i] == $"<{x}>" }', { a: [1], b: ['<1>'] })).toBe(true);
    expect(evalP('p := s if { s := $"{x}"; x = 1 }')).toBe('1');
  });

  it('evaluates a template argument of a function after the body binds its vars', () => {
    const body = 'f($"{x} {input.y}") := 42 if x = "foo"\np := [f("foo bar"), f("foo")]';
    expect(evalP(body, { y: 'bar' })).toBeUndefined();
    expect(evalP(body.replace(', f("foo")', ''), { y: 'bar' })).toEqual([42]);
  });

  it('works in queries', () => {
    const pol = compile([src('package test\nr := 1')]);
    expect(pol.query('x = 42; y = $"{x} {data.test.r} {data.test.nope}"')).toEqual([
      { x: 42, y: '42 1 <undefined>' },
    ]);
    expect(
      pol.query('x = $"{[x | x := input.xs[_]]} {{$"{x}-{y}": y | x := input.xs[_]; y := input.ys[_]}}"', {
        input: { xs: ['a'], ys: ['c'] },
      }),
    ).toEqual([{ x: '["a"] {"a-c": "c"}' }]);
  });
});

describe('internal.template_string', () => {
  const fn = defaultRegistry().get('internal.template_string')!;
  const ctx = { nowNs: 0n, cache: new Map(), print: () => {} };

  it('renders strings, scalars and the single value of each set', () => {
    expect(
      fn.fn([['a ', 1, ' ', new RegoSet(['b']), ' ', new RegoSet([]), ' ', new RegoSet([[1]])]], ctx),
    ).toBe('a 1 b <undefined> [1]');
  });

  it('halts on a part with several values, even in non-strict evaluation', () => {
    const e = failure(() => evalP('p := internal.template_string([{1, 2}])'));
    expect(e.code).toBe('eval_conflict_error');
    expect(e.details[0]!.message).toBe('template-strings must not produce multiple outputs');
    expect(e.span?.line).toBe(2);
  });
});

describe('compile errors in template expressions', () => {
  it.each([
    ['p := $"{input.xs[_]}"', 'rego_compile_error', 'var _ is undeclared'],
    ['p := $"{x + 1}"', 'rego_compile_error', 'var x is undeclared'],
    ['p if { some i; $"{input.xs[j]}" == "a" }', 'rego_compile_error', 'var j is undeclared'],
    ['p := $"{x}"', 'rego_unsafe_var_error', 'var x is unsafe'],
    [
      'p := $"{walk(input)}"',
      'rego_compile_error',
      "illegal call to relation built-in 'walk' that may cause multiple outputs",
    ],
  ])('%s', (body, code, message) => {
    const e = failure(() => compile([src(`package test\n${body}`)]));
    expect(e.details).toEqual([expect.objectContaining({ code, message })]);
  });

  it('accepts vars bound anywhere in the enclosing bodies', () => {
    expect(evalP('p := [s | some x in input; s := $"{x + 1}"]', [1, 2])).toEqual(['2', '3']);
    expect(evalP('p := {s | s := $"{input[i]}"; i = 0}', ['a'])).toEqual(['a']);
  });
});
