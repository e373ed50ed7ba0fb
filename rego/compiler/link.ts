/**
 * The link step, run after every check: folds ground composite literals into constant terms and
 * attaches each builtin call's implementation, so evaluation neither rebuilds `{"a": [1, 2]}`
 * nor looks a builtin up by name on every call. Pure rewriting: no semantic change.
 */
import type { Body, Expr, ExprNode, Term, With } from '../ast.ts';
import { METADATA_CHAIN, METADATA_RULE } from '../builtins/metadata.ts';
import type { BuiltinRegistry } from '../builtins/registry.ts';
import { ObjectBuilder, RegoSet, type Value } from '../value.ts';

/** The value of a literal term, or undefined when the term is not a literal. */
export function literalValue(t: Term): Value | undefined {
  switch (t.type) {
    case 'null':
      return null;
    case 'boolean':
    case 'string':
    case 'number':
    case 'const':
      return t.value;
    default:
      return undefined;
  }
}

export class Linker {
  private readonly registry: BuiltinRegistry;
  /**
   * While a rule is linked: the value of `rego.metadata.chain()` / `rego.metadata.rule()` in
   * it (OPA computes them at compile time too). Calls outside rules keep the registry's builtin.
   */
  metadata: ((name: typeof METADATA_CHAIN | typeof METADATA_RULE) => Value) | undefined;
  constructor(registry: BuiltinRegistry) {
    this.registry = registry;
  }

  body(b: Body): Body {
    return b.map((e) => this.expr(e));
  }

  private expr(e: Expr): Expr {
    const withs: With[] = e.withs.map((w) => ({ ...w, value: this.term(w.value) }));
    return { ...e, node: this.node(e.node), withs };
  }

  private node(n: ExprNode): ExprNode {
    switch (n.type) {
      case 'term':
        return { type: 'term', term: this.term(n.term) };
      case 'unify':
      case 'assign':
        return { type: n.type, lhs: this.term(n.lhs), rhs: this.term(n.rhs) };
      case 'some':
        return n;
      case 'somein':
        return { ...n, collection: this.term(n.collection) };
      case 'every':
        return { ...n, domain: this.term(n.domain), body: this.body(n.body) };
    }
  }

  term(t: Term): Term {
    switch (t.type) {
      case 'array': {
        const items = t.items.map((x) => this.term(x));
        const vals = items.map(literalValue);
        if (vals.every((v) => v !== undefined))
          return { type: 'const', value: vals as Value[], span: t.span };
        return { ...t, items };
      }
      case 'set': {
        const items = t.items.map((x) => this.term(x));
        const vals = items.map(literalValue);
        if (vals.every((v) => v !== undefined))
          return { type: 'const', value: new RegoSet(vals as Value[]), span: t.span };
        return { ...t, items };
      }
      case 'object': {
        const entries = t.entries.map(([k, v]) => [this.term(k), this.term(v)] as const);
        const b = new ObjectBuilder();
        for (const [k, v] of entries) {
          const kv = literalValue(k);
          const vv = literalValue(v);
          // Duplicate keys are left to the evaluator, which reports the conflict.
          if (kv === undefined || vv === undefined || b.has(kv)) return { ...t, entries };
          b.set(kv, vv);
        }
        return { type: 'const', value: b.build(), span: t.span };
      }
      case 'ref':
        return { ...t, head: this.term(t.head), path: t.path.map((p) => this.term(p)) };
      case 'call': {
        const args = t.args.map((a) => this.term(a));
        let builtin = t.name.startsWith('data.') ? undefined : this.registry.get(t.name);
        if (builtin && this.metadata && (t.name === METADATA_CHAIN || t.name === METADATA_RULE)) {
          const value = this.metadata(t.name);
          builtin = { ...builtin, fn: () => value };
        }
        return { ...t, args, builtin };
      }
      case 'arraycomp':
      case 'setcomp':
        return { ...t, term: this.term(t.term), body: this.body(t.body) };
      case 'objectcomp':
        return { ...t, key: this.term(t.key), value: this.term(t.value), body: this.body(t.body) };
      default:
        return t;
    }
  }
}
