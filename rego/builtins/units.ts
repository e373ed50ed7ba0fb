/**
 * `units.parse` and `units.parse_bytes`, as OPA's `topdown/parse_units.go` and
 * `parse_bytes.go`.
 *
 * - `units.parse` is exact (OPA uses big.Rat): integral results are exact integers (bigint when
 *   large); other results are rounded to 10 decimals, as OPA prints them, then read as numbers.
 *   The milli suffix `m` multiplies by the double nearest 0.001, exactly as OPA does.
 * - `units.parse_bytes` reproduces OPA's big.Float arithmetic: the amount is rounded to a
 *   64-bit mantissa, multiplied by the unit (rounded to 64 bits again) and truncated to an
 *   integer.
 *
 * Error messages carry the builtin name in their text, as OPA's do (`units.parse: no amount
 * provided`); the evaluator's own prefix comes on top, again as in OPA.
 */
import { normNum } from '../value.ts';
import { argString, type BuiltinRegistry, builtinError } from './registry.ts';

const MAX_EXPONENT_DIGITS = 6;

/**
 * Splits "10.5e3Ki" into the number "10.5e3" and the unit "Ki" (either may be empty). Returns
 * undefined when an exponent has more than six digits.
 */
function extractNumAndUnit(s: string): [string, string] | undefined {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let firstNonNum = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      firstNonNum = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const n = s[i + 1];
      if (i === s.length - 1 || (!isDigit(n) && n !== '+' && n !== '-')) {
        firstNonNum = i;
        break;
      }
      if (n === '+' || n === '-') i++;
      let end = i + 1;
      while (end < s.length && isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) return undefined;
    }
  }
  if (firstNonNum === -1) return [s, ''];
  if (firstNonNum === 0) return ['', s];
  return [s.slice(0, firstNonNum), s.slice(firstNonNum)];
}

const NUM_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** An exact rational p/q (q > 0). */
interface Rat {
  p: bigint;
  q: bigint;
}

/** Parses a decimal number (as big.Rat/big.Float SetString accept it) exactly. */
function parseDecimal(s: string): Rat | undefined {
  const m = NUM_RE.exec(s);
  if (!m) return undefined;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  if (int === '' && frac === '') return undefined;
  const digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return { p: 0n, q: 1n };
  // Magnitude below 10^-60: every result rounds or truncates to zero; skip the huge powers.
  if (int.replace(/^0+/, '').length - (int + frac).length + digits.length + Number(exp) < -60) {
    return { p: 0n, q: 1n };
  }
  let p = BigInt(digits);
  if (sign === '-') p = -p;
  const e = Number(exp) - frac.length;
  return e >= 0 ? { p: p * 10n ** BigInt(e), q: 1n } : { p, q: 10n ** BigInt(-e) };
}

/** The exact value of a double as a rational. */
function ratFromDouble(x: number): Rat {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  return e >= 0 ? { p: mant << BigInt(e), q: 1n } : { p: mant, q: 1n << BigInt(-e) };
}

function bitLen(x: bigint): number {
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + Number.parseInt(hex[0]!, 16).toString(2).length;
}

/** Rounds |p/q| (p > 0) to a 64-bit mantissa, ties to even: the value is mant·2^exp. */
function round64(p: bigint, q: bigint): { mant: bigint; exp: number } {
  if (q === 1n) {
    // An integer: shifts only, so huge exponents stay linear.
    const len = bitLen(p);
    if (len <= 64) return { mant: p << BigInt(64 - len), exp: len - 64 };
    const shift = BigInt(len - 64);
    let mant = p >> shift;
    const rem = p & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (mant & 1n) === 1n)) mant++;
    if (mant === 1n << 64n) return { mant: mant >> 1n, exp: len - 63 };
    return { mant, exp: len - 64 };
  }
  let exp = bitLen(p) - bitLen(q) - 64;
  for (;;) {
    const num = exp >= 0 ? p : p << BigInt(-exp);
    const den = exp >= 0 ? q << BigInt(exp) : q;
    let mant = num / den;
    const rem = num - mant * den;
    if (mant >= 1n << 64n) {
      exp++;
      continue;
    }
    if (mant < 1n << 63n) {
      exp--;
      continue;
    }
    const twice = rem * 2n;
    if (twice > den || (twice === den && (mant & 1n) === 1n)) mant++;
    if (mant === 1n << 64n) {
      mant >>= 1n;
      exp++;
    }
    return { mant, exp };
  }
}

/** Rat.FloatString(10): rounded half away from zero to 10 decimals. */
function floatString10(r: Rat): string {
  const neg = r.p < 0n;
  const a = neg ? -r.p : r.p;
  // Below 2^-40 the value rounds to zero at 10 decimals: skip dividing huge numbers.
  if (bitLen(r.q) - bitLen(a) > 40) return `${neg ? '-' : ''}0.0000000000`;
  const scale = 10n ** 10n;
  let q = a / r.q;
  let rem = ((a % r.q) * scale) / r.q;
  const rem2 = ((a % r.q) * scale) % r.q;
  if (rem2 * 2n >= r.q) {
    rem++;
    if (rem >= scale) {
      q++;
      rem -= scale;
    }
  }
  return `${neg ? '-' : ''}${q}.${rem.toString().padStart(10, '0')}`;
}

