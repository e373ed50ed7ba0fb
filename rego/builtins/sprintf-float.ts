/**
 * Go's strconv.FormatFloat for sprintf's float verbs. Floats are formatted from their exact
 * binary value with Go's rounding (ties to even on the exact decimal expansion), not with
 * `toFixed`/`toPrecision`, whose tie-breaking differs.
 */
import { HEX } from './strings-go.ts';

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

export const MASK64 = (1n << 64n) - 1n;

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
