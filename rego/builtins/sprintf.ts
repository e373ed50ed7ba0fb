/**
 * `sprintf(format, values)`: Go's fmt.Sprintf over Rego values, as OPA calls it.
 *
 * OPA converts each array element to a Go value before formatting: integers that fit in 64 bits
 * become `int64`, larger integers `*big.Int`, other numbers `float64`, strings stay strings,
 * and every other value (null, booleans, arrays, objects, sets) becomes its Rego-syntax text,
 * a Go string. So `%d` of a string prints `%!d(string=…)`, `%s` of a small integer prints
 * `%!s(int64=5)`, while `%s` of a big integer prints its digits (math/big formats `%s`).
 *
 * Numbers here have no source text, so an integral double (`3.0`) counts as an integer; OPA
 * would treat the literal `3.0` as a float. Integral doubles beyond ±2^53 (which can only come
 * from float arithmetic) are floats.
 */
import {
  objSortedEntries,
  type PlainObject,
  type RegoObject,
  RegoSet,
  formatNumber,
  type Value,
} from '../value.ts';
import { argArray, argString, type BuiltinRegistry } from './registry.ts';
import { goSprintf } from './sprintf-gofmt.ts';
import type { GoArg } from './sprintf-printer.ts';
import { goQuote } from './strings-go.ts';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * A value in Rego syntax as OPA's `Value.String()` prints it: strings quoted the Go way,
 * sets as `{…}` (or `set()`), objects and sets in sorted order.
 */
export function regoText(v: Value): string {
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(regoText).join(', ')}]`;
  if (v instanceof RegoSet) return v.size === 0 ? 'set()' : `{${v.sorted().map(regoText).join(', ')}}`;
  return `{${objSortedEntries(v as PlainObject | RegoObject)
    .map(([k, x]) => `${regoText(k)}: ${regoText(x)}`)
    .join(', ')}}`;
}

/** The Go value OPA passes to fmt.Sprintf for a Rego value. */
export function toGoArg(v: Value): GoArg {
  if (typeof v === 'string') return { t: 'string', v };
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? { t: 'int64', v } : { t: 'big', v };
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return { t: 'int64', v: BigInt(v) };
    return { t: 'float64', v };
  }
  return { t: 'string', v: regoText(v) };
}

/** Registers `sprintf`. */
export function register(r: BuiltinRegistry): void {
  r.def('sprintf', 2, 'strings', (args) => {
    const format = argString(args, 0);
    const values = argArray(args, 1);
    return goSprintf(format, values.map(toGoArg));
  });
}
