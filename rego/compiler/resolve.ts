/**
 * Name resolution: rewrites a module's terms so the evaluator never has to guess what a name
 * means. A bare name becomes
 * - a local variable (declared with `:=`, `some`, a function argument, or simply unbound),
 *   renamed when declared so that shadowing in comprehensions and `every` is unambiguous;
 * - a ref into `data` when it names a rule of the package (`p` → `data.pkg.p`);
 * - the imported ref when it is an import alias;
 * - a root document (`input`, `data`).
 * Calls become either `data.…` paths (user functions) or builtin names.
 */
import type { Body, ElseClause, Expr, ExprNode, Module, RefTerm, Rule, Term, VarTerm, With } from '../ast.ts';
import type { RegoErrorDetail, Span } from '../errors.ts';
import { TEMPLATE_STRING } from '../parser-terms.ts';

/** Lexical scope of declared locals (`:=`, `some`, args), mapping source name → unique name. */
class Scope {
  readonly decls = new Map<string, string>();
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.parent = parent;
  }

  lookup(name: string): string | undefined {
    return this.decls.get(name) ?? this.parent?.lookup(name);
  }
}

/** What the resolver needs to know about the world. */
export interface ResolveContext {
  /** Package path of the module (without `data`). */
  readonly pkg: readonly string[];
  /** Names of rules (first head segment) defined anywhere in this package. */
  readonly ruleNames: ReadonlySet<string>;
  /** Import alias → imported ref term. */
  readonly imports: ReadonlyMap<string, RefTerm | VarTerm>;
  /** Problems found are appended here. */
  readonly errors: RegoErrorDetail[];
}

let counter = 0;
function fresh(name: string): string {
  counter++;
  return `${name}$${counter}`;
}

function dataRef(path: readonly string[], span: Span): RefTerm {
  return {
    type: 'ref',
    head: { type: 'var', name: 'data', span },
    path: path.map((p) => ({ type: 'string', value: p, span })),
    span,
  };
}

/** Resolves one module's rules; returns new Rule objects. */
export function resolveRules(mod: Module, ctx: ResolveContext): Rule[] {
  return mod.rules.map((r) => resolveRule(r, ctx));
}

function resolveRule(rule: Rule, ctx: ResolveContext): Rule {
  const r = new Resolver(ctx);
  // Function arguments live in their own scope, shared by the body and every else clause.
  const argScope = new Scope();
  const args = rule.head.args?.map((a) => r.declarePattern(a, argScope));
  const scope = new Scope(argScope);
  const body = r.body(rule.body, scope);
  const headScope = scope;
  const ref = rule.head.ref.map((t, i) => (i === 0 ? t : r.term(t, headScope)));
  const head = {
    ...rule.head,
    ref,
    args,
    key: rule.head.key && r.term(rule.head.key, headScope),
    value: rule.head.value && r.term(rule.head.value, headScope),
  };
  const elses: ElseClause[] = rule.elses.map((e) => {
    const s = new Scope(argScope);
    const b = r.body(e.body, s);
    return { ...e, body: b, value: e.value && r.term(e.value, s) };
  });
  return { ...rule, head, body, elses };
}

/** Resolves a query (no package: bare names are vars, except roots and imports). */
export function resolveQuery(body: Body, ctx: ResolveContext): Body {
  return new Resolver(ctx).body(body, new Scope());
}

class Resolver {
  private readonly ctx: ResolveContext;
  constructor(ctx: ResolveContext) {
    this.ctx = ctx;
  }

  body(body: Body, scope: Scope): Body {
    return body.map((e) => this.expr(e, scope));
  }

  /** Declares the vars of a pattern (`:=` lhs, args, some-in) in scope and returns the renamed pattern. */
  declarePattern(t: Term, scope: Scope): Term {
    switch (t.type) {
      case 'var': {
        // Generated vars (`$_N` for `_`, `$tN` for template strings) are unique already.
        if (t.name.startsWith('$')) return t;
        if (scope.decls.has(t.name)) {
          this.ctx.errors.push({
            code: 'rego_compile_error',
            message: `var ${t.name} assigned above`,
            span: t.span,
          });
        }
        const name = fresh(t.name);
        scope.decls.set(t.name, name);
        return { ...t, name };
      }
      case 'array':
        return { ...t, items: t.items.map((x) => this.declarePattern(x, scope)) };
      case 'object':
        return {
          ...t,
          entries: t.entries.map(([k, v]) => [this.term(k, scope), this.declarePattern(v, scope)] as const),
        };
      default:
        return this.term(t, scope);
    }
  }

  expr(e: Expr, scope: Scope): Expr {
    const withs: With[] = e.withs.map((w) => ({
      ...w,
      target: this.withTarget(w.target),
      value: this.term(w.value, scope),
    }));
    return { ...e, node: this.node(e.node, scope), withs };
  }

