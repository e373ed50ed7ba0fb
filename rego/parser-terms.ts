/**
 * Terms, operators, expressions and bodies: the part of the Rego grammar shared by modules,
 * queries and comprehensions. Infix operators are desugared to calls here (see ast.ts).
 */
import type { Body, CallTerm, Expr, ExprNode, NumberTerm, Term, VarTerm, With } from './ast.ts';
import type { Span } from './errors.ts';
import { KEYWORDS, numberValue, spanOf, type Token, TokenCursor } from './lexer.ts';

/** Binary operators, lowest precedence first (`in` sits below all of them). */
const BINARY = new Map<string, { name: string; prec: number }>([
  ['==', { name: 'equal', prec: 1 }],
  ['!=', { name: 'neq', prec: 1 }],
  ['<', { name: 'lt', prec: 1 }],
  ['<=', { name: 'lte', prec: 1 }],
  ['>', { name: 'gt', prec: 1 }],
  ['>=', { name: 'gte', prec: 1 }],
  ['|', { name: 'or', prec: 2 }],
  ['&', { name: 'and', prec: 3 }],
  ['+', { name: 'plus', prec: 4 }],
  ['-', { name: 'minus', prec: 4 }],
  ['*', { name: 'mul', prec: 5 }],
  ['/', { name: 'div', prec: 5 }],
  ['%', { name: 'rem', prec: 5 }],
]);

/** The builtin a template string is lowered to (see {@link TermParser.parseTemplate}). */
export const TEMPLATE_STRING = 'internal.template_string';

/** How a scalar literal renders in a template string (a number as written), else undefined. */
function literalText(t: Term): string | undefined {
  switch (t.type) {
    case 'string':
      return t.value;
    case 'number':
      return t.raw;
    case 'boolean':
      return t.value ? 'true' : 'false';
    case 'null':
      return 'null';
    default:
      return undefined;
  }
}

export function isBinaryOp(t: Token): boolean {
  return t.kind === 'punct' && BINARY.has(t.text);
}

/** OPA's name for a term's type in messages such as `object cannot be used for rule name`. */
export function typeLabel(t: Term): string {
  switch (t.type) {
    case 'arraycomp':
      return 'arraycomprehension';
    case 'setcomp':
      return 'setcomprehension';
    case 'objectcomp':
      return 'objectcomprehension';
    default:
      return t.type;
  }
}

export class TermParser extends TokenCursor {
  /** `import future.keywords.not` (or `rego.v2`) turns `not { ... }` into a negated body. */
  protected notBodies = false;

  protected varTerm(t: Token): VarTerm {
    const name = t.text === '_' ? `$_${this.wildcards++}` : t.text;
    return { type: 'var', name, span: t.span };
  }

  protected call(name: string, args: Term[], span: Span): CallTerm {
    return { type: 'call', name, args, span };
  }

  protected number(raw: string, span: Span): NumberTerm {
    const value = numberValue(raw);
    if (value === undefined) throw this.error('number too big', span);
    return { type: 'number', value, raw, span };
  }

  /**
   * A term with `in` (the lowest level). With `keyVal`, `k, v in xs` is accepted; in lists a
   * comma ends the term instead. With `compHead`, a bare term followed by `|` is returned
   * as it is, so the caller can read a comprehension (`[x | ...]`), as OPA does.
   */
  parseInTerm(keyVal: boolean, compHead = false): Term {
    let lhs = this.parseBinary(1, compHead);
    if (compHead && this.is('|')) return lhs;
    if (keyVal && this.is(',')) {
      const key = lhs;
      const call = this.attempt(() => {
        this.next();
        const mhs = this.parseBinary(1);
        if (!this.isKw('in')) return undefined;
        this.next();
        const rhs = this.parseBinary(1);
        return this.call('internal.member_3', [key, mhs, rhs], spanOf(key.span, rhs.span));
      });
      if (call) lhs = call;
    }
    while (this.isKw('in')) {
      this.next();
      const rhs = this.parseBinary(1);
      lhs = this.call('internal.member_2', [lhs, rhs], spanOf(lhs.span, rhs.span));
    }
    return lhs;
  }

