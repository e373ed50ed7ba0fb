/**
 * Safety: every variable must be bound by a positive expression before it is read. Like OPA,
 * the compiler reorders a body so that expressions run once their inputs are bound (keeping
 * source order whenever possible), and reports `rego_unsafe_var_error` for vars that no
 * ordering can bind. Comprehension and `every` bodies are reordered recursively, knowing which
 * outer vars are bound when they run.
 */
import type { Body, Expr, ExprNode, Term } from '../ast.ts';
import type { RegoErrorDetail, Span } from '../errors.ts';
import { refText } from './resolve.ts';
import {
  allVars,
  exprVars,
  isWildcard,
  needs,
  outputs,
  patternNeeds,
  refOutputs,
  refOutputsDeep,
} from './vars.ts';

/** Declared arity of a callee (without the output operand), or undefined when unknown. */
export type ArityLookup = (name: string) => number | undefined;

/** Display name of a (possibly renamed) var: `x$12` → `x`, `$_3` → `_`. */
export function displayVar(name: string): string {
  if (name.startsWith('$_')) return '_';
  const i = name.indexOf('$');
  return i > 0 ? name.slice(0, i) : name;
}

/** Shallow vars of a body: vars outside comprehensions and `every` bodies. */
function shallowVars(body: Body): Set<string> {
  const out = new Set<string>();
  const visit = (t: Term): void => {
    switch (t.type) {
      case 'var':
        out.add(t.name);
        break;
      case 'ref':
        visit(t.head);
        t.path.forEach(visit);
        break;
      case 'array':
      case 'set':
        t.items.forEach(visit);
        break;
      case 'object':
        for (const [k, v] of t.entries) {
          visit(k);
          visit(v);
        }
        break;
      case 'call':
        t.args.forEach(visit);
        break;
    }
  };
  for (const e of body) {
    const n = e.node;
    switch (n.type) {
      case 'term':
        visit(n.term);
        break;
      case 'unify':
      case 'assign':
        visit(n.lhs);
        visit(n.rhs);
        break;
      case 'some':
        break;
      case 'somein':
        if (n.key) visit(n.key);
        visit(n.value);
        visit(n.collection);
        break;
      case 'every':
        visit(n.domain);
        break;
    }
    for (const w of e.withs) visit(w.value);
  }
  return out;
}

function subset(a: Iterable<string>, bound: ReadonlySet<string>): boolean {
  for (const v of a) if (!bound.has(v)) return false;
  return true;
}

export class SafetyChecker {
  private readonly arity: ArityLookup;
  private readonly errors: RegoErrorDetail[];
  constructor(arity: ArityLookup, errors: RegoErrorDetail[]) {
    this.arity = arity;
    this.errors = errors;
  }

  /**
   * Reorders `body` given vars already bound, and returns the new body and the vars bound after it.
   * Reports unsafe vars (once per body) into the error list.
   */
  reorder(body: Body, bound: ReadonlySet<string>): { body: Body; bound: Set<string> } {
    const shallow = shallowVars(body);
    const closure = (t: Term): Iterable<string> =>
      [...allVars(t)].filter((v) => v !== 'input' && v !== 'data' && (shallow.has(v) || bound.has(v)));
    const pending = [...body];
    const out: Expr[] = [];
    const b = new Set(bound);
    // Vars a template expression may read: those of this body and of the bodies around it.
    const known = new Set([...bound, ...shallow]);
    while (pending.length > 0) {
      let idx = -1;
      for (let i = 0; i < pending.length; i++) {
        if (this.canRun(pending[i]!, b, closure, body)) {
          idx = i;
          break;
        }
      }
      if (idx < 0) {
        this.reportUnsafe(pending, b, closure, body);
        // Keep the rest in source order so evaluation (if attempted) is deterministic.
        for (const e of pending) out.push(this.nested(e, b, known));
        return { body: out, bound: b };
      }
      const e = pending.splice(idx, 1)[0]!;
      out.push(this.nested(e, b, known));
      for (const v of this.outputsOf(e)) b.add(v);
    }
    return { body: out, bound: b };
  }

