/**
 * The JSON that the JSON Schema builtins (jsonschema.ts) work on: schemas and documents loaded
 * from Rego values as OPA loads them, exact numbers (gojsonschema compares with big.Rat), and
 * Go's json.Marshal, whose text `const`, `enum` and `uniqueItems` compare and messages quote.
 */
import { compareStrings, isInteger, toJSON, type Value } from '../value.ts';
import { goJSONString, isValidJSON, JSONSyntaxError, parseJSON } from './encoding-json.ts';
import { SchemaError } from './jsonschema-errors.ts';

// ---------------------------------------------------------------------------------------------
// JSON model

/** A JSON value as the validator sees it (objects have null prototypes; big integers are bigint). */
export type J = null | boolean | number | bigint | string | J[] | JObject;
export interface JObject {
  [key: string]: J;
}

export function isJObject(v: J | undefined): v is JObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isJNumber(v: J | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

export function has(o: JObject, k: string): boolean {
  return Object.hasOwn(o, k);
}

export function sortedKeys(o: JObject): string[] {
  return Object.keys(o).sort(compareStrings);
}

/**
 * OPA's astValueToJSONSchemaLoader: a string is JSON text (checked first), objects and arrays
 * are converted as `ast.JSON` does (sets become arrays); anything else is refused.
 */
export function load(v: Value): J {
  if (typeof v === 'string') {
    if (!isValidJSON(v)) throw new SchemaError('invalid JSON string');
    try {
      return toJSON(parseJSON(v)) as J;
    } catch (e) {
      if (e instanceof JSONSyntaxError) throw new SchemaError('invalid JSON string');
      throw e;
    }
  }
  if (typeof v === 'object' && v !== null) return toJSON(v) as J;
  throw new SchemaError('wrong type, expected string or object');
}

// ---------------------------------------------------------------------------------------------
// Exact numbers (gojsonschema compares with big.Rat)

export interface Rat {
  readonly n: bigint;
  /** Always positive. */
  readonly d: bigint;
}

/** The exact value of a number as written (a double is taken at its shortest decimal form). */
export function toRat(x: number | bigint): Rat {
  if (typeof x === 'bigint') return { n: x, d: 1n };
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) return { n: 0n, d: 1n };
  const frac = m[3] ?? '';
  let n = BigInt((m[2] ?? '0') + frac);
  let d = 1n;
  const exp = Number(m[4] ?? '0') - frac.length;
  if (exp >= 0) n *= 10n ** BigInt(exp);
  else d = 10n ** BigInt(-exp);
  return { n: m[1] === '-' ? -n : n, d };
}

export function ratCmp(a: Rat, b: Rat): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** `(a / b)` is an integer. */
export function ratDivisible(a: Rat, b: Rat): boolean {
  const num = a.n * b.d;
  const den = a.d * b.n;
  return den !== 0n && num % den === 0n;
}

/** Decimal digits (no leading/trailing zeros) and exponent e such that value = 0.d1d2… × 10^e. */
function ratDigits(a: Rat): { neg: boolean; digits: string; point: number } | undefined {
  const neg = a.n < 0n;
  const n = neg ? -a.n : a.n;
  if (n === 0n) return { neg: false, digits: '0', point: 1 };
  // Denominators are powers of ten here (from decimal literals), so the expansion terminates.
  let d = a.d;
  let k = 0;
  while (d % 10n === 0n) {
    d /= 10n;
    k++;
  }
  if (d !== 1n) return undefined;
  let digits = n.toString();
  const point = digits.length - k;
  digits = digits.replace(/0+$/, '');
  return { neg, digits, point };
}

/** `%v` of a `*big.Float` set from the rational: Go's shortest `%g` (exponent form below 1e-4 or from 1e6). */
export function formatRat(a: Rat): string {
  const dd = ratDigits(a);
  if (!dd) return String(Number(a.n) / Number(a.d));
  const { neg, digits, point } = dd;
  const exp = point - 1;
  let s: string;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    s = `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  } else if (point <= 0) {
    s = `0.${'0'.repeat(-point)}${digits}`;
  } else if (point >= digits.length) {
    s = digits + '0'.repeat(point - digits.length);
  } else {
    s = `${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return neg ? `-${s}` : s;
}

/** gojsonschema's mustBeInteger: an integral JSON number that fits an int64. */
export function mustBeInteger(v: J | undefined): number | undefined {
  if (!isJNumber(v) || !isInteger(v)) return undefined;
  const b = BigInt(v);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return undefined;
  return Number(b);
}

// ---------------------------------------------------------------------------------------------
// Go's json.Marshal of a value decoded without UseNumber (numbers become float64)

export function marshal(v: J): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint':
      // JS and Go's encoding/json agree on float64 formatting (plain between 1e-6 and 1e21).
      return String(Number(v));
    case 'string':
      return goJSONString(v);
  }
  if (Array.isArray(v)) return `[${v.map(marshal).join(',')}]`;
  return `{${sortedKeys(v)
    .map((k) => `${goJSONString(k)}:${marshal(v[k] as J)}`)
    .join(',')}}`;
}
