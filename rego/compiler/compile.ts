/**
 * The compiler: parses modules, resolves names, reorders bodies for safety, builds the rule
 * tree and runs OPA's compile-time checks. All problems of a compile are collected and raised
 * together as one {@link RegoError}.
 */
import type { Body, Module, RefTerm, Rule, Term, VarTerm } from '../ast.ts';
import { METADATA_CHAIN } from '../builtins/metadata.ts';
import type { BuiltinRegistry } from '../builtins/registry.ts';
import { RegoError, type RegoErrorDetail, type Source } from '../errors.ts';
import { parseModule } from '../parser.ts';
import { type ResolveContext, resolveQuery, resolveRules } from './resolve.ts';
import { Linker } from './link.ts';
import { AnnotationSet } from './metadata.ts';
import { SafetyChecker } from './safety.ts';
import { type CompiledRule, type RuleNode, RuleTree } from './tree.ts';
import { allVars, outputs } from './vars.ts';

/** Builtins the evaluator implements itself (not in the registry). */
const SPECIAL_ARITY: Record<string, number> = {
  print: -1,
  'internal.print': -1,
};

export interface CompiledModules {
  readonly tree: RuleTree;
  readonly modules: readonly Module[];
}

/** Compiles parsed-or-source modules into a rule tree. Throws RegoError with every problem. */
export function compileModules(sources: readonly Source[], registry: BuiltinRegistry): CompiledModules {
  const errors: RegoErrorDetail[] = [];
  const modules: Module[] = [];
  for (const s of sources) {
    try {
      modules.push(parseModule(s));
    } catch (e) {
      if (e instanceof RegoError) errors.push(...e.details);
      else throw e;
    }
  }
  if (errors.length > 0) throw new RegoError(errors[0]!.code, errors[0]!.message, errors[0]!.span, errors);

  // Rule names per package, across modules (several files may share a package).
  const namesByPkg = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.package.join('.');
    let set = namesByPkg.get(key);
    if (!set) {
      set = new Set();
      namesByPkg.set(key, set);
    }
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (first?.type === 'var') set.add(first.name);
    }
  }

  const tree = new RuleTree();
  const pending: { node: RuleNode; rule: Rule; mod: Module; isDefault: boolean }[] = [];
  for (const m of modules) {
    const imports = new Map<string, RefTerm | VarTerm>();
    for (const imp of m.imports) {
      const p = imp.path;
      if (p.type === 'ref' && p.head.type === 'var' && (p.head.name === 'rego' || p.head.name === 'future'))
        continue;
      const alias = imp.alias ?? lastSegment(p);
      if (alias) imports.set(alias, p);
    }
    const ctx: ResolveContext = {
      pkg: m.package,
      ruleNames: namesByPkg.get(m.package.join('.'))!,
      imports,
      errors,
    };
    for (const rule of resolveRules(m, ctx)) {
      const { prefix } = splitRef(rule);
      const node = tree.ensure([...m.package, ...prefix]);
      pending.push({ node, rule, mod: m, isDefault: rule.default });
    }
  }

  const arity = (name: string): number | undefined => {
    if (name in SPECIAL_ARITY) return undefined;
    if (name.startsWith('data.')) {
      const n = tree.get(name);
      const r = n?.rules[0] ?? n?.defaultRule;
      return r && r.kind === 'function' ? r.args.length : undefined;
    }
    return registry.get(name)?.arity;
  };

  // Register first (arity lookups need every function), then reorder bodies.
  const staged: { node: RuleNode; rule: Rule; mod: Module; isDefault: boolean; suffix: Term[] }[] = [];
  for (const p of pending) {
    const { suffix } = splitRef(p.rule);
    const cr = makeCompiled(p.rule, p.node, suffix, p.mod);
    addToNode(p.node, cr, p.isDefault, errors);
    staged.push({ ...p, suffix });
  }

  const safety = new SafetyChecker(arity, errors);
  for (const node of tree.root.ruleNodes()) {
    const replace = (cr: CompiledRule): CompiledRule => {
      const rule = cr.rule;
      const argBound = new Set<string>();
      for (const a of cr.args) outputs(a, argBound);
      const { body, bound } = safety.reorder(rule.body, argBound);
      safety.checkBound([rule.head.key, rule.head.value, ...cr.suffix], bound, rule.head.span);
      const fin = (t: Term | undefined, b: ReadonlySet<string>): Term | undefined =>
        t && safety.nestedTerm(t, b);
      const head = { ...rule.head, key: fin(rule.head.key, bound), value: fin(rule.head.value, bound) };
      const suffix = cr.suffix.map((t) => safety.nestedTerm(t, bound));
      const elses = rule.elses.map((e) => {
        const r = safety.reorder(e.body, argBound);
        safety.checkBound([e.value], r.bound, e.span);
        return { ...e, body: r.body, value: fin(e.value, r.bound) };
      });
      if (rule.default) {
        const v = rule.head.value;
        if (v && allVars(v).size > 0) {
          errors.push({
            code: 'rego_type_error',
            message: `default rule ${node.name} value cannot contain variables`,
            span: rule.span,
          });
        }
      }
      return { ...cr, suffix, rule: { ...rule, head, body, elses } };
    };
    node.rules.splice(0, node.rules.length, ...node.rules.map(replace));
    if (node.defaultRule) node.defaultRule = replace(node.defaultRule);
  }

  checkCalls(tree, registry, arity, errors);
  checkRecursion(tree, errors);
  const annotations = new AnnotationSet(modules, errors);
  if (errors.length > 0) throw new RegoError(errors[0]!.code, errors[0]!.message, errors[0]!.span, errors);
  linkTree(tree, new Linker(registry), annotations);
  return { tree, modules };
}

