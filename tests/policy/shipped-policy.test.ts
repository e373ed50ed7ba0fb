/**
 * The shipped policy passes its own Rego tests (through the same code as `npm run policy:test`),
 * the policy-test CLI reports failures and compile errors the way the daemon and CI rely on,
 * and the hand-written baseline of the bench decides exactly like the Rego policy.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, type OrchestratorConfig } from '../../bench/policy-baseline.ts';
import { POLICY_COMMANDS } from '../../bench/policy-commands.ts';
import { loadPolicyFiles, runPolicyTests } from '../../rego/cli/policy-test.ts';
import { compile, toJSON } from '../../rego/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const POLICIES = join(ROOT, 'policies');
const CLI = join(ROOT, 'rego', 'cli', 'policy-test.ts');

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A temp policy directory holding the given files. */
function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'policy-test-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

describe('shipped policy', () => {
  it('passes every Rego test in policies/', () => {
    const report = runPolicyTests([POLICIES]);
    const problems = report.results.filter((r) => r.status !== 'pass');
    expect(problems).toEqual([]);
    expect(report.total).toBeGreaterThanOrEqual(40);
    expect(report.ok).toBe(true);
  });

  it('passes through the CLI, exit code 0', () => {
    const r = cli('policies');
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toMatch(/^PASS data\.orchestrator_test\.test_allow_low_risk_type \(\d+\.\d+ms\)$/m);
    expect(r.stdout).toMatch(/^PASS: (\d+)\/\1$/m);
  });

  describe('agrees with the hand-written baseline', () => {
    const { modules, data } = loadPolicyFiles([
      join(POLICIES, 'orchestrator.rego'),
      join(POLICIES, 'data.json'),
    ]);
    const policy = compile(modules, { data });
    const config = (data as { orchestrator: { config: OrchestratorConfig } }).orchestrator.config;
    const rego = (input: unknown) => toJSON(policy.evalRule('data.orchestrator.decision', { input }).value!);

    it.each(POLICY_COMMANDS.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const want = decide(c.input, config);
      expect(rego(c.input)).toEqual(want);
      expect(want.action).toBe(c.expect);
    });

    it('on generated commands', () => {
      const types = [...Object.keys(config.risk_by_type), 'DELETE_ALL_DATA', 'refresh_token'];
      const counter = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant('x'));
      const scope = fc.record({ attempts_1h: counter, denials_1h: counter }, { requiredKeys: [] });
      const amount = fc.oneof(
        fc.integer({ min: 0, max: 3000 }),
        fc.double({ min: 0, max: 3000, noNaN: true }),
        fc.constantFrom(500, 1000, '900', null),
      );
      const input = fc.record(
        {
          command: fc.oneof(
            {
              weight: 12,
              arbitrary: fc.record(
                {
                  command_type: fc.oneof(
                    { weight: 10, arbitrary: fc.constantFrom(...types) },
                    fc.constant(7),
                  ),
                  params: fc.oneof(
                    {
                      weight: 10,
                      arbitrary: fc.record(
                        {
                          total_amount: amount,
                          limit: fc.integer({ min: 0, max: 500 }),
                          service: fc.constant('gmail'),
                        },
                        { requiredKeys: [] },
                      ),
                    },
                    fc.constant([1]),
                  ),
                  severity: fc.constantFrom('LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'URGENT'),
                },
                { requiredKeys: ['command_type'] },
              ),
            },
            fc.constant('REFRESH_TOKEN'),
          ),
          agent: fc.record(
            { id: fc.constantFrom('agent-7', 'agent-checkout-1', 'agent-checkout-2') },
            { requiredKeys: [] },
          ),
          context: fc.record({ history: fc.record({ service: scope, agent: scope }, { requiredKeys: [] }) }),
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(input, (doc) => {
          expect(rego(doc)).toEqual(decide(doc, config));
        }),
        { numRuns: 400 },
      );
    });
  });
});

describe('policy-test CLI', () => {
  const policy = `package demo

allow if input.user == "alice"
`;

  it('exits 1 and prints FAIL when a test fails', () => {
    const dir = policyDir({
      'demo.rego': policy,
      'demo_test.rego': `package demo

test_alice_allowed if allow with input as {"user": "alice"}

test_bob_allowed if allow with input as {"user": "bob"}
`,
    });
    const r = cli(dir);
    expect(r.code, r.out).toBe(1);
    expect(r.stdout).toMatch(/^PASS data\.demo\.test_alice_allowed /m);
    expect(r.stdout).toMatch(/^FAIL data\.demo\.test_bob_allowed /m);
    expect(r.stdout).toContain('demo_test.rego:5');
    expect(r.stdout).toMatch(/^PASS: 1\/2$/m);
    expect(r.stdout).toMatch(/^FAIL: 1\/2$/m);
  });

  it('reports an evaluation error as ERROR with its message', () => {
    const dir = policyDir({
      'demo_test.rego': `package demo

x := 1 if input.a
x := 2 if input.a

test_conflict if x == 1 with input as {"a": true}
`,
    });
    const r = cli(dir);
    expect(r.code, r.out).toBe(1);
    expect(r.stdout).toMatch(/^ERROR data\.demo\.test_conflict /m);
    expect(r.stdout).toContain('eval_conflict_error');
  });

  it('renders a compile error with file, line and caret, and exits 1', () => {
    const dir = policyDir({ 'broken.rego': 'package broken\n\nallow if {\n  input.user == \n}\n' });
    const r = cli(dir);
    expect(r.code, r.out).toBe(1);
    expect(r.stderr).toMatch(/rego_parse_error/);
    expect(r.stderr).toMatch(/--> .*broken\.rego:\d+:\d+/);
    expect(r.stderr).toContain('^');
  });

  it('loads data.json at the root and under subfolder paths', () => {
    const dir = policyDir({
      'data.json': JSON.stringify({ limits: { max: 3 } }),
      'teams/payments/data.json': JSON.stringify({ owner: 'alice' }),
      'p_test.rego': `package p

test_root_data if data.limits.max == 3

test_nested_data if data.teams.payments.owner == "alice"
`,
    });
    const report = runPolicyTests([dir]);
    expect(report.results.map((t) => [t.name, t.status])).toEqual([
      ['data.p.test_nested_data', 'pass'],
      ['data.p.test_root_data', 'pass'],
    ]);
  });

  it('filters with --run and prints JSON with --json', () => {
    const dir = policyDir({
      'demo.rego': policy,
      'demo_test.rego': 'package demo\n\ntest_a if true\n\ntest_b if false\n',
    });
    const r = cli(dir, '--run', 'test_a$', '--json');
    expect(r.code, r.out).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.summary).toEqual({ pass: 1, fail: 0, error: 0, skip: 0, total: 1 });
    expect(report.results[0]).toMatchObject({ name: 'data.demo.test_a', status: 'pass', line: 3 });
  });

  it('fails when no test is found, and on a usage error', () => {
    expect(cli(policyDir({ 'demo.rego': policy })).code).toBe(1);
    expect(cli('policies', '--bogus').code).toBe(2);
  });
});
