/**
 * Numbers: the arithmetic operators (`plus`, `minus`, `mul`, `div`, `rem`; `minus` is also set
 * difference), rounding, `abs`, `numbers.range`, `numbers.range_step`, `rand.intn` and the
 * `bits.*` family.
 *
 * Exactness: see `numbers-exact.ts`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { BuiltinError } from '../errors.ts';
import { isNumber, normNum, RegoSet, type Value } from '../value.ts';
import { add, bigIntOperand, canonNum, div, intOperand, mul, rem, sub } from './numbers-exact.ts';
import { argNumber, argString, type BuiltinRegistry, builtinError, typeError } from './registry.ts';

/** Most elements `numbers.range`/`numbers.range_step` will build (OPA has no limit but a timeout). */
export const MAX_RANGE_LENGTH = 1_000_000;

/** Largest shift `bits.lsh` accepts for a nonzero operand (the result would have this many bits). */
export const MAX_SHIFT_BITS = 65_536;

function roundHalfAway(x: number): number {
  const a = Math.abs(x);
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? -r : r;
}

function unary(f: (x: number) => number): (args: Value[]) => Value {
  return (args) => {
    const n = argNumber(args, 0);
    // Integers (including every bigint) are left as they are by round/ceil/floor.
    if (typeof n === 'bigint') return n;
    return canonNum(f(n));
  };
}

function binary(op: (a: number | bigint, b: number | bigint) => number | bigint): (args: Value[]) => Value {
  return (args) => op(argNumber(args, 0), argNumber(args, 1));
}

function setDiff(a: RegoSet, b: RegoSet): RegoSet {
  const out = new RegoSet();
  for (const v of a) if (!b.has(v)) out.add(v);
  return out;
}

function minus(args: Value[]): Value {
  const [a, b] = args as [Value, Value];
  if (isNumber(a) && isNumber(b)) return sub(a, b);
  if (a instanceof RegoSet && b instanceof RegoSet) return setDiff(a, b);
  // OPA's wording, including its choice of "number" for a set minus a non-set non-number.
  if (!isNumber(a) && !(a instanceof RegoSet)) typeError(1, 'one of {number, set}', a);
  if (isNumber(b)) typeError(2, 'set', b);
  return typeError(2, 'number', b);
}

/** Builds the range x, x±step, … up to y inclusive (descending when x > y). */
function range(x: bigint, y: bigint, step: bigint): Value[] {
  const span = x <= y ? y - x : x - y;
  const length = span / step + 1n;
  if (length > BigInt(MAX_RANGE_LENGTH)) {
    builtinError(`range of ${length} numbers exceeds the limit of ${MAX_RANGE_LENGTH}`);
  }
  const out: Value[] = [];
  const n = Number(length);
  const safe =
    x >= BigInt(Number.MIN_SAFE_INTEGER) &&
    x <= BigInt(Number.MAX_SAFE_INTEGER) &&
    y >= BigInt(Number.MIN_SAFE_INTEGER) &&
    y <= BigInt(Number.MAX_SAFE_INTEGER);
  if (safe) {
    const s = Number(step) * (x <= y ? 1 : -1);
    let v = Number(x);
    for (let i = 0; i < n; i++, v += s) out.push(normNum(v));
  } else {
    const s = x <= y ? step : -step;
    let v = x;
    for (let i = 0; i < n; i++, v += s) out.push(normNum(v));
  }
  return out;
}

/** A uniformly random integer in [0, n) for 0 < n < 2^63. */
function randomBelow(n: number): number | bigint {
  if (n <= 2 ** 48) return randomInt(n);
  const bn = BigInt(n);
  const limit = 2n ** 64n - (2n ** 64n % bn);
  for (;;) {
    const r = randomBytes(8).readBigUInt64BE();
    if (r < limit) return normNum(r % bn);
  }
}

function bits1(f: (a: bigint) => bigint): (args: Value[]) => Value {
  return (args) => normNum(f(bigIntOperand(args, 0)));
}

function bits2(f: (a: bigint, b: bigint) => bigint): (args: Value[]) => Value {
  return (args) => normNum(f(bigIntOperand(args, 0), bigIntOperand(args, 1)));
}

function shiftAmount(s: bigint): bigint {
  if (s < 0n) {
    throw new BuiltinError(
      'eval_type_error',
      'operand 2 must be an unsigned integer number but got a negative integer',
    );
  }
  return s;
}

export function register(r: BuiltinRegistry): void {
  r.def('plus', 2, 'numbers', binary(add));
  r.def('minus', 2, 'numbers', minus);
  r.def('mul', 2, 'numbers', binary(mul));
  r.def('div', 2, 'numbers', binary(div));
  r.def('rem', 2, 'numbers', binary(rem));

  r.def('abs', 1, 'numbers', (args) => {
    const n = argNumber(args, 0);
    return typeof n === 'bigint' ? (n < 0n ? -n : n) : canonNum(Math.abs(n));
  });
  r.def('round', 1, 'numbers', unary(roundHalfAway));
  r.def('ceil', 1, 'numbers', unary(Math.ceil));
  r.def('floor', 1, 'numbers', unary(Math.floor));

  r.def('numbers.range', 2, 'numbers', (args) => range(bigIntOperand(args, 0), bigIntOperand(args, 1), 1n));
  r.def('numbers.range_step', 3, 'numbers', (args) => {
    const x = bigIntOperand(args, 0);
    const y = bigIntOperand(args, 1);
    const step = bigIntOperand(args, 2);
    if (step <= 0n) builtinError('step must be a positive integer');
    return range(x, y, step);
  });

  r.def(
    'rand.intn',
    2,
    'numbers',
    (args, ctx) => {
      const str = argString(args, 0);
      let n = intOperand(args, 1);
      if (n === 0) return 0;
      if (n < 0) n = -n;
      // One value per (string, n) per evaluation, as OPA caches it.
      const key = `rand.intn\u0000${str}\u0000${n}`;
      const hit = ctx.cache.get(key);
      if (hit !== undefined) return hit;
      const v = randomBelow(n);
      ctx.cache.set(key, v);
      return v;
    },
    { nondeterministic: true },
  );

  r.def(
    'bits.or',
    2,
    'bits',
    bits2((a, b) => a | b),
  );
  r.def(
    'bits.and',
    2,
    'bits',
    bits2((a, b) => a & b),
  );
  r.def(
    'bits.xor',
    2,
    'bits',
    bits2((a, b) => a ^ b),
  );
  r.def(
    'bits.negate',
    1,
    'bits',
    bits1((a) => ~a),
  );
  r.def(
    'bits.lsh',
    2,
    'bits',
    bits2((a, s) => {
      const k = shiftAmount(s);
      if (a === 0n) return 0n;
      if (k > BigInt(MAX_SHIFT_BITS))
        builtinError(`shift of ${k} bits exceeds the limit of ${MAX_SHIFT_BITS}`);
      return a << k;
    }),
  );
  r.def(
    'bits.rsh',
    2,
    'bits',
    bits2((a, s) => {
      const k = shiftAmount(s);
      // Arithmetic shift (floor), as Go's big.Int.Rsh; huge shifts saturate to 0 or -1.
      const bitLen = BigInt((a < 0n ? -a : a).toString(2).length);
      if (k > bitLen) return a < 0n ? -1n : 0n;
      return a >> k;
    }),
  );
}
