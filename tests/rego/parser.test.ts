import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { Body, Expr, Module, Term } from '../../rego/ast.ts';
import { RegoError, type Span } from '../../rego/errors.ts';
import { tokenize } from '../../rego/lexer.ts';
import { parseModule, parseQuery, parseTerm } from '../../rego/parser.ts';

const src = (text: string, name = 'test.rego') => ({ name, text });

/** A compact rendering of the AST, so expectations stay readable. */
function t(x: Term): string {
  switch (x.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(x.value);
    case 'number':
      return typeof x.value === 'bigint' ? `${x.value}n` : String(x.value);
    case 'string':
      return JSON.stringify(x.value);
    case 'var':
      return x.name;
    case 'ref':
      return `${t(x.head)}${x.path.map((p) => `[${t(p)}]`).join('')}`;
    case 'array':
      return `[${x.items.map(t).join(', ')}]`;
    case 'set':
      return `set(${x.items.map(t).join(', ')})`;
    case 'object':
      return `{${x.entries.map(([k, v]) => `${t(k)}: ${t(v)}`).join(', ')}}`;
    case 'arraycomp':
      return `[${t(x.term)} | ${b(x.body)}]`;
    case 'setcomp':
      return `{${t(x.term)} | ${b(x.body)}}`;
    case 'objectcomp':
      return `{${t(x.key)}: ${t(x.value)} | ${b(x.body)}}`;
    case 'call':
      return `${x.name}(${x.args.map(t).join(', ')})`;
    case 'const':
      return 'const';
  }
}
function e(x: Expr): string {
  const n = x.node;
  const k = (key: Term | undefined) => (key ? `${t(key)}, ` : '');
  const s =
    n.type === 'term'
      ? t(n.term)
      : n.type === 'unify'
        ? `${t(n.lhs)} = ${t(n.rhs)}`
        : n.type === 'assign'
          ? `${t(n.lhs)} := ${t(n.rhs)}`
          : n.type === 'some'
            ? `some ${n.vars.map(t).join(', ')}`
            : n.type === 'somein'
              ? `some ${k(n.key)}${t(n.value)} in ${t(n.collection)}`
              : `every ${k(n.key)}${t(n.value)} in ${t(n.domain)} {${b(n.body)}}`;
  return `${x.negated ? 'not ' : ''}${s}${x.withs.map((w) => ` with ${t(w.target)} as ${t(w.value)}`).join('')}`;
}
function b(x: Body): string {
  return x.map(e).join('; ');
}
const term = (text: string) => t(parseTerm(src(text)));
const query = (text: string) => b(parseQuery(src(text)));
const mod = (text: string) => parseModule(src(`package test\n${text}`));
const rule = (text: string) => {
  const r = mod(text).rules[0]!;
  const h = r.head;
  return [
    `${r.kind}${r.default ? ' default' : ''} `,
    h.ref.map(t).join('.'),
    h.args ? `(${h.args.map(t).join(', ')})` : '',
    h.key ? ` contains ${t(h.key)}` : '',
    h.value ? ` ${h.assign ? ':=' : '='} ${t(h.value)}` : '',
    ` {${b(r.body)}}`,
    ...r.elses.map((x) => ` else ${x.value ? t(x.value) : '-'} {${b(x.body)}}`),
  ].join('');
};
function parseError(f: () => unknown): RegoError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RegoError);
    return err as RegoError;
  }
  throw new Error('expected a parse error');
}

describe('lexer', () => {
  it('records spans, whitespace and newlines', () => {
    const toks = tokenize(src('a := "x\\n"\n  `r\nq` # c\n 1.5e3'));
    expect(toks.map((x) => [x.kind, x.text, x.span.line, x.span.col, x.ws, x.nl])).toEqual([
      ['ident', 'a', 1, 1, false, false],
      ['punct', ':=', 1, 3, true, false],
      ['string', '"x\\n"', 1, 6, true, false],
      ['string', '`r\nq`', 2, 3, true, true],
      ['number', '1.5e3', 4, 2, true, true],
      ['eof', '', 4, 7, false, false],
    ]);
    expect(toks[2]!.value).toBe('x\n');
    expect(toks[3]!.raw).toBe(true);
  });
  it.each([
    ['"\\u00e9\\ud83c\\udf67\\/\\b\\f\\r\\t\\"\\\\"', 'é🍧/\b\f\r\t"\\'],
    ['"\\ud800"', '\ufffd'],
    ['"¡hola"', '¡hola'],
  ])('decodes %s', (text, value) => {
    expect(tokenize(src(text))[0]!.value).toBe(value);
  });
});

