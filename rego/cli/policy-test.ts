/**
 * `policy-test`: runs the Rego unit tests of a policy directory, like `opa test`.
 *
 * Usage: `node rego/cli/policy-test.ts [dir-or-file ...] [--run <regex>] [--json] [--quiet]`
 * (`npm run policy:test` runs it on `policies/`).
 *
 * Every `*.rego` file under the given paths is compiled together with the `data.json` files
 * found there: a `data.json` at the top of a given directory is merged at the root of `data`,
 * one in a subfolder `a/b/` under `data.a.b`, as `opa test` does. Every rule whose name starts
 * with `test_` is a test; it passes when it evaluates to `true`, fails when it is false,
 * undefined or anything else, and errors when evaluation throws. Rules named `todo_test_*` are
 * reported as skipped.
 *
 * Exit codes: 0 when every test passed; 1 when a test failed or errored, the policy does not
 * compile, a data file cannot be read, or no test was found; 2 on a usage error.
 *
 * The daemon will use {@link runPolicyTests} to refuse a policy whose tests fail, so this module has
 * no side effects when imported. It imports nothing outside `rego/` but node builtins.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Source } from '../errors.ts';
import { compile, type Policy, RegoError } from '../index.ts';
import { toJSON, type Value } from '../value.ts';

/** What {@link loadPolicyFiles} found: modules to compile and the merged base documents. */
export interface PolicyFiles {
  readonly modules: Source[];
  readonly data: Record<string, unknown>;
  /** Every file read, relative to the working directory, in load order. */
  readonly files: string[];
}

/** A policy directory that cannot be loaded (missing path, unreadable or conflicting data). */
export class PolicyLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyLoadError';
  }
}

export type TestStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface PolicyTestResult {
  /** Full rule path, e.g. `data.orchestrator_test.test_allow`. */
  readonly name: string;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly status: TestStatus;
  readonly durationMs: number;
  /** Why a test failed (its value) or errored (the error message). */
  readonly message?: string | undefined;
}

export interface PolicyTestReport {
  readonly results: PolicyTestResult[];
  readonly passed: number;
  readonly failed: number;
  readonly errored: number;
  readonly skipped: number;
  /** Tests run (skipped ones excluded). */
  readonly total: number;
  /** True when at least one test ran and none failed or errored. */
  readonly ok: boolean;
}

export interface PolicyTestOptions {
  /** Only tests whose full path matches run (like `opa test --run`). */
  readonly run?: RegExp | undefined;
  /** Per-test evaluation budget; a test that exceeds it errors. */
  readonly limits?: { readonly maxSteps: number; readonly timeoutMs: number } | undefined;
}

/** Generous: a test evaluates many decisions, but a runaway test must still stop. */
const DEFAULT_LIMITS = {
  maxSteps: 50_000_000, // evaluation steps per test
  timeoutMs: 10_000, // per test
};

const SKIP_DIRS = new Set(['node_modules']);

/**
 * Reads every `*.rego` and `data.json` under the given directories (or files).
 *
 * @example
 * ```ts
 * const { modules, data } = loadPolicyFiles(['policies']);
 * const policy = compile(modules, { data });
 * ```
 */
export function loadPolicyFiles(paths: readonly string[]): PolicyFiles {
  const modules: Source[] = [];
  const files: string[] = [];
  const data: Record<string, unknown> = Object.create(null);
  for (const p of paths) {
    const abs = resolve(p);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(abs);
    } catch {
      throw new PolicyLoadError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      walk(abs, abs, modules, files, data);
    } else if (abs.endsWith('.rego')) {
      addModule(abs, modules, files);
    } else if (abs.endsWith('.json')) {
      addData(abs, [], files, data);
    } else {
      throw new PolicyLoadError(`${p}: not a directory, .rego or .json file`);
    }
  }
  return { modules, data, files };
}

function walk(
  root: string,
  dir: string,
  modules: Source[],
  files: string[],
  data: Record<string, unknown>,
): void {
  // Sorted so that load order, and so error order, is the same on every machine.
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const abs = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(root, abs, modules, files, data);
    } else if (e.name.endsWith('.rego')) {
      addModule(abs, modules, files);
    } else if (e.name === 'data.json') {
      const rel = relative(root, dirname(abs));
      addData(abs, rel === '' ? [] : rel.split(sep), files, data);
    }
  }
}

function displayName(abs: string): string {
  const rel = relative(process.cwd(), abs);
  const name = rel.startsWith('..') ? abs : rel;
  return name.split(sep).join('/');
}

