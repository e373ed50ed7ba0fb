/**
 * The Rego AST. Every node carries the {@link Span} it was parsed from, so compile and
 * evaluation errors, explanations and traces can point at source.
 *
 * Desugaring done by the parser (so the evaluator sees few forms):
 * - infix operators become calls to OPA's operator builtins:
 *   `+ plus`, `- minus`, `* mul`, `/ div`, `% rem`, `& and`, `| or`,
 *   `== equal`, `!= neq`, `< lt`, `<= lte`, `> gt`, `>= gte`;
 *   `x in xs` becomes a call to `internal.member_2(x, xs)` and `k, v in xs` to
 *   `internal.member_3(k, v, xs)`; unary minus on a non-literal `-x` becomes `minus(0, x)`.
 * - `x.y["z"]` becomes a ref term with head `x` and path `["y", "z"]` (string terms).
 * - a call used as a ref head (`f(x).y`) is a ref whose head is the call term.
 */
import type { Builtin } from './builtins/registry.ts';
import type { Span } from './errors.ts';
import type { PlainObject, Value } from './value.ts';

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallTerm
  | ConstTerm;

/**
 * A ground composite literal (`{"a": [1, 2]}`) folded by the compiler into its value, so it is
 * not rebuilt on every evaluation. Never produced by the parser.
 */
export interface ConstTerm {
  readonly type: 'const';
  readonly value: Value;
  readonly span: Span;
}

export interface NullTerm {
  readonly type: 'null';
  readonly span: Span;
}
export interface BooleanTerm {
  readonly type: 'boolean';
  readonly value: boolean;
  readonly span: Span;
}
export interface NumberTerm {
  readonly type: 'number';
  /** `number` when exactly representable as a safe integer or when fractional; `bigint` for big integers. */
  readonly value: number | bigint;
  /** The literal as written, e.g. `1e3`, `0.1`. */
  readonly raw: string;
  readonly span: Span;
}
export interface StringTerm {
  readonly type: 'string';
  readonly value: string;
  /** True for back-quoted raw strings. */
  readonly raw?: boolean;
  readonly span: Span;
}
/** A variable. `_` is the wildcard: the parser renames each `_` to a unique `$_N` name. */
export interface VarTerm {
  readonly type: 'var';
  readonly name: string;
  readonly span: Span;
}
/**
 * A reference: `input.a[i].b`, `data.x`, `f(1).y`, `[1,2][0]`.
 * `head` is a var, a call, or a composite/comprehension term; `path` holds one term per
 * segment (`.y` is a string term `"y"`).
 */
export interface RefTerm {
  readonly type: 'ref';
  readonly head: Term;
  readonly path: readonly Term[];
  readonly span: Span;
}
export interface ArrayTerm {
  readonly type: 'array';
  readonly items: readonly Term[];
  readonly span: Span;
}
export interface ObjectTerm {
  readonly type: 'object';
  readonly entries: readonly (readonly [Term, Term])[];
  readonly span: Span;
}
export interface SetTerm {
  readonly type: 'set';
  readonly items: readonly Term[];
  readonly span: Span;
}
export interface ArrayComprehension {
  readonly type: 'arraycomp';
  readonly term: Term;
  readonly body: Body;
  readonly span: Span;
}
export interface SetComprehension {
  readonly type: 'setcomp';
  readonly term: Term;
  readonly body: Body;
  readonly span: Span;
  /**
   * Set on the comprehension capturing one expression of a template string: its body is
   * `$tN = expr`, and the compiler requires every var of `expr` to come from outside.
   */
  readonly template?: true | undefined;
}
export interface ObjectComprehension {
  readonly type: 'objectcomp';
  readonly key: Term;
  readonly value: Term;
  readonly body: Body;
  readonly span: Span;
}
/**
 * A function call. `name` is the dotted name as written (`count`, `strings.replace`,
 * `data.lib.f`, `lib.f` via an import, `plus` for `+`). `nameSpan` covers the name.
 */
export interface CallTerm {
  readonly type: 'call';
  readonly name: string;
  readonly args: readonly Term[];
  readonly span: Span;
  /** The builtin this call resolves to, attached by the compiler's link step. */
  readonly builtin?: Builtin | undefined;
}

/** A query or rule body: expressions evaluated left to right (after safety reordering). */
export type Body = readonly Expr[];

/** `with <target> as <value>` */
export interface With {
  /** `input`, `input.x`, `data.a.b`, or a function/builtin name as a ref. */
  readonly target: Term;
  readonly value: Term;
  readonly span: Span;
}

