/**
 * The evaluator: a backtracking, continuation-passing interpreter over the compiled AST.
 *
 * Each `eval*` method takes a continuation and calls it once per solution; a continuation
 * returns `true` to stop the enumeration early (used by negation, `every`, and complete rules
 * whose value is a constant). Bindings live in one Map per rule/function invocation and are
 * undone after the continuation returns, so backtracking needs no copying.
 *
 * Virtual documents are computed to their full extent once per evaluation and cached per rule
 * node; `with` swaps the input, the mocks and the caches for the span of one expression.
 */
import type { Body, Expr, ExprNode, Term, With } from '../ast.ts';
import type { BuiltinContext, BuiltinFn, BuiltinRegistry } from '../builtins/registry.ts';
import { refText } from '../compiler/resolve.ts';
import { pairObjectEntries } from '../compiler/safety.ts';
import type { CompiledRule, RuleNode, RuleTree } from '../compiler/tree.ts';
import { BuiltinError, RegoError, type Span, UndefinedResult } from '../errors.ts';
import {
  canonical,
  equal,
  isObject,
  makeObject,
  ObjectBuilder,
  objGet,
  objSize,
  objSortedEntries,
  RegoSet,
  toRegoString,
  type Value,
} from '../value.ts';
import { DocBuilder, mergeValues } from './docs.ts';
import { type DataMock, type EvalState, type FunctionMock, setPath } from './state.ts';

const MULTI: unique symbol = Symbol('multi');

/** One prefix cache per compiled tree, shared by every evaluation of it. */
const prefixCaches = new WeakMap<RuleTree, WeakMap<Term, { node: RuleNode; depth: number }>>();
function staticPrefixCache(tree: RuleTree): WeakMap<Term, { node: RuleNode; depth: number }> {
  let c = prefixCaches.get(tree);
  if (!c) {
    c = new WeakMap();
    prefixCaches.set(tree, c);
  }
  return c;
}

type K = () => boolean;
type VK = (v: Value) => boolean;

export interface EvaluatorOptions {
  readonly input?: Value | undefined;
  readonly strictBuiltinErrors?: boolean | undefined;
  readonly maxSteps?: number | undefined;
  readonly timeoutMs?: number | undefined;
  readonly explain?: boolean | undefined;
  readonly print?: ((msg: string) => void) | undefined;
  readonly nowNs?: bigint | undefined;
}

const TRUE_TERM: Term = { type: 'boolean', value: true, span: undefined as unknown as Span };

export class Evaluator {
  private env = new Map<string, Value>();
  /** Number of rule/function frames entered (0 while evaluating the query itself). */
  private depth = 0;
  /** Whether the last complete-rule value came from an `else` clause (for conflict wording). */
  private lastFromElse = false;
  private state: EvalState;
  private readonly strict: boolean;
  private readonly maxSteps: number;
  private readonly deadline: number;
  private readonly ctx: BuiltinContext;
  /** Static prefix of each `data` ref in the rule tree (the tree never changes). */
  private readonly staticPrefix: WeakMap<Term, { node: RuleNode; depth: number }>;
  /** Rules that produced a value, in order (for explanations). */
  readonly explained: CompiledRule[] | undefined;
  steps = 0;

  private readonly tree: RuleTree;
  private readonly baseData: Value;
  private readonly registry: BuiltinRegistry;

