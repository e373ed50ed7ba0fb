/**
 * Variable analysis over terms and expressions: which vars a term reads, which it can bind.
 * Used by safety checking and reordering (compiler/safety.ts).
 */
import type { Body, Expr, Term } from '../ast.ts';

/** True for vars the parser generated for `_`. */
export function isWildcard(name: string): boolean {
  return name.startsWith('$_');
}

/** Every var name occurring in a term, including inside comprehensions. */
export function allVars(t: Term, out: Set<string> = new Set()): Set<string> {
  switch (t.type) {
    case 'var':
      out.add(t.name);
      break;
    case 'ref':
      allVars(t.head, out);
      for (const p of t.path) allVars(p, out);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) allVars(x, out);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        allVars(k, out);
        allVars(v, out);
      }
      break;
    case 'call':
      for (const a of t.args) allVars(a, out);
      break;
    case 'arraycomp':
    case 'setcomp':
      allVars(t.term, out);
      bodyVars(t.body, out);
      break;
    case 'objectcomp':
      allVars(t.key, out);
      allVars(t.value, out);
      bodyVars(t.body, out);
      break;
  }
  return out;
}

/** Every var name in a body. */
export function bodyVars(body: Body, out: Set<string> = new Set()): Set<string> {
  for (const e of body) exprVars(e, out);
  return out;
}

/** Every var name in an expression (including `with` values). */
export function exprVars(e: Expr, out: Set<string> = new Set()): Set<string> {
  const n = e.node;
  switch (n.type) {
    case 'term':
      allVars(n.term, out);
      break;
    case 'unify':
    case 'assign':
      allVars(n.lhs, out);
      allVars(n.rhs, out);
      break;
    case 'some':
      for (const v of n.vars) out.add(v.name);
      break;
    case 'somein':
      if (n.key) allVars(n.key, out);
      allVars(n.value, out);
      allVars(n.collection, out);
      break;
    case 'every':
      if (n.key) allVars(n.key, out);
      allVars(n.value, out);
      allVars(n.domain, out);
      bodyVars(n.body, out);
      break;
  }
  for (const w of e.withs) allVars(w.value, out);
  return out;
}

/**
 * Vars a term needs bound before it can be evaluated to a value.
 * Ref path vars are not needed (a ref iterates to bind them); comprehension internals are
 * handled by the caller through `closure`.
 */
export function needs(
  t: Term,
  closure: (t: Term) => Iterable<string>,
  out: Set<string> = new Set(),
): Set<string> {
  switch (t.type) {
    case 'var':
      if (t.name !== 'input' && t.name !== 'data') out.add(t.name);
      break;
    case 'ref':
      if (t.head.type === 'var') {
        if (t.head.name !== 'input' && t.head.name !== 'data') out.add(t.head.name);
      } else {
        needs(t.head, closure, out);
      }
      for (const p of t.path) {
        if (p.type !== 'var') patternNeeds(p, closure, out);
      }
      break;
    case 'array':
    case 'set':
      for (const x of t.items) needs(x, closure, out);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        needs(k, closure, out);
        needs(v, closure, out);
      }
      break;
    case 'call': {
      // A ref among the arguments binds its path vars before the call runs (`f(x, xs[x])`), as
      // OPA's compiler pulls such refs out into their own expressions.
      const bound = new Set<string>();
      for (const a of t.args) refOutputsDeep(a, bound);
      for (const a of t.args) for (const v of needs(a, closure)) if (!bound.has(v)) out.add(v);
      break;
    }
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      for (const v of closure(t)) out.add(v);
      break;
  }
  return out;
}

/**
 * Vars a term needs bound when it is used as a pattern (unified against a value): vars in
 * binding positions are not needed, but anything evaluated (calls, refs, object keys,
 * comprehensions, set elements) is.
 */
export function patternNeeds(
  t: Term,
  closure: (t: Term) => Iterable<string>,
  out: Set<string> = new Set(),
): Set<string> {
  switch (t.type) {
    case 'var':
      break;
    case 'array':
      for (const x of t.items) patternNeeds(x, closure, out);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        needs(k, closure, out);
        patternNeeds(v, closure, out);
      }
      break;
    default:
      needs(t, closure, out);
  }
  return out;
}

/** Vars a term can bind when used as a pattern, or through ref iteration. */
export function outputs(t: Term, out: Set<string> = new Set()): Set<string> {
  switch (t.type) {
    case 'var':
      out.add(t.name);
      break;
    case 'array':
      for (const x of t.items) outputs(x, out);
      break;
    case 'object':
      for (const [, v] of t.entries) outputs(v, out);
      break;
    case 'ref':
      refOutputs(t, out);
      break;
    case 'call':
      for (const a of t.args) refOutputsDeep(a, out);
      break;
  }
  return out;
}

/** Vars bound by iterating a ref's path (`x[i][j]` binds i and j). */
export function refOutputs(t: Term, out: Set<string>): void {
  if (t.type !== 'ref') return;
  refOutputs(t.head, out);
  for (const p of t.path) outputs(p, out);
}

/** Ref iteration vars anywhere inside a term (not inside comprehensions). */
export function refOutputsDeep(t: Term, out: Set<string>): void {
  switch (t.type) {
    case 'ref':
      refOutputs(t, out);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) refOutputsDeep(x, out);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        refOutputsDeep(k, out);
        refOutputsDeep(v, out);
      }
      break;
    case 'call':
      for (const a of t.args) refOutputsDeep(a, out);
      break;
  }
}
