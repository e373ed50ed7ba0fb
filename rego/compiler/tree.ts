/**
 * The rule tree: one node per path segment under `data`, holding the rules whose head ref
 * (package + static part of the rule ref) ends there. The evaluator walks it to resolve
 * `data.…` refs; the compiler uses it for conflict, arity and recursion checks.
 */
import type { Body, Rule, RuleKind, Term } from '../ast.ts';

/** A rule after resolution and safety reordering, with where it sits in the tree. */
export interface CompiledRule {
  readonly rule: Rule;
  readonly kind: RuleKind;
  /** The package of the module declaring the rule, e.g. `['orchestrator']`. */
  readonly pkg: readonly string[];
  /** Full static path, e.g. `['orchestrator', 'decision']` (without `data`). */
  readonly path: readonly string[];
  /** Dynamic part of a ref head (`p[x].y` → `[x, "y"]`), empty otherwise. */
  readonly suffix: readonly Term[];
  /** Function arguments (patterns). */
  readonly args: readonly Term[];
  /** True when the head value (or key) is a ground literal, so one solution per body is enough. */
  readonly constValue: boolean;
  /** Per clause (body, then each `else`): whether its value is a ground literal. */
  readonly constClauses: readonly boolean[];
  /** The body and its `else` clauses, in order, with their value terms (filled by the link step). */
  readonly clauses: readonly { readonly body: Body; readonly value: Term | undefined }[];
  readonly file: string;
  readonly line: number;
}

/** One node of the rule tree. */
export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  readonly rules: CompiledRule[] = [];
  defaultRule: CompiledRule | undefined;
  /** Stable numeric id (cache key). */
  readonly id: number;

  readonly path: readonly string[];

  constructor(path: readonly string[], id: number) {
    this.path = path;
    this.id = id;
  }

  /** The kind of rules here, if any. */
  get kind(): RuleKind | undefined {
    return this.rules[0]?.kind ?? this.defaultRule?.kind;
  }

  get hasRules(): boolean {
    return this.rules.length > 0 || this.defaultRule !== undefined;
  }

  get isFunction(): boolean {
    return this.kind === 'function';
  }

  /** `data.a.b` */
  get name(): string {
    return ['data', ...this.path].join('.');
  }

  /** Every node below (and including) this one that has rules. */
  *ruleNodes(): Generator<RuleNode> {
    if (this.hasRules) yield this;
    for (const c of this.children.values()) yield* c.ruleNodes();
  }
}

/** The tree and an index from dotted name to node. */
export class RuleTree {
  readonly root: RuleNode;
  private nextId = 1;
  private readonly byName = new Map<string, RuleNode>();

  constructor() {
    this.root = new RuleNode([], 0);
    this.byName.set('data', this.root);
  }

  /** Returns the node at path, creating intermediate nodes. */
  ensure(path: readonly string[]): RuleNode {
    let node = this.root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      let child = node.children.get(seg);
      if (!child) {
        child = new RuleNode(path.slice(0, i + 1), this.nextId++);
        node.children.set(seg, child);
        this.byName.set(child.name, child);
      }
      node = child;
    }
    return node;
  }

  /** Node for a dotted name such as `data.pkg.f`, if it exists. */
  get(name: string): RuleNode | undefined {
    return this.byName.get(name);
  }

  /** The deepest existing node along a static path, and how many segments it consumed. */
  deepest(path: readonly string[]): { node: RuleNode; depth: number } {
    let node = this.root;
    let depth = 0;
    for (const seg of path) {
      const child = node.children.get(seg);
      if (!child) break;
      node = child;
      depth++;
      if (node.hasRules) break;
    }
    return { node, depth };
  }
}
