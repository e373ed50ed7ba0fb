/**
 * Public API of the Rego library.
 *
 * @example
 * ```ts
 * import { compile } from './rego/index.ts';
 * const policy = compile([{ name: 'p.rego', text: 'package p\nallow if input.user == "alice"' }]);
 * policy.evalRule('data.p.allow', { input: { user: 'alice' } }).value; // true
 * ```
 */
import type { Body } from './ast.ts';
import { defaultRegistry } from './builtins/index.ts';
import type { BuiltinRegistry } from './builtins/registry.ts';
import { compileModules, compileQuery } from './compiler/compile.ts';
import type { RuleTree } from './compiler/tree.ts';
import { RegoError, type Source } from './errors.ts';
import { Evaluator } from './eval/evaluator.ts';
import { parseQuery } from './parser.ts';
import { fromJSON, type Value } from './value.ts';

export { RegoError, BuiltinError, type Source, type Span, type RegoErrorCode } from './errors.ts';
export * from './value.ts';
export { createDefaultRegistry, defaultRegistry } from './builtins/index.ts';
export { BuiltinRegistry, type Builtin, type BuiltinContext } from './builtins/registry.ts';

export interface CompileOptions {
  /** Base documents under `data` (plain JSON is fine). */
  readonly data?: unknown;
  /** Builtins to use (default: every builtin this library implements). */
  readonly registry?: BuiltinRegistry;
}

export interface EvalLimits {
  /** Maximum expression evaluations. @defaultValue unlimited */
  readonly maxSteps?: number;
  /** Wall-clock budget in milliseconds. @defaultValue unlimited */
  readonly timeoutMs?: number;
}

export interface EvalOptions {
  /** The input document. */
  readonly input?: unknown;
  /** Raise builtin errors instead of treating the expression as undefined. @defaultValue false */
  readonly strictBuiltinErrors?: boolean;
  readonly limits?: EvalLimits;
  /** Record which rules produced values. @defaultValue false */
  readonly explain?: boolean;
  /** Destination of `print()`. @defaultValue discard */
  readonly print?: (message: string) => void;
  /** Fixes `time.now_ns()` (nanoseconds since the epoch). @defaultValue the clock at evaluation start */
  readonly nowNs?: bigint;
  /** Input already converted with `fromJSON` (skips conversion on the hot path). @defaultValue false */
  readonly trustedInput?: boolean;
}

/** One rule that contributed to a result. */
export interface ExplanationEntry {
  readonly rule: string;
  readonly file: string;
  readonly line: number;
}

export interface EvalResult {
  /** The document's value; undefined when the document is undefined. */
  readonly value: Value | undefined;
  readonly explanation: readonly ExplanationEntry[];
  readonly steps: number;
}

/** A compiled set of modules and base data, ready to evaluate many times. */
export class Policy {
  private readonly queryCache = new Map<string, Body>();

  private readonly tree: RuleTree;
  private readonly data: Value;
  private readonly registry: BuiltinRegistry;

  constructor(tree: RuleTree, data: Value, registry: BuiltinRegistry) {
    this.tree = tree;
    this.data = data;
    this.registry = registry;
  }

  /**
   * Evaluates the document at a path such as `data.orchestrator.decision`.
   *
   * @example
   * ```ts
   * const { value, explanation } = policy.evalRule('data.orchestrator.decision', { input, explain: true });
   * ```
   */
  evalRule(path: string, opts: EvalOptions = {}): EvalResult {
    const parts = path.split('.');
    if (parts[0] === 'data') parts.shift();
    const ev = guard(() => this.evaluator(opts));
    const value = guard(() => ev.evalPath(parts));
    return { value, explanation: explanation(ev), steps: ev.steps };
  }

  /**
   * Evaluates a query; returns one bindings object per solution (generated vars omitted).
   *
   * @example
   * ```ts
   * policy.query('data.p.allow = x', { input }); // [{ x: true }]
   * ```
   */
  query(text: string, opts: EvalOptions = {}): Record<string, Value>[] {
    let body = this.queryCache.get(text);
    if (!body) {
      body = compileQuery(parseQuery({ name: 'query', text }), this.tree, this.registry);
      this.queryCache.set(text, body);
    }
    const ev = guard(() => this.evaluator(opts));
    const rows: Record<string, Value>[] = [];
    const compiled = body;
    guard(() =>
      ev.evalQuery(compiled, (b) => {
        const row: Record<string, Value> = {};
        for (const [k, v] of b) if (!k.includes('$') && !k.startsWith('__')) row[k] = v;
        rows.push(row);
        return false;
      }),
    );
    return rows;
  }

  /** Full paths of every rule, e.g. `data.orchestrator.test_allow`. */
  rulePaths(): string[] {
    return [...this.tree.root.ruleNodes()].map((n) => n.name);
  }

  /** Where a rule is defined. */
  ruleInfo(path: string): { file: string; line: number; isFunction: boolean } | undefined {
    const node = this.tree.get(path.startsWith('data') ? path : `data.${path}`);
    const r = node?.rules[0] ?? node?.defaultRule;
    return r && node ? { file: r.file, line: r.line, isFunction: node.isFunction } : undefined;
  }

  private evaluator(opts: EvalOptions): Evaluator {
    const input =
      opts.input === undefined ? undefined : opts.trustedInput ? (opts.input as Value) : fromJSON(opts.input);
    return new Evaluator(this.tree, this.data, this.registry, {
      input,
      strictBuiltinErrors: opts.strictBuiltinErrors,
      maxSteps: opts.limits?.maxSteps,
      timeoutMs: opts.limits?.timeoutMs,
      explain: opts.explain,
      print: opts.print,
      nowNs: opts.nowNs,
    });
  }
}

function explanation(ev: Evaluator): ExplanationEntry[] {
  return (ev.explained ?? []).map((cr) => ({
    rule: ['data', ...cr.path].join('.'),
    file: cr.file,
    line: cr.line,
  }));
}

/** Turns anything unexpected (e.g. a JS stack overflow on absurd nesting) into a RegoError. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RegoError) throw e;
    if (e instanceof RangeError) throw new RegoError('eval_limit_error', `evaluation too deep: ${e.message}`);
    if (e instanceof TypeError && /not a (finite number|JSON value)/.test(e.message)) {
      throw new RegoError('eval_type_error', `invalid input document: ${e.message}`);
    }
    throw new RegoError('eval_internal_error', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Compiles Rego modules (and optional base data) into a {@link Policy}.
 * Throws {@link RegoError} listing every parse and compile problem.
 */
export function compile(sources: readonly Source[], opts: CompileOptions = {}): Policy {
  const registry = opts.registry ?? defaultRegistry();
  let data: Value;
  try {
    data = fromJSON(opts.data ?? {});
  } catch (e) {
    throw new RegoError('rego_compile_error', `invalid data document: ${(e as Error).message}`);
  }
  const { tree } = compileModules(sources, registry);
  return new Policy(tree, data, registry);
}