describe('terms', () => {
  it.each([
    ['null', 'null'],
    ['true', 'true'],
    ['1.0', '1'],
    ['-1', '-1'],
    ['-0', '0'],
    ['1e3', '1000'],
    ['12345678901234567890', '12345678901234567890n'],
    ['-9007199254740993', '-9007199254740993n'],
    ['9007199254740991', '9007199254740991'],
    ['"b"', '"b"'],
    ['`raw\\n`', '"raw\\\\n"'],
    ['input', 'input'],
    ['a.b[c]["d"][0]', 'a["b"][c]["d"][0]'],
    ['input.if.not', 'input["if"]["not"]'],
    ['x[_][_]', 'x[$_0][$_1]'],
    ['[1, 2,]', '[1, 2]'],
    ['{"a": 1, "b": [2],}', '{"a": 1, "b": [2]}'],
    ['{1, 2}', 'set(1, 2)'],
    ['{}', '{}'],
    ['set()', 'set()'],
    ['{"foo": {{1}}}', '{"foo": set(set(1))}'],
    ['[x | x := y[_]]', '[x | x := y[$_0]]'],
    ['{x | some x in y\n x > 1}', '{x | some x in y; gt(x, 1)}'],
    ['{k: v | some k, v in o}', '{k: v | some k, v in o}'],
    ['{k + 1: v | true}', '{plus(k, 1): v | true}'],
    ['{a | b}', '{a | b}'],
    ['{a + 1 | b}', 'set(or(plus(a, 1), b))'],
    ['f(x)', 'f(x)'],
    ['a.b.c(x, y,)', 'a.b.c(x, y)'],
    ['data.lib.f(1)', 'data.lib.f(1)'],
    ['contains("abc", "b")', 'contains("abc", "b")'],
    ['f(x).y[0]', 'f(x)["y"][0]'],
    ['[1,2][0]', '[1, 2][0]'],
    ['{"a":1}.a', '{"a": 1}["a"]'],
    ['(a + b)', 'plus(a, b)'],
    ['(a.b).c', 'a["b"]["c"]'],
    ['1 + 2 * 3 - 4 / 5 % 6', 'minus(plus(1, mul(2, 3)), rem(div(4, 5), 6))'],
    ['a == b != c < d <= e > f >= g', 'gte(gt(lte(lt(neq(equal(a, b), c), d), e), f), g)'],
    ['a | b & c + d', 'or(a, and(b, plus(c, d)))'],
    ['x in xs', 'internal.member_2(x, xs)'],
    ['k, v in xs', 'internal.member_3(k, v, xs)'],
    ['x in xs in ys', 'internal.member_2(internal.member_2(x, xs), ys)'],
    ['x == 1 in s', 'internal.member_2(equal(x, 1), s)'],
    ['[x, y in z]', '[x, internal.member_2(y, z)]'],
    ['f(x, y in z)', 'f(x, internal.member_2(y, z))'],
    ['-x', 'minus(0, x)'],
    ['-x.y * 2', 'mul(minus(0, x["y"]), 2)'],
    ['x - 1', 'minus(x, 1)'],
    ['x -1', 'minus(x, 1)'],
    ['[1, -1]', '[1, -1]'],
  ])('%s', (text, want) => {
    expect(term(text)).toBe(want);
  });

  it('spans cover operators, refs and composites', () => {
    const c = parseTerm(src('\n  a.b[0] + f(x)'));
    expect(c).toMatchObject({ type: 'call', name: 'plus', span: { line: 2, col: 3, start: 3, end: 16 } });
    if (c.type !== 'call') throw new Error('call');
    expect(c.args[0]!.span).toMatchObject({ line: 2, col: 3, start: 3, end: 9 });
    expect(c.args[1]!.span).toMatchObject({ line: 2, col: 12, start: 12, end: 16 });
    expect(parseTerm(src('[1,\n 2]')).span).toMatchObject({ line: 1, col: 1, start: 0, end: 7 });
  });

  it('keeps the raw number text', () => {
    expect(parseTerm(src('1.50'))).toMatchObject({ type: 'number', value: 1.5, raw: '1.50' });
    expect(parseTerm(src('-1e400'))).toMatchObject({ type: 'number', raw: '-1e400' });
  });
});