const SI: Record<string, bigint> = {
  k: 1000n,
  M: 1000n ** 2n,
  g: 1000n ** 3n,
  t: 1000n ** 4n,
  p: 1000n ** 5n,
  e: 1000n ** 6n,
};
const BIN: Record<string, bigint> = {
  ki: 1n << 10n,
  mi: 1n << 20n,
  gi: 1n << 30n,
  ti: 1n << 40n,
  pi: 1n << 50n,
  ei: 1n << 60n,
};

const UNITS: Record<string, bigint> = {
  '': 1n,
  k: SI.k!,
  K: SI.k!,
  ki: BIN.ki!,
  Ki: BIN.ki!,
  M: SI.M!,
  mi: BIN.mi!,
  Mi: BIN.mi!,
  g: SI.g!,
  G: SI.g!,
  gi: BIN.gi!,
  Gi: BIN.gi!,
  t: SI.t!,
  T: SI.t!,
  ti: BIN.ti!,
  Ti: BIN.ti!,
  p: SI.p!,
  P: SI.p!,
  pi: BIN.pi!,
  Pi: BIN.pi!,
  e: SI.e!,
  E: SI.e!,
  ei: BIN.ei!,
  Ei: BIN.ei!,
};

const BYTE_UNITS: Record<string, bigint> = {
  '': 1n,
  kb: SI.k!,
  k: SI.k!,
  kib: BIN.ki!,
  ki: BIN.ki!,
  mb: SI.M!,
  m: SI.M!,
  mib: BIN.mi!,
  mi: BIN.mi!,
  gb: SI.g!,
  g: SI.g!,
  gib: BIN.gi!,
  gi: BIN.gi!,
  tb: SI.t!,
  t: SI.t!,
  tib: BIN.ti!,
  ti: BIN.ti!,
  pb: SI.p!,
  p: SI.p!,
  pib: BIN.pi!,
  pi: BIN.pi!,
  eb: SI.e!,
  e: SI.e!,
  eib: BIN.ei!,
  ei: BIN.ei!,
};

const MILLI = ratFromDouble(0.001);

function parseUnits(raw: string): number | bigint {
  const s = raw.replaceAll('"', '');
  if (s.includes(' ')) return builtinError('units.parse: spaces not allowed in resource strings');
  const split = extractNumAndUnit(s);
  if (!split) return builtinError('units.parse: exponent too large');
  const [num, rawUnit] = split;
  if (num === '') return builtinError('units.parse: no amount provided');
  // Only the letters after the first are lowercased, so that m (milli) and M (mega) differ.
  const cps = Array.from(rawUnit);
  const unit = cps.length > 1 ? cps[0]! + cps.slice(1).join('').toLowerCase() : rawUnit;
  let mult: Rat;
  if (unit === 'm') mult = MILLI;
  else if (Object.hasOwn(UNITS, unit)) mult = { p: UNITS[unit]!, q: 1n };
  else return builtinError(`units.parse: unit ${unit} not recognized`);
  const n = parseDecimal(num);
  if (!n) return builtinError('units.parse: could not parse amount to a number');
  const p = n.p * mult.p;
  const q = n.q * mult.q;
  if (q === 1n) return normNum(p);
  if (p % q === 0n) return normNum(p / q);
  return normNum(Number(floatString10({ p, q })));
}

function parseBytes(raw: string): number | bigint {
  const s = raw.toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) return builtinError('units.parse_bytes: spaces not allowed in resource strings');
  const split = extractNumAndUnit(s);
  if (!split) return builtinError('units.parse_bytes: exponent too large');
  const [num, unit] = split;
  if (num === '') return builtinError('units.parse_bytes: no byte amount provided');
  if (!Object.hasOwn(BYTE_UNITS, unit))
    return builtinError(`units.parse_bytes: byte unit ${unit} not recognized`);
  const mult = BYTE_UNITS[unit]!;
  const n = parseDecimal(num);
  if (!n) return builtinError('units.parse_bytes: could not parse byte amount to a number');
  if (n.p === 0n) return 0;
  // Below 2^-8 the product (at most 2^60 times the amount) truncates to zero.
  if (bitLen(n.q) - bitLen(n.p < 0n ? -n.p : n.p) > 70) return 0;
  const neg = n.p < 0n;
  const a = round64(neg ? -n.p : n.p, n.q);
  const b = round64(a.mant * mult, 1n);
  const exp = a.exp + b.exp;
  const mag = exp >= 0 ? b.mant << BigInt(exp) : b.mant >> BigInt(-exp);
  return normNum(neg ? -mag : mag);
}

/** Registers `units.parse` and `units.parse_bytes`. */
export function register(r: BuiltinRegistry): void {
  r.def('units.parse', 1, 'units', (args) => parseUnits(argString(args, 0)));
  r.def('units.parse_bytes', 1, 'units', (args) => parseBytes(argString(args, 0)));
}