  private node(n: ExprNode, scope: Scope): ExprNode {
    switch (n.type) {
      case 'term':
        return { type: 'term', term: this.term(n.term, scope) };
      case 'unify':
        return { type: 'unify', lhs: this.term(n.lhs, scope), rhs: this.term(n.rhs, scope) };
      case 'assign': {
        // rhs first: `x := x + 1` reads the outer x.
        const rhs = this.term(n.rhs, scope);
        if (n.lhs.type === 'var' && (n.lhs.name === 'input' || n.lhs.name === 'data')) {
          this.ctx.errors.push({
            code: 'rego_compile_error',
            message: `cannot assign to ${n.lhs.name}`,
            span: n.lhs.span,
          });
        }
        return { type: 'assign', lhs: this.declarePattern(n.lhs, scope), rhs };
      }
      case 'some':
        return {
          type: 'some',
          vars: n.vars.map((v) => this.declarePattern(v, scope) as VarTerm),
        };
      case 'somein': {
        const collection = this.term(n.collection, scope);
        const key = n.key && this.declarePattern(n.key, scope);
        const value = this.declarePattern(n.value, scope);
        return { type: 'somein', key, value, collection };
      }
      case 'every': {
        const domain = this.term(n.domain, scope);
        const inner = new Scope(scope);
        const key = n.key && this.declarePattern(n.key, inner);
        const value = this.declarePattern(n.value, inner);
        return { type: 'every', key, value, domain, body: this.body(n.body, inner) };
      }
    }
  }

  /** Resolves a bare name to a var, a root, an import or a rule ref. */
  private name(v: VarTerm, scope: Scope): Term {
    if (v.name.startsWith('$')) return v;
    const local = scope.lookup(v.name);
    if (local) return { ...v, name: local };
    if (v.name === 'input' || v.name === 'data') return v;
    const imp = this.ctx.imports.get(v.name);
    if (imp) return { ...imp, span: v.span };
    if (this.ctx.ruleNames.has(v.name)) return dataRef([...this.ctx.pkg, v.name], v.span);
    return v;
  }

  term(t: Term, scope: Scope): Term {
    switch (t.type) {
      case 'var':
        return this.name(t, scope);
      case 'ref': {
        const head = this.term(t.head, scope);
        const path = t.path.map((p) => this.term(p, scope));
        if (head.type === 'ref') return { ...t, head: head.head, path: [...head.path, ...path] };
        return { ...t, head, path };
      }
      case 'array':
        return { ...t, items: t.items.map((x) => this.term(x, scope)) };
      case 'set':
        return { ...t, items: t.items.map((x) => this.term(x, scope)) };
      case 'object':
        return {
          ...t,
          entries: t.entries.map(([k, v]) => [this.term(k, scope), this.term(v, scope)] as const),
        };
      case 'call': {
        // The builtin template strings are lowered to is never a package rule or an import.
        const name = t.name === TEMPLATE_STRING ? t.name : this.callName(t.name);
        return { ...t, name, args: t.args.map((a) => this.term(a, scope)) };
      }
      case 'arraycomp':
      case 'setcomp': {
        const inner = new Scope(scope);
        const body = this.body(t.body, inner);
        return { ...t, body, term: this.term(t.term, inner) };
      }
      case 'objectcomp': {
        const inner = new Scope(scope);
        const body = this.body(t.body, inner);
        return { ...t, body, key: this.term(t.key, inner), value: this.term(t.value, inner) };
      }
      default:
        return t;
    }
  }

  /** `count` stays a builtin name; `f` (a package function) becomes `data.pkg.f`; imports expand. */
  callName(name: string): string {
    const parts = name.split('.');
    const first = parts[0]!;
    if (first === 'data') return name;
    const imp = this.ctx.imports.get(first);
    if (imp && imp.type === 'ref' && imp.head.type === 'var' && imp.head.name === 'data') {
      const prefix = imp.path.map((p) => (p.type === 'string' ? p.value : '?'));
      return ['data', ...prefix, ...parts.slice(1)].join('.');
    }
    if (this.ctx.ruleNames.has(first)) return ['data', ...this.ctx.pkg, ...parts].join('.');
    return name;
  }

  /** `with` targets: input/data refs stay refs; anything else names a function or builtin. */
  private withTarget(t: Term): Term {
    if (t.type === 'var' && (t.name === 'input' || t.name === 'data')) return t;
    if (t.type === 'ref' && t.head.type === 'var' && (t.head.name === 'input' || t.head.name === 'data'))
      return t;
    const text = refText(t);
    if (text === undefined) return t;
    const resolved = this.callName(text);
    return { type: 'var', name: resolved, span: t.span };
  }
}

/** Dotted text of a var or a ref made of a var and string segments, e.g. `time.now_ns`. */
export function refText(t: Term): string | undefined {
  if (t.type === 'var') return t.name;
  if (t.type !== 'ref' || t.head.type !== 'var') return undefined;
  const parts = [t.head.name];
  for (const p of t.path) {
    if (p.type !== 'string') return undefined;
    parts.push(p.value);
  }
  return parts.join('.');
}