describe('queries and expressions', () => {
  it.each([
    ['data.test.p = x', 'data["test"]["p"] = x'],
    ['data.test.a = a; data.test.b = b\n', 'data["test"]["a"] = a; data["test"]["b"] = b'],
    ['data.p.f(1)', 'data.p.f(1)'],
    ['x := 1\ny := 2', 'x := 1; y := 2'],
    ['x := 1 +\n  2', 'x := plus(1, 2)'],
    ['x := [1,\n2]', 'x := [1, 2]'],
    ['a\n[1]', 'a; [1]'],
    ['not f(x).y', 'not f(x)["y"]'],
    [
      'x with input as 1 with data.a.b as {"a": 2} with count as f',
      'x with input as 1 with data["a"]["b"] as {"a": 2} with count as f',
    ],
    ['some x, y', 'some x, y'],
    ['some x in xs', 'some x in xs'],
    ['some k, v in input with input.foo as "bar"', 'some k, v in input with input["foo"] as "bar"'],
    ['some [a, b] in xs', 'some [a, b] in xs'],
    ['every x in xs { x > 1 }', 'every x in xs {gt(x, 1)}'],
    ['every k, v in xs { k; v }', 'every k, v in xs {k; v}'],
    ['_ = 1; x[_] = _', '$_0 = 1; x[$_1] = $_2'],
  ])('%s', (text, want) => {
    expect(query(text)).toBe(want);
  });

  it('expression spans include `not` and `with`', () => {
    const [x] = parseQuery(src('\n not p with input as 1'));
    expect(x!.span).toMatchObject({ line: 2, col: 2, start: 2, end: 23 });
    expect(x!.withs[0]!.span).toMatchObject({ line: 2, col: 8 });
  });
});

