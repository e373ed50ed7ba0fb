/**
 * The values of `rego.metadata.chain()` and `rego.metadata.rule()` for each rule, computed at
 * link time from the modules' METADATA annotations as OPA's `AnnotationSet` does
 * (`v1/ast/annotations.go`): `rule` scope by rule, `package` scope by package path,
 * `document` and `subpackages` scope in one index by path (so, as in OPA, a `document`
 * annotation at a path also counts as `subpackages` annotation for packages below it).
 */
import type { Annotations, Module, Term } from '../ast.ts';
import type { RegoErrorDetail } from '../errors.ts';
import { emptyObject, type PlainObject, type Value } from '../value.ts';
import type { CompiledRule } from './tree.ts';

const key = (path: readonly string[]): string => JSON.stringify(path);

export class AnnotationSet {
  private readonly byPackage = new Map<string, Annotations>();
  private readonly byPath = new Map<string, Annotations>();

  /** Indexes every annotation; a second `package`, `document` or `subpackages` one at a path is an error. */
  constructor(modules: readonly Module[], errors: RegoErrorDetail[]) {
    const add = (map: Map<string, Annotations>, k: string, a: Annotations): void => {
      const prev = map.get(k);
      if (prev) {
        errors.push({
          code: 'rego_type_error',
          message: `${a.scope} annotation redeclared: ${prev.span.source.name}:${prev.span.line}`,
          span: a.span,
        });
      } else {
        map.set(k, a);
      }
    };
    for (const m of modules) {
      for (const a of m.annotations ?? []) {
        if (a.scope === 'package') add(this.byPackage, key(m.package), a);
        else add(this.byPath, key(m.package), a);
      }
      for (const r of m.rules) {
        for (const a of r.annotations ?? []) {
          if (a.scope === 'document') add(this.byPath, key([...m.package, ...groundPrefix(r.head.ref)]), a);
        }
      }
    }
  }

  /**
   * OPA's chain for a rule: its `rule` scope blocks nearest first (or one entry with only the
   * path when it has none), then the `document`, `package` and `subpackages` scopes, the
   * nearest package first. Paths are without `data`.
   */
  chain(cr: CompiledRule): Value[] {
    const path = [...cr.pkg, ...groundPrefix(cr.rule.head.ref)];
    const entry = (p: readonly string[], a?: Annotations): PlainObject => {
      const o = emptyObject();
      o.path = [...p];
      if (a) o.annotations = a.value;
      return o;
    };
    const out: Value[] = [];
    const own = (cr.rule.annotations ?? []).filter((a) => a.scope === 'rule');
    own.sort((a, b) => b.span.start - a.span.start);
    if (own.length === 0) out.push(entry(path));
    for (const a of own) out.push(entry(path, a));
    const doc = this.byPath.get(key(path));
    if (doc) out.push(entry(path, doc));
    const pkg = this.byPackage.get(key(cr.pkg));
    if (pkg) out.push(entry(cr.pkg, pkg));
    for (let n = cr.pkg.length; n > 0; n--) {
      const prefix = cr.pkg.slice(0, n);
      const sub = this.byPath.get(key(prefix));
      if (sub) out.push(entry(prefix, sub));
    }
    return out;
  }

  /** The nearest `rule` scope annotations of the rule, or an empty object. */
  rule(cr: CompiledRule): Value {
    let best: Annotations | undefined;
    for (const a of cr.rule.annotations ?? []) {
      if (a.scope === 'rule' && (!best || a.span.start > best.span.start)) best = a;
    }
    return best ? best.value : emptyObject();
  }
}

/** The rule's path below its package up to the first non-literal segment (`a.b[x].c` → `a.b`). */
function groundPrefix(ref: readonly Term[]): string[] {
  const out: string[] = [];
  for (const [i, t] of ref.entries()) {
    if (i === 0 && t.type === 'var') out.push(t.name);
    else if (t.type === 'string') out.push(t.value);
    else if (t.type === 'number') out.push(t.raw);
    else break;
  }
  return out;
}
