import { describe, expect, it } from 'vitest';
import { compile, RegoError, RegoSet, toJSON } from '../../rego/index.ts';

const mod = (text: string, name = 'p.rego') => ({ name, text });
const evalRule = (src: string, path: string, input?: unknown, data?: unknown) =>
  compile([mod(src)], { data }).evalRule(path, { input }).value;
const json = (src: string, path: string, input?: unknown, data?: unknown) => {
  const v = evalRule(src, path, input, data);
  return v === undefined ? undefined : toJSON(v);
};

function compileError(src: string): RegoError {
  try {
    compile([mod(src)]);
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('expected a compile error');
}

describe('rules', () => {
  it.each([
    ['complete rule with if', 'package t\np if input.x > 1', 'data.t.p', { x: 2 }, true],
    ['complete rule undefined', 'package t\np if input.x > 1', 'data.t.p', { x: 0 }, undefined],
    [
      'default applies when undefined',
      'package t\ndefault p := false\np if input.x > 1',
      'data.t.p',
      { x: 0 },
      false,
    ],
    [
      'else chain',
      'package t\np := "a" if input.x == 1\nelse := "b" if input.x == 2\nelse := "c"',
      'data.t.p',
      { x: 2 },
      'b',
    ],
    ['else fallback', 'package t\np := "a" if input.x == 1\nelse := "c"', 'data.t.p', { x: 9 }, 'c'],
    [
      'partial set',
      'package t\ns contains x if { some x in input.xs; x > 1 }',
      'data.t.s',
      { xs: [1, 2, 3] },
      [2, 3],
    ],
    [
      'partial object',
      'package t\no[k] := v if { some k, v in input.m; v > 1 }',
      'data.t.o',
      { m: { a: 1, b: 2 } },
      { b: 2 },
    ],
    [
      'multi-segment ref head',
      'package t\na.b.c := 1\na.b.d := 2',
      'data.t.a',
      undefined,
      { b: { c: 1, d: 2 } },
    ],
    [
      'function with several bodies',
      'package t\nf(x) := "neg" if x < 0\nf(x) := "pos" if x > 0\np := [f(-1), f(1)]',
      'data.t.p',
      undefined,
      ['neg', 'pos'],
    ],
    [
      'comprehensions',
      'package t\np := {"a": [x | some x in [1,2]], "s": {x | some x in [1,1]}, "o": {k: 1 | some k in ["z"]}}',
      'data.t.p',
      undefined,
      { a: [1, 2], s: [1], o: { z: 1 } },
    ],
    ['negation', 'package t\np if not input.blocked', 'data.t.p', {}, true],
    [
      'negated body (future.keywords.not)',
      'package t\nimport future.keywords.not\np if not { input.a; input.b }',
      'data.t.p',
      { a: true, b: false },
      true,
    ],
    [
      'negated call with undefined operands (future.keywords.not)',
      'package t\nimport future.keywords.not\np if not input.x + input.y == input.z',
      'data.t.p',
      {},
      true,
    ],
    ['every true', 'package t\np if every x in input.xs { x > 0 }', 'data.t.p', { xs: [1, 2] }, true],
    ['every false', 'package t\np if every x in input.xs { x > 1 }', 'data.t.p', { xs: [1, 2] }, undefined],
    [
      'unification of patterns',
      'package t\np := [a, b] if [a, {"k": b}] = [1, {"k": 2}]',
      'data.t.p',
      undefined,
      [1, 2],
    ],
    ['safety reordering', 'package t\np := y if { y > 1; y = input.n }', 'data.t.p', { n: 5 }, 5],
    [
      'exact integers written with exponents',
      'package t\np := sprintf("%v", [1e30 + 1])',
      'data.t.p',
      undefined,
      '1000000000000000000000000000001',
    ],
    [
      'a ref argument binds the vars of a sibling argument',
      'package t\np contains i if { some i; i == input.xs[i] }',
      'data.t.p',
      { xs: [0, 5, 2] },
      [0, 2],
    ],
    ['iteration with _', 'package t\np := count([1 | input.xs[_] > 1])', 'data.t.p', { xs: [1, 2, 3] }, 2],
  ])('%s', (_name, src, path, input, want) => {
    expect(json(src, path, input)).toEqual(want);
  });

  it('merges base documents with virtual documents', () => {
    expect(json('package t\nv := 1', 'data.t', undefined, { t: { base: 2 } })).toEqual({ base: 2, v: 1 });
  });

  it('a data ref with a variable package segment is not recursion', () => {
    const p = compile([
      mod('package test\np := data[first].allow.see.x if first := "primary"', 'a.rego'),
      mod('package primary\nallow.see.x := true', 'b.rego'),
    ]);
    expect(p.evalRule('data.test.p').value).toBe(true);
  });

  it('reads base data through refs with variables', () => {
    expect(
      json('package t\np contains k if data.cfg[k] > 1', 'data.t.p', undefined, { cfg: { a: 1, b: 2 } }),
    ).toEqual(['b']);
  });

  it('`with` replaces input, data and functions for one expression', () => {
    const src = `package t
q := input.x
r := data.cfg.v
f(x) := x + 1
g(x) := x * 10
p := [a, b, c] if {
  a := q with input as {"x": 7}
  b := r with data.cfg.v as 8
  c := f(1) with f as g
}`;
    expect(json(src, 'data.t.p', { x: 1 }, { cfg: { v: 0 } })).toEqual([7, 8, 10]);
  });

  it('a function mock may call the original builtin', () => {
    const src = 'package t\nmycount(x) := count(x) + 100\np := y if y := count([1, 2]) with count as mycount';
    expect(json(src, 'data.t.p')).toBe(102);
  });

  it('returns one value for time.now_ns per evaluation', () => {
    const src = 'package t\np if { a := time.now_ns(); b := time.now_ns(); a == b }';
    expect(json(src, 'data.t.p')).toBe(true);
  });

  it('sets are RegoSet values', () => {
    expect(evalRule('package t\ns := {1, 2}', 'data.t.s')).toBeInstanceOf(RegoSet);
  });
});

describe('evaluation errors', () => {
  it('raises eval_conflict_error for a complete rule with two values', () => {
    expect(() => evalRule('package t\np := 1\np := 2', 'data.t.p')).toThrow(/eval_conflict_error/);
  });

  it('raises for functions with conflicting outputs', () => {
    expect(() => evalRule('package t\nf(_) := 1\nf(_) := 2\np := f(0)', 'data.t.p')).toThrow(
      /functions must not produce multiple outputs/,
    );
  });

  it('builtin errors are undefined unless strict', () => {
    const p = compile([mod('package t\np := x if x := 1 / input.d')]);
    expect(p.evalRule('data.t.p', { input: { d: 0 } }).value).toBeUndefined();
    expect(() => p.evalRule('data.t.p', { input: { d: 0 }, strictBuiltinErrors: true })).toThrow(
      /p.rego:2: eval_builtin_error: div: divide by zero/,
    );
  });

  it('stops at the step limit with eval_limit_error', () => {
    const p = compile([mod('package t\np := count([x | some x in numbers.range(1, 100000); x > 0])')]);
    let err: unknown;
    try {
      p.evalRule('data.t.p', { limits: { maxSteps: 1000 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegoError);
    expect((err as RegoError).code).toBe('eval_limit_error');
  });

  it('stops at the time limit with eval_limit_error', () => {
    const p = compile([mod('package t\np := count([x | some x in numbers.range(1, 900000); x > 0])')]);
    expect(() => p.evalRule('data.t.p', { limits: { timeoutMs: 5 } })).toThrow(/time limit/);
  });
});

describe('compile errors', () => {
  it('renders the location with a caret, like OPA', () => {
    const e = compileError('package t\n\np if {\n  x > 1\n}');
    expect(e.code).toBe('rego_unsafe_var_error');
    expect(e.message).toBe('p.rego:4: rego_unsafe_var_error: var x is unsafe');
    const r = e.render();
    expect(r).toContain('--> p.rego:4:3');
    expect(r).toContain('4 |   x > 1');
    expect(r).toMatch(/\|\s+\^/);
  });

  it('reports every problem of a compile together', () => {
    const e = compileError('package t\np if x > 1\nq if nosuch(1)\nr := 1\nr(x) := x');
    const codes = e.details.map((d) => d.code);
    expect(codes).toContain('rego_unsafe_var_error');
    expect(codes).toContain('rego_type_error');
    expect(e.details.length).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/errors occurred/);
  });

  it.each([
    ['recursion', 'package t\np if q\nq if p', 'rego_recursion_error'],
    ['undefined function', 'package t\np := nope(1)', 'rego_type_error'],
    ['arity mismatch', 'package t\np := count(1, 2, 3)', 'rego_type_error'],
    ['conflicting rule kinds', 'package t\np := 1\np contains 2', 'rego_type_error'],
    ['parse error', 'package t\np := {', 'rego_parse_error'],
    ['assigned twice', 'package t\np if { x := 1; x := 2 }', 'rego_compile_error'],
  ])('%s', (_n, src, code) => {
    expect(compileError(src).code).toBe(code);
  });
});

describe('explanations and print', () => {
  it('names the rules that produced the result with file:line', () => {
    const src = 'package t\nrisk := "LOW" if input.t == "a"\ndecision := {"risk": risk}';
    const r = compile([mod(src, 'policies/x.rego')]).evalRule('data.t.decision', {
      input: { t: 'a' },
      explain: true,
    });
    expect(r.explanation).toEqual(
      expect.arrayContaining([
        { rule: 'data.t.risk', file: 'policies/x.rego', line: 2 },
        { rule: 'data.t.decision', file: 'policies/x.rego', line: 3 },
      ]),
    );
  });

  it('print goes to the given logger and never fails the rule', () => {
    const lines: string[] = [];
    const v = compile([mod('package t\np if { print("hello", input.n, input.missing) }')]).evalRule(
      'data.t.p',
      {
        input: { n: 1 },
        print: (m) => lines.push(m),
      },
    ).value;
    expect(v).toBe(true);
    expect(lines).toEqual(['hello 1 <undefined>']);
  });
});

describe('queries', () => {
  it('binds query variables', () => {
    const p = compile([mod('package t\nxs := [1, 2]')]);
    expect(p.query('data.t.xs[i] = x').map((r) => [r.i, r.x])).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('lists rule paths for test runners', () => {
    const p = compile([mod('package t\ntest_a if true\nf(x) := x')]);
    expect(p.rulePaths().sort()).toEqual(['data.t.f', 'data.t.test_a']);
    expect(p.ruleInfo('data.t.f')?.isFunction).toBe(true);
  });

  it('does not let object keys reach Object.prototype', () => {
    const v = json('package t\np := {"__proto__": 1, "constructor": 2}\nq := input.constructor', 'data.t');
    expect(JSON.stringify(v)).toBe('{"p":{"__proto__":1,"constructor":2}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
