/**
 * A port of the parts of Go's `fmt.Sprintf` that OPA's `sprintf` reaches.
 *
 * OPA hands `fmt.Sprintf` four kinds of Go values: `int64` (integers that fit), `*big.Int`
 * (larger integers), `float64` (numbers with a fraction or exponent) and `string` (strings, and
 * every other Rego value rendered in Rego syntax). This module reproduces Go's output for those
 * four types: verbs, flags (`+ - # 0` and space), width, precision, `*` widths, explicit
 * argument indexes (`%[2]d`), and Go's error notes (`%!d(string=x)`, `%!d(MISSING)`,
 * `%!(EXTRA int64=1)`, `%!(NOVERB)`, `%!d(BADINDEX)`, `%!(BADWIDTH)`, `%!(BADPREC)`).
 *
 * Floats are formatted from their exact binary value with Go's rounding (ties to even on the
 * exact decimal expansion), not with `toFixed`/`toPrecision`, whose tie-breaking differs.
 *
 * Known difference: `%p` cannot print a Go pointer; it is reported like a bad verb.
 */

/** A Go value as OPA passes it to fmt.Sprintf. */
export type GoArg =
  | { readonly t: 'int64'; readonly v: bigint }
  | { readonly t: 'big'; readonly v: bigint }
  | { readonly t: 'float64'; readonly v: number }
  | { readonly t: 'string'; readonly v: string };

const TYPE_NAMES: Record<GoArg['t'], string> = {
  int64: 'int64',
  big: '*big.Int',
  float64: 'float64',
  string: 'string',
};

/** Go's `reflect.TypeOf(arg).String()` for the argument. */
export function goTypeName(a: GoArg): string {
  return TYPE_NAMES[a.t];
}

// ---------------------------------------------------------------------------------------------
// Unicode helpers

const PRINT_RE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function goIsPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return PRINT_RE.test(String.fromCodePoint(r));
}

/** Number of code points in s (Go's utf8.RuneCountInString). */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const HEX = '0123456789abcdef';

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return `\\${String.fromCodePoint(r)}`;
  if (asciiOnly) {
    if (r < 0x80 && goIsPrint(r)) return String.fromCodePoint(r);
  } else if (goIsPrint(r)) {
    return String.fromCodePoint(r);
  }
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return `\\x${HEX[r >> 4]}${HEX[r & 15]}`;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x10000) return `\\u${r.toString(16).padStart(4, '0')}`;
  return `\\U${r.toString(16).padStart(8, '0')}`;
}

/** Go's strconv.Quote (or QuoteToASCII), with `"` or `'` as the quote character. */
export function goQuote(s: string, asciiOnly = false, quote = '"'): string {
  const q = quote.charCodeAt(0);
  let out = quote;
  for (const ch of s) out += escapeRune(ch.codePointAt(0)!, q, asciiOnly);
  return out + quote;
}

