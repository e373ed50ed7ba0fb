/**
 * Runs OPA's YAML conformance cases (the format of OPA's `v1/test/cases/testdata`) against
 * this library. Each case compiles its modules (named `test-<i>.rego`, as OPA's runner does),
 * evaluates its query with the case's data and input, and compares results or errors.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compile, type Policy } from '../index.ts';
import { RegoError } from '../errors.ts';
import { canonical, compare, equal, fromJSON, toJSON, type Value } from '../value.ts';

export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
}

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface CaseResult {
  readonly file: string;
  readonly category: string;
  readonly note: string;
  readonly outcome: Outcome;
  /** Why it failed or was skipped. */
  readonly reason?: string;
}

/** A skip list entry: case note (exact) or file path relative to the suite root. */
export interface SkipEntry {
  readonly note?: string;
  readonly file?: string;
  readonly reason: string;
}

/** Lists every `.yaml`/`.yml` file under a directory, sorted. */
export function listCaseFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (/\.ya?ml$/.test(name)) out.push(p);
    }
  };
  visit(dir);
  return out;
}

/** Reads the cases of one file. Integers are read exactly (big ones as bigint). */
export function readCases(file: string): ConformanceCase[] {
  const doc = parseYaml(readFileSync(file, 'utf8'), { intAsBigInt: true }) as {
    cases?: ConformanceCase[];
  } | null;
  return doc?.cases ?? [];
}

function normalizeExpected(v: unknown): Value {
  return fromJSON(v);
}

/** Our value in the JSON shape OPA's runner compares (sets as arrays, non-string keys as JSON text). */
function asJSONValue(v: Value): Value {
  return fromJSON(toJSON(v));
}

function sortedIfArray(v: Value): Value {
  return Array.isArray(v) ? [...v].sort(compare) : v;
}

function inputOf(c: ConformanceCase): unknown {
  if (c.input_term !== undefined) {
    const p = compile([]);
    const rows = p.query(`x = ${c.input_term}`);
    return rows[0]?.x;
  }
  return c.input;
}

/** Runs one case. */
export function runCase(
  c: ConformanceCase,
  file: string,
  root: string,
  skips: readonly SkipEntry[],
): CaseResult {
  const rel = relative(root, file);
  const category = rel.split(/[\\/]/)[0] ?? '';
  const base = { file: rel, category, note: c.note };
  const skip = skips.find(
    (s) => (s.note !== undefined && s.note === c.note) || (s.file !== undefined && s.file === rel),
  );
  if (skip) return { ...base, outcome: 'skipped', reason: skip.reason };
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
  let rows: Record<string, Value>[];
  try {
    const policy: Policy = compile(
      (c.modules ?? []).map((text, i) => ({ name: `test-${i}.rego`, text })),
      { data: c.data ?? {} },
    );
    rows = policy.query(c.query, {
      input: inputOf(c),
      strictBuiltinErrors: c.strict_error === true,
      limits: { timeoutMs: 10_000 },
    });
  } catch (e) {
    if (!(e instanceof RegoError)) {
      return { ...base, outcome: 'failed', reason: `non-library error: ${(e as Error)?.stack ?? String(e)}` };
    }
    if (!wantsError) return { ...base, outcome: 'failed', reason: `unexpected error: ${e.message}` };
    if (c.want_error_code && e.code !== c.want_error_code) {
      return { ...base, outcome: 'failed', reason: `want code ${c.want_error_code}, got ${e.message}` };
    }
    if (c.want_error && !e.message.includes(c.want_error)) {
      return {
        ...base,
        outcome: 'failed',
        reason: `want error containing "${c.want_error}", got ${e.message}`,
      };
    }
    return { ...base, outcome: 'passed' };
  }
  if (wantsError) {
    return {
      ...base,
      outcome: 'failed',
      reason: `want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${rows.length} result(s)`,
    };
  }
  const want = (c.want_result ?? []).map((r) => {
    const o: Record<string, Value> = {};
    for (const [k, v] of Object.entries(r)) o[k] = normalizeExpected(v);
    return o;
  });
  const got = rows.map((r) => {
    const o: Record<string, Value> = {};
    for (const [k, v] of Object.entries(r)) if (k in (want[0] ?? r)) o[k] = asJSONValue(v);
    return o;
  });
  if (want.length !== got.length) {
    return {
      ...base,
      outcome: 'failed',
      reason: `want ${want.length} result(s), got ${got.length}: ${show(got)}`,
    };
  }
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    for (const k of Object.keys(w)) {
      const got0 = g[k];
      if (got0 === undefined) return { ...base, outcome: 'failed', reason: `binding ${k} missing` };
      let a: Value = got0;
      let b: Value = w[k]!;
      if (c.sort_bindings) {
        a = sortedIfArray(a);
        b = sortedIfArray(b);
      }
      if (!equal(a, b)) {
        return { ...base, outcome: 'failed', reason: `${k}: want ${canonical(b)}, got ${canonical(a)}` };
      }
    }
  }
  return { ...base, outcome: 'passed' };
}

function show(rows: Record<string, Value>[]): string {
  return rows
    .map(
      (r) =>
        `{${Object.entries(r)
          .map(([k, v]) => `${k}: ${canonical(v)}`)
          .join(', ')}}`,
    )
    .join(' ');
}

/** Runs every case under the given directories. */
export function runSuite(dirs: readonly string[], skips: readonly SkipEntry[]): CaseResult[] {
  const results: CaseResult[] = [];
  for (const dir of dirs) {
    for (const file of listCaseFiles(dir)) {
      let cases: ConformanceCase[];
      try {
        cases = readCases(file);
      } catch (e) {
        results.push({
          file: relative(dir, file),
          category: relative(dir, file).split(/[\\/]/)[0] ?? '',
          note: file,
          outcome: 'failed',
          reason: `unreadable case file: ${(e as Error).message}`,
        });
        continue;
      }
      for (const c of cases) results.push(runCase(c, file, dir, skips));
    }
  }
  return results;
}
