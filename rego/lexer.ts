/**
 * The Rego lexer, and the token cursor the parser walks with.
 *
 * Whitespace is not a token, but each token records whether whitespace (`ws`) or a newline
 * (`nl`) came before it: refs and calls continue only when `.`, `[` or `(` follow a term
 * directly, and body expressions are separated by newlines, as in OPA's parser.
 */
import { RegoError, type Source, type Span } from './errors.ts';
import { normNum } from './value.ts';

/** Deeper nesting is refused, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 1000;
/** Like OPA, number literals of absurd size or magnitude are refused. */
const MAX_DIGITS = 30_000;

/**
 * `template` is a literal part of a template string (`$"…"`, `` $`…` ``): the first part starts
 * with `$"` or `` $` ``; a continuation part (`continued`) starts with the `}` that closes the
 * previous template expression. A part ends either with the closing quote (`last`) or with the
 * `{` that opens the next expression, whose tokens follow it.
 */
/** A `#` comment: its text after the `#`, and its span (from the `#`), for METADATA blocks. */
export interface Comment {
  readonly text: string;
  readonly span: Span;
}

export type TokenKind = 'ident' | 'number' | 'string' | 'template' | 'punct' | 'eof' | 'error';

export interface Token {
  readonly kind: TokenKind;
  /** The source text; for an error token, the error message. */
  readonly text: string;
  /** Decoded value of a string token. */
  readonly value?: string;
  /** True for a back-quoted string (or a `` $`…` `` template part). */
  readonly raw?: boolean;
  /** Template parts: whether the part continues a template after a `}`, and whether it ends it. */
  readonly continued?: boolean;
  readonly last?: boolean;
  readonly span: Span;
  /** Whitespace or a comment precedes the token. */
  readonly ws: boolean;
  /** A newline precedes the token. */
  readonly nl: boolean;
}

/** Words the lexer reports as idents but the parser treats as keywords (Rego v1). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'package',
  'import',
  'as',
  'default',
  'else',
  'not',
  'some',
  'with',
  'null',
  'true',
  'false',
  'in',
  'every',
  'contains',
  'if',
]);

const TWO_CHAR = new Set([':=', '==', '!=', '<=', '>=']);
const ONE_CHAR = new Set([
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  ';',
  ':',
  ',',
  '.',
  '[',
  ']',
  '{',
  '}',
  '(',
  ')',
]);
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/**
 * Splits a source into tokens, ending with an `eof` token. A lexical error does not throw:
 * it becomes an `error` token (followed by `eof`) so that the parser reports it only when it
 * gets there, and an earlier syntax error wins, as in OPA. Comments are not tokens; when
 * `comments` is given, each one is appended to it.
 */
