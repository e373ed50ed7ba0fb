/**
 * `glob.match` and `glob.quote_meta`, as OPA's `topdown/glob.go` on github.com/gobwas/glob
 * v0.2.3.
 *
 * The pattern is lexed and parsed as gobwas does (same errors, same quirks: a class holds
 * either one range `[a-z]` or a list `[abc]`, never both; `{a,b` without `}` is accepted), then
 * compiled to an RE2 program (re2js, linear-time) and cached:
 *
 * | glob       | matches                                                    |
 * |------------|------------------------------------------------------------|
 * | `*`        | any run of characters that are not delimiters              |
 * | `**`       | any run of characters                                      |
 * | `?`        | one character that is not a delimiter                      |
 * | `[abc]`    | one of the characters (delimiters included); `[!abc]` none |
 * | `[a-z]`    | one character in the range; `[!a-z]` outside it           |
 * | `{a,b}`    | one of the alternatives (which may hold any glob syntax)   |
 * | `\x`       | the character x                                            |
 *
 * Delimiters: `null` means none; an empty array means `["."]`; each element must be a single
 * character.
 */
import type { RE2JS } from 're2js';
import type { Value } from '../value.ts';
import { compileUncached, LRU } from './regex-cache.ts';
import { argString, type BuiltinRegistry, builtinError, typeError } from './registry.ts';
import { elementError } from './strings.ts';

// ---------------------------------------------------------------------------------------------
// Lexer (gobwas/glob syntax/lexer)

type TokType =
  | 'eof'
  | 'error'
  | 'text'
  | 'any'
  | 'super'
  | 'single'
  | 'not'
  | 'sep'
  | 'rangeOpen'
  | 'rangeClose'
  | 'rangeLo'
  | 'rangeHi'
  | 'rangeBetween'
  | 'termsOpen'
  | 'termsClose';

interface Tok {
  t: TokType;
  raw: string;
}

const EOF = -1;
const TEXT_BREAKERS = ['?', '*', '[', '{'];
const TERMS_BREAKERS = [...TEXT_BREAKERS, '}', ','];

class Lexer {
  private readonly data: string[];
  private pos = 0;
  private err: string | undefined;
  private readonly tokens: Tok[] = [];
  private termsLevel = 0;
  private hasRune = false;
  private lastRune = '';

  constructor(source: string) {
    this.data = Array.from(source);
  }

  next(): Tok {
    for (;;) {
      if (this.err !== undefined) return { t: 'error', raw: this.err };
      const t = this.tokens.shift();
      if (t) return t;
      this.fetchItem();
    }
  }

  private read(): string | typeof EOF {
    if (this.hasRune) {
      this.hasRune = false;
      this.pos++;
      return this.lastRune;
    }
    if (this.pos >= this.data.length) {
      this.lastRune = '';
      return EOF;
    }
    const r = this.data[this.pos++]!;
    this.lastRune = r;
    return r;
  }

  private unread(): void {
    if (this.hasRune) {
      this.err = 'could not unread rune';
      return;
    }
    if (this.lastRune !== '') this.pos--;
    this.hasRune = this.lastRune !== '';
  }

  private peek(): string | typeof EOF {
    return this.pos >= this.data.length ? EOF : this.data[this.pos]!;
  }

  private fetchItem(): void {
    const r = this.read();
    if (r === EOF) {
      this.tokens.push({ t: 'eof', raw: '' });
    } else if (r === '{') {
      this.termsLevel++;
      this.tokens.push({ t: 'termsOpen', raw: r });
    } else if (r === ',' && this.termsLevel > 0) {
      this.tokens.push({ t: 'sep', raw: r });
    } else if (r === '}' && this.termsLevel > 0) {
      this.tokens.push({ t: 'termsClose', raw: r });
      this.termsLevel--;
    } else if (r === '[') {
      this.tokens.push({ t: 'rangeOpen', raw: r });
      this.fetchRange();
    } else if (r === '?') {
      this.tokens.push({ t: 'single', raw: r });
    } else if (r === '*') {
      if (this.read() === '*') {
        this.tokens.push({ t: 'super', raw: '**' });
      } else {
        this.unread();
        this.tokens.push({ t: 'any', raw: r });
      }
    } else {
      this.unread();
      this.fetchText(this.termsLevel > 0 ? TERMS_BREAKERS : TEXT_BREAKERS);
    }
  }

