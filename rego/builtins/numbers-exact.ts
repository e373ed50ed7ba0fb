/**
 * Exact arithmetic for the numbers family (and `sum`/`product`).
 *
 * OPA computes on arbitrary-precision values: integers exactly (big.Int), other numbers on
 * big.Float with a 64-bit mantissa, and it keeps numbers as their decimal text. Our numbers are
 * doubles, or bigints for integers beyond ±2^53 (see `value.ts`). To agree with OPA as often as
 * a double allows:
 *
 * - integers are exact: safe integers take a double fast path, anything wider is computed on
 *   bigints, so `18446744073709551617 + 1` is exact and `10 % 18446744073709551616` is 10;
 * - `+`, `-` and `*` on other numbers are computed exactly on the *decimal* values the operands
 *   denote (a double's shortest round-trip decimal, which is what was written in the policy or
 *   input), and rounded once to the nearest double. So `0.1 + 0.2` is `0.3` and `1.1 * 1.1` is
 *   `1.21`, as in OPA, where plain doubles would give `0.30000000000000004` and
 *   `1.2100000000000002`;
 * - `/` is exact when the quotient is a terminating decimal that fits a double exactly or is an
 *   integer; otherwise it is the correctly rounded double of the true quotient.
 *
 * Where exactness is impossible: a non-terminating quotient is stored as a double, i.e. with 53
 * bits where OPA keeps ~64 bits of decimal text. Chained operations on such results can
 * therefore differ from OPA in the last digits (OPA's `2 / 3 * 3` is `2`, ours is
 * `1.9999999999999998`). Results beyond the double range that are not integers (and quotients
 * that overflow) cannot be represented and raise a builtin error; OPA would keep them.
 */
import { BuiltinError } from '../errors.ts';
import { isNumber, normNum, typeName, type Value } from '../value.ts';
import { builtinError, typeError } from './registry.ts';

/** A decimal `m × 10^e`. */
export interface Dec {
  readonly m: bigint;
  readonly e: number;
}

const DEC_RE = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/**
 * The decimal value of a number. Integers (every double from 2^53 up is one) are taken exactly,
 * as `compareNumbers` in `value.ts` does, so that e.g. `x * 1 == x` holds for any `x`; other
 * doubles as their shortest round-trip decimal, i.e. the number as it was written.
 */
export function toDec(n: number | bigint): Dec {
  if (typeof n === 'bigint') return { m: n, e: 0 };
  if (Number.isInteger(n)) return { m: BigInt(n), e: 0 };
  const match = DEC_RE.exec(String(n));
  if (!match) throw new BuiltinError('eval_builtin_error', `not a finite number: ${n}`);
  const [, sign, int, frac = '', exp = '0'] = match;
  const m = BigInt(`${sign}${int}${frac}`);
  return { m, e: Number(exp) - frac.length };
}

function pow10(k: number): bigint {
  return 10n ** BigInt(k);
}

/** Brings two decimals to the same (smaller) exponent. */
function align(a: Dec, b: Dec): [bigint, bigint, number] {
  if (a.e === b.e) return [a.m, b.m, a.e];
  if (a.e > b.e) return [a.m * pow10(a.e - b.e), b.m, b.e];
  return [a.m, b.m * pow10(b.e - a.e), a.e];
}

export function decAdd(a: Dec, b: Dec): Dec {
  const [x, y, e] = align(a, b);
  return { m: x + y, e };
}

export function decSub(a: Dec, b: Dec): Dec {
  const [x, y, e] = align(a, b);
  return { m: x - y, e };
}

export function decMul(a: Dec, b: Dec): Dec {
  return { m: a.m * b.m, e: a.e + b.e };
}

function digits(m: bigint): number {
  return (m < 0n ? -m : m).toString().length;
}

/** Significant digits carried by a quotient before the final rounding to a double. */
const QUOTIENT_DIGITS = 40;

/**
 * `a / b` for `b ≠ 0`: exact when the quotient terminates within the working precision,
 * otherwise truncated to {@link QUOTIENT_DIGITS} digits plus a sticky digit, so that the final
 * rounding to a double is correct.
 */
export function decDiv(a: Dec, b: Dec): Dec {
  if (a.m === 0n) return { m: 0n, e: 0 };
  const k = Math.max(0, QUOTIENT_DIGITS + digits(b.m) - digits(a.m));
  const num = a.m * pow10(k);
  let q = num / b.m;
  let e = a.e - b.e - k;
  if (num % b.m !== 0n) {
    // Sticky digit: marks "strictly between q and q+1" so Number() rounds correctly.
    const neg = num < 0n !== b.m < 0n;
    q = q * 10n + (neg ? -1n : 1n);
    e -= 1;
  }
  return { m: q, e };
}