export function tokenize(source: Source, comments?: Comment[]): Token[] {
  const text = source.text;
  const out: Token[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;
  let ws = false;
  let nl = false;
  /**
   * One frame per template string whose expression is being lexed (innermost last): `depth`
   * counts the braces opened inside the expression, so the `}` that closes it is recognised.
   */
  const templates: { raw: boolean; depth: number }[] = [];
  /** How the last template part scanned ended. */
  let partEnded: 'quote' | 'brace' = 'quote';

  const span = (start: number, end: number, l = line, ls = lineStart): Span => ({
    source,
    line: l,
    col: start - ls + 1,
    start,
    end,
  });
  const push = (
    kind: TokenKind,
    start: number,
    extra?: { value?: string; raw?: boolean; continued?: boolean; last?: boolean },
  ): void => {
    out.push({ kind, text: text.slice(start, pos), span: span(start, pos), ws, nl, ...extra });
    ws = false;
    nl = false;
  };
  const fail = (message: string, start: number, l = line, ls = lineStart): Token[] => {
    out.push({ kind: 'error', text: message, span: span(start, start + 1, l, ls), ws, nl });
    out.push({ kind: 'eof', text: '', span: span(text.length, text.length), ws: false, nl: false });
    return out;
  };

  while (pos < text.length) {
    const c = text[pos]!;
    const start = pos;
    if (c === '\n') {
      pos++;
      line++;
      lineStart = pos;
      ws = true;
      nl = true;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      pos++;
      ws = true;
    } else if (c === '#') {
      while (pos < text.length && text[pos] !== '\n') pos++;
      comments?.push({ text: text.slice(start + 1, pos), span: span(start, pos) });
      ws = true;
    } else if (isLetter(c)) {
      while (pos < text.length && (isLetter(text[pos]!) || isDigit(text[pos]!))) pos++;
      push('ident', start);
    } else if (isDigit(c)) {
      const err = scanNumber();
      if (err) return fail(err, start);
      push('number', start);
    } else if (c === '"') {
      const r = scanString();
      if (typeof r !== 'string') return fail(r.error, start);
      push('string', start, { value: r });
    } else if (c === '$' && (text[pos + 1] === '"' || text[pos + 1] === '`')) {
      const raw = text[pos + 1] === '`';
      const l = line;
      const ls = lineStart;
      pos += 2;
      const r = scanTemplatePart(raw);
      if (typeof r !== 'string') return fail(r.error, start, l, ls);
      if (!pushTemplate(r, raw, start, l, ls, false)) templates.push({ raw, depth: 0 });
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1]!.depth === 0) {
      // The `}` closing a template expression: the template's text continues after it.
      const frame = templates[templates.length - 1]!;
      const l = line;
      const ls = lineStart;
      pos++;
      const r = scanTemplatePart(frame.raw);
      if (typeof r !== 'string') return fail(r.error, start, l, ls);
      if (pushTemplate(r, frame.raw, start, l, ls, true)) templates.pop();
    } else if (c === '`') {
      const l = line;
      const ls = lineStart;
      pos++;
      while (pos < text.length && text[pos] !== '`') {
        if (text[pos] === '\n') {
          line++;
          lineStart = pos + 1;
        }
        pos++;
      }
      if (pos >= text.length) return fail('non-terminated string', start, l, ls);
      pos++;
      out.push({
        kind: 'string',
        text: text.slice(start, pos),
        value: text.slice(start + 1, pos - 1),
        raw: true,
        span: { source, line: l, col: start - ls + 1, start, end: pos },
        ws,
        nl,
      });
      ws = false;
      nl = false;
    } else if (TWO_CHAR.has(text.slice(pos, pos + 2))) {
      pos += 2;
      push('punct', start);
    } else if (ONE_CHAR.has(c)) {
      const frame = templates[templates.length - 1];
      if (frame && c === '{') frame.depth++;
      else if (frame && c === '}') frame.depth--;
      pos++;
      push('punct', start);
    } else if (c === '!' || c === '$') {
      return fail(`illegal ${c} character`, start);
    } else if (c === '\0') {
      return fail('illegal null character', start);
    } else {
      return fail('illegal token', start);
    }
  }
  out.push({ kind: 'eof', text: '', span: span(pos, pos), ws, nl });
  return out;

  /**
   * Pushes a template part ending at `pos` (its value decoded by scanTemplatePart, which
   * records how it ended in `partEnded`); returns whether the part ends the template.
   */
  function pushTemplate(
    value: string,
    raw: boolean,
    start: number,
    l: number,
    ls: number,
    continued: boolean,
  ): boolean {
    const last = partEnded === 'quote';
    out.push({
      kind: 'template',
      text: text.slice(start, pos),
      value,
      raw,
      continued,
      last,
      span: { source, line: l, col: start - ls + 1, start, end: pos },
      ws,
      nl,
    });
    ws = false;
    nl = false;
    return last;
  }

  /**
   * Scans the text of a template part from `pos` up to its closing quote or to the `{` opening
   * an expression (both consumed; `partEnded` says which). `\{` is a literal brace; in the
   * `$"…"` form the other escapes are JSON's (plus `\}`, accepted by OPA's first template
   * strings) and a newline ends the string with an error, as OPA's scanner does; the raw
   * form spans lines and has no other escapes.
   */
  function scanTemplatePart(raw: boolean): string | { error: string } {
    let s = '';
    for (;;) {
      if (pos >= text.length || (!raw && text[pos] === '\n')) return { error: 'non-terminated string' };
      const ch = text[pos++]!;
      if (ch === (raw ? '`' : '"')) {
        partEnded = 'quote';
        break;
      }
      if (ch === '{') {
        partEnded = 'brace';
        break;
      }
      if (ch === '\n') {
        line++;
        lineStart = pos;
      }
      if (ch !== '\\') {
        s += ch;
        continue;
      }
      const e = text[pos] ?? '';
      if (e === '{' || (!raw && e === '}')) {
        s += e;
        pos++;
      } else if (raw) {
        s += ch;
      } else if (ESCAPES[e] !== undefined) {
        s += ESCAPES[e];
        pos++;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 1, pos + 5))) {
        s += String.fromCharCode(Number.parseInt(text.slice(pos + 1, pos + 5), 16));
        pos += 5;
      } else {
        return { error: 'illegal escape sequence' };
      }
    }
    return s.toWellFormed();
  }

  /** JSON number syntax; a leading zero is allowed only before `.` or an exponent. */
  function scanNumber(): string | undefined {
    const start = pos;
    while (pos < text.length && isDigit(text[pos]!)) pos++;
    if (text[start] === '0' && pos - start > 1) return 'expected number without leading zero';
    if (text[pos] === '.') {
      pos++;
      const f = pos;
      while (pos < text.length && isDigit(text[pos]!)) pos++;
      if (pos === f) return 'expected fraction';
    }
    if (text[pos] === 'e' || text[pos] === 'E') {
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      const e = pos;
      while (pos < text.length && isDigit(text[pos]!)) pos++;
      if (pos === e) return 'expected exponent';
    }
    if (pos < text.length && isLetter(text[pos]!)) return 'illegal number format';
    return undefined;
  }

  /** A double-quoted string with JSON escapes; it may not span lines. */
  function scanString(): string | { error: string } {
    pos++;
    let s = '';
    for (;;) {
      if (pos >= text.length || text[pos] === '\n') return { error: 'non-terminated string' };
      const ch = text[pos++]!;
      if (ch === '"') break;
      if (ch !== '\\') {
        s += ch;
        continue;
      }
      const e = text[pos] ?? '';
      const simple = ESCAPES[e];
      if (simple !== undefined) {
        s += simple;
        pos++;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 1, pos + 5))) {
        s += String.fromCharCode(Number.parseInt(text.slice(pos + 1, pos + 5), 16));
        pos += 5;
      } else {
        return { error: 'illegal escape sequence' };
      }
    }
    // A lone surrogate from `\uD800` becomes U+FFFD, as Go's JSON decoder does.
    return s.toWellFormed();
  }
}