describe('modules', () => {
  it('reads package and imports', () => {
    const m: Module = parseModule(
      src(
        'package a["b"].c\nimport rego.v1\nimport future.keywords.in\nimport data.x.y\nimport data.x.y as z\nimport input.foo as bar\nimport input',
      ),
    );
    expect(m.package).toEqual(['a', 'b', 'c']);
    expect(m.regoVersion).toBe('v1');
    expect(m.packageSpan).toMatchObject({ line: 1, col: 1 });
    expect(m.imports.map((i) => `${t(i.path)}${i.alias ? ` as ${i.alias}` : ''}`)).toEqual([
      'rego["v1"]',
      'future["keywords"]["in"]',
      'data["x"]["y"]',
      'data["x"]["y"] as z',
      'input["foo"] as bar',
      'input',
    ]);
    expect(m.imports[2]!.span).toMatchObject({ line: 4, col: 1 });
    const m2 = parseModule(
      src('package p\nimport rego.v2\nimport future.keywords\nimport future.keywords.every'),
    );
    expect(m2.imports).toHaveLength(3);
  });

  it.each([
    ['import rego.v3', 'invalid import `rego.v3`'],
    ['import future.keywords.foo', 'unexpected keyword, must be one of [contains every if in not]'],
    ['import rego.v1 as r', '`rego` imports cannot be aliased'],
    ['import data.x.if', 'must not end with a keyword'],
    ['import data.x as if', 'expected var'],
  ])('rejects %s', (text, message) => {
    expect(parseError(() => parseModule(src(`package p\n${text}`))).message).toContain(message);
  });

  it.each([
    ['p := 1', 'complete p := 1 {}'],
    ['p = 1', 'complete p = 1 {}'],
    ['p if { true }', 'complete p = true {true}'],
    ['p if input.x', 'complete p = true {input["x"]}'],
    ['p if { x\n y; z }', 'complete p = true {x; y; z}'],
    ['p if { {1} }', 'complete p = true {set(1)}'],
    // Like OPA: `if` followed by an object literal is a one-expression body (always true).
    ['p if {}', 'complete p = true {{}}'],
    ['p if {"a": 1}', 'complete p = true {{"a": 1}}'],
    ['p := v if { v := 1 }', 'complete p := v {v := 1}'],
    ['p = v if { v := 1 }', 'complete p = v {v := 1}'],
    ['p := v if v := 1', 'complete p := v {v := 1}'],
    ['p contains x if { x := 1 }', 'partialset p contains x {x := 1}'],
    ['p contains "a"', 'partialset p contains "a" {}'],
    ['p contains x if x := 1', 'partialset p contains x {x := 1}'],
    ['a.b contains x if some x in y', 'partialset a."b" contains x {some x in y}'],
    ['p[k] := v if { k := 1; v := 2 }', 'partialobject p.k := v {k := 1; v := 2}'],
    ['a.b[k] := v', 'partialobject a."b".k := v {}'],
    ['p[x] if { x := 1 }', 'partialobject p.x = true {x := 1}'],
    ['a.b.c := 1', 'complete a."b"."c" := 1 {}'],
    ['a["b"].c if true', 'complete a."b"."c" = true {true}'],
    ['f(x, y) := v if { v := x + y }', 'function f(x, y) := v {v := plus(x, y)}'],
    ['f(x) if { x }', 'function f(x) = true {x}'],
    ['f(x) = v', 'function f(x) = v {}'],
    ['a.b.f(x) := 1', 'function a."b"."f"(x) := 1 {}'],
    ['foo["bar"](x) := x + 1', 'function foo."bar"(x) := plus(x, 1) {}'],
    ['default p := 1', 'complete default p := 1 {}'],
    ['default p = {"a": [1]}', 'complete default p = {"a": [1]} {}'],
    ['default f(_) := 1', 'function default f($_0) := 1 {}'],
    [
      'p := 1 if { false } else := 2 if { true } else := 3',
      'complete p := 1 {false} else 2 {true} else 3 {}',
    ],
    [
      'p := 1 if false else = 2 if { x } else if { y } else := 4 if z',
      'complete p := 1 {false} else 2 {x} else true {y} else 4 {z}',
    ],
    ['f(_) := 1 if false else := 2', 'function f($_0) := 1 {false} else 2 {}'],
  ])('%s', (text, want) => {
    expect(rule(text)).toBe(want);
  });

  it('spans rules, heads and bodies', () => {
    const m = mod('\n# c\np := 1 if {\n  x\n} else := 2\n\ndefault q := 1');
    const [p, q] = m.rules;
    expect(p!.span).toMatchObject({ line: 4, col: 1, end: m.rules[0]!.span.source.text.indexOf('2') + 1 });
    expect(p!.head.span).toMatchObject({ line: 4, col: 1 });
    expect(p!.body[0]!.span).toMatchObject({ line: 5, col: 3 });
    expect(p!.elses[0]!.span).toMatchObject({ line: 6, col: 3 });
    expect(q!.span).toMatchObject({ line: 8, col: 1 });
  });

  it('wildcards are unique across a module', () => {
    const m = mod('p if { x[_] }\nq if { y[_] }');
    expect(m.rules.map((r) => b(r.body))).toEqual(['x[$_0]', 'y[$_1]']);
  });

  it('reads `not { ... }` under rego.v2 as a negated body', () => {
    const m = parseModule(src('package n\nimport rego.v2\np if {\n not { input.a; input.b }\n}'));
    expect(b(m.rules[0]!.body)).toBe('not internal.member_2(true, {true | input["a"]; input["b"]})');
  });

  it.each(['import future.keywords.not', 'import future.keywords'])(
    'reads `not { ... }` as a negated body after `%s`, as OPA does',
    (imp) => {
      const m = parseModule(src(`package n\n${imp}\np if {\n not { input.a; input.b }\n not input.c\n}`));
      expect(b(m.rules[0]!.body)).toBe(
        'not internal.member_2(true, {true | input["a"]; input["b"]}); not input["c"]',
      );
    },
  );

  it('reads `not {x}` as a negated set without the import', () => {
    const m = parseModule(src('package n\nimport future.keywords.in\np if {\n not { input.a }\n}'));
    expect(b(m.rules[0]!.body)).toBe('not set(input["a"])');
  });
});