  constructor(tree: RuleTree, baseData: Value, registry: BuiltinRegistry, opts: EvaluatorOptions) {
    this.tree = tree;
    this.staticPrefix = staticPrefixCache(tree);
    this.baseData = baseData;
    this.registry = registry;
    this.state = {
      input: opts.input,
      dataMocks: [],
      fnMocks: undefined,
      docCache: new Map(),
      fnCache: new Map(),
    };
    this.strict = opts.strictBuiltinErrors ?? false;
    this.maxSteps = opts.maxSteps ?? Number.POSITIVE_INFINITY;
    this.deadline =
      opts.timeoutMs !== undefined ? performance.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
    this.explained = opts.explain ? [] : undefined;
    const print = opts.print ?? (() => {});
    this.ctx = {
      nowNs: opts.nowNs ?? BigInt(Date.now()) * 1_000_000n,
      cache: new Map(),
      print,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Entry points

  /** Value of the document at a `data` path (undefined when undefined). */
  evalPath(path: readonly string[]): Value | undefined {
    let out: Value | undefined;
    this.evalDataRef(
      path.map((p) => ({ type: 'string', value: p, span: TRUE_TERM.span })),
      0,
      (v) => {
        out = v;
        return true;
      },
    );
    return out;
  }

  /** Runs a compiled query; calls `onResult` with the bindings of each solution. */
  evalQuery(body: Body, onResult: (bindings: ReadonlyMap<string, Value>) => boolean | undefined): void {
    this.evalBody(body, 0, () => onResult(this.env) === true);
  }

  // -------------------------------------------------------------------------------------------
  // Bodies and expressions

  private step(span: Span): void {
    this.steps++;
    if (this.steps > this.maxSteps) {
      throw new RegoError(
        'eval_limit_error',
        `evaluation exceeded the limit of ${this.maxSteps} steps`,
        span,
      );
    }
    if ((this.steps & 255) === 0 && performance.now() > this.deadline) {
      throw new RegoError('eval_limit_error', 'evaluation exceeded its time limit', span);
    }
  }

  evalBody(body: Body, i: number, k: K): boolean {
    if (i === body.length) return k();
    const e = body[i]!;
    return this.evalExpr(e, i + 1 === body.length ? k : () => this.evalBody(body, i + 1, k));
  }

  private evalExpr(e: Expr, k: K): boolean {
    this.step(e.span);
    if (e.withs.length > 0) return this.evalWith(e, k);
    if (e.negated) return this.evalNot(e.node, k);
    return this.evalNode(e.node, k);
  }

  private evalNot(n: ExprNode, k: K): boolean {
    const found = this.evalNode(n, () => true);
    return found ? false : k();
  }

  private evalNode(n: ExprNode, k: K): boolean {
    switch (n.type) {
      case 'term':
        return this.evalTerm(n.term, (v) => (v === false ? false : k()));
      case 'unify':
        return this.unifyTerms(n.lhs, n.rhs, k);
      case 'assign':
        return this.evalTerm(n.rhs, (v) => this.unify(n.lhs, v, k));
      case 'some':
        return k();
      case 'somein':
        return this.evalTerm(n.collection, (coll) =>
          this.iterate(coll, (key, val) =>
            n.key ? this.unify(n.key, key, () => this.unify(n.value, val, k)) : this.unify(n.value, val, k),
          ),
        );
      case 'every':
        return this.evalTerm(n.domain, (coll) => {
          const ok = !this.iterate(coll, (key, val) => {
            const found = n.key
              ? this.unify(n.key, key, () =>
                  this.unify(n.value, val, () => this.evalBody(n.body, 0, () => true)),
                )
              : this.unify(n.value, val, () => this.evalBody(n.body, 0, () => true));
            return !found; // stop iterating at the first element whose body fails
          });
          return ok ? k() : false;
        });
    }
  }

  /** Calls f for each (key, value) of a collection in OPA's order; stops when f returns true. */
  private iterate(coll: Value, f: (key: Value, val: Value) => boolean): boolean {
    if (Array.isArray(coll)) {
      for (let i = 0; i < coll.length; i++) if (f(i, coll[i] as Value)) return true;
      return false;
    }
    if (coll instanceof RegoSet) {
      for (const x of coll.sorted()) if (f(x, x)) return true;
      return false;
    }
    if (isObject(coll)) {
      for (const [key, val] of objSortedEntries(coll)) if (f(key, val)) return true;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // with

  private evalWith(e: Expr, k: K): boolean {
    return this.evalWithValues(e.withs, 0, [], (mocks) => {
      const outer = this.state;
      const inner = this.applyWiths(e.withs, mocks);
      const resume: K = () => {
        this.state = outer;
        try {
          return k();
        } finally {
          this.state = inner;
        }
      };
      this.state = inner;
      try {
        return e.negated ? this.evalNot(e.node, resume) : this.evalNode(e.node, resume);
      } finally {
        this.state = outer;
      }
    });
  }

  /** Evaluates each `with` value (a function reference is taken as a function, not called). */
  private evalWithValues(
    ws: readonly With[],
    i: number,
    acc: WithValue[],
    k: (m: WithValue[]) => boolean,
  ): boolean {
    if (i === ws.length) return k(acc);
    const w = ws[i]!;
    const fn = this.functionRef(w.value);
    if (fn) return this.evalWithValues(ws, i + 1, [...acc, { mock: fn }], k);
    return this.evalTerm(w.value, (v) => this.evalWithValues(ws, i + 1, [...acc, { value: v }], k));
  }

  private functionRef(t: Term): FunctionMock | undefined {
    const text = refText(t);
    if (text === undefined) return undefined;
    if (text.startsWith('data.')) {
      const node = this.tree.get(text);
      return node?.isFunction ? { kind: 'function', node } : undefined;
    }
    if (t.type === 'var' && this.env.has(t.name)) return undefined;
    if (this.registry.has(text)) return { kind: 'builtin', name: text };
    return undefined;
  }

  private applyWiths(ws: readonly With[], vals: WithValue[]): EvalState {
    const s = this.state;
    let input = s.input;
    let dataMocks: DataMock[] | undefined;
    let fnMocks: Map<string, FunctionMock> | undefined;
    ws.forEach((w, i) => {
      const v = vals[i]!;
      const t = w.target;
      const root =
        t.type === 'var' ? t.name : t.type === 'ref' && t.head.type === 'var' ? t.head.name : undefined;
      const path =
        t.type === 'ref' ? t.path.map((p) => (p.type === 'string' ? p.value : canonical(p as never))) : [];
      if (root === 'input' && v.value !== undefined) {
        input = setPath(input, path, v.value);
      } else if (
        root === 'data' &&
        v.value !== undefined &&
        !this.tree.get(['data', ...path].join('.'))?.isFunction
      ) {
        dataMocks ??= [...s.dataMocks];
        dataMocks.push({ path, value: v.value });
      } else {
        const name = root === 'data' ? ['data', ...path].join('.') : (refText(t) ?? '');
        fnMocks ??= new Map(s.fnMocks ?? []);
        fnMocks.set(name, v.mock ?? { kind: 'value', value: v.value as Value });
      }
    });
    return {
      input,
      dataMocks: dataMocks ?? s.dataMocks,
      fnMocks: fnMocks ?? s.fnMocks,
      docCache: new Map(),
      fnCache: new Map(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Terms

  /** True when a term can be evaluated now (its non-iteration vars are bound). */
  private canEval(t: Term): boolean {
    switch (t.type) {
      case 'var':
        return this.env.has(t.name) || t.name === 'input' || t.name === 'data';
      case 'ref':
        return t.head.type === 'var' ? this.canEval(t.head) : this.canEval(t.head);
      case 'array':
      case 'set':
        return t.items.every((x) => this.canEval(x));
      case 'object':
        return t.entries.every(([a, b]) => this.canEval(a) && this.canEval(b));
      case 'call':
        return t.args.every((x) => this.canEval(x));
      default:
        return true;
    }
  }

  evalTerm(t: Term, vk: VK): boolean {
    const d = this.direct(t);
    if (d !== MULTI) return d === undefined ? false : vk(d);
    switch (t.type) {
      case 'null':
        return vk(null);
      case 'boolean':
      case 'string':
      case 'number':
      case 'const':
        return vk(t.value);
      case 'var': {
        if (t.name === 'input') return this.state.input === undefined ? false : vk(this.state.input);
        if (t.name === 'data') return this.evalDataRef([], 0, vk);
        const v = this.env.get(t.name);
        return v === undefined ? false : vk(v);
      }
      case 'ref':
        return this.evalRef(t, vk);
      case 'array':
        return this.evalTerms(t.items, 0, [], (vals) => vk(vals));
      case 'set':
        return this.evalTerms(t.items, 0, [], (vals) => vk(new RegoSet(vals)));
      case 'object': {
        const keys = t.entries.map((e) => e[0]);
        const vals = t.entries.map((e) => e[1]);
        return this.evalTerms(keys, 0, [], (ks) =>
          this.evalTerms(vals, 0, [], (vs) => {
            const b = new ObjectBuilder();
            for (let i = 0; i < ks.length; i++) {
              const prev = b.get(ks[i]!);
              if (prev !== undefined && !equal(prev, vs[i]!)) {
                throw new RegoError('eval_conflict_error', 'object keys must be unique', t.span);
              }
              b.set(ks[i]!, vs[i]!);
            }
            return vk(b.build());
          }),
        );
      }
      case 'arraycomp': {
        const out: Value[] = [];
        this.evalBody(t.body, 0, () =>
          this.evalTerm(t.term, (v) => {
            out.push(v);
            return false;
          }),
        );
        return vk(out);
      }
      case 'setcomp': {
        const out = new RegoSet();
        this.evalBody(t.body, 0, () =>
          this.evalTerm(t.term, (v) => {
            out.add(v);
            return false;
          }),
        );
        return vk(out);
      }
      case 'objectcomp': {
        const out = new ObjectBuilder();
        this.evalBody(t.body, 0, () =>
          this.evalTerm(t.key, (key) =>
            this.evalTerm(t.value, (val) => {
              const prev = out.get(key);
              if (prev !== undefined && !equal(prev, val)) {
                throw new RegoError('eval_conflict_error', 'object keys must be unique', t.span);
              }
              out.set(key, val);
              return false;
            }),
          ),
        );
        return vk(out.build());
      }
      case 'call':
        return this.evalCall(t, vk);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Direct evaluation: most terms have exactly one value or none. Computing it without
  // continuations avoids closures on the hot path; MULTI sends the term to the general
  // (iterating) path instead.

  /** The single value of a term, undefined when it has none, or MULTI when it may iterate. */
  private direct(t: Term): Value | undefined | typeof MULTI {
    switch (t.type) {
      case 'null':
        return null;
      case 'boolean':
      case 'string':
      case 'number':
      case 'const':
        return t.value;
      case 'var': {
        if (t.name === 'input') return this.state.input;
        if (t.name === 'data') return MULTI;
        const v = this.env.get(t.name);
        return v === undefined ? MULTI : v;
      }
      case 'ref':
        return this.directRef(t);
      case 'call':
        return this.directCall(t);
      case 'array': {
        const out: Value[] = new Array(t.items.length);
        for (let i = 0; i < t.items.length; i++) {
          const d = this.direct(t.items[i]!);
          if (d === MULTI || d === undefined) return d;
          out[i] = d;
        }
        return out;
      }
      case 'set': {
        const out = new RegoSet();
        for (const item of t.items) {
          const d = this.direct(item);
          if (d === MULTI || d === undefined) return d;
          out.add(d);
        }
        return out;
      }
      case 'object': {
        const b = new ObjectBuilder();
        for (const [kt, vt] of t.entries) {
          const k = this.direct(kt);
          if (k === MULTI || k === undefined) return k;
          const v = this.direct(vt);
          if (v === MULTI || v === undefined) return v;
          const prev = b.get(k);
          if (prev !== undefined && !equal(prev, v)) {
            throw new RegoError('eval_conflict_error', 'object keys must be unique', t.span);
          }
          b.set(k, v);
        }
        return b.build();
      }
      default:
        // Comprehensions always have exactly one value; the general path computes it.
        return MULTI;
    }
  }

  private directRef(t: Extract<Term, { type: 'ref' }>): Value | undefined | typeof MULTI {
    const head = t.head;
    let cur: Value | undefined;
    const i = 0;
    if (head.type === 'var') {
      if (head.name === 'data') return this.directData(t);
      if (head.name === 'input') cur = this.state.input;
      else {
        cur = this.env.get(head.name);
        if (cur === undefined) return MULTI;
      }
    } else {
      const d = this.direct(head);
      if (d === MULTI) return MULTI;
      cur = d;
    }
    return this.directPath(cur, t.path, i);
  }

  /** Indexes `cur` by `path[i..]` while every segment is known. */
  private directPath(
    cur: Value | undefined,
    path: readonly Term[],
    i: number,
    base = false,
  ): Value | undefined | typeof MULTI {
    for (; i < path.length; i++) {
      if (cur === undefined) return undefined;
      const seg = path[i]!;
      let key: Value;
      if (seg.type === 'string' || seg.type === 'number') key = seg.value;
      else if (seg.type === 'var') {
        const v = this.env.get(seg.name);
        if (v === undefined) return MULTI;
        key = v;
      } else {
        const d = this.direct(seg);
        if (d === MULTI || d === undefined) return d;
        key = d;
      }
      cur = base ? indexBase(cur, key) : index(cur, key);
    }
    return cur;
  }

  /** `data.…` with known segments: the rule tree's static prefix is resolved once per term. */
  private directData(t: Extract<Term, { type: 'ref' }>): Value | undefined | typeof MULTI {
    if (this.state.dataMocks.length > 0) return MULTI;
    let start = this.staticPrefix.get(t);
    if (!start) {
      let node = this.tree.root;
      let depth = 0;
      for (const seg of t.path) {
        if (node.hasRules || seg.type !== 'string') break;
        const child = node.children.get(seg.value);
        if (!child) break;
        node = child;
        depth++;
      }
      start = { node, depth };
      this.staticPrefix.set(t, start);
    }
    let node = start.node;
    let i = start.depth;
    const path = t.path;
    for (; i < path.length; i++) {
      if (node.hasRules) return this.directPath(this.nodeValue(node), path, i);
      const seg = path[i]!;
      let key: Value | undefined;
      if (seg.type === 'string' || seg.type === 'number') key = seg.value;
      else if (seg.type === 'var') key = this.env.get(seg.name);
      if (typeof key === 'number' && Number.isInteger(key)) key = String(key);
      if (typeof key !== 'string') return MULTI;
      const child = node.children.get(key);
      if (!child) return this.directPath(this.baseAt(node.path), path, i, true);
      node = child;
    }
    return this.nodeValue(node);
  }

  private directCall(t: Extract<Term, { type: 'call' }>): Value | undefined | typeof MULTI {
    if (this.state.fnMocks !== undefined) return MULTI;
    const b = t.builtin;
    if (b) {
      if (b.relation || b.variadic || t.args.length !== b.arity) return MULTI;
      const args = this.directArgs(t.args);
      if (args === MULTI || args === undefined) return args;
      return this.invokeBuiltin(b.name, b.fn, args, t.span);
    }
    if (!t.name.startsWith('data.')) return MULTI;
    const node = this.tree.get(t.name);
    if (!node) return MULTI;
    const arity = (node.rules[0] ?? node.defaultRule)?.args.length ?? 0;
    if (t.args.length !== arity) return MULTI;
    const args = this.directArgs(t.args);
    if (args === MULTI || args === undefined) return args;
    return this.callFunction(node, args);
  }

  private directArgs(ts: readonly Term[]): Value[] | undefined | typeof MULTI {
    const out: Value[] = new Array(ts.length);
    for (let i = 0; i < ts.length; i++) {
      const d = this.direct(ts[i]!);
      if (d === MULTI || d === undefined) return d;
      out[i] = d;
    }
    return out;
  }

  /** Calls a builtin; turns its errors into RegoError (strict) or undefined (non-strict). */
  private invokeBuiltin(name: string, fn: BuiltinFn, args: Value[], span: Span): Value | undefined {
    try {
      return fn(args, this.ctx);
    } catch (e) {
      if (e instanceof UndefinedResult) return undefined;
      // A builtin's RegoError halts in both modes; it gets the call's location when it has none.
      if (e instanceof RegoError)
        throw e.span || e.details.length !== 1 ? e : new RegoError(e.code, e.details[0]!.message, span);
      const kind = e instanceof BuiltinError ? e.kind : 'eval_builtin_error';
      if (!this.strict) return undefined;
      const msg = e instanceof Error ? e.message : String(e);
      throw new RegoError(kind, `${name}: ${msg}`, span);
    }
  }

  /**
   * Evaluates call arguments: those that can be evaluated now go first, so a ref argument binds
   * the vars another argument reads (`foo == xs[foo]`).
   */
  private evalArgs(ts: readonly Term[], k: (vals: Value[]) => boolean): boolean {
    if (ts.every((t) => this.canEval(t) || t.type !== 'var')) return this.evalTerms(ts, 0, [], k);
    const vals: Value[] = new Array(ts.length);
    const done: boolean[] = ts.map(() => false);
    const step = (left: number): boolean => {
      if (left === 0) return k(vals.slice());
      let idx = ts.findIndex((t, i) => !done[i] && this.canEval(t));
      if (idx < 0) idx = done.indexOf(false);
      done[idx] = true;
      try {
        return this.evalTerm(ts[idx]!, (v) => {
          vals[idx] = v;
          return step(left - 1);
        });
      } finally {
        done[idx] = false;
      }
    };
    return step(ts.length);
  }

  /** Evaluates a list of terms (cartesian product over their solutions). */
  private evalTerms(ts: readonly Term[], i: number, acc: Value[], k: (vals: Value[]) => boolean): boolean {
    if (i === ts.length) return k(acc.slice());
    return this.evalTerm(ts[i]!, (v) => {
      acc[i] = v;
      return this.evalTerms(ts, i + 1, acc, k);
    });
  }

  // -------------------------------------------------------------------------------------------
  // References

  private evalRef(t: Extract<Term, { type: 'ref' }>, vk: VK): boolean {
    const head = t.head;
    if (head.type === 'var') {
      if (head.name === 'data') return this.evalDataRef(t.path, 0, vk);
      if (head.name === 'input') {
        const input = this.state.input;
        return input === undefined ? false : this.walk(input, t.path, 0, vk);
      }
      const v = this.env.get(head.name);
      return v === undefined ? false : this.walk(v, t.path, 0, vk);
    }
    return this.evalTerm(head, (v) => this.walk(v, t.path, 0, vk));
  }

  /** Follows `path[i..]` into a value, iterating where a segment is not bound. */
  private walk(value: Value, path: readonly Term[], i: number, vk: VK, base = false): boolean {
    const at = base ? indexBase : index;
    if (i === path.length) return vk(value);
    const seg = path[i]!;
    if (seg.type === 'string' || seg.type === 'number') {
      const next = at(value, seg.value);
      return next === undefined ? false : this.walk(next, path, i + 1, vk, base);
    }
    if (seg.type === 'var') {
      const bound = this.env.get(seg.name);
      if (bound !== undefined) {
        const next = at(value, bound);
        return next === undefined ? false : this.walk(next, path, i + 1, vk, base);
      }
      const name = seg.name;
      const wildcard = name.startsWith('$_');
      return this.iterate(value, (key, val) => {
        if (wildcard) return this.walk(val, path, i + 1, vk, base);
        this.env.set(name, key);
        try {
          return this.walk(val, path, i + 1, vk, base);
        } finally {
          this.env.delete(name);
        }
      });
    }
    if (this.canEval(seg)) {
      return this.evalTerm(seg, (key) => {
        const next = at(value, key);
        return next === undefined ? false : this.walk(next, path, i + 1, vk, base);
      });
    }
    return this.iterate(value, (key, val) =>
      this.unify(seg, key, () => this.walk(val, path, i + 1, vk, base)),
    );
  }

  /** Resolves `data.<path>`: descends the rule tree, then the computed or base document. */
  private evalDataRef(path: readonly Term[], start: number, vk: VK): boolean {
    let node = this.tree.root;
    const consumed: string[] = [];
    for (let i = start; i < path.length; i++) {
      if (this.state.dataMocks.length > 0) {
        const m = this.mockAt(consumed);
        if (m !== undefined) return this.walk(m, path, i, vk, true);
      }
      if (node.hasRules) return this.withDoc(this.nodeValue(node), path, i, vk);
      const seg = path[i]!;
      let key: Value | undefined;
      if (seg.type === 'string') key = seg.value;
      else if (seg.type === 'var') key = this.env.get(seg.name);
      // Paths into data are storage paths: an integer segment names the key "2".
      if (typeof key === 'number' && Number.isInteger(key)) key = String(key);
      if (typeof key === 'string') {
        const child = node.children.get(key);
        if (child) {
          node = child;
          consumed.push(key);
          continue;
        }
        // No rules down there: only base data (and mocks) can answer.
        if (!node.hasRules) {
          const base = this.baseAt(consumed);
          return base === undefined ? false : this.walk(base, path, i, vk, true);
        }
      }
      return this.withDoc(this.nodeValue(node), path, i, vk);
    }
    if (this.state.dataMocks.length > 0) {
      const m = this.mockAt(consumed);
      if (m !== undefined) return vk(m);
    }
    const v = this.nodeValue(node);
    return v === undefined ? false : vk(v);
  }

  private withDoc(v: Value | undefined, path: readonly Term[], i: number, vk: VK): boolean {
    return v === undefined ? false : this.walk(v, path, i, vk);
  }

  private mockAt(path: readonly string[]): Value | undefined {
    for (let j = this.state.dataMocks.length - 1; j >= 0; j--) {
      const m = this.state.dataMocks[j]!;
      if (m.path.length <= path.length && m.path.every((p, x) => p === path[x])) {
        let v: Value | undefined = m.value;
        for (let x = m.path.length; x < path.length && v !== undefined; x++) v = index(v, path[x]!);
        return v;
      }
    }
    return undefined;
  }

  /** Base document at a path, with data mocks below it applied. */
  private baseAt(path: readonly string[]): Value | undefined {
    let v: Value | undefined = this.baseData;
    for (const p of path) {
      if (v === undefined) break;
      v = index(v, p);
    }
    return this.applyMocksBelow(path, v);
  }

  private applyMocksBelow(path: readonly string[], v: Value | undefined): Value | undefined {
    let out = v;
    for (const m of this.state.dataMocks) {
      if (m.path.length > path.length && path.every((p, x) => p === m.path[x])) {
        out = setPath(out ?? makeObject([]), m.path.slice(path.length), m.value);
      }
    }
    return out;
  }

  /** Full value of the document at a rule-tree node (cached per evaluation). */
  nodeValue(node: RuleNode): Value | undefined {
    const cache = this.state.docCache;
    if (cache.has(node.id)) return cache.get(node.id);
    let v: Value | undefined;
    if (node.isFunction) {
      v = undefined;
    } else if (node.hasRules) {
      v = this.evalRules(node);
      if (node.children.size > 0 && v !== undefined && isObject(v)) v = this.mergeChildren(node, v);
    } else {
      v = this.mergeChildren(node, makeObject([]));
      // Where a base document and a rule define the same key, OPA returns the base document.
      const base = this.baseAt(node.path);
      if (base !== undefined) v = mergeValues(v, base);
    }
    if (this.state.dataMocks.length > 0 && node.path.length > 0 && v !== undefined)
      v = this.applyMocksBelow(node.path, v);
    cache.set(node.id, v);
    return v;
  }

  private mergeChildren(node: RuleNode, v: Value): Value {
    const entries: [Value, Value][] = [];
    for (const [name, child] of node.children) {
      if (child.isFunction) continue;
      const cv = this.nodeValue(child);
      if (cv !== undefined) entries.push([name, cv]);
    }
    return entries.length === 0 ? v : mergeValues(v, makeObject(entries));
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  private evalRules(node: RuleNode): Value | undefined {
    switch (node.kind) {
      case 'partialset': {
        if (node.rules.some((r) => r.suffix.length > 0)) return this.evalObjectRules(node);
        const set = new RegoSet();
        for (const cr of node.rules) {
          this.inFrame(() =>
            this.evalBody(cr.rule.body, 0, () =>
              this.evalTerm(cr.rule.head.key!, (v) => {
                if (set.add(v)) this.explain(cr);
                return false;
              }),
            ),
          );
        }
        return set;
      }
      case 'partialobject':
      case 'complete': {
        if (node.rules.some((r) => r.suffix.length > 0)) return this.evalObjectRules(node);
        // OPA words a conflict between the solutions of one rule differently from a conflict
        // between rules.
        const within = CONFLICT_WITHIN;
        const msg = CONFLICT_ACROSS;
        let result: Value | undefined;
        let resultFromElse = false;
        const top = this.depth === 0;
        for (const cr of node.rules) {
          const v = this.evalCompleteRule(cr, [], top ? within : msg);
          if (v === undefined) continue;
          if (result !== undefined && !equal(result, v)) {
            // OPA reports two else-values of the queried rule itself with the per-rule wording.
            const m = top && resultFromElse && this.lastFromElse ? within : msg;
            throw new RegoError('eval_conflict_error', conflictMessage(m, cr), cr.rule.span);
          }
          result = v;
          resultFromElse = this.lastFromElse;
        }
        if (result === undefined && node.defaultRule)
          result = this.evalCompleteRule(node.defaultRule, [], within);
        return result;
      }
      default:
        return undefined;
    }
  }

  /** Runs fn with a fresh binding frame. */
  private inFrame<T>(fn: () => T): T {
    const saved = this.env;
    this.env = new Map();
    this.depth++;
    try {
      return fn();
    } finally {
      this.env = saved;
      this.depth--;
    }
  }

  private explain(cr: CompiledRule): void {
    if (this.explained && !this.explained.includes(cr)) this.explained.push(cr);
  }

  /**
   * Value of one complete rule (or function body, when args are given), trying its `else`
   * clauses in order when the body is undefined.
   */
  private evalCompleteRule(
    cr: CompiledRule,
    args: readonly Value[],
    conflict: ConflictKind = CONFLICT_ACROSS,
  ): Value | undefined {
    const clauses = cr.clauses;
    for (let ci = 0; ci < clauses.length; ci++) {
      const c = clauses[ci]!;
      const stopEarly = cr.suffix.length === 0 && cr.constClauses[ci] === true;
      let value: Value | undefined;
      this.inFrame(() =>
        this.unifyArgs(cr.args, args, 0, () =>
          this.evalBody(c.body, 0, () =>
            this.evalTerm(c.value ?? TRUE_TERM, (v) => {
              if (value !== undefined && !equal(value, v)) {
                throw new RegoError('eval_conflict_error', conflictMessage(conflict, cr), cr.rule.span);
              }
              value = v;
              return stopEarly;
            }),
          ),
        ),
      );
      if (value !== undefined) {
        this.explain(cr);
        this.lastFromElse = ci > 0;
        return value;
      }
    }
    return undefined;
  }

  private unifyArgs(patterns: readonly Term[], args: readonly Value[], i: number, k: K): boolean {
    if (i === patterns.length) return k();
    return this.unify(patterns[i]!, args[i]!, () => this.unifyArgs(patterns, args, i + 1, k));
  }

  /** Partial objects and ref-head rules: builds the nested object from every rule's solutions. */
  private evalObjectRules(node: RuleNode): Value {
    const doc = new DocBuilder(node.name);
    for (const cr of node.rules) {
      if (cr.suffix.length === 0) {
        const v = this.evalCompleteRule(cr, []);
        if (v !== undefined) doc.setRoot(v, cr.rule.span);
        continue;
      }
      const isSet = cr.kind === 'partialset';
      this.inFrame(() =>
        this.evalBody(cr.rule.body, 0, () =>
          this.evalTerms(cr.suffix, 0, [], (keys) =>
            this.evalTerm((isSet ? cr.rule.head.key : cr.rule.head.value) ?? TRUE_TERM, (v) => {
              if (isSet) doc.addToSet(keys, v, cr.rule.span);
              else doc.insert(keys, v, cr.rule.span);
              this.explain(cr);
              return false;
            }),
          ),
        ),
      );
    }
    return doc.build();
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  private evalCall(t: Extract<Term, { type: 'call' }>, vk: VK): boolean {
    const name = t.name;
    if (name === 'print' || name === 'internal.print') return this.evalPrint(t, vk);
    const mock = this.state.fnMocks?.get(name);
    if (mock) return this.callMock(t, mock, vk);
    if (name.startsWith('data.')) {
      const node = this.tree.get(name);
      if (!node) return false;
      return this.callFunctionNode(t, node, vk);
    }
    return this.callBuiltin(t, name, vk);
  }

  private callMock(t: Extract<Term, { type: 'call' }>, mock: FunctionMock, vk: VK): boolean {
    switch (mock.kind) {
      case 'function': {
        // The replacement sees the real builtins and functions (it may call the original).
        const outer = this.state;
        const unmocked: EvalState = { ...outer, fnMocks: undefined, fnCache: new Map(), docCache: new Map() };
        return this.callFunctionNode(
          t,
          mock.node,
          (v) => {
            this.state = outer;
            return vk(v);
          },
          unmocked,
        );
      }
      case 'builtin':
        return this.callBuiltin(t, mock.name, vk);
      case 'value': {
        // A value mock replaces the call's result whatever the arguments.
        const arity = this.declaredArity(t.name);
        const hasOut = arity !== undefined && t.args.length === arity + 1;
        const ins = hasOut ? t.args.slice(0, -1) : t.args;
        return this.evalTerms(ins, 0, [], () =>
          hasOut ? this.unify(t.args[t.args.length - 1]!, mock.value, () => vk(true)) : vk(mock.value),
        );
      }
    }
  }

  private declaredArity(name: string): number | undefined {
    if (name.startsWith('data.')) {
      const n = this.tree.get(name);
      const r = n?.rules[0] ?? n?.defaultRule;
      return r?.args.length;
    }
    return this.registry.get(name)?.arity;
  }

  private callFunctionNode(
    t: Extract<Term, { type: 'call' }>,
    node: RuleNode,
    vk: VK,
    state?: EvalState,
  ): boolean {
    const arity = (node.rules[0] ?? node.defaultRule)?.args.length ?? 0;
    const hasOut = t.args.length === arity + 1;
    const ins = hasOut ? t.args.slice(0, -1) : t.args;
    return this.evalArgs(ins, (args) => {
      let result: Value | undefined;
      if (state) {
        const outer = this.state;
        this.state = state;
        try {
          result = this.callFunction(node, args);
        } finally {
          this.state = outer;
        }
      } else {
        result = this.callFunction(node, args);
      }
      if (result === undefined) return false;
      return hasOut ? this.unify(t.args[t.args.length - 1]!, result, () => vk(true)) : vk(result);
    });
  }

  /** Calls a user function with argument values; undefined when no body applies. */
  callFunction(node: RuleNode, args: Value[]): Value | undefined {
    const key = `${node.id}:${args.map(canonical).join(',')}`;
    const cache = this.state.fnCache;
    if (cache.has(key)) return cache.get(key);
    let result: Value | undefined;
    const conflict = CONFLICT_FUNCTION;
    for (const cr of node.rules) {
      const v = this.evalCompleteRule(cr, args, conflict);
      if (v === undefined) continue;
      if (result !== undefined && !equal(result, v)) {
        throw new RegoError('eval_conflict_error', conflictMessage(conflict, cr), cr.rule.span);
      }
      result = v;
    }
    if (result === undefined && node.defaultRule)
      result = this.evalCompleteRule(node.defaultRule, args, conflict);
    cache.set(key, result);
    return result;
  }

  private callBuiltin(t: Extract<Term, { type: 'call' }>, name: string, vk: VK): boolean {
    const b = t.builtin && t.builtin.name === name ? t.builtin : this.registry.get(name);
    if (!b) throw new RegoError('eval_internal_error', `undefined function ${name}`, t.span);
    const hasOut = !b.variadic && t.args.length === b.arity + 1;
    const ins = hasOut ? t.args.slice(0, -1) : t.args;
    return this.evalArgs(ins, (args) => {
      const result = this.invokeBuiltin(name, b.fn, args, t.span);
      if (result === undefined) return false;
      const emit = (v: Value): boolean =>
        hasOut ? this.unify(t.args[t.args.length - 1]!, v, () => vk(true)) : vk(v);
      if (b.relation) {
        for (const v of result as Value[]) if (emit(v)) return true;
        return false;
      }
      return emit(result);
    });
  }

  private evalPrint(t: Extract<Term, { type: 'call' }>, vk: VK): boolean {
    const parts = t.args.map((a) => {
      let s = '<undefined>';
      this.evalTerm(a, (v) => {
        s = typeof v === 'string' ? v : toRegoString(v);
        return true;
      });
      return s;
    });
    this.ctx.print(parts.join(' '));
    return vk(true);
  }

  // -------------------------------------------------------------------------------------------
  // Unification

  /** Unifies a term (a pattern that may contain unbound vars) with a value. */
  unify(t: Term, value: Value, k: K): boolean {
    switch (t.type) {
      case 'var': {
        const name = t.name;
        if (name === 'input' || name === 'data')
          return this.evalTerm(t, (v) => (equal(v, value) ? k() : false));
        const bound = this.env.get(name);
        if (bound !== undefined) return equal(bound, value) ? k() : false;
        if (name.startsWith('$_')) return k();
        this.env.set(name, value);
        try {
          return k();
        } finally {
          this.env.delete(name);
        }
      }
      case 'null':
        return value === null ? k() : false;
      case 'boolean':
      case 'string':
        return value === t.value ? k() : false;
      case 'number':
        return equal(t.value, value) ? k() : false;
      case 'array':
        if (!Array.isArray(value) || value.length !== t.items.length) return false;
        return this.unifyItems(t.items, value, 0, k);
      case 'object': {
        if (!isObject(value)) return false;
        if (objSize(value) !== t.entries.length) return false;
        return this.unifyEntries(t.entries, value, 0, k);
      }
      default:
        return this.evalTerm(t, (v) => (equal(v, value) ? k() : false));
    }
  }

  private unifyItems(items: readonly Term[], values: readonly Value[], i: number, k: K): boolean {
    if (i === items.length) return k();
    return this.unify(items[i]!, values[i]!, () => this.unifyItems(items, values, i + 1, k));
  }

  private unifyEntries(entries: readonly (readonly [Term, Term])[], obj: Value, i: number, k: K): boolean {
    if (i === entries.length) return k();
    const [kt, vt] = entries[i]!;
    return this.evalTerm(kt, (key) => {
      const v = objGet(obj as never, key);
      return v === undefined ? false : this.unify(vt, v, () => this.unifyEntries(entries, obj, i + 1, k));
    });
  }

  /** `a = b`: evaluates whichever side can be evaluated and matches the other against it. */
  private unifyTerms(a: Term, b: Term, k: K): boolean {
    if (this.canEval(b)) return this.evalTerm(b, (v) => this.unify(a, v, k));
    if (this.canEval(a)) return this.evalTerm(a, (v) => this.unify(b, v, k));
    if (a.type === 'array' && b.type === 'array') {
      if (a.items.length !== b.items.length) return false;
      const pair = (i: number): boolean =>
        i === a.items.length ? k() : this.unifyTerms(a.items[i]!, b.items[i]!, () => pair(i + 1));
      return pair(0);
    }
    if (a.type === 'object' && b.type === 'object' && a.entries.length === b.entries.length) {
      const pairs = pairObjectEntries(a, b);
      if (!pairs) return false;
      const pair = (i: number): boolean =>
        i === pairs.length ? k() : this.unifyTerms(pairs[i]![0], pairs[i]![1], () => pair(i + 1));
      return pair(0);
    }
    return false;
  }
}

type ConflictKind = 'within' | 'across' | 'function';
const CONFLICT_WITHIN: ConflictKind = 'within';
const CONFLICT_ACROSS: ConflictKind = 'across';
const CONFLICT_FUNCTION: ConflictKind = 'function';

/** OPA's wording for each kind of conflict (built only when one happens). */
function conflictMessage(kind: ConflictKind, cr: CompiledRule): string {
  // OPA has worded these two ways over its releases; the message carries both so tools that
  // match either wording recognise it.
  const name = ['data', ...cr.path].join('.');
  switch (kind) {
    case 'within':
    case 'across':
      return `rule ${name} produced conflicting values (complete rules must not produce multiple outputs)`;
    case 'function':
      return `function ${name} produced conflicting values for the same inputs (functions must not produce multiple outputs for same inputs)`;
  }
}

/** A `with` value: a plain value, or a function/builtin to substitute. */
interface WithValue {
  readonly value?: Value;
  readonly mock?: FunctionMock;
}

/** Indexing inside base documents: OPA treats an integer key of an object as its decimal string. */
export function indexBase(value: Value, key: Value): Value | undefined {
  if (typeof key === 'number' && Number.isInteger(key) && isObject(value)) return objGet(value, String(key));
  return index(value, key);
}

/** `value[key]` for arrays (integer index), objects and sets (membership). */
export function index(value: Value, key: Value): Value | undefined {
  if (Array.isArray(value)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= value.length) return undefined;
    return value[key];
  }
  if (value instanceof RegoSet) return value.has(key) ? key : undefined;
  if (isObject(value)) return objGet(value, key);
  return undefined;
}