  /** Checks that the vars of head terms are bound after the body. */
  checkBound(terms: readonly (Term | undefined)[], bound: ReadonlySet<string>, span: Span): void {
    const seen = new Set<string>();
    for (const t of terms) {
      if (!t) continue;
      for (const v of needs(t, () => [])) {
        if (!bound.has(v) && v !== 'input' && v !== 'data' && !seen.has(v)) {
          seen.add(v);
          this.errors.push({
            code: 'rego_unsafe_var_error',
            message: `var ${displayVar(v)} is unsafe`,
            span,
          });
        }
      }
    }
  }

  private outputsOf(e: Expr): Set<string> {
    const out = new Set<string>();
    if (e.negated) return out;
    const n = e.node;
    switch (n.type) {
      case 'term': {
        const t = n.term;
        if (t.type === 'call' && this.isOutputCall(t)) {
          outputs(t.args[t.args.length - 1]!, out);
          for (const a of t.args.slice(0, -1)) refOutputsDeep(a, out);
        } else {
          refOutputsDeep(t, out);
        }
        break;
      }
      case 'unify':
        outputs(n.lhs, out);
        outputs(n.rhs, out);
        break;
      case 'assign':
        outputs(n.lhs, out);
        refOutputsDeep(n.rhs, out);
        break;
      case 'somein':
        if (n.key) outputs(n.key, out);
        outputs(n.value, out);
        refOutputs(n.collection, out);
        break;
      default:
        break;
    }
    return out;
  }

  private isOutputCall(t: Extract<Term, { type: 'call' }>): boolean {
    const a = this.arity(t.name);
    return a !== undefined && t.args.length === a + 1;
  }

  /** A `with` value naming a function or builtin (`with count as f`) reads no variables. */
  private isFunctionName(t: Term, bound: ReadonlySet<string>): boolean {
    const text = refText(t);
    if (text === undefined) return false;
    const head = t.type === 'var' ? t.name : t.type === 'ref' && t.head.type === 'var' ? t.head.name : '';
    return !bound.has(head) && this.arity(text) !== undefined;
  }

  private canRun(
    e: Expr,
    bound: ReadonlySet<string>,
    closure: (t: Term) => Iterable<string>,
    body: Body,
  ): boolean {
    for (const w of e.withs) {
      if (!this.isFunctionName(w.value, bound) && !subset(needs(w.value, closure), bound)) return false;
    }
    if (e.negated) return subset(this.negationNeeds(e, body, bound), bound);
    return this.nodeCanRun(e.node, bound, closure);
  }

  /** Vars of a negated expression that are shared with the rest of the body must be bound first. */
  private negationNeeds(e: Expr, body: Body, bound: ReadonlySet<string>): Set<string> {
    const others = new Set<string>();
    for (const x of body) if (x !== e) for (const v of shallowVars([x])) others.add(v);
    const out = new Set<string>();
    for (const v of exprVars(e)) {
      if (isWildcard(v) || v === 'input' || v === 'data') continue;
      if (others.has(v) || bound.has(v)) out.add(v);
    }
    return out;
  }

  private nodeCanRun(
    n: ExprNode,
    bound: ReadonlySet<string>,
    closure: (t: Term) => Iterable<string>,
  ): boolean {
    switch (n.type) {
      case 'term': {
        const t = n.term;
        if (t.type === 'call' && this.isOutputCall(t)) {
          const ins = t.args.slice(0, -1);
          return (
            ins.every((a) => subset(needs(a, closure), bound)) &&
            subset(patternNeeds(t.args[t.args.length - 1]!, closure), bound)
          );
        }
        return subset(needs(t, closure), bound);
      }
      case 'unify':
        return this.unifyCanRun(n.lhs, n.rhs, bound, closure);
      case 'assign':
        return subset(needs(n.rhs, closure), bound) && subset(patternNeeds(n.lhs, closure), bound);
      case 'some':
        return true;
      case 'somein':
        return (
          subset(needs(n.collection, closure), bound) &&
          (!n.key || subset(patternNeeds(n.key, closure), bound)) &&
          subset(patternNeeds(n.value, closure), bound)
        );
      case 'every': {
        const inner = new Set<string>();
        for (const v of bodyClosure(n.body, closure)) inner.add(v);
        return subset(needs(n.domain, closure), bound) && subset(inner, bound);
      }
    }
  }