/** The span from the start of `a` to the end of `b`. */
export function spanOf(a: Span, b: Span): Span {
  return { source: a.source, line: a.line, col: a.col, start: a.start, end: b.end };
}

/**
 * The value of a number literal (`raw` may start with `-`), or undefined when it is too big.
 * Integers keep every digit (bigint beyond the safe range); other literals become doubles,
 * which can overflow to ±Infinity or underflow to 0 (`1e400`): NumberTerm.raw keeps the text.
 */
export function numberValue(raw: string): number | bigint | undefined {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m || raw.length > MAX_DIGITS) return undefined;
  const [, int = '', frac, exp] = m;
  if (exp !== undefined && /[1-9]/.test(int + (frac ?? ''))) {
    const magnitude =
      exp.replace(/^[+-]/, '').length > 7 ? Number.POSITIVE_INFINITY : Number(exp) + int.length;
    if (Math.abs(magnitude) > MAX_DIGITS) return undefined;
  }
  if (frac === undefined && exp === undefined) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? normNum(n) : normNum(BigInt(raw));
  }
  const x = Number(raw);
  if (Number.isInteger(x) && !Number.isSafeInteger(x) && Number.isFinite(x)) {
    // An integer written with a fraction or exponent (`1e30`): keep it exact, as OPA does.
    const digits = int + (frac ?? '');
    const shift = Number(exp ?? '0') - (frac ?? '').length;
    const m = BigInt(digits);
    if (shift >= 0) return normNum((raw.startsWith('-') ? -m : m) * 10n ** BigInt(shift));
    const p = 10n ** BigInt(-shift);
    if (m % p === 0n) return normNum((raw.startsWith('-') ? -m : m) / p);
  }
  return normNum(x);
}

