/**
 * The Rego (v1 syntax) parser: modules, queries and single terms. It stops at the first
 * syntax error with a `rego_parse_error` {@link RegoError} whose span points at the offending
 * token; messages follow OPA's wording where there is one.
 */
import type {
  Body,
  ElseClause,
  Expr,
  Import,
  Module,
  RefTerm,
  Rule,
  RuleHead,
  RuleKind,
  Term,
  VarTerm,
} from './ast.ts';
import { attachAnnotations, type Statement } from './annotations.ts';
import { RegoError, type Source, type Span } from './errors.ts';
import { KEYWORDS, spanOf } from './lexer.ts';
import { isBinaryOp, TEMPLATE_STRING, TermParser, typeLabel } from './parser-terms.ts';

const IMPORT_ROOTS = new Set(['data', 'input', 'future', 'rego']);
/** OPA's future keywords; in v1 only `not` changes anything (it allows `not { … }` bodies). */
const FUTURE_KEYWORDS = new Set(['contains', 'every', 'if', 'in', 'not']);

/**
 * Parses a module: `package`, imports and rules.
 *
 * @throws {RegoError} `rego_parse_error` at the first syntax error.
 */
export function parseModule(source: Source): Module {
  return guard(source, () => new ModuleParser(source).module());
}

/**
 * Parses a query: expressions separated by `;` or newlines, e.g. `data.a.p = x; y := 1`.
 *
 * @throws {RegoError} `rego_parse_error` at the first syntax error (also for an empty query).
 */
export function parseQuery(source: Source): Body {
  return guard(source, () => {
    const p = new ModuleParser(source);
    return p.parseBody(null);
  });
}

/**
 * Parses one term, e.g. an `input_term` such as `{"foo": {{1}}}`.
 *
 * @throws {RegoError} `rego_parse_error` on a syntax error or trailing input.
 */
export function parseTerm(source: Source): Term {
  return guard(source, () => {
    const p = new ModuleParser(source);
    const t = p.parseInTerm(true);
    if (p.peek().kind !== 'eof') throw p.unexpected();
    return t;
  });
}

/** Any failure other than a RegoError (a stack overflow, a bug) still surfaces as a parse error. */
function guard<T>(source: Source, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RegoError) throw e;
    const message =
      e instanceof RangeError ? 'max parsing recursion depth exceeded' : `internal parser error: ${e}`;
    throw new RegoError('rego_parse_error', message, { source, line: 1, col: 1, start: 0, end: 0 });
  }
}

class ModuleParser extends TermParser {
  module(): Module {
    const first = this.peek();
    if (!this.isKw('package')) throw this.error('package expected', first.span);
    this.next();
    const { path, span } = this.packagePath();
    const imports: Import[] = [];
    let rules: Rule[] = [];
    const stmts: Statement[] = [{ kind: 'package', line: first.span.line }];
    while (this.peek().kind !== 'eof') {
      if (this.isKw('import')) {
        const imp = this.importDecl();
        imports.push(imp);
        stmts.push({ kind: 'import', line: imp.span.line });
      } else {
        const rule = this.rule();
        rules.push(rule);
        stmts.push({ kind: 'rule', line: rule.span.line });
      }
    }
    const packageSpan = spanOf(first.span, span);
    if (!this.comments.some((c) => c.text.includes('METADATA')))
      return { package: path, packageSpan, imports, rules, regoVersion: 'v1' };
    // Statement i is the package (0), then imports and rules in source order.
    const attached = attachAnnotations(this.comments, stmts);
    const ruleStmt: number[] = [];
    stmts.forEach((s, i) => {
      if (s.kind === 'rule') ruleStmt.push(i);
    });
    rules = rules.map((r, i) => {
      const annotations = attached.get(ruleStmt[i]!);
      return annotations ? { ...r, annotations } : r;
    });
    const annotations = attached.get(0);
    return {
      package: path,
      packageSpan,
      imports,
      rules,
      regoVersion: 'v1',
      ...(annotations && { annotations }),
    };
  }