  private unifyCanRun(
    a: Term,
    b: Term,
    bound: ReadonlySet<string>,
    closure: (t: Term) => Iterable<string>,
  ): boolean {
    if (subset(needs(a, closure), bound) && subset(patternNeeds(b, closure), bound)) return true;
    if (subset(needs(b, closure), bound) && subset(patternNeeds(a, closure), bound)) return true;
    if (a.type === 'array' && b.type === 'array' && a.items.length === b.items.length) {
      const b2 = new Set(bound);
      // Elementwise: each pair may bind vars the next pair needs; try until no progress.
      const todo = a.items.map((x, i) => [x, b.items[i]!] as const);
      let progress = true;
      while (todo.length > 0 && progress) {
        progress = false;
        for (let i = 0; i < todo.length; i++) {
          const [x, y] = todo[i]!;
          if (this.unifyCanRun(x, y, b2, closure)) {
            outputs(x, b2 as Set<string>);
            outputs(y, b2 as Set<string>);
            todo.splice(i, 1);
            progress = true;
            break;
          }
        }
      }
      return todo.length === 0;
    }
    if (a.type === 'object' && b.type === 'object' && a.entries.length === b.entries.length) {
      const pairs = pairObjectEntries(a, b);
      if (!pairs) return false;
      const arrA: Term = { type: 'array', items: pairs.map((p) => p[0]), span: a.span };
      const arrB: Term = { type: 'array', items: pairs.map((p) => p[1]), span: b.span };
      return this.unifyCanRun(arrA, arrB, bound, closure);
    }
    return false;
  }

  private reportUnsafe(
    pending: Expr[],
    bound: ReadonlySet<string>,
    closure: (t: Term) => Iterable<string>,
    body: Body,
  ): void {
    const reported = new Set<string>();
    for (const e of pending) {
      const vars = e.negated ? this.negationNeeds(e, body, bound) : this.exprNeeds(e, closure);
      for (const v of vars) {
        if (bound.has(v) || reported.has(v) || v === 'input' || v === 'data') continue;
        reported.add(v);
        this.errors.push({
          code: 'rego_unsafe_var_error',
          message: `var ${displayVar(v)} is unsafe`,
          span: e.span,
        });
      }
    }
  }

  private exprNeeds(e: Expr, closure: (t: Term) => Iterable<string>): Set<string> {
    const out = new Set<string>();
    const n = e.node;
    switch (n.type) {
      case 'term':
        needs(n.term, closure, out);
        break;
      case 'unify':
        allVars(n.lhs, out);
        allVars(n.rhs, out);
        break;
      case 'assign':
        needs(n.rhs, closure, out);
        break;
      case 'somein':
        needs(n.collection, closure, out);
        break;
      case 'every':
        needs(n.domain, closure, out);
        break;
      default:
        break;
    }
    for (const w of e.withs) if (!this.isFunctionName(w.value, new Set())) needs(w.value, closure, out);
    return out;
  }

  /** Reorders the bodies nested in an expression (comprehensions, every) given the vars bound before it. */
  private nested(e: Expr, bound: ReadonlySet<string>, known: ReadonlySet<string>): Expr {
    const t = (x: Term): Term => this.nestedTerm(x, bound, known);
    const n = e.node;
    let node: ExprNode;
    switch (n.type) {
      case 'term':
        node = { type: 'term', term: t(n.term) };
        break;
      case 'unify':
        node = { type: 'unify', lhs: t(n.lhs), rhs: t(n.rhs) };
        break;
      case 'assign':
        node = { type: 'assign', lhs: t(n.lhs), rhs: t(n.rhs) };
        break;
      case 'somein':
        node = { ...n, collection: t(n.collection) };
        break;
      case 'every': {
        const inner = new Set(bound);
        if (n.key) outputs(n.key, inner);
        outputs(n.value, inner);
        node = { ...n, domain: t(n.domain), body: this.reorder(n.body, inner).body };
        break;
      }
      default:
        node = n;
    }
    return { ...e, node, withs: e.withs.map((w) => ({ ...w, value: t(w.value) })) };
  }