describe('parse errors', () => {
  it.each([
    ['p := 1', 1, 'package expected'],
    ['package p\np { true }', 2, '`if` keyword is required before rule body'],
    ['package p\nf(x) { true }', 2, '`if` keyword is required before function body'],
    ['package p\n\np', 3, 'rule must have value assignment and/or body declaration'],
    ['package p\np if {\n  x\n', 4, 'unexpected eof token'],
    ['package p\np if { x y }', 2, 'unexpected ident token: expected \\n or ; or }'],
    ['package p\np if { every x in y {\n} }', 3, 'found empty body'],
    ['package p\nx := }', 2, 'unexpected } token'],
    ['package p\nx := "a\\q"', 2, 'illegal escape sequence'],
    ['package p\nx := "abc', 2, 'non-terminated string'],
    ['package p\nx := 01', 2, 'expected number without leading zero'],
    ['package p\nx := 1.', 2, 'expected fraction'],
    ['package p\nx := 1e99999', 2, 'number too big'],
    ['package p\nx := @', 2, 'illegal token'],
    ['package p\nx := !y', 2, 'illegal ! character'],
    ['package p\ndefault p', 2, 'illegal default rule (must have a value)'],
    ['package p\ndefault p := x', 2, 'illegal default rule (value cannot contain var)'],
    ['package p\np contains x if { x } else := 1', 2, 'else keyword cannot be used on multi-value rules'],
    [
      'package p\np[x] := 1 if { x } else := 1',
      2,
      'else keyword cannot be used on rules with variables in head',
    ],
    ['package p\np := 1\nelse := 2', 3, 'unexpected else keyword'],
    ['package p\np := 1 if { x } else { y }', 2, '`if` keyword is required before rule body'],
    ['package p\nif := 1', 2, 'unexpected if keyword'],
    ['package p\n{}', 2, 'object cannot be used for rule name'],
    ['package p\np if { not some x }', 2, "illegal negation of 'some'"],
    ['package p\np if { every x in y }', 2, 'missing body'],
    ['package p\nimport foo.bar', 2, 'unexpected import path'],
    ['package p\nf() := 1', 2, 'rule argument list must take at least one argument'],
    ['package p\np := [1, 2', 2, 'unexpected eof token'],
    ['package p\np := {1 2}', 2, 'non-terminated set'],
    ['package p\np := (1 + 2', 2, 'non-terminated expression'],
    ['package a[x]', 1, 'expecting string'],
    ['package p\np := "a".b', 2, 'illegal ref (head cannot be string)'],
    ['package p\np contains x if {\n  x := 1 +\n}', 4, 'unexpected } token'],
  ])('%j', (text, line, message) => {
    const err = parseError(() => parseModule(src(text)));
    expect(err.code).toBe('rego_parse_error');
    expect(err.details[0]!.message).toContain(message);
    expect(err.span?.line).toBe(line);
  });

  it('refuses deep nesting with a parse error', () => {
    for (const deep of [
      '['.repeat(5000),
      '('.repeat(5000),
      '-'.repeat(5000),
      'f('.repeat(5000),
      '{'.repeat(5000),
    ]) {
      const err = parseError(() => parseTerm(src(deep)));
      expect(err.message).toContain('max parsing recursion depth exceeded');
    }
    expect(term(`${'['.repeat(500)}${']'.repeat(500)}`)).toMatch(/^\[\[/);
  });
});

const CONFORMANCE = path.resolve(import.meta.dirname, '../../../shared/rego-conformance');
interface Case {
  note: string;
  file: string;
  query?: string;
  modules: string[];
  input_term?: string;
  wantsParseError: boolean;
}
function loadCases(): Case[] {
  const out: Case[] = [];
  const walk = (dir: string): void => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(f.name)) {
        const doc = YAML.parse(fs.readFileSync(p, 'utf8')) as { cases?: Record<string, unknown>[] };
        for (const c of doc.cases ?? []) {
          const err = `${c.want_error ?? ''} ${c.want_error_code ?? ''}`;
          out.push({
            note: String(c.note),
            file: p,
            query: c.query as string | undefined,
            modules: (c.modules as string[] | undefined) ?? [],
            input_term: c.input_term as string | undefined,
            wantsParseError: err.includes('rego_parse_error'),
          });
        }
      }
    }
  };
  walk(CONFORMANCE);
  return out;
}
const cases = fs.existsSync(CONFORMANCE) ? loadCases() : [];