/** Compiles an ad-hoc query body against a compiled tree. */
export function compileQuery(body: Body, tree: RuleTree, registry: BuiltinRegistry): Body {
  const errors: RegoErrorDetail[] = [];
  const resolved = resolveQuery(body, { pkg: [], ruleNames: new Set(), imports: new Map(), errors });
  const arity = (name: string): number | undefined => {
    if (name.startsWith('data.')) {
      const n = tree.get(name);
      const r = n?.rules[0] ?? n?.defaultRule;
      return r && r.kind === 'function' ? r.args.length : undefined;
    }
    return registry.get(name)?.arity;
  };
  const out = new SafetyChecker(arity, errors).reorder(resolved, new Set()).body;
  checkBodyCalls(out, tree, registry, arity, errors);
  if (errors.length > 0) throw new RegoError(errors[0]!.code, errors[0]!.message, errors[0]!.span, errors);
  return new Linker(registry).body(out);
}

function lastSegment(p: RefTerm | VarTerm): string | undefined {
  if (p.type === 'var') return p.name;
  const last = p.path[p.path.length - 1];
  return last?.type === 'string' ? last.value : undefined;
}

/** Splits a rule's head ref into its static prefix and dynamic suffix. */
function splitRef(rule: Rule): { prefix: string[]; suffix: Term[] } {
  const ref = rule.head.ref;
  const prefix: string[] = [];
  let i = 0;
  const first = ref[0];
  if (first?.type === 'var') prefix.push(first.name);
  for (i = 1; i < ref.length; i++) {
    const t = ref[i]!;
    if (t.type !== 'string') break;
    // A partial object's last segment is its key even when it is a literal string.
    if (rule.kind === 'partialobject' && i === ref.length - 1) break;
    prefix.push(t.value);
  }
  return { prefix, suffix: ref.slice(i) as Term[] };
}

function makeCompiled(rule: Rule, node: RuleNode, suffix: Term[], mod: Module): CompiledRule {
  const v = rule.kind === 'partialset' ? rule.head.key : rule.head.value;
  return {
    rule,
    kind: rule.kind,
    pkg: mod.package,
    path: node.path,
    suffix,
    args: rule.head.args ?? [],
    constValue:
      (!v || allVars(v).size === 0) && suffix.every((t) => allVars(t).size === 0) && !hasCompound(v),
    clauses: [],
    constClauses: [rule.head.value, ...rule.elses.map((e) => e.value)].map(
      (t) => !t || (allVars(t).size === 0 && !hasCompound(t)),
    ),
    file: mod.packageSpan.source.name,
    line: rule.span.line,
  };
}

/** Terms whose evaluation could iterate (refs, calls, comprehensions) are not "constant". */
function hasCompound(t: Term | undefined): boolean {
  if (!t) return false;
  switch (t.type) {
    case 'ref':
    case 'call':
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return true;
    case 'array':
    case 'set':
      return t.items.some(hasCompound);
    case 'object':
      return t.entries.some(([k, v]) => hasCompound(k) || hasCompound(v));
    default:
      return false;
  }
}