  /**
   * OPA's rule for template expressions: they may not introduce variables (so they have at most
   * one value). A var of the expression (outside nested comprehensions) that no enclosing body
   * has is `undeclared` (a lone var is `unsafe`, as OPA reports it). Returns false on an error.
   */
  private templateVarsKnown(
    x: Extract<Term, { type: 'setcomp' }>,
    bound: ReadonlySet<string>,
    known: ReadonlySet<string>,
  ): boolean {
    const capture = x.body[0]?.node;
    if (capture?.type !== 'unify') return true;
    const term = capture.rhs;
    let ok = true;
    for (const v of shallowTermVars(term, x.span)) {
      if (v === 'input' || v === 'data' || bound.has(v) || known.has(v)) continue;
      ok = false;
      this.errors.push(
        term.type === 'var'
          ? { code: 'rego_unsafe_var_error', message: `var ${displayVar(v)} is unsafe`, span: term.span }
          : { code: 'rego_compile_error', message: `var ${displayVar(v)} is undeclared`, span: term.span },
      );
    }
    return ok;
  }

  /**
   * Reorders comprehension bodies inside a term (used for rule heads too). `known` holds the
   * vars of the enclosing bodies, which template expressions may read (default: `bound`).
   */
  nestedTerm(x: Term, bound: ReadonlySet<string>, known: ReadonlySet<string> = bound): Term {
    const t = (y: Term): Term => this.nestedTerm(y, bound, known);
    switch (x.type) {
      case 'ref':
        return { ...x, head: t(x.head), path: x.path.map(t) };
      case 'array':
      case 'set':
        return { ...x, items: x.items.map(t) };
      case 'object':
        return { ...x, entries: x.entries.map(([k, v]) => [t(k), t(v)] as const) };
      case 'call':
        return { ...x, args: x.args.map(t) };
      case 'arraycomp':
      case 'setcomp': {
        if (x.type === 'setcomp' && x.template && !this.templateVarsKnown(x, bound, known)) return x;
        const r = this.reorder(x.body, bound);
        this.checkBound([x.term], r.bound, x.span);
        return { ...x, body: r.body, term: this.nestedTerm(x.term, r.bound) };
      }
      case 'objectcomp': {
        const r = this.reorder(x.body, bound);
        this.checkBound([x.key, x.value], r.bound, x.span);
        return {
          ...x,
          body: r.body,
          key: this.nestedTerm(x.key, r.bound),
          value: this.nestedTerm(x.value, r.bound),
        };
      }
      default:
        return x;
    }
  }
}

/** Vars of a term outside comprehensions (`shallowVars` of a body holding only the term). */
function shallowTermVars(t: Term, span: Span): Set<string> {
  return shallowVars([{ node: { type: 'term', term: t }, negated: false, withs: [], span }]);
}

/** Outer vars an `every` body reads: its vars that the enclosing closure rule says come from outside. */
function bodyClosure(body: Body, closure: (t: Term) => Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const e of body) {
    for (const v of exprVars(e)) {
      for (const c of closure({ type: 'var', name: v, span: e.span })) out.add(c);
    }
  }
  return out;
}

/** Pairs the entries of two object patterns by their (literal) keys; undefined if keys differ. */
export function pairObjectEntries(
  a: Extract<Term, { type: 'object' }>,
  b: Extract<Term, { type: 'object' }>,
): (readonly [Term, Term])[] | undefined {
  const keyText = (t: Term): string | undefined =>
    t.type === 'string'
      ? `s:${t.value}`
      : t.type === 'number'
        ? `n:${t.raw}`
        : t.type === 'boolean'
          ? `b:${t.value}`
          : t.type === 'null'
            ? 'null'
            : undefined;
  const out: (readonly [Term, Term])[] = [];
  for (const [ka, va] of a.entries) {
    const ta = keyText(ka);
    if (ta === undefined) return undefined;
    const match = b.entries.find(([kb]) => keyText(kb) === ta);
    if (!match) return undefined;
    out.push([va, match[1]]);
  }
  return out;
}