describe('conformance sources', () => {
  const run = cases.length > 0 ? it : it.skip;
  run('parses every module, query and input term', () => {
    const failures: string[] = [];
    let parsed = 0;
    const attempt = (c: Case, what: string, f: () => unknown) => {
      try {
        f();
        parsed++;
        if (c.wantsParseError) failures.push(`${c.note} ${what}: expected a parse error`);
      } catch (err) {
        if (!c.wantsParseError) failures.push(`${c.note} ${what}: ${(err as Error).message}`);
      }
    };
    for (const c of cases) {
      c.modules.forEach((m, i) => {
        attempt(c, `module ${i}`, () => parseModule(src(m, `test-${i}.rego`)));
      });
      if (c.query !== undefined) attempt(c, 'query', () => parseQuery(src(c.query!, 'query')));
      if (c.input_term !== undefined) attempt(c, 'input_term', () => parseTerm(src(c.input_term!, 'input')));
    }
    expect(failures).toEqual([]);
    expect(parsed).toBeGreaterThan(1000);
  });
});

/** Every node's span lies inside the source. */
function checkSpans(x: unknown, len: number): void {
  if (Array.isArray(x)) {
    for (const y of x) checkSpans(y, len);
    return;
  }
  if (typeof x !== 'object' || x === null) return;
  for (const [k, v] of Object.entries(x)) {
    if (k === 'span' || k === 'packageSpan') {
      const s = v as Span;
      if (!(s.start >= 0 && s.start <= s.end && s.end <= len && s.line >= 1 && s.col >= 1)) {
        throw new Error(`bad span ${JSON.stringify({ ...s, source: undefined })}`);
      }
    } else if (k !== 'source') {
      checkSpans(v, len);
    }
  }
}

describe('robustness', () => {
  const seeds = [
    ...new Set(cases.flatMap((c) => c.modules)),
    'package p\np[x] := {"a": [1, -2.5e3, `r`]} if { some x, y in input; not f(x) with input as {1} }\n',
  ];
  const alphabet = [...'{}[]()|&,;:.=!<>+-*/%"`#\\\n\t _ax01'].concat([
    ' if ',
    ' else ',
    ' in ',
    ' not ',
    ' some ',
    ' := ',
  ]);
  const mutated = fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.constantFrom(...alphabet)), { maxLength: 5 }),
    )
    .map(([s, edits]) =>
      edits.reduce((acc, [at, del, ins]) => {
        const i = at % (acc.length + 1);
        return acc.slice(0, i) + ins + acc.slice(i + del);
      }, s),
    );
  const truncated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat())
    .map(([s, n]) => s.slice(0, n % (s.length + 1)));
  const random = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));
  const anyInput = fc.oneof(mutated, truncated, random);

  const onlyRegoErrors = (f: () => unknown, len: number) => {
    try {
      checkSpans(f(), len);
    } catch (err) {
      if (!(err instanceof RegoError) || err.code !== 'rego_parse_error' || err.message.includes('internal'))
        throw err;
    }
  };

  it('returns an AST or throws a rego_parse_error on any input', () => {
    fc.assert(
      fc.property(anyInput, (text) => {
        const s = src(text);
        onlyRegoErrors(() => parseModule(s), text.length);
        onlyRegoErrors(() => parseQuery(s), text.length);
        onlyRegoErrors(() => parseTerm(s), text.length);
      }),
      { numRuns: 400 },
    );
  });
});