/** Go's strconv.QuoteRune / QuoteRuneToASCII. */
function goQuoteRune(r: number, asciiOnly: boolean): string {
  if (r > 0x10ffff || r < 0 || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return `'${escapeRune(r, 0x27, asciiOnly)}'`;
}

/** Go's strconv.CanBackquote. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0xfeff) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Float formatting (strconv.FormatFloat)

/** A decimal 0.d × 10^dp; d has no leading or trailing zeros ("" is zero). */
interface Dec {
  d: string;
  dp: number;
}

/** Shortest digits that round-trip (what Go's shortest mode and JS's toString both produce). */
function shortestDec(x: number): Dec {
  if (x === 0) return { d: '', dp: 0 };
  const s = x.toExponential();
  const e = s.indexOf('e');
  const d = (s.slice(0, e).replace('.', '') || '0').replace(/0+$/, '');
  return { d, dp: Number(s.slice(e + 1)) + 1 };
}

const F64 = new DataView(new ArrayBuffer(8));

/** Sign, biased exponent and mantissa bits of a double. */
function floatBits(x: number): { neg: boolean; exp: number; mant: bigint } {
  F64.setFloat64(0, x);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  return {
    neg: hi >>> 31 === 1,
    exp: (hi >>> 20) & 0x7ff,
    mant: (BigInt(hi & 0xfffff) << 32n) | BigInt(lo),
  };
}

/** The exact decimal expansion of |x| (every double has a finite one). */
function exactDec(x: number): Dec {
  x = Math.abs(x);
  if (x === 0) return { d: '', dp: 0 };
  const { exp, mant } = floatBits(x);
  let m = mant;
  let e: number;
  if (exp === 0) {
    e = -1074;
  } else {
    m |= 1n << 52n;
    e = exp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (m << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (m * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  return { d: digits.replace(/0+$/, ''), dp };
}

/** Go's decimal.Round(nd): round half to even on the exact digits. */
function roundDec(a: Dec, nd: number): Dec {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d.charCodeAt(nd);
  let up: boolean;
  if (c === 0x35 && nd + 1 === a.d.length) {
    up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = c >= 0x35;
  }
  if (!up) {
    const d = a.d.slice(0, nd).replace(/0+$/, '');
    return { d, dp: d === '' ? 0 : a.dp };
  }
  for (let i = nd - 1; i >= 0; i--) {
    const ch = a.d.charCodeAt(i);
    if (ch < 0x39) return { d: a.d.slice(0, i) + String.fromCharCode(ch + 1), dp: a.dp };
  }
  return { d: '1', dp: a.dp + 1 };
}

function fmtE(neg: boolean, d: Dec, prec: number, ch: string): string {
  let out = neg ? '-' : '';
  out += d.d.length > 0 ? d.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(d.d.length, prec + 1);
    out += d.d.slice(1, m);
    out += '0'.repeat(Math.max(0, prec + 1 - Math.max(m, 1)));
  }
  out += ch;
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  out += exp < 10 ? `0${exp}` : String(exp);
  return out;
}

function fmtF(neg: boolean, d: Dec, prec: number): string {
  let out = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    out += d.d.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.d.length ? d.d[j] : '0';
    }
  }
  return out;
}

/** %b: decimal mantissa and binary exponent, e.g. 4503599627370496p-52. */
function fmtB(x: number): string {
  const { neg, exp, mant } = floatBits(x);
  let m = mant;
  let e = exp;
  if (e === 0) e++;
  else m |= 1n << 52n;
  e += -1023 - 52;
  return `${neg ? '-' : ''}${m.toString()}p${e >= 0 ? '+' : ''}${e}`;
}

const MASK64 = (1n << 64n) - 1n;

/** %x / %X: hexadecimal mantissa and binary exponent, e.g. 0x1.8p+01. */
function fmtX(x: number, prec: number, upper: boolean): string {
  const { neg, exp: bexp, mant: bmant } = floatBits(x);
  let mant = bmant;
  let exp = bexp;
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  exp += -1023;
  if (mant === 0n) exp = 0;
  mant = (mant << 8n) & MASK64; // 60 - 52
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant = (mant << 1n) & MASK64;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant = (mant << (60n - shift)) & MASK64;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = upper ? HEX.toUpperCase() : HEX;
  let out = `${neg ? '-' : ''}0${upper ? 'X' : 'x'}${(mant >> 60n) & 1n}`;
  mant = (mant << 4n) & MASK64;
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & MASK64;
    }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & MASK64;
    }
  }
  out += upper ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  out += exp < 10 ? `0${exp}` : String(exp);
  return out;
}

/**
 * Go's strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f g G b x X (prec -1 = shortest).
 */