function addToNode(node: RuleNode, cr: CompiledRule, isDefault: boolean, errors: RegoErrorDetail[]): void {
  const existing = node.kind;
  if (existing && existing !== cr.kind && !(isCompleteLike(existing) && isCompleteLike(cr.kind))) {
    errors.push({
      code: 'rego_type_error',
      message: `conflicting rules ${node.name} found`,
      span: cr.rule.span,
    });
    return;
  }
  if (existing === 'function' && cr.kind === 'function') {
    const first = node.rules[0] ?? node.defaultRule;
    if (first && first.args.length !== cr.args.length) {
      errors.push({
        code: 'rego_type_error',
        message: `conflicting rules ${node.name} found`,
        span: cr.rule.span,
      });
      return;
    }
  }
  if (isDefault) {
    if (node.defaultRule) {
      errors.push({
        code: 'rego_type_error',
        message: `multiple default rules ${node.name} found`,
        span: cr.rule.span,
      });
      return;
    }
    node.defaultRule = cr;
  } else {
    node.rules.push(cr);
  }
}

function isCompleteLike(k: string): boolean {
  return k === 'complete' || k === 'partialobject';
}

// ---------------------------------------------------------------------------------------------
// Calls: undefined functions and arity.

function checkCalls(
  tree: RuleTree,
  registry: BuiltinRegistry,
  arity: (n: string) => number | undefined,
  errors: RegoErrorDetail[],
): void {
  for (const node of tree.root.ruleNodes()) {
    for (const cr of [...node.rules, ...(node.defaultRule ? [node.defaultRule] : [])]) {
      checkBodyCalls(cr.rule.body, tree, registry, arity, errors);
      for (const e of cr.rule.elses) checkBodyCalls(e.body, tree, registry, arity, errors);
      for (const t of [cr.rule.head.value, cr.rule.head.key])
        if (t) walkTerm(t, (x) => checkCall(x, tree, registry, arity, errors));
    }
  }
}

function checkBodyCalls(
  body: Body,
  tree: RuleTree,
  registry: BuiltinRegistry,
  arity: (n: string) => number | undefined,
  errors: RegoErrorDetail[],
): void {
  walkBody(body, (t) => checkCall(t, tree, registry, arity, errors));
}

function checkCall(
  t: Term,
  tree: RuleTree,
  registry: BuiltinRegistry,
  arity: (n: string) => number | undefined,
  errors: RegoErrorDetail[],
): void {
  if (t.type === 'setcomp' && t.template) {
    // OPA refuses a template expression calling a relation (`walk`): it has several values.
    const capture = t.body[0]?.node;
    const call = capture?.type === 'unify' ? capture.rhs : undefined;
    if (call?.type === 'call' && registry.get(call.name)?.relation) {
      errors.push({
        code: 'rego_compile_error',
        message: `illegal call to relation built-in '${call.name}' that may cause multiple outputs`,
        span: call.span,
      });
    }
  }
  if (t.type !== 'call') return;
  if (t.name in SPECIAL_ARITY) return;
  if (t.name.startsWith('data.')) {
    const node = tree.get(t.name);
    if (!node?.isFunction) {
      errors.push({ code: 'rego_type_error', message: `undefined function ${t.name}`, span: t.span });
      return;
    }
  } else if (!registry.has(t.name)) {
    errors.push({ code: 'rego_type_error', message: `undefined function ${t.name}`, span: t.span });
    return;
  }
  const a = arity(t.name);
  if (a !== undefined && t.args.length !== a && t.args.length !== a + 1) {
    errors.push({
      code: 'rego_type_error',
      message: `${t.name}: arity mismatch\n\thave: ${t.args.length} operands\n\twant: ${a}`,
      span: t.span,
    });
  }
}

/** Calls `f` for every term in a body, including nested comprehensions, every bodies and withs. */
export function walkBody(body: Body, f: (t: Term) => void): void {
  for (const e of body) {
    const n = e.node;
    switch (n.type) {
      case 'term':
        walkTerm(n.term, f);
        break;
      case 'unify':
      case 'assign':
        walkTerm(n.lhs, f);
        walkTerm(n.rhs, f);
        break;
      case 'somein':
        if (n.key) walkTerm(n.key, f);
        walkTerm(n.value, f);
        walkTerm(n.collection, f);
        break;
      case 'every':
        if (n.key) walkTerm(n.key, f);
        walkTerm(n.value, f);
        walkTerm(n.domain, f);
        walkBody(n.body, f);
        break;
      default:
        break;
    }
    for (const w of e.withs) walkTerm(w.value, f);
  }
}