  private fetchRange(): void {
    let wantHi = false;
    let wantClose = false;
    let seenNot = false;
    for (;;) {
      const r = this.read();
      if (r === EOF) {
        this.err = 'unexpected end of input';
        return;
      }
      if (wantClose) {
        if (r !== ']') this.err = 'expected close range character';
        else this.tokens.push({ t: 'rangeClose', raw: r });
        return;
      }
      if (wantHi) {
        this.tokens.push({ t: 'rangeHi', raw: r });
        wantClose = true;
        continue;
      }
      if (!seenNot && r === '!') {
        this.tokens.push({ t: 'not', raw: r });
        seenNot = true;
        continue;
      }
      if (this.peek() === '-') {
        this.pos++;
        this.tokens.push({ t: 'rangeLo', raw: r });
        this.tokens.push({ t: 'rangeBetween', raw: '-' });
        wantHi = true;
        continue;
      }
      this.unread();
      this.fetchText([']']);
      wantClose = true;
    }
  }

  private fetchText(breakers: readonly string[]): void {
    let data = '';
    let escaped = false;
    for (;;) {
      const r = this.read();
      if (r === EOF) break;
      if (!escaped) {
        if (r === '\\') {
          escaped = true;
          continue;
        }
        if (breakers.includes(r)) {
          this.unread();
          break;
        }
      }
      escaped = false;
      data += r;
    }
    if (data.length > 0) this.tokens.push({ t: 'text', raw: data });
  }
}

// ---------------------------------------------------------------------------------------------
// Parser (gobwas/glob syntax/ast)

type GNode =
  | { k: 'pattern'; children: GNode[]; parent: GNode | undefined }
  | { k: 'anyOf'; children: GNode[]; parent: GNode | undefined }
  | { k: 'text'; s: string }
  | { k: 'any' }
  | { k: 'super' }
  | { k: 'single' }
  | { k: 'list'; chars: string; not: boolean }
  | { k: 'range'; lo: number; hi: number; not: boolean };

type Container = Extract<GNode, { children: GNode[] }>;

class GlobSyntaxError extends Error {}

function parseGlob(pattern: string): Container {
  const lex = new Lexer(pattern);
  const root: Container = { k: 'pattern', children: [], parent: undefined };
  let tree: Container = root;
  for (;;) {
    const tok = lex.next();
    switch (tok.t) {
      case 'eof':
        return root;
      case 'error':
        throw new GlobSyntaxError(tok.raw);
      case 'text':
        tree.children.push({ k: 'text', s: tok.raw });
        break;
      case 'any':
        tree.children.push({ k: 'any' });
        break;
      case 'super':
        tree.children.push({ k: 'super' });
        break;
      case 'single':
        tree.children.push({ k: 'single' });
        break;
      case 'rangeOpen':
        tree.children.push(parseRange(lex));
        break;
      case 'termsOpen': {
        const a: Container = { k: 'anyOf', children: [], parent: tree };
        tree.children.push(a);
        const p: Container = { k: 'pattern', children: [], parent: a };
        a.children.push(p);
        tree = p;
        break;
      }
      case 'sep': {
        const p: Container = { k: 'pattern', children: [], parent: tree.parent };
        (tree.parent as Container).children.push(p);
        tree = p;
        break;
      }
      case 'termsClose':
        tree = (tree.parent as Container).parent as Container;
        break;
      default:
        throw new GlobSyntaxError(`unexpected token: ${tok.t}<${JSON.stringify(tok.raw)}>`);
    }
  }
}