  /** Precedence climbing over the binary operators; all are left-associative. */
  private parseBinary(minPrec: number, compHead = false): Term {
    let lhs = this.is('-') ? this.parseNegation() : this.parsePrimary();
    if (compHead && this.is('|')) return lhs;
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'punct' ? BINARY.get(t.text) : undefined;
      if (!op || op.prec < minPrec) return lhs;
      this.next();
      const rhs = this.parseBinary(op.prec + 1);
      lhs = this.call(op.name, [lhs, rhs], spanOf(lhs.span, rhs.span));
    }
  }

  /** `-1` is a negative literal; `-x` is `minus(0, x)`. */
  private parseNegation(): Term {
    const m = this.next();
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return this.parseTail(this.number(`-${t.text}`, spanOf(m.span, t.span)));
    }
    let x: Term;
    this.enter();
    try {
      x = this.is('-') ? this.parseNegation() : this.parsePrimary();
    } finally {
      this.depth--;
    }
    const zero: NumberTerm = { type: 'number', value: 0, raw: '0', span: m.span };
    return this.call('minus', [zero, x], spanOf(m.span, x.span));
  }

  /** A single term with its ref/call tail: no infix operators. */
  parsePrimary(): Term {
    this.enter();
    try {
      const t = this.peek();
      let term: Term;
      if (t.kind === 'number') {
        this.next();
        term = this.number(t.text, t.span);
      } else if (t.kind === 'string') {
        this.next();
        term = t.raw
          ? { type: 'string', value: t.value ?? '', raw: true, span: t.span }
          : { type: 'string', value: t.value ?? '', span: t.span };
      } else if (t.kind === 'template' && !t.continued) {
        term = this.parseTemplate();
      } else if (t.kind === 'ident') {
        if (t.text === 'null') term = { type: 'null', span: t.span };
        else if (t.text === 'true' || t.text === 'false')
          term = { type: 'boolean', value: t.text === 'true', span: t.span };
        // `contains` is a keyword only in rule heads; elsewhere it names the builtin.
        else if (KEYWORDS.has(t.text) && t.text !== 'contains') throw this.unexpected();
        else term = this.varTerm(t);
        this.next();
      } else if (this.is('[')) {
        term = this.parseArray();
      } else if (this.is('{')) {
        term = this.parseBraces();
      } else if (this.is('(')) {
        const lp = this.next();
        const inner = this.parseInTerm(true);
        if (!this.is(')')) throw this.error('non-terminated expression', this.peek().span);
        term = { ...inner, span: spanOf(lp.span, this.next().span) };
      } else {
        throw this.unexpected();
      }
      return this.parseTail(term);
    } finally {
      this.depth--;
    }
  }

  /**
   * A template string, `$"a{expr}b"` or `` $`…` ``, desugared as OPA's compiler lowers it:
   * `internal.template_string(["a", {$tN | $tN = expr}, "b"])`. Each expression is captured by a
   * set comprehension (marked `template`), so an undefined expression is an empty set, which
   * the builtin renders as `<undefined>`; `with` modifiers stay on the captured expression.
   * A scalar literal expression (`{42}`, `{"x"}`) is rendered here, with a number as written,
   * and a template without other expressions is a plain string.
   */
  private parseTemplate(): Term {
    const first = this.next();
    const parts: Term[] = [];
    let text = '';
    let textSpan = first.span;
    const flush = (): void => {
      if (text !== '') parts.push({ type: 'string', value: text, span: textSpan });
      text = '';
    };
    let part = first;
    for (;;) {
      if (text === '') textSpan = part.span;
      text += part.value ?? '';
      if (part.last) break;
      const e = this.parseLiteral();
      const term = this.templateTerm(e);
      const lit = e.withs.length === 0 ? literalText(term) : undefined;
      if (lit !== undefined) {
        text += lit;
      } else {
        flush();
        const v: VarTerm = { type: 'var', name: `$t${this.wildcards++}`, span: term.span };
        const capture: Expr = {
          node: { type: 'unify', lhs: v, rhs: term },
          negated: false,
          withs: e.withs,
          span: e.span,
        };
        parts.push({ type: 'setcomp', term: v, body: [capture], span: e.span, template: true });
      }
      const c = this.peek();
      if (c.kind !== 'template' || !c.continued)
        throw this.error('expected } to end template string expression', c.span);
      part = this.next();
    }
    const span = spanOf(first.span, part.span);
    if (parts.length === 0) return { type: 'string', value: text, span };
    flush();
    const arr: Term = { type: 'array', items: parts, span };
    return this.call(TEMPLATE_STRING, [arr], span);
  }

  /** The term of a template expression; OPA's parser refuses the other expression forms. */
  private templateTerm(e: Expr): Term {
    const n = e.node;
    const what = e.negated
      ? "negation ('not')"
      : n.type === 'unify'
        ? "unification ('=')"
        : n.type === 'assign'
          ? "assignment (':=')"
          : n.type === 'every'
            ? "'every'"
            : n.type === 'some' || n.type === 'somein'
              ? "'some'"
              : undefined;
    if (what !== undefined || n.type !== 'term')
      throw this.error(`unexpected ${what} in template-string expression`, e.span);
    return n.term;
  }

  /** `.x`, `[k]` and `(args)` directly after a term (no whitespace between). */
  private parseTail(head: Term): Term {
    let h = head;
    let path: Term[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || t.ws || !(t.text === '.' || t.text === '[' || t.text === '(')) break;
      if (path.length === 0) h = this.refHead(h, t);
      if (t.text === '.') {
        this.next();
        const id = this.peek();
        if (id.kind !== 'ident' || id.ws) throw this.unexpected('expected ident');
        this.next();
        path.push({ type: 'string', value: id.text, span: id.span });
      } else if (t.text === '[') {
        this.next();
        path.push(this.parseInTerm(true));
        this.expect(']', 'expected ]');
      } else {
        if (h.type === 'call' && path.length === 0) break;
        const name = this.callName(h, path, t);
        this.next();
        const args = this.parseList(')');
        const span = spanOf(h.span, this.prev().span);
        h =
          name === 'set' && args.length === 0
            ? { type: 'set', items: [], span }
            : this.call(name, args, span);
        path = [];
      }
    }
    if (path.length === 0) return h;
    if (h.type === 'ref')
      return {
        type: 'ref',
        head: h.head,
        path: [...h.path, ...path],
        span: spanOf(h.span, this.prev().span),
      };
    return { type: 'ref', head: h, path, span: spanOf(h.span, this.prev().span) };
  }

  private refHead(h: Term, at: Token): Term {
    switch (h.type) {
      case 'null':
      case 'boolean':
      case 'number':
      case 'string':
        throw this.error(`illegal ref (head cannot be ${h.type})`, at.span);
      default:
        return h;
    }
  }

  private callName(h: Term, path: Term[], at: Token): string {
    const head = h.type === 'ref' ? h.head : h;
    const segs = h.type === 'ref' ? [...h.path, ...path] : path;
    const parts = [head.type === 'var' ? head.name : ''];
    for (const s of segs)
      parts.push(s.type === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.value) ? s.value : '');
    if (parts.includes('')) throw this.error('illegal call (function name must be a dotted name)', at.span);
    return parts.join('.');
  }

  /** Comma-separated terms up to `end` (consumed); a trailing comma is allowed. */
  protected parseList(end: string, first?: Term): Term[] {
    const items: Term[] = first ? [first] : [];
    if (!first && this.accept(end)) return items;
    if (!first) items.push(this.parseInTerm(false));
    for (;;) {
      if (this.accept(end)) return items;
      if (!this.accept(',')) throw this.unexpected(`expected "," or "${end}"`);
      if (this.accept(end)) return items;
      items.push(this.parseInTerm(false));
    }
  }

  private parseArray(): Term {
    const lb = this.next();
    if (this.is(']')) return { type: 'array', items: [], span: spanOf(lb.span, this.next().span) };
    const first = this.parseInTerm(false, true);
    if (this.accept('|')) {
      const body = this.parseBody(']');
      return { type: 'arraycomp', term: first, body, span: spanOf(lb.span, this.next().span) };
    }
    const items = this.parseList(']', first);
    return { type: 'array', items, span: spanOf(lb.span, this.prev().span) };
  }

  /** `{}` is an empty object; `{a}` a set; `{k: v}` an object; and their comprehensions. */
  private parseBraces(): Term {
    const lb = this.next();
    if (this.is('}')) return { type: 'object', entries: [], span: spanOf(lb.span, this.next().span) };
    const first = this.parseInTerm(false, true);
    if (this.accept('|')) {
      const body = this.parseBody('}');
      return { type: 'setcomp', term: first, body, span: spanOf(lb.span, this.next().span) };
    }
    if (!this.accept(':')) {
      if (!this.is(',') && !this.is('}')) throw this.unexpected('non-terminated set');
      const items = this.parseList('}', first);
      return { type: 'set', items, span: spanOf(lb.span, this.prev().span) };
    }
    const value = this.parseInTerm(false, true);
    if (this.accept('|')) {
      const body = this.parseBody('}');
      return { type: 'objectcomp', key: first, value, body, span: spanOf(lb.span, this.next().span) };
    }
    const entries: [Term, Term][] = [[first, value]];
    for (;;) {
      if (this.accept('}')) break;
      if (!this.accept(',')) throw this.unexpected('non-terminated object');
      if (this.accept('}')) break;
      const k = this.parseInTerm(false);
      this.expect(':', 'expected ":"');
      entries.push([k, this.parseInTerm(false)]);
    }
    return { type: 'object', entries, span: spanOf(lb.span, this.prev().span) };
  }

  /**
   * Expressions separated by `;` or newlines, up to `end` (not consumed; `null` = end of
   * input). An empty body is an error, as in OPA.
   */
  parseBody(end: string | null): Body {
    this.enter();
    try {
      const atEnd = (): boolean => (end === null ? this.peek().kind === 'eof' : this.is(end));
      if (atEnd()) throw this.error('found empty body', this.peek().span);
      const body: Expr[] = [];
      for (;;) {
        body.push(this.parseLiteral());
        if (this.accept(';')) continue;
        if (atEnd()) return body;
        if (!this.peek().nl) throw this.unexpected(`expected \\n or ; or ${end ?? 'EOF'}`);
      }
    } finally {
      this.depth--;
    }
  }

  /** One body expression: `not`, `some`, `every`, `=`/`:=`, and trailing `with`s. */
  parseLiteral(): Expr {
    const first = this.peek();
    const negated = this.isKw('not');
    if (negated) this.next();
    if (this.isKw('some') || this.isKw('every')) {
      const kw = this.peek().text;
      if (negated) throw this.unexpected(`illegal negation of '${kw}'`);
      this.next();
      const node = kw === 'some' ? this.parseSome() : this.parseEvery();
      return this.finishExpr(first, node, false);
    }
    if (negated && this.notBodies && this.is('{')) {
      // `not { a; b }` (rego.v2) is true when the body is undefined: `true in {true | a; b}`.
      const lb = this.next();
      const body = this.parseBody('}');
      const span = spanOf(lb.span, this.next().span);
      const t: Term = { type: 'boolean', value: true, span: lb.span };
      const comp: Term = { type: 'setcomp', term: t, body, span };
      return this.finishExpr(
        first,
        { type: 'term', term: this.call('internal.member_2', [t, comp], span) },
        true,
      );
    }
    const lhs = this.parseInTerm(true);
    let node: ExprNode = { type: 'term', term: lhs };
    if (this.is(':=') || this.is('=')) {
      const op = this.next();
      const rhs = this.parseInTerm(true);
      node = { type: op.text === ':=' ? 'assign' : 'unify', lhs, rhs };
    }
    return this.finishExpr(first, node, negated);
  }

  private finishExpr(first: Token, node: ExprNode, negated: boolean): Expr {
    const withs: With[] = [];
    while (this.isKw('with')) {
      const w = this.next();
      const t = this.peek();
      if (t.kind !== 'ident' || (KEYWORDS.has(t.text) && t.text !== 'contains'))
        throw this.unexpected('expected ident');
      const target = this.parsePrimary();
      if (target.type !== 'var' && target.type !== 'ref') throw this.unexpected('expected with target path');
      if (!this.isKw('as')) throw this.unexpected('expected as keyword');
      this.next();
      const value = this.parseInTerm(true);
      withs.push({ target, value, span: spanOf(w.span, value.span) });
    }
    return { node, negated, withs, span: spanOf(first.span, this.prev().span) };
  }

  /** `some x, y` or `some [k,] v in xs` (the `some` keyword is consumed). */
  private parseSome(): ExprNode {
    const inNode = this.attempt((): ExprNode | undefined => {
      const t = this.parseInTerm(true);
      if (t.type !== 'call') return undefined;
      if (t.name === 'internal.member_2' && t.args.length === 2) {
        return { type: 'somein', value: t.args[0]!, collection: t.args[1]! };
      }
      if (t.name === 'internal.member_3' && t.args.length === 3) {
        return { type: 'somein', key: t.args[0]!, value: t.args[1]!, collection: t.args[2]! };
      }
      return undefined;
    });
    if (inNode) return inNode;
    const vars: VarTerm[] = [];
    do {
      const t = this.peek();
      if (t.kind !== 'ident' || KEYWORDS.has(t.text)) throw this.unexpected('expected var');
      vars.push(this.varTerm(this.next()));
    } while (this.accept(','));
    return { type: 'some', vars };
  }

  /** `every [k,] v in xs { body }` (the `every` keyword is consumed). */
  private parseEvery(): ExprNode {
    const t = this.parseInTerm(true);
    const shape = 'expected `x[, y] in xs { ... }` expression';
    if (t.type !== 'call') throw this.unexpected(shape);
    let key: Term | undefined;
    let value: Term;
    let domain: Term;
    if (t.name === 'internal.member_2' && t.args.length === 2) {
      [value, domain] = t.args as [Term, Term];
    } else if (t.name === 'internal.member_3' && t.args.length === 3) {
      [key, value, domain] = t.args as [Term, Term, Term];
      if (key.type !== 'var') throw this.unexpected('expected key to be a variable');
    } else {
      throw this.unexpected(shape);
    }
    if (value.type !== 'var') throw this.unexpected('expected value to be a variable');
    if (!this.is('{')) throw this.unexpected('missing body');
    this.next();
    const body = this.parseBody('}');
    this.next();
    return key ? { type: 'every', key, value, domain, body } : { type: 'every', value, domain, body };
  }
}