function addModule(abs: string, modules: Source[], files: string[]): void {
  const name = displayName(abs);
  modules.push({ name, text: readFileSync(abs, 'utf8') });
  files.push(name);
}

function addData(abs: string, at: string[], files: string[], data: Record<string, unknown>): void {
  const name = displayName(abs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new PolicyLoadError(`${name}: ${(e as Error).message}`);
  }
  let doc = parsed;
  for (let i = at.length - 1; i >= 0; i--) doc = { [at[i]!]: doc };
  if (!isRecord(doc))
    throw new PolicyLoadError(`${name}: a data file at the root of data must hold an object`);
  merge(data, doc, 'data', name);
  files.push(name);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep-merges objects; two files giving a value to the same non-object path is an error. */
function merge(
  into: Record<string, unknown>,
  from: Record<string, unknown>,
  path: string,
  file: string,
): void {
  for (const key of Object.keys(from)) {
    const v = from[key];
    const here = `${path}.${key}`;
    if (!Object.hasOwn(into, key)) {
      into[key] = v;
      continue;
    }
    const existing = into[key];
    if (isRecord(existing) && isRecord(v)) {
      // Copy before merging so no file's parsed object is mutated through another's.
      const copy: Record<string, unknown> = Object.assign(Object.create(null), existing);
      merge(copy, v, here, file);
      into[key] = copy;
    } else {
      throw new PolicyLoadError(`${file}: ${here} is already defined by another data file`);
    }
  }
}

/** True for a rule path whose last segment is a test name (`test_*`). */
function testKind(path: string): 'test' | 'todo' | undefined {
  const last = path.slice(path.lastIndexOf('.') + 1);
  if (last.startsWith('test_')) return 'test';
  if (last.startsWith('todo_test_')) return 'todo';
  return undefined;
}

/**
 * Runs every `test_*` rule of an already compiled policy.
 *
 * @example
 * ```ts
 * const report = runTests(policy, { run: /storm/ });
 * if (!report.ok) console.error(formatReport(report));
 * ```
 */
export function runTests(policy: Policy, opts: PolicyTestOptions = {}): PolicyTestReport {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const paths = [...new Set(policy.rulePaths())].filter((p) => testKind(p) !== undefined).sort();
  const results: PolicyTestResult[] = [];
  for (const name of paths) {
    if (opts.run && !opts.run.test(name)) continue;
    const info = policy.ruleInfo(name);
    const where = info ? { file: info.file, line: info.line } : {};
    if (testKind(name) === 'todo') {
      results.push({ name, ...where, status: 'skip', durationMs: 0 });
      continue;
    }
    if (info?.isFunction) {
      const message = 'a test must be a rule without arguments, not a function';
      results.push({ name, ...where, status: 'error', durationMs: 0, message });
      continue;
    }
    const start = performance.now();
    try {
      const r = policy.evalRule(name, { limits });
      const durationMs = performance.now() - start;
      if (r.value === true) {
        results.push({ name, ...where, status: 'pass', durationMs });
      } else {
        const message = r.value === undefined ? 'rule is undefined' : `value is ${show(r.value)}, not true`;
        results.push({ name, ...where, status: 'fail', durationMs, message });
      }
    } catch (e) {
      const durationMs = performance.now() - start;
      const message = e instanceof RegoError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
      results.push({ name, ...where, status: 'error', durationMs, message });
    }
  }
  const count = (s: TestStatus) => results.filter((r) => r.status === s).length;
  const passed = count('pass');
  const failed = count('fail');
  const errored = count('error');
  const skipped = count('skip');
  const total = passed + failed + errored;
  return { results, passed, failed, errored, skipped, total, ok: total > 0 && failed + errored === 0 };
}

function show(v: Value): string {
  const text = JSON.stringify(toJSON(v), (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Loads, compiles and tests the policy under `paths`. Throws {@link RegoError} when the policy
 * does not compile and {@link PolicyLoadError} when its files cannot be loaded.
 *
 * @example
 * ```ts
 * const report = runPolicyTests(['policies']);
 * console.log(`${report.passed}/${report.total} passed`);
 * ```
 */
export function runPolicyTests(paths: readonly string[], opts: PolicyTestOptions = {}): PolicyTestReport {
  const { modules, data } = loadPolicyFiles(paths);
  const policy = compile(modules, { data });
  return runTests(policy, opts);
}

// ---------------------------------------------------------------------------------------------
// Output

const RULE = '-'.repeat(80);

function fmtMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** The human report: one line per test (only problems when `quiet`), then the summary. */
export function formatReport(report: PolicyTestReport, quiet = false): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (quiet && (r.status === 'pass' || r.status === 'skip')) continue;
    const label = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP' }[r.status];
    lines.push(`${label} ${r.name} (${fmtMs(r.durationMs)}ms)`);
    if (r.status === 'fail' || r.status === 'error') {
      const where = r.file ? `${r.file}${r.line ? `:${r.line}` : ''}: ` : '';
      for (const [i, l] of `${where}${r.message ?? ''}`.split('\n').entries()) {
        lines.push(`${i === 0 ? '    ' : '      '}${l}`);
      }
    }
  }
  lines.push(RULE);
  lines.push(`PASS: ${report.passed}/${report.total}`);
  if (report.failed > 0) lines.push(`FAIL: ${report.failed}/${report.total}`);
  if (report.errored > 0) lines.push(`ERROR: ${report.errored}/${report.total}`);
  if (report.skipped > 0) lines.push(`SKIPPED: ${report.skipped}`);
  if (report.total === 0) lines.push('no tests found (a test is a rule named test_*)');
  return lines.join('\n');
}

/** The `--json` report. */
export function reportJSON(report: PolicyTestReport): unknown {
  return {
    ok: report.ok,
    summary: {
      pass: report.passed,
      fail: report.failed,
      error: report.errored,
      skip: report.skipped,
      total: report.total,
    },
    results: report.results.map((r) => ({
      name: r.name,
      file: r.file ?? null,
      line: r.line ?? null,
      status: r.status,
      duration_ms: Number(r.durationMs.toFixed(3)),
      ...(r.message === undefined ? {} : { message: r.message }),
    })),
  };
}

function errorJSON(e: RegoError | PolicyLoadError): unknown {
  if (e instanceof PolicyLoadError)
    return { ok: false, error: { code: 'policy_load_error', message: e.message } };
  return {
    ok: false,
    error: {
      code: e.code,
      message: e.message,
      rendered: e.render(),
      details: e.details.map((d) => ({
        code: d.code,
        message: d.message,
        file: d.span?.source.name ?? null,
        line: d.span?.line ?? null,
        col: d.span?.col ?? null,
      })),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Command line

const USAGE = `usage: node rego/cli/policy-test.ts [path ...] [--run <regex>] [--json] [--quiet]

Runs every test_* rule of the Rego policy under the given directories or files (default: policies).

  --run <regex>   only run tests whose full path (data.pkg.test_name) matches
  --json          print a JSON report instead of text
  -q, --quiet     print only failing tests and the summary
  -h, --help      show this help

Exit status: 0 all tests passed; 1 a test failed or errored, the policy does not compile, or no
test was found; 2 usage error.`;

interface CliArgs {
  paths: string[];
  run?: RegExp;
  json: boolean;
  quiet: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CliArgs | 'help' {
  const args: CliArgs = { paths: [], json: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--json') args.json = true;
    else if (a === '--quiet' || a === '-q') args.quiet = true;
    else if (a === '--run' || a === '-r' || a.startsWith('--run=')) {
      const src = a.startsWith('--run=') ? a.slice('--run='.length) : argv[++i];
      if (src === undefined) throw new UsageError('--run needs a regular expression');
      try {
        args.run = new RegExp(src);
      } catch (e) {
        throw new UsageError(`--run: ${(e as Error).message}`);
      }
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else args.paths.push(a);
  }
  if (args.paths.length === 0) args.paths.push('policies');
  return args;
}

/** Runs the CLI; returns the exit code. */
export function main(argv: readonly string[], out = process.stdout, err = process.stderr): number {
  let args: CliArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    err.write(`policy-test: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    out.write(`${USAGE}\n`);
    return 0;
  }
  let report: PolicyTestReport;
  try {
    report = runPolicyTests(args.paths, { run: args.run });
  } catch (e) {
    if (e instanceof RegoError || e instanceof PolicyLoadError) {
      if (args.json) out.write(`${JSON.stringify(errorJSON(e), null, 2)}\n`);
      else err.write(`${e instanceof RegoError ? e.render() : `policy_load_error: ${e.message}`}\n`);
      return 1;
    }
    throw e;
  }
  if (args.json) out.write(`${JSON.stringify(reportJSON(report), null, 2)}\n`);
  else out.write(`${formatReport(report, args.quiet)}\n`);
  return report.ok ? 0 : 1;
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (invokedDirectly) {
  process.exitCode = main(process.argv.slice(2));
}