export function formatFloat(x: number, fmt: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  if (fmt === 'b') return fmtB(x);
  if (fmt === 'x' || fmt === 'X') return fmtX(x, prec, fmt === 'X');
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  let digs: Dec;
  if (shortest) {
    digs = shortestDec(Math.abs(x));
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(digs.d.length - 1, 0);
        break;
      case 'f':
        prec = Math.max(digs.d.length - digs.dp, 0);
        break;
      default:
        prec = digs.d.length;
    }
  } else {
    const exact = exactDec(x);
    switch (fmt) {
      case 'e':
      case 'E':
        digs = roundDec(exact, prec + 1);
        break;
      case 'f':
        digs = roundDec(exact, exact.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        digs = roundDec(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, digs, prec, fmt);
    case 'f':
      return fmtF(neg, digs, prec);
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > digs.d.length) prec = digs.d.length;
        return fmtE(neg, digs, prec - 1, fmt === 'G' ? 'E' : 'e');
      }
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The printer

class Printer {
  out = '';
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  widPresent = false;
  prec = 0;
  precPresent = false;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
    this.widPresent = this.precPresent = false;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.out += (this.zero && !this.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.out += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.out += s;
    } else {
      this.out += s;
      this.writePadding(width);
    }
  }

  /** pad with the zero flag suspended. */
  padNoZero(s: string): void {
    const z = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = z;
  }

  truncate(s: string): string {
    if (this.precPresent) {
      let n = 0;
      let i = 0;
      for (const ch of s) {
        if (n >= this.prec) return s.slice(0, i);
        n++;
        i += ch.length;
      }
    }
    return s;
  }

  // --- integers

  fmtIntegerDigits(v: bigint, base: number, verb: string, upper: boolean): void {
    const negative = v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const z = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = z;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = `0b${digits}`;
      else if (base === 8) {
        if (digits[0] !== '0') digits = `0${digits}`;
      } else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = `0o${digits}`;
    if (negative) digits = `-${digits}`;
    else if (this.plus) digits = `+${digits}`;
    else if (this.space) digits = ` ${digits}`;
    this.padNoZero(digits);
  }

  fmtInt64(arg: GoArg, v: bigint, verb: string): void {
    switch (verb) {
      case 'v':
      case 'd':
        this.fmtIntegerDigits(v, 10, verb, false);
        return;
      case 'b':
        this.fmtIntegerDigits(v, 2, verb, false);
        return;
      case 'o':
      case 'O':
        this.fmtIntegerDigits(v, 8, verb, false);
        return;
      case 'x':
        this.fmtIntegerDigits(v, 16, verb, false);
        return;
      case 'X':
        this.fmtIntegerDigits(v, 16, verb, true);
        return;
      case 'c': {
        const r = v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
        this.pad(String.fromCodePoint(r));
        return;
      }
      case 'q': {
        const r = v < 0n || v > 0x10ffffn ? 0xfffd : Number(v);
        this.pad(goQuoteRune(r, this.plus));
        return;
      }
      case 'U':
        this.fmtUnicode(v);
        return;
      default:
        this.badVerb(verb, arg);
        return;
    }
  }

  fmtUnicode(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let hex = u.toString(16).toUpperCase();
    if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
    let s = `U+${hex}`;
    if (this.sharp && u <= 0x10ffffn) {
      const r = Number(u);
      if (!(r >= 0xd800 && r <= 0xdfff) && goIsPrint(r)) s += ` '${String.fromCodePoint(r)}'`;
    }
    this.padNoZero(s);
  }

  /** math/big's (*Int).Format. */
  fmtBig(arg: GoArg, v: bigint, verb: string): void {
    let base: number;
    switch (verb) {
      case 'b':
        base = 2;
        break;
      case 'o':
      case 'O':
        base = 8;
        break;
      case 'd':
      case 's':
      case 'v':
        base = 10;
        break;
      case 'x':
      case 'X':
        base = 16;
        break;
      default:
        if (verb === 'w') {
          this.badVerb(verb, arg);
          return;
        }
        this.out += `%!${verb}(big.Int=${v.toString()})`;
        return;
    }
    const plus = this.plus || this.plusV;
    const sharp = this.sharp || this.sharpV;
    const sign = v < 0n ? '-' : plus ? '+' : this.space ? ' ' : '';
    let prefix = '';
    if (sharp) {
      if (verb === 'b') prefix = '0b';
      else if (verb === 'o') prefix = '0';
      else if (verb === 'x') prefix = '0x';
      else if (verb === 'X') prefix = '0X';
    }
    if (verb === 'O') prefix = '0o';
    let digits = (v < 0n ? -v : v).toString(base);
    if (verb === 'X') digits = digits.toUpperCase();
    let left = 0;
    let zeros = 0;
    let right = 0;
    if (this.precPresent) {
      if (digits.length < this.prec) zeros = this.prec - digits.length;
      else if (digits === '0' && this.prec === 0) return;
    }
    const length = sign.length + prefix.length + zeros + digits.length;
    if (this.widPresent && length < this.wid) {
      const d = this.wid - length;
      if (this.minus) right = d;
      else if (this.zero && !this.precPresent) zeros = d;
      else left = d;
    }
    this.out += ' '.repeat(left) + sign + prefix + '0'.repeat(zeros) + digits + ' '.repeat(right);
  }

  // --- floats

  fmtFloatVerb(arg: GoArg, v: number, verb: string): void {
    switch (verb) {
      case 'v':
        this.fmtFloat(v, 'g', -1, 'v');
        return;
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        this.fmtFloat(v, verb, -1, verb);
        return;
      case 'f':
      case 'e':
      case 'E':
        this.fmtFloat(v, verb, 6, verb);
        return;
      case 'F':
        this.fmtFloat(v, 'f', 6, verb);
        return;
      default:
        this.badVerb(verb, arg);
        return;
    }
  }

  fmtFloat(v: number, fmt: string, prec: number, verb: string): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, fmt, prec);
    if (num[0] !== '-' && num[0] !== '+') num = `+${num}`;
    if (this.space && num[0] === '+' && !this.plus) num = ` ${num.slice(1)}`;
    if (num[1] === 'I' || num[1] === 'N') {
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.padNoZero(num);
      return;
    }
    if (this.sharp && fmt !== 'b') {
      let digits = 0;
      if (verb === 'v' || fmt === 'g' || fmt === 'G' || fmt === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let body = num;
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < body.length; i++) {
        const c = body[i]!;
        if (c === '.') {
          hasDecimalPoint = true;
        } else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && fmt !== 'x' && fmt !== 'X')) {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        } else {
          if (c !== '0') sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.out += num[0];
        this.writePadding(this.wid - num.length);
        this.out += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // --- strings

  fmtString(arg: GoArg, s: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) {
          this.fmtQ(s);
          return;
        }
        this.pad(this.truncate(s));
        return;
      case 's':
        this.pad(this.truncate(s));
        return;
      case 'x':
        this.fmtSx(s, false);
        return;
      case 'X':
        this.fmtSx(s, true);
        return;
      case 'q':
        this.fmtQ(s);
        return;
      default:
        this.badVerb(verb, arg);
        return;
    }
  }

  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) {
      this.pad(`\`${s}\``);
      return;
    }
    this.pad(goQuote(s, this.plus));
  }

  fmtSx(s: string, upper: boolean): void {
    const bytes = new TextEncoder().encode(s);
    const digits = upper ? HEX.toUpperCase() : HEX;
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    const x = upper ? 'X' : 'x';
    let out = this.sharp ? `0${x}` : '';
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += `0${x}`;
      }
      const c = bytes[i]!;
      out += digits[c >> 4]! + digits[c & 15]!;
    }
    this.out += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  // --- dispatch

  badVerb(verb: string, arg: GoArg): void {
    this.out += `%!${verb}(${goTypeName(arg)}=`;
    if (arg.t === 'big') {
      // While reporting an error Go skips Formatter methods and prints the struct itself:
      // &{neg [words…]}, each field formatted with the verb's flags.
      this.out += '&{';
      this.pad(String(arg.v < 0n));
      this.out += ' [';
      bigWords(arg.v < 0n ? -arg.v : arg.v).forEach((w, i) => {
        if (i > 0) this.out += ' ';
        this.fmtIntegerDigits(w, 10, 'v', false);
      });
      this.out += ']}';
    } else {
      this.printArg(arg, 'v');
    }
    this.out += ')';
  }

  printArg(arg: GoArg, verb: string): void {
    if (verb === 'T') {
      this.pad(this.truncate(goTypeName(arg)));
      return;
    }
    if (verb === 'p') {
      this.badVerb(verb, arg);
      return;
    }
    switch (arg.t) {
      case 'int64':
        this.fmtInt64(arg, arg.v, verb);
        return;
      case 'big':
        this.fmtBig(arg, arg.v, verb);
        return;
      case 'float64':
        this.fmtFloatVerb(arg, arg.v, verb);
        return;
      case 'string':
        this.fmtString(arg, arg.v, verb);
        return;
    }
  }
}

