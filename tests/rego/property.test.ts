/**
 * Property tests: random and mutated policies and inputs must only ever produce the library's
 * own errors (RegoError), never another exception, and never hang (evaluation runs under
 * step and time limits).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listCaseFiles, readCases } from '../../rego/conformance/runner.ts';
import { compile, RegoError } from '../../rego/index.ts';

const suite = resolve(import.meta.dirname, '../../../shared/rego-conformance');
const shipped = resolve(import.meta.dirname, '../../policies/orchestrator.rego');

/** Seed policies: the shipped policy plus every conformance module. */
function seeds(): string[] {
  const out: string[] = [
    'package t\np if input.x > 1\nq contains y if some y in input.ys\nf(x) := x + 1',
    'package t\nimport rego.v1\ndefault allow := false\nallow if { every x in input.xs { x != "bad" } }',
  ];
  if (existsSync(shipped)) out.push(readFileSync(shipped, 'utf8'));
  if (existsSync(suite)) {
    for (const f of listCaseFiles(suite)) for (const c of readCases(f)) out.push(...(c.modules ?? []));
  }
  return out;
}

const SEEDS = seeds();
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ' if ',
  ' := ',
  ' = ',
  ' == ',
  ' not ',
  ' with ',
  ' as ',
  ' in ',
  ' some ',
  ' every ',
  ' contains ',
  ' else ',
  ',',
  ';',
  '\n',
  '"',
  '`',
  '_',
  'x',
  'input.',
  'data.',
  '|',
  '&',
  '1e999',
  '-',
  '0.1',
  'count(',
  'sprintf(',
  'regex.match(',
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('random' as const), at: fc.nat(), text: fc.string({ maxLength: 6 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 30 }) }),
);

function mutate(src: string, ms: readonly unknown[]): string {
  let s = src;
  for (const m of ms as { kind: string; at: number; len?: number; text?: string }[]) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + (m.len ?? 1));
    else if (m.kind === 'duplicate') s = s.slice(0, at) + s.slice(at, at + (m.len ?? 1)) + s.slice(at);
    else s = s.slice(0, at) + (m.text ?? '') + s.slice(at);
  }
  return s;
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });

function onlyRegoErrors(src: string, input: unknown): void {
  let policy: ReturnType<typeof compile>;
  try {
    policy = compile([{ name: 'fuzz.rego', text: src }]);
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    return;
  }
  for (const path of policy.rulePaths().slice(0, 5)) {
    if (policy.ruleInfo(path)?.isFunction) continue;
    for (const strict of [false, true]) {
      try {
        policy.evalRule(path, {
          input,
          strictBuiltinErrors: strict,
          limits: { maxSteps: 20_000, timeoutMs: 200 },
        });
      } catch (e) {
        if (!(e instanceof RegoError)) throw e;
      }
    }
  }
}

describe('parser and evaluator under random input', () => {
  it('mutated policies raise only RegoError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SEEDS.length - 1 }),
        fc.array(mutation, { maxLength: 4 }),
        jsonValue,
        (i, ms, input) => {
          onlyRegoErrors(mutate(SEEDS[i]!, ms), input);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('random text raises only RegoError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        onlyRegoErrors(`package fuzz\n${s}`, {});
      }),
      { numRuns: 300 },
    );
  });

  it('random inputs to real policies raise only RegoError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), jsonValue, (i, input) => {
        onlyRegoErrors(SEEDS[i]!, input);
      }),
      { numRuns: 300 },
    );
  });

  it('deeply nested input does not crash the evaluator', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const p = compile([{ name: 'd.rego', text: 'package d\np := count([x | walk(input, [_, x])])' }]);
    try {
      p.evalRule('data.d.p', { input: deep, limits: { maxSteps: 100_000, timeoutMs: 2_000 } });
    } catch (e) {
      expect(e).toBeInstanceOf(RegoError);
    }
  });
});
