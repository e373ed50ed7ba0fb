/**
 * METADATA annotations and `rego.metadata.chain()` / `rego.metadata.rule()`. Expectations follow
 * OPA's regometadatachain conformance cases, its annotation docs and `v1/ast/annotations.go`.
 */
import { describe, expect, it } from 'vitest';
import { compile, RegoError, toJSON } from '../../rego/index.ts';
import { parseModule } from '../../rego/parser.ts';

type Mod = { name: string; text: string };
const mods = (...texts: string[]): Mod[] => texts.map((text, i) => ({ name: `m${i}.rego`, text }));
const run = (path: string, ...texts: string[]): unknown => {
  const v = compile(mods(...texts)).evalRule(path).value;
  return v === undefined ? undefined : toJSON(v);
};
const error = (...texts: string[]): RegoError => {
  try {
    compile(mods(...texts));
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('expected a compile error');
};

describe('parsing METADATA blocks', () => {
  it('attaches blocks to the package and to rules, with default scopes', () => {
    const m = parseModule({
      name: 'a.rego',
      text: [
        '# METADATA',
        '# title: Pkg',
        'package a.b',
        '',
        'import rego.v1',
        '',
        '# a plain comment',
        '# METADATA',
        '# title: Rule',
        '# description: |',
        '#   Multi',
        '#   line',
        '# organizations: [Acme]',
        '# related_resources:',
        '# - https://example.com',
        '# - ref: https://example.org/x',
        '#   description: docs',
        '# authors:',
        '# - Jane  Doe <jane@example.com>',
        '# - name: John',
        '# - <bot@example.com>',
        '# custom:',
        '#   severity: HIGH',
        '#   tags: [a, b]',
        'p if true',
        '',
        'q if true',
      ].join('\n'),
    });
    expect(m.annotations?.map((a) => toJSON(a.value))).toEqual([{ scope: 'package', title: 'Pkg' }]);
    expect(m.rules[0]?.annotations?.map((a) => toJSON(a.value))).toEqual([
      {
        scope: 'rule',
        title: 'Rule',
        description: 'Multi\nline\n',
        organizations: ['Acme'],
        related_resources: [
          { ref: 'https://example.com' },
          { ref: 'https://example.org/x', description: 'docs' },
        ],
        authors: [
          { name: 'Jane Doe', email: 'jane@example.com' },
          { name: 'John' },
          { email: 'bot@example.com' },
        ],
        custom: { severity: 'HIGH', tags: ['a', 'b'] },
      },
    ]);
    expect(m.rules[1]?.annotations).toBeUndefined();
  });

  it('ignores comments not at column 1, blank-line gaps and unknown keys', () => {
    const m = parseModule({
      name: 'a.rego',
      text: 'package a\n\n# METADATA\n# title: T\n# unknown: 1\n  # description: indented\n\n# description: later\np := 1',
    });
    expect(m.rules[0]?.annotations?.map((a) => toJSON(a.value))).toEqual([{ scope: 'rule', title: 'T' }]);
  });

  it('schemas and entrypoint', () => {
    const m = parseModule({
      name: 'a.rego',
      text: [
        'package a',
        '# METADATA',
        '# entrypoint: true',
        '# schemas:',
        '# - input: schema.input',
        '# - input.x: {type: string}',
        'p := 1',
      ].join('\n'),
    });
    expect(toJSON(m.rules[0]!.annotations![0]!.value)).toEqual({
      scope: 'document',
      entrypoint: true,
      schemas: [
        { path: ['input'], schema: ['schema', 'input'] },
        { path: ['input', 'x'], definition: { type: 'string' } },
      ],
    });
  });

  it.each([
    [
      '# METADATA\n# scope: rule\npackage a',
      "annotation scope 'rule' must be applied to rule (have package)",
    ],
    [
      'package a\n# METADATA\n# scope: package\np := 1',
      "annotation scope 'package' must be applied to package (have rule)",
    ],
    ['package a\n# METADATA\n# scope: nope\np := 1', "invalid annotation scope 'nope'"],
    ['package a\n# METADATA\n# title: x\nimport input.x\np := 1', "invalid annotation scope 'import'"],
    ['package a\np := 1\n# METADATA\n# title: x', "invalid annotation scope ''"],
    [
      'package a\n# METADATA\n# entrypoint: true\n# scope: rule\np := 1',
      'annotation entrypoint applied to non-document',
    ],
    [
      'package a\n# METADATA\n# title: [1]\np := 1',
      'cannot unmarshal array into Go struct field rawAnnotation.title',
    ],
    ['package a\n# METADATA\n# authors:\n# - 1\np := 1', 'invalid value type, must be string or map'],
    ['package a\n# METADATA\n# title: a: b\np := 1', 'yaml:'],
    ['package a\n# METADATA\np := 1', 'expected METADATA block, found whitespace'],
  ])('rejects %j', (text, message) => {
    expect(() => parseModule({ name: 'a.rego', text })).toThrow(message);
  });
});

describe('rego.metadata.chain()', () => {
  it('rule, document, package and subpackages scopes, nearest first', () => {
    const chain = run(
      'data.a.b.c.p',
      '# METADATA\n# scope: subpackages\n# title: A\npackage a',
      '# METADATA\n# scope: subpackages\n# title: AB\npackage a.b',
      [
        '# METADATA',
        '# title: ABC',
        'package a.b.c',
        '',
        '# METADATA',
        '# scope: document',
        '# title: doc',
        'p := x if {',
        '  false',
        '  x := 0',
        '}',
        '',
        '# METADATA',
        '# title: far',
        '',
        '# METADATA',
        '# title: near',
        'p := rego.metadata.chain()',
      ].join('\n'),
    );
    expect(chain).toEqual([
      { path: ['a', 'b', 'c', 'p'], annotations: { scope: 'rule', title: 'near' } },
      { path: ['a', 'b', 'c', 'p'], annotations: { scope: 'rule', title: 'far' } },
      { path: ['a', 'b', 'c', 'p'], annotations: { scope: 'document', title: 'doc' } },
      { path: ['a', 'b', 'c'], annotations: { scope: 'package', title: 'ABC' } },
      { path: ['a', 'b'], annotations: { scope: 'subpackages', title: 'AB' } },
      { path: ['a'], annotations: { scope: 'subpackages', title: 'A' } },
    ]);
  });

  it('is the chain of the rule or function the call is written in', () => {
    const src = [
      'package t',
      '# METADATA',
      '# title: f',
      'f(x) := [x, rego.metadata.rule()]',
      '# METADATA',
      '# title: p',
      'p := [f(1), rego.metadata.rule(), [c | c := rego.metadata.chain()[_].path]]',
      'q contains rego.metadata.chain()[0].path',
      'r.s[x] := rego.metadata.chain()[0].path if some x in ["k"]',
    ].join('\n');
    expect(run('data.t.p', src)).toEqual([
      [1, { scope: 'rule', title: 'f' }],
      { scope: 'rule', title: 'p' },
      [['t', 'p']],
    ]);
    expect(run('data.t.q', src)).toEqual([['t', 'q']]);
    expect(run('data.t.r', src)).toEqual({ s: { k: ['t', 'r', 's'] } });
  });

  it('without annotations: one entry with the path; rule() is empty', () => {
    expect(run('data.t.p', 'package t\np := [rego.metadata.chain(), rego.metadata.rule()]')).toEqual([
      [{ path: ['t', 'p'] }],
      {},
    ]);
  });

  it('rule() ignores document scope', () => {
    expect(
      run('data.t.p', 'package t\n# METADATA\n# scope: document\n# title: d\np := rego.metadata.rule()'),
    ).toEqual({});
  });

  it('an else clause sees its rule', () => {
    const src = 'package t\n# METADATA\n# title: e\np := 1 if false\nelse := rego.metadata.rule().title';
    expect(run('data.t.p', src)).toBe('e');
  });

  it('can be mocked with `with`', () => {
    expect(
      run(
        'data.t.q',
        'package t\np := rego.metadata.chain()\nq := x if x := p with rego.metadata.chain as "m"',
      ),
    ).toBe('m');
  });

  it('a second package or document annotation is a compile error', () => {
    expect(error('# METADATA\n# title: a\npackage t', '# METADATA\n# title: b\npackage t').render()).toMatch(
      /rego_type_error: package annotation redeclared: m0\.rego:1/,
    );
    expect(
      error(
        'package t\n# METADATA\n# scope: document\np := 1\n# METADATA\n# scope: document\np := 2 if false',
      ).message,
    ).toMatch(/document annotation redeclared/);
  });

  it('outside a rule (a query) it is a builtin error (undefined unless strict)', () => {
    const policy = compile(mods('package t\np := 1'));
    expect(policy.query('x := rego.metadata.chain()')).toEqual([]);
  });
});