/** The 64-bit words of a natural number, least significant first (math/big's nat). */
function bigWords(v: bigint): bigint[] {
  const words: bigint[] = [];
  while (v > 0n) {
    words.push(v & MASK64);
    v >>= 64n;
  }
  return words;
}

/** Go's parsenum: digits at s[start:end], stopping at the first non-digit or on overflow. */
function parseNum(s: string, start: number, end: number): { num: number; isnum: boolean; next: number } {
  if (start >= end) return { num: 0, isnum: false, next: end };
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    if (num > 1e6) return { num: 0, isnum: false, next: end };
    num = num * 10 + (c - 0x30);
    isnum = true;
  }
  return { num, isnum, next: i };
}

function intFromArg(args: readonly GoArg[], argNum: number): { num: number; isInt: boolean; argNum: number } {
  let num = 0;
  let isInt = false;
  if (argNum < args.length) {
    const a = args[argNum]!;
    if (a.t === 'int64') {
      num = Number(a.v);
      isInt = true;
    }
    argNum++;
    if (num > 1e6 || num < -1e6) {
      num = 0;
      isInt = false;
    }
  }
  return { num, isInt, argNum };
}

/**
 * Go's fmt.Sprintf(format, args...).
 *
 * @example goSprintf('%5.2f|%-4d|%q', [{t:'float64',v:3.14159},{t:'int64',v:7n},{t:'string',v:'a'}])
 *   // ' 3.14|7   |"a"'
 */
