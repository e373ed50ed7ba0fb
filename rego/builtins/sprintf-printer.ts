/**
 * Go's fmt printer for one operand: the flags, width and precision that goSprintf
 * (sprintf-gofmt.ts) has parsed, applied to one verb and one Go value as OPA passes it.
 */
import { formatFloat, MASK64 } from './sprintf-float.ts';
import { canBackquote, goIsPrint, goQuote, goQuoteRune, HEX, runeCount } from './strings-go.ts';

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

export class Printer {
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