  private packagePath(): { path: string[]; span: Span } {
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) throw this.unexpected();
    const term = this.parsePrimary();
    const path = this.stringPath(term);
    return { path, span: term.span };
  }

  /** `a.b["c"]` → `["a", "b", "c"]`; any non-string segment is an error. */
  private stringPath(term: Term): string[] {
    if (term.type === 'var') return [term.name];
    if (term.type !== 'ref' || term.head.type !== 'var')
      throw this.error(`unexpected ${typeLabel(term)} token`, term.span);
    const out = [term.head.name];
    for (const seg of term.path) {
      if (seg.type !== 'string')
        throw this.error(`unexpected ${typeLabel(seg)} token: expecting string`, seg.span);
      out.push(seg.value);
    }
    return out;
  }

  private importDecl(): Import {
    const kw = this.next();
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) throw this.unexpected();
    const term = this.parsePrimary();
    const segs = this.stringPath(term);
    const root = segs[0]!;
    if (!IMPORT_ROOTS.has(root)) {
      throw this.error(
        `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`,
        term.span,
      );
    }
    const dotted = segs.join('.');
    if (root === 'rego') {
      if (dotted !== 'rego.v1' && dotted !== 'rego.v2')
        throw this.error(`invalid import \`${dotted}\`, must be \`rego.v1\``, term.span);
      if (dotted === 'rego.v2') this.notBodies = true;
    }
    if (root === 'future') {
      if (segs[1] !== 'keywords' || segs.length > 3)
        throw this.error('invalid import, must be `future.keywords`', term.span);
      if (segs.length === 3 && !FUTURE_KEYWORDS.has(segs[2]!)) {
        throw this.error(`unexpected keyword, must be one of [${[...FUTURE_KEYWORDS].join(' ')}]`, term.span);
      }
      // `import future.keywords` imports them all, `not` included, as in OPA.
      if (segs.length === 2 || segs[2] === 'not') this.notBodies = true;
    }
    let alias: string | undefined;
    if (this.isKw('as')) {
      if (root === 'rego' || root === 'future')
        throw this.error(`\`${root}\` imports cannot be aliased`, this.peek().span);
      this.next();
      const a = this.peek();
      if (a.kind !== 'ident' || KEYWORDS.has(a.text)) throw this.unexpected('expected var');
      alias = this.next().text;
    } else if (root !== 'future' && KEYWORDS.has(segs[segs.length - 1]!)) {
      throw this.error(
        `unexpected import path, must not end with a keyword, got: ${segs[segs.length - 1]}`,
        term.span,
      );
    }
    const path = term as RefTerm | VarTerm;
    return { path, alias, span: spanOf(kw.span, this.prev().span) };
  }

  private rule(): Rule {
    const first = this.peek();
    const isDefault = this.isKw('default');
    if (isDefault) this.next();
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) {
      if (t.kind === 'ident' || t.kind === 'eof' || isDefault) throw this.unexpected();
      const term = this.parsePrimary();
      throw this.error(`${typeLabel(term)} cannot be used for rule name`, term.span);
    }
    const { ref, args, refSpan } = this.headRef();
    let key: Term | undefined;
    let value: Term | undefined;
    let assign = false;
    if (this.isKw('contains')) {
      if (args) {
        throw this.unexpected(
          `the contains keyword can only be used with multi-value rule definitions (e.g., ${this.name(ref)} contains <VALUE> { ... })`,
        );
      }
      this.next();
      key = this.parseInTerm(true);
    } else if (this.is(':=') || this.is('=')) {
      assign = this.next().text === ':=';
      value = this.parseInTerm(true);
    }
    const kind: RuleKind = key
      ? 'partialset'
      : args
        ? 'function'
        : ref.slice(1).every((s) => s.type === 'string')
          ? 'complete'
          : 'partialobject';
    const headSpan = spanOf(t.span, this.prev().span);
    const head: RuleHead = {
      ref,
      args,
      key,
      value: key ? undefined : (value ?? { type: 'boolean', value: true, span: refSpan }),
      assign,
      span: headSpan,
    };

    if (isDefault) {
      if (!value) throw this.error('illegal default rule (must have a value)', first.span);
      this.checkDefault(value, args ?? [], first.span);
      return { kind, head, default: true, body: [], elses: [], span: spanOf(first.span, this.prev().span) };
    }

    let body: Body = [];
    if (this.isKw('if')) {
      this.next();
      body = this.ifBody();
    } else if (this.is('{')) {
      throw this.error(
        `\`if\` keyword is required before ${args ? 'function' : 'rule'} body`,
        this.peek().span,
      );
    } else if (!value && !key) {
      const n = this.peek();
      if (isBinaryOp(n) || (!n.nl && n.kind !== 'eof')) throw this.unexpected();
      throw this.error(
        `${args ? 'function' : 'rule'} must have value assignment and/or body declaration`,
        first.span,
      );
    }

    const elses: ElseClause[] = [];
    if (this.isKw('else')) {
      if (body.length === 0) throw this.unexpected();
      if (kind === 'partialset')
        throw this.error('else keyword cannot be used on multi-value rules', this.peek().span);
      if (ref.slice(1).some((s) => this.hasVar(s))) {
        throw this.error('else keyword cannot be used on rules with variables in head', this.peek().span);
      }
      while (this.isKw('else')) elses.push(this.elseClause());
    }
    return this.liftTemplateArgs({
      kind,
      head,
      default: false,
      body,
      elses,
      span: spanOf(first.span, this.prev().span),
    });
  }

  /**
   * A template string in a function argument (`f($"{x}-{y}") if { … }`) may read the body's
   * vars, so, as OPA's compiler does, it is replaced by a fresh var that the body (and each
   * `else` body) then unifies with the template's value.
   */
  private liftTemplateArgs(rule: Rule): Rule {
    const args = rule.head.args;
    if (!args) return rule;
    const lifted: Expr[] = [];
    const lift = (t: Term): Term => {
      switch (t.type) {
        case 'call': {
          if (t.name !== TEMPLATE_STRING) return t;
          const v: VarTerm = { type: 'var', name: `$t${this.wildcards++}`, span: t.span };
          lifted.push({ node: { type: 'unify', lhs: v, rhs: t }, negated: false, withs: [], span: t.span });
          return v;
        }
        case 'array':
        case 'set':
          return { ...t, items: t.items.map(lift) };
        case 'object':
          return { ...t, entries: t.entries.map(([k, v]) => [lift(k), lift(v)] as const) };
        default:
          return t;
      }
    };
    const liftedArgs = args.map(lift);
    if (lifted.length === 0) return rule;
    return {
      ...rule,
      head: { ...rule.head, args: liftedArgs },
      body: [...rule.body, ...lifted],
      elses: rule.elses.map((e) => ({ ...e, body: [...e.body, ...lifted] })),
    };
  }

  /** The rule name as a ref (`a.b[x]`), then `(args)` for functions. */
  private headRef(): { ref: Term[]; args: Term[] | undefined; refSpan: Span } {
    const t = this.next();
    const ref: Term[] = [this.varTerm(t)];
    for (;;) {
      const n = this.peek();
      if (n.kind !== 'punct' || n.ws) break;
      if (n.text === '.') {
        this.next();
        const id = this.peek();
        if (id.kind !== 'ident' || id.ws) throw this.unexpected('expected ident');
        this.next();
        ref.push({ type: 'string', value: id.text, span: id.span });
      } else if (n.text === '[') {
        this.next();
        ref.push(this.parseInTerm(true));
        this.expect(']', 'expected ]');
      } else {
        break;
      }
    }
    const refSpan = spanOf(t.span, this.prev().span);
    let args: Term[] | undefined;
    const n = this.peek();
    if (n.kind === 'punct' && n.text === '(' && !n.ws) {
      this.next();
      args = this.parseList(')');
      if (args.length === 0) throw this.error('rule argument list must take at least one argument', n.span);
    }
    return { ref, args, refSpan };
  }

  /**
   * After `if`: `{ body }` or a single expression. Like OPA, `{ ... }` is first tried as an
   * expression, and read as a body when that fails or yields a set literal (`p if { x }`).
   */
  private ifBody(): Body {
    if (this.is('{')) {
      const expr = this.attempt(() => {
        const e = this.parseLiteral();
        return e.node.type === 'term' && e.node.term.type === 'set' ? undefined : e;
      });
      if (expr) return [expr];
      this.next();
      const body = this.parseBody('}');
      this.next();
      return body;
    }
    if (this.peek().kind === 'eof') throw this.unexpected('rule body expected');
    return [this.parseLiteral()];
  }

  private elseClause(): ElseClause {
    const e = this.next();
    let value: Term;
    if (this.is(':=') || this.is('=')) {
      this.next();
      value = this.parseInTerm(true);
    } else if (this.isKw('if') || this.is('{')) {
      value = { type: 'boolean', value: true, span: e.span };
    } else {
      throw this.unexpected('expected else value term or rule body');
    }
    let body: Body = [];
    if (this.isKw('if')) {
      this.next();
      body = this.ifBody();
    } else if (this.is('{')) {
      throw this.error('`if` keyword is required before rule body', this.peek().span);
    }
    return { value, body, span: spanOf(e.span, this.prev().span) };
  }

  /** OPA's checks: a default value is a constant; default function arguments are distinct vars. */
  private checkDefault(value: Term, args: readonly Term[], span: Span): void {
    const bad = this.firstNonConstant(value);
    if (bad) throw this.error(`illegal default rule (value cannot contain ${bad})`, span);
    const seen = new Set<string>();
    for (const a of args) {
      if (a.type !== 'var')
        throw this.error(`illegal default rule (arguments cannot contain ${typeLabel(a)})`, span);
      if (seen.has(a.name))
        throw this.error(`illegal default rule (arguments cannot be repeated ${a.name})`, span);
      seen.add(a.name);
    }
  }

  private firstNonConstant(t: Term): string | undefined {
    switch (t.type) {
      case 'var':
      case 'ref':
      case 'call':
        return t.type;
      case 'array':
      case 'set':
        for (const x of t.items) {
          const r = this.firstNonConstant(x);
          if (r) return r;
        }
        return undefined;
      case 'object':
        for (const [k, v] of t.entries) {
          const r = this.firstNonConstant(k) ?? this.firstNonConstant(v);
          if (r) return r;
        }
        return undefined;
      default:
        return undefined;
    }
  }

  private hasVar(t: Term): boolean {
    switch (t.type) {
      case 'var':
        return true;
      case 'ref':
        return this.hasVar(t.head) || t.path.some((x) => this.hasVar(x));
      case 'call':
        return t.args.some((x) => this.hasVar(x));
      case 'array':
      case 'set':
        return t.items.some((x) => this.hasVar(x));
      case 'object':
        return t.entries.some(([k, v]) => this.hasVar(k) || this.hasVar(v));
      default:
        return false;
    }
  }

  private name(ref: readonly Term[]): string {
    return ref
      .map((s, i) => (s.type === 'var' && i === 0 ? s.name : s.type === 'string' ? `.${s.value}` : '[...]'))
      .join('');
  }
}
