/**
 * A port of the parts of Go's `fmt.Sprintf` that OPA's `sprintf` reaches.
 *
 * OPA hands `fmt.Sprintf` four kinds of Go values: `int64` (integers that fit), `*big.Int`
 * (larger integers), `float64` (numbers with a fraction or exponent) and `string` (strings, and
 * every other Rego value rendered in Rego syntax). Four modules reproduce Go's output for those
 * four types: verbs, flags (`+ - # 0` and space), width, precision, `*` widths, explicit
 * argument indexes (`%[2]d`), and Go's error notes (`%!d(string=x)`, `%!d(MISSING)`,
 * `%!(EXTRA int64=1)`, `%!(NOVERB)`, `%!d(BADINDEX)`, `%!(BADWIDTH)`, `%!(BADPREC)`).
 *
 * This one walks the format string; sprintf-printer.ts formats one operand, sprintf-float.ts
 * formats floats (exactly, with Go's rounding) and strings-go.ts quotes the Go way.
 *
 * Known difference: `%p` cannot print a Go pointer; it is reported like a bad verb.
 */
import { type GoArg, goTypeName, Printer } from './sprintf-printer.ts';

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