function parseRange(lex: Lexer): GNode {
  let not = false;
  let lo = 0;
  let hi = 0;
  let chars = '';
  for (;;) {
    const tok = lex.next();
    switch (tok.t) {
      case 'eof':
        throw new GlobSyntaxError('unexpected end');
      case 'error':
        throw new GlobSyntaxError(tok.raw);
      case 'not':
        not = true;
        break;
      case 'rangeLo':
        lo = tok.raw.codePointAt(0)!;
        break;
      case 'rangeHi':
        hi = tok.raw.codePointAt(0)!;
        if (hi < lo) {
          throw new GlobSyntaxError(
            `hi character '${String.fromCodePoint(hi)}' should be greater than lo '${String.fromCodePoint(lo)}'`,
          );
        }
        break;
      case 'text':
        chars = tok.raw;
        break;
      case 'rangeClose': {
        const isRange = lo !== 0 && hi !== 0;
        const isChars = chars !== '';
        if (isChars === isRange) throw new GlobSyntaxError('could not parse range');
        return isRange ? { k: 'range', lo, hi, not } : { k: 'list', chars, not };
      }
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation to RE2

function lit(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCharCode(cp);
  }
  return `\\x{${cp.toString(16)}}`;
}

function toRegex(n: GNode, delims: readonly string[]): string {
  const notDelim =
    delims.length === 0 ? '(?s:.)' : `[^${delims.map((d) => lit(d.codePointAt(0)!)).join('')}]`;
  switch (n.k) {
    case 'pattern':
      return n.children.map((c) => toRegex(c, delims)).join('');
    case 'anyOf':
      return `(?:${n.children.map((c) => toRegex(c, delims)).join('|')})`;
    case 'text':
      return Array.from(n.s, (c) => lit(c.codePointAt(0)!)).join('');
    case 'any':
      return `${notDelim}*`;
    case 'super':
      return '(?s:.*)';
    case 'single':
      return notDelim;
    case 'list':
      return `[${n.not ? '^' : ''}${Array.from(n.chars, (c) => lit(c.codePointAt(0)!)).join('')}]`;
    case 'range':
      return `[${n.not ? '^' : ''}${lit(n.lo)}-${lit(n.hi)}]`;
  }
}

interface CompiledGlob {
  readonly re: RE2JS;
}

const globCache = new LRU<string, CompiledGlob>(256);

/** Compiles a glob with the given delimiters (cached); syntax errors are builtin errors. */
function compileGlob(pattern: string, delims: readonly string[]): CompiledGlob {
  const key = `${delims.join('')}\u0000${pattern}`;
  let g = globCache.get(key);
  if (g === undefined) {
    let ast: Container;
    try {
      ast = parseGlob(pattern);
    } catch (e) {
      if (e instanceof GlobSyntaxError) return builtinError(e.message);
      throw e;
    }
    // Current OPA: a one-character matcher (`?`, `[!a]`) never matches the empty string (older
    // releases inherited a gobwas quirk where it did).
    g = { re: compileUncached(`^${toRegex(ast, delims)}$`) };
    globCache.set(key, g);
  }
  return g;
}

/** glob.match's core: whether text matches the glob pattern with the given delimiters. */
export function globMatch(pattern: string, delims: readonly string[], text: string): boolean {
  return compileGlob(pattern, delims).re.test(text);
}

/** gobwas's QuoteMeta: escapes `* ? \ [ ] { }`. */
function globQuoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, '\\$&');
}

/** Registers `glob.match` and `glob.quote_meta`. */
export function register(r: BuiltinRegistry): void {
  r.def('glob.match', 3, 'glob', (args) => {
    const pattern = argString(args, 0);
    const d = args[1] as Value;
    let delims: string[];
    if (d === null) {
      delims = [];
    } else if (Array.isArray(d)) {
      delims = [];
      for (const x of d) {
        if (typeof x !== 'string') elementError(2, d, x, 'string');
        if (Array.from(x).length !== 1) elementError(2, d, x, 'rune');
        delims.push(x);
      }
      if (delims.length === 0) delims = ['.'];
    } else {
      return typeError(2, 'one of {array, null}', d);
    }
    const match = argString(args, 2);
    return globMatch(pattern, delims, match);
  });

  r.def('glob.quote_meta', 1, 'glob', (args) => globQuoteMeta(argString(args, 0)));
}