/** Errors no fallback may swallow: retrying another reading cannot make nesting shallower. */
const FATAL = new WeakSet<RegoError>();

interface Saved {
  readonly i: number;
  readonly w: number;
}

/**
 * The parser's position in a token list: lookahead, backtracking, the nesting guard, and
 * OPA-style error helpers.
 */
export class TokenCursor {
  readonly source: Source;
  protected readonly toks: Token[];
  protected i = 0;
  /** Counter for renaming `_` to `$_N`, unique within one parse; rewound on backtracking. */
  protected wildcards = 0;
  protected depth = 0;
  /** Every comment of the source, in order. */
  protected readonly comments: Comment[] = [];

  constructor(source: Source) {
    this.source = source;
    this.toks = tokenize(source, this.comments);
  }

  protected save(): Saved {
    return { i: this.i, w: this.wildcards };
  }

  protected restore(s: Saved): void {
    this.i = s.i;
    this.wildcards = s.w;
  }

  /** Runs `f`; on a parse error rewinds and returns undefined (for OPA's try-then-fall-back spots). */
  protected attempt<T>(f: () => T | undefined): T | undefined {
    const s = this.save();
    try {
      const r = f();
      if (r === undefined) this.restore(s);
      return r;
    } catch (e) {
      if (!(e instanceof RegoError) || FATAL.has(e)) throw e;
      this.restore(s);
      return undefined;
    }
  }

  /**
   * Goes one nesting level deeper, refusing to go past {@link MAX_DEPTH}; callers undo it
   * in a `finally`. (Not a wrapper taking a callback: that would cost stack frames per level.)
   */
  protected enter(): void {
    if (this.depth >= MAX_DEPTH) {
      const e = this.error('max parsing recursion depth exceeded', this.peek().span);
      FATAL.add(e);
      throw e;
    }
    this.depth++;
  }

  /** The current token; reaching a lexical error raises it. */
  peek(): Token {
    const t = this.toks[this.i] ?? this.toks[this.toks.length - 1]!;
    if (t.kind === 'error') throw new RegoError('rego_parse_error', t.text, t.span);
    return t;
  }

  /** The token `k` places ahead, without raising lexical errors. */
  peekAt(k: number): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  /** The last consumed token: where a node's span ends. */
  prev(): Token {
    return this.toks[Math.max(0, this.i - 1)]!;
  }

  /** Whether the current token is the punctuation `p`. */
  is(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  /** Whether the current token is the keyword `kw`. */
  isKw(kw: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text === kw;
  }

  accept(p: string): Token | undefined {
    return this.is(p) ? this.next() : undefined;
  }

  expect(p: string, note?: string): Token {
    if (!this.is(p)) throw this.unexpected(note ?? `expected ${p}`);
    return this.next();
  }

  /** OPA's `unexpected <tok> token: <note>` error at the current token. */
  unexpected(note?: string, t: Token = this.peek()): RegoError {
    const what =
      t.kind === 'punct'
        ? `${t.text} token`
        : t.kind === 'template' && t.continued
          ? '} token'
          : t.kind === 'ident'
            ? KEYWORDS.has(t.text)
              ? `${t.text} keyword`
              : 'ident token'
            : `${t.kind} token`;
    return new RegoError(
      'rego_parse_error',
      note ? `unexpected ${what}: ${note}` : `unexpected ${what}`,
      t.span,
    );
  }

  error(message: string, span: Span): RegoError {
    return new RegoError('rego_parse_error', message, span);
  }
}