export function walkTerm(t: Term, f: (t: Term) => void): void {
  f(t);
  switch (t.type) {
    case 'ref':
      walkTerm(t.head, f);
      for (const p of t.path) walkTerm(p, f);
      break;
    case 'array':
    case 'set':
      for (const x of t.items) walkTerm(x, f);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        walkTerm(k, f);
        walkTerm(v, f);
      }
      break;
    case 'call':
      for (const a of t.args) walkTerm(a, f);
      break;
    case 'arraycomp':
    case 'setcomp':
      walkTerm(t.term, f);
      walkBody(t.body, f);
      break;
    case 'objectcomp':
      walkTerm(t.key, f);
      walkTerm(t.value, f);
      walkBody(t.body, f);
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Recursion: a rule may not depend on itself, directly or through other rules or functions.

function dependencies(tree: RuleTree, cr: CompiledRule): Set<RuleNode> {
  const out = new Set<RuleNode>();
  const visit = (t: Term): void => {
    if (t.type === 'call' && t.name.startsWith('data.')) {
      const n = tree.get(t.name);
      if (n) out.add(n);
    } else if (t.type === 'ref' && t.head.type === 'var' && t.head.name === 'data') {
      // Segments that are not literals match any child, so `data[pkg].allow` depends only on
      // the `allow` rules of each package, not on everything under data.
      const match = (node: RuleNode, i: number): void => {
        if (i === t.path.length || node.hasRules) {
          for (const n of node.ruleNodes()) out.add(n);
          return;
        }
        const seg = t.path[i]!;
        const key =
          seg.type === 'string'
            ? seg.value
            : seg.type === 'number' && Number.isInteger(seg.value)
              ? String(seg.value)
              : undefined;
        if (key !== undefined) {
          // A static path that leaves the rule tree reads base data only.
          const child = node.children.get(key);
          if (child) match(child, i + 1);
          return;
        }
        for (const child of node.children.values()) match(child, i + 1);
      };
      match(tree.root, 0);
    }
  };
  walkBody(cr.rule.body, visit);
  for (const e of cr.rule.elses) {
    walkBody(e.body, visit);
    if (e.value) walkTerm(e.value, visit);
  }
  for (const t of [cr.rule.head.value, cr.rule.head.key, ...cr.suffix]) if (t) walkTerm(t, visit);
  return out;
}

function checkRecursion(tree: RuleTree, errors: RegoErrorDetail[]): void {
  const deps = new Map<RuleNode, Set<RuleNode>>();
  for (const node of tree.root.ruleNodes()) {
    const d = new Set<RuleNode>();
    for (const cr of node.rules) for (const n of dependencies(tree, cr)) d.add(n);
    deps.set(node, d);
  }
  const state = new Map<RuleNode, 1 | 2>();
  const stack: RuleNode[] = [];
  const reported = new Set<RuleNode>();
  const dfs = (n: RuleNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const m of deps.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(m));
        if (!reported.has(m)) {
          reported.add(m);
          const names = [...cycle, m].map((x) => x.name).join(' -> ');
          const span = (m.rules[0] ?? m.defaultRule)?.rule.span;
          errors.push({
            code: 'rego_recursion_error',
            message: `rule ${m.name} is recursive: ${names}`,
            span,
          });
        }
      } else if (s === undefined) {
        dfs(m);
      }
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of deps.keys()) if (!state.has(n)) dfs(n);
}

/**
 * Runs the link step over every rule of the tree (constant folding, builtin resolution; the
 * `rego.metadata.*` calls of a rule get that rule's value).
 */
function linkTree(tree: RuleTree, linker: Linker, annotations: AnnotationSet): void {
  const t = (x: Term | undefined): Term | undefined => x && linker.term(x);
  const link = (cr: CompiledRule): CompiledRule => {
    linker.metadata = (name) => (name === METADATA_CHAIN ? annotations.chain(cr) : annotations.rule(cr));
    const r = cr.rule;
    const head = { ...r.head, key: t(r.head.key), value: t(r.head.value) };
    const body = linker.body(r.body);
    const elses = r.elses.map((e) => ({ ...e, body: linker.body(e.body), value: t(e.value) }));
    return {
      ...cr,
      suffix: cr.suffix.map((x) => linker.term(x)),
      rule: { ...r, head, body, elses },
      clauses: [{ body, value: head.value }, ...elses.map((e) => ({ body: e.body, value: e.value }))],
    };
  };
  for (const node of tree.root.ruleNodes()) {
    node.rules.splice(0, node.rules.length, ...node.rules.map(link));
    if (node.defaultRule) node.defaultRule = link(node.defaultRule);
  }
  linker.metadata = undefined;
}