export type ExprNode =
  /** A term on its own: a call, a ref, a boolean, … — true unless false or undefined. */
  | { readonly type: 'term'; readonly term: Term }
  /** `lhs = rhs` (unification) */
  | { readonly type: 'unify'; readonly lhs: Term; readonly rhs: Term }
  /** `lhs := rhs` (declares the vars of lhs as local) */
  | { readonly type: 'assign'; readonly lhs: Term; readonly rhs: Term }
  /** `some x, y` */
  | { readonly type: 'some'; readonly vars: readonly VarTerm[] }
  /** `some v in xs`, `some k, v in xs` (key absent for the one-variable form) */
  | {
      readonly type: 'somein';
      readonly key?: Term | undefined;
      readonly value: Term;
      readonly collection: Term;
    }
  /** `every v in xs { body }`, `every k, v in xs { body }` */
  | {
      readonly type: 'every';
      readonly key?: Term | undefined;
      readonly value: Term;
      readonly domain: Term;
      readonly body: Body;
    };

export interface Expr {
  readonly node: ExprNode;
  /** `not expr` */
  readonly negated: boolean;
  readonly withs: readonly With[];
  readonly span: Span;
}

/** `import data.a.b as c`, `import input.x`, `import rego.v1`, `import future.keywords.in`. */
export interface Import {
  /** The imported path as a ref term (`data.a.b`). */
  readonly path: RefTerm | VarTerm;
  /** `as` alias, if any. */
  readonly alias?: string | undefined;
  readonly span: Span;
}

export type RuleKind = 'complete' | 'partialset' | 'partialobject' | 'function';

/**
 * A rule head. `ref` is the rule's path relative to the package: `p` is `[var p]`,
 * `a.b[x]` is `[var a, "b", var x]` (first element a var term, then path terms).
 */
export interface RuleHead {
  readonly ref: readonly Term[];
  /** Function arguments (`f(x, y)`); absent for non-functions. */
  readonly args?: readonly Term[] | undefined;
  /** `p contains x`: the element term. Present only for partial set rules. */
  readonly key?: Term | undefined;
  /** The value term: from `:= v` / `= v`; a `true` boolean term when omitted. */
  readonly value?: Term | undefined;
  /** Whether the value was given with `:=`. */
  readonly assign: boolean;
  readonly span: Span;
}

/** One `else` of a rule: `else := v if { body }`. */
export interface ElseClause {
  /** Defaults to `true` when omitted. */
  readonly value?: Term | undefined;
  readonly body: Body;
  readonly span: Span;
}

export interface Rule {
  /**
   * complete: `p := v if …`, `p if …`, `a.b.c := v` (ref with only string segments);
   * partialset: `p contains x if …`;
   * partialobject: a ref head whose last segment is a variable or other non-string term
   *   (`p[k] := v if …`, `a.b[k] := v`, `p[x] if …` in v1 = value true);
   * function: `f(x) := v if …`.
   * The parser sets it; the compiler relies on it.
   */
  readonly kind: RuleKind;
  readonly head: RuleHead;
  readonly default: boolean;
  /** Empty for `p := 1`. */
  readonly body: Body;
  readonly elses: readonly ElseClause[];
  readonly span: Span;
  /** The `rule` and `document` scope METADATA blocks attached to this rule, in source order. */
  readonly annotations?: readonly Annotations[] | undefined;
}

export type AnnotationScope = 'rule' | 'document' | 'package' | 'subpackages';

/**
 * One `# METADATA` block: YAML in the comment lines that follow it, attached to the next
 * package or rule. `scope` defaults to `rule` on a rule and `package` on a package.
 */
export interface Annotations {
  readonly scope: AnnotationScope;
  /**
   * The block as `rego.metadata.rule()` returns it (OPA's shape: `scope`, and when present
   * `title`, `description`, `entrypoint`, `organizations`, `related_resources`, `authors` as
   * `{name, email}`, `schemas`, `custom`).
   */
  readonly value: PlainObject;
  /** The `# METADATA` line. */
  readonly span: Span;
}

export interface Module {
  /** Package path without the `data` prefix, e.g. `["orchestrator"]` for `package orchestrator`. */
  readonly package: readonly string[];
  readonly packageSpan: Span;
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
  /** The `package` and `subpackages` scope METADATA blocks attached to the package. */
  readonly annotations?: readonly Annotations[] | undefined;
  /** `import rego.v1` or v1 by default; `rego.v2` also accepted. */
  readonly regoVersion: 'v1';
}