/**
 * Canonical form of a numeric result: integers beyond the safe range are bigints (also when a
 * double happens to hold one), no `-0`.
 */
export function canonNum(n: number | bigint): number | bigint {
  if (typeof n === 'number' && Number.isInteger(n) && !Number.isSafeInteger(n)) return normNum(BigInt(n));
  return normNum(n);
}

/** Converts a decimal to a Value number: exact for integers, else the nearest double. */
export function fromDec(d: Dec): number | bigint {
  let { m, e } = d;
  if (m === 0n) return 0;
  if (e >= 0) return normNum(e === 0 ? m : m * pow10(e));
  while (e < 0 && m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  if (e === 0) return normNum(m);
  const x = Number(`${m}e${e}`);
  if (!Number.isFinite(x)) builtinError('arithmetic result out of range');
  return canonNum(x);
}

/** True when the number is an integer (every bigint; doubles without fraction). */
export function isIntegral(n: number | bigint): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

/** The exact integer value of an integral number. */
export function toBig(n: number | bigint): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

function safeInts(a: number | bigint, b: number | bigint): [number, number] | undefined {
  return typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)
    ? [a, b]
    : undefined;
}

/** Exact `a + b` (see the module comment). */
export function add(a: number | bigint, b: number | bigint): number | bigint {
  const s = safeInts(a, b);
  if (s) {
    const r = s[0] + s[1];
    if (Number.isSafeInteger(r)) return normNum(r);
  }
  if (isIntegral(a) && isIntegral(b)) return normNum(toBig(a) + toBig(b));
  return fromDec(decAdd(toDec(a), toDec(b)));
}

/** Exact `a - b`. */
export function sub(a: number | bigint, b: number | bigint): number | bigint {
  const s = safeInts(a, b);
  if (s) {
    const r = s[0] - s[1];
    if (Number.isSafeInteger(r)) return normNum(r);
  }
  if (isIntegral(a) && isIntegral(b)) return normNum(toBig(a) - toBig(b));
  return fromDec(decSub(toDec(a), toDec(b)));
}

/** Exact `a * b`. */
export function mul(a: number | bigint, b: number | bigint): number | bigint {
  const s = safeInts(a, b);
  if (s) {
    const r = s[0] * s[1];
    if (Number.isSafeInteger(r)) return normNum(r);
  }
  if (isIntegral(a) && isIntegral(b)) return normNum(toBig(a) * toBig(b));
  return fromDec(decMul(toDec(a), toDec(b)));
}

function isZero(n: number | bigint): boolean {
  return n === 0 || n === 0n;
}

/** `a / b`; throws `divide by zero`. */
export function div(a: number | bigint, b: number | bigint): number | bigint {
  if (isZero(b)) builtinError('divide by zero');
  if (isIntegral(a) && isIntegral(b)) {
    const x = toBig(a);
    const y = toBig(b);
    if (x % y === 0n) return normNum(x / y);
  }
  return fromDec(decDiv(toDec(a), toDec(b)));
}

/** `a % b` on integers (sign of the dividend, as Go); throws OPA's errors otherwise. */
export function rem(a: number | bigint, b: number | bigint): number | bigint {
  if (!isIntegral(a) || !isIntegral(b)) builtinError('modulo on floating-point number');
  if (isZero(b)) builtinError('modulo by zero');
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    return normNum(a % b);
  }
  return normNum(toBig(a) % toBig(b));
}

// ---------------------------------------------------------------------------------------------
// Integer operands, worded as OPA's `builtins.IntOperand` / `builtins.BigIntOperand`.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * An operand that must be an integer fitting Go's int (OPA's `IntOperand`): `operand N must be
 * number but got T`, or `operand N must be integer number but got floating-point number`.
 * Returned as a double (exact up to ±2^53; wider values are only ever clamped by callers).
 */
export function intOperand(args: Value[], i: number): number {
  const v = args[i] as Value;
  if (!isNumber(v)) typeError(i + 1, 'number', v);
  if (!isIntegral(v) || toBig(v) < INT64_MIN || toBig(v) > INT64_MAX) {
    throw new BuiltinError(
      'eval_type_error',
      `operand ${i + 1} must be integer number but got floating-point number`,
    );
  }
  return Number(v);
}

/**
 * An operand that must be an integer of any size (OPA's `BigIntOperand`): `operand N must be
 * integer but got T`, or `operand N must be integer number but got floating-point number`.
 */
export function bigIntOperand(args: Value[], i: number): bigint {
  const v = args[i] as Value;
  if (!isNumber(v)) {
    throw new BuiltinError('eval_type_error', `operand ${i + 1} must be integer but got ${typeName(v)}`);
  }
  if (!isIntegral(v)) {
    throw new BuiltinError(
      'eval_type_error',
      `operand ${i + 1} must be integer number but got floating-point number`,
    );
  }
  return toBig(v);
}