export function goSprintf(format: string, args: readonly GoArg[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;

  // Go's argNumber: an explicit [n] index at i.
  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (i >= end || format[i] !== '[') return { argNum, i, found: false };
    reordered = true;
    // parseArgNumber
    let index = 0;
    let wid = 1;
    let ok = false;
    if (end - i >= 3) {
      for (let j = i + 1; j < end; j++) {
        if (format[j] === ']') {
          const n = parseNum(format, i + 1, j);
          if (!n.isnum || n.next !== j) {
            wid = j - i + 1;
            ok = false;
          } else {
            index = n.num - 1;
            wid = j - i + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < args.length) return { argNum: index, i: i + wid, found: true };
    goodArgNum = false;
    return { argNum, i: i + wid, found: ok };
  };

  let i = 0;
  while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.out += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    p.clearFlags();
    // flags
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          p.sharp = true;
          break;
        case '0':
          p.zero = !p.minus;
          break;
        case '+':
          p.plus = true;
          break;
        case '-':
          p.minus = true;
          p.zero = false;
          break;
        case ' ':
          p.space = true;
          break;
        default:
          break flags;
      }
    }
    // argument index
    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    afterIndex = r.found;
    // width
    if (i < end && format[i] === '*') {
      i++;
      const w = intFromArg(args, argNum);
      p.wid = w.num;
      p.widPresent = w.isInt;
      argNum = w.argNum;
      if (!p.widPresent) p.out += '%!(BADWIDTH)';
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parseNum(format, i, end);
      p.wid = n.num;
      p.widPresent = n.isnum;
      i = n.next;
      if (afterIndex && p.widPresent) goodArgNum = false;
    }
    // precision
    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === '*') {
        i++;
        const w = intFromArg(args, argNum);
        p.prec = w.num;
        p.precPresent = w.isInt;
        argNum = w.argNum;
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        const n = parseNum(format, i, end);
        p.prec = n.num;
        p.precPresent = n.isnum;
        i = n.next;
        if (!p.precPresent) {
          p.prec = 0;
          p.precPresent = true;
        }
      }
    }
    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
    }
    if (i >= end) {
      p.out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;

    if (verb === '%') {
      p.out += '%';
    } else if (!goodArgNum) {
      p.out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      p.out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        p.sharpV = p.sharp;
        p.sharp = false;
        p.plusV = p.plus;
        p.plus = false;
      }
      p.printArg(args[argNum]!, verb);
      argNum++;
    }
  }

  if (!reordered && argNum < args.length) {
    p.clearFlags();
    p.out += '%!(EXTRA ';
    for (let k = argNum; k < args.length; k++) {
      if (k > argNum) p.out += ', ';
      const a = args[k]!;
      p.out += `${goTypeName(a)}=`;
      p.printArg(a, 'v');
    }
    p.out += ')';
  }
  return p.out;
}
