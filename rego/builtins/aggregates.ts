/**
 * Aggregates: `count`, `sum`, `product`, `max`, `min`, `sort`, and the deprecated `all`/`any`
 * (rejected by OPA's compiler in Rego v1, still present in its catalogue).
 */
import { BuiltinError } from '../errors.ts';
import { compare, isNumber, objSize, RegoSet, type TypeName, typeName, type Value } from '../value.ts';
import { type Dec, decAdd, decMul, fromDec, isIntegral, toBig, toDec } from './numbers-exact.ts';
import { argOneOf, type BuiltinRegistry } from './registry.ts';
import { runeCount } from './strings-go.ts';

/** Elements of an array or set operand; OPA words this error `one of {set, array}`. */
function elements(args: Value[], order: readonly TypeName[] = ['set', 'array']): [Value[], Value] {
  const v = argOneOf(args, 0, order);
  return [Array.isArray(v) ? v : (v as RegoSet).sorted(), v];
}

/** `operand 1 must be array of numbers but got array containing string` (or `set …`). */
function elementError(collection: Value, got: Value): never {
  const t = typeName(collection);
  throw new BuiltinError(
    'eval_type_error',
    `operand 1 must be ${t} of numbers but got ${t} containing ${typeName(got)}`,
  );
}

function numbers(collection: Value, xs: Value[]): (number | bigint)[] {
  return xs.map((x) => (isNumber(x) ? x : elementError(collection, x)));
}

function sum(xs: (number | bigint)[]): number | bigint {
  // Integers exactly (doubles while safe, then bigints); otherwise exact decimals, one rounding.
  if (xs.every(isIntegral)) {
    let acc = 0;
    let i = 0;
    for (; i < xs.length; i++) {
      const x = xs[i]!;
      if (typeof x !== 'number') break;
      const next = acc + x;
      if (!Number.isSafeInteger(next)) break;
      acc = next;
    }
    if (i === xs.length) return acc === 0 ? 0 : acc;
    let big = BigInt(acc);
    for (; i < xs.length; i++) big += toBig(xs[i]!);
    return fromDec({ m: big, e: 0 });
  }
  let d: Dec = { m: 0n, e: 0 };
  for (const x of xs) d = decAdd(d, toDec(x));
  return fromDec(d);
}

function product(xs: (number | bigint)[]): number | bigint {
  if (xs.every(isIntegral)) {
    let big = 1n;
    for (const x of xs) big *= toBig(x);
    return fromDec({ m: big, e: 0 });
  }
  let d: Dec = { m: 1n, e: 0 };
  for (const x of xs) d = decMul(d, toDec(x));
  return fromDec(d);
}

export function register(r: BuiltinRegistry): void {
  r.def('count', 1, 'aggregates', (args) => {
    const v = argOneOf(args, 0, ['array', 'object', 'set', 'string']);
    if (typeof v === 'string') return runeCount(v);
    if (Array.isArray(v)) return v.length;
    if (v instanceof RegoSet) return v.size;
    return objSize(v as Parameters<typeof objSize>[0]);
  });

  r.def('sum', 1, 'aggregates', (args) => {
    const [xs, c] = elements(args);
    return sum(numbers(c, xs));
  });

  r.def('product', 1, 'aggregates', (args) => {
    const [xs, c] = elements(args);
    return product(numbers(c, xs));
  });

  // Undefined for an empty collection, as in OPA.
  r.def('max', 1, 'aggregates', (args) => {
    const [xs] = elements(args);
    if (xs.length === 0) return undefined;
    let best = xs[0] as Value;
    for (const x of xs) if (compare(best, x) <= 0) best = x;
    return best;
  });

  r.def('min', 1, 'aggregates', (args) => {
    const [xs] = elements(args);
    if (xs.length === 0) return undefined;
    let best = xs[0] as Value;
    for (const x of xs) if (compare(best, x) >= 0) best = x;
    return best;
  });

  r.def('sort', 1, 'aggregates', (args) => {
    const [xs, c] = elements(args);
    return c instanceof RegoSet ? [...xs] : [...xs].sort(compare);
  });

  r.def('all', 1, 'aggregates', (args) => {
    const [xs] = elements(args, ['array', 'set']);
    return xs.every((x) => x === true);
  });

  r.def('any', 1, 'aggregates', (args) => {
    const [xs] = elements(args, ['array', 'set']);
    return xs.some((x) => x === true);
  });
}
