/**
 * JSON as OPA's Go implementation writes and reads it.
 *
 * Writing follows Go's `encoding/json` applied to `ast.JSON(value)`: object keys sorted by
 * byte order (non-string keys become their JSON text), sets as sorted arrays, numbers as OPA
 * prints them, and Go's string escaping (`<`, `>`, `&`, U+2028, U+2029 escaped; invalid
 * UTF-16 replaced by U+FFFD). Reading keeps integers beyond 2^53 exact (bigint) and reports
 * syntax errors with Go's messages (`invalid character 'x' looking for beginning of value`).
 */
import { goQuoteRune } from './strings-go.ts';
import { compareStrings, formatNumber, normNum, objSortedEntries, RegoSet, type Value } from '../value.ts';

const HEX = '0123456789abcdef';

/** Go's `encoding/json` string encoding (HTML-safe, as `json.Marshal` does). */
export function goJSONString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22:
          esc = '\\"';
          break;
        case 0x5c:
          esc = '\\\\';
          break;
        case 0x08:
          esc = '\\b';
          break;
        case 0x0c:
          esc = '\\f';
          break;
        case 0x0a:
          esc = '\\n';
          break;
        case 0x0d:
          esc = '\\r';
          break;
        case 0x09:
          esc = '\\t';
          break;
        default:
          esc = `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
      }
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // valid surrogate pair: copied as is
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return `${out + s.slice(start)}"`;
}

/** The JSON text Go uses for an object key that is not a string (`json.Encoder`, trimmed). */
function keyText(k: Value): string {
  return typeof k === 'string' ? k : goMarshal(k);
}

/** Sorted [key, value] pairs of an object as Go's map encoding orders them. */
function objectPairs(v: Exclude<Value, null | boolean | number | bigint | string | Value[] | RegoSet>) {
  const byKey = new Map<string, Value>();
  // OPA's sorted order; a later key converting to the same text wins, as in Go's map assignment.
  for (const [k, x] of objSortedEntries(v)) byKey.set(keyText(k), x);
  return [...byKey.entries()].sort((a, b) => compareStrings(a[0], b[0]));
}

/** `json.Marshal(ast.JSON(v))` */
export function goMarshal(v: Value): string {
  switch (typeof v) {
    case 'string':
      return goJSONString(v);
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(',')}]`;
  if (v instanceof RegoSet) return `[${v.sorted().map(goMarshal).join(',')}]`;
  return `{${objectPairs(v)
    .map(([k, x]) => `${goJSONString(k)}:${goMarshal(x)}`)
    .join(',')}}`;
}

/**
 * `json.MarshalIndent(ast.JSON(v), prefix, indent)`. Like Go, the first line is not prefixed
 * (OPA adds the prefix itself) and empty arrays/objects stay `[]`/`{}`.
 */
export function goMarshalIndent(v: Value, prefix: string, indent: string): string {
  const rec = (x: Value, depth: number): string => {
    if (x === null || typeof x !== 'object') return goMarshal(x);
    const nl = `\n${prefix}${indent.repeat(depth + 1)}`;
    const close = `\n${prefix}${indent.repeat(depth)}`;
    if (Array.isArray(x) || x instanceof RegoSet) {
      const items = Array.isArray(x) ? x : x.sorted();
      if (items.length === 0) return '[]';
      return `[${nl}${items.map((e) => rec(e, depth + 1)).join(`,${nl}`)}${close}]`;
    }
    const pairs = objectPairs(x);
    if (pairs.length === 0) return '{}';
    return `{${nl}${pairs.map(([k, e]) => `${goJSONString(k)}: ${rec(e, depth + 1)}`).join(`,${nl}`)}${close}}`;
  };
  return rec(v, 0);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Thrown by {@link parseJSON}; the message is Go's. */
export class JSONSyntaxError extends Error {}

const EXACT_NEEDED = /\d{16}|\d[eE]/;

/**
 * Converts a JSON number literal to a Value exactly: integers (also written with fraction or
 * exponent, e.g. `1e20`) beyond 2^53 become bigint; other numbers are doubles.
 */
export function numberFromLiteral(src: string): number | bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(src);
  if (!m) return Number(src);
  const frac = m[3] ?? '';
  let digits = (m[2] ?? '') + frac;
  let exp = Number(m[4] ?? '0') - frac.length;
  const n = Number(src);
  if (Number.isSafeInteger(n) && n !== 0) return n;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return 0;
  while (exp < 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  if (exp >= 0 && exp <= 400) {
    const big = BigInt(digits) * 10n ** BigInt(exp);
    return normNum(m[1] === '-' ? -big : big);
  }
  return n;
}

/**
 * Parses JSON text as OPA's `json.unmarshal` does: the whole text must be one value; objects
 * get null prototypes; big integers stay exact. Throws {@link JSONSyntaxError} with Go's
 * message.
 */
export function parseJSON(text: string): Value {
  let raw: unknown;
  try {
    raw = EXACT_NEEDED.test(text)
      ? JSON.parse(text, (_k, value: unknown, ctx?: { source?: string }) =>
          typeof value === 'number' && ctx?.source !== undefined ? numberFromLiteral(ctx.source) : value,
        )
      : JSON.parse(text);
  } catch {
    throw new JSONSyntaxError(goJSONSyntaxError(text));
  }
  return toValue(raw);
}

function toValue(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return x;
    case 'number':
      if (!Number.isFinite(x)) throw new JSONSyntaxError('json: number out of range');
      return Number.isInteger(x) && !Number.isSafeInteger(x) ? normNum(BigInt(x)) : x === 0 ? 0 : x;
  }
  if (x === null) return null;
  if (Array.isArray(x)) return x.map(toValue);
  const o: Record<string, Value> = Object.create(null);
  for (const k of Object.keys(x as object)) o[k] = toValue((x as Record<string, unknown>)[k]);
  return o;
}

/** True when the text is one valid JSON value (Go's `json.Valid`). */
export function isValidJSON(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Go's `quoteChar` for a byte in a JSON syntax error: `strconv.Quote` of the byte as a rune
 * inside single quotes, which is what QuoteRune gives.
 */
function quoteByte(c: number): string {
  return goQuoteRune(c, false);
}

/** Reproduces the message of Go's JSON scanner for invalid input. */
export function goJSONSyntaxError(text: string): string {
  const b = Buffer.from(text, 'utf8');
  let i = 0;
  const END = 'unexpected end of JSON input';
  const bad = (ctx: string): never => {
    throw new JSONSyntaxError(`invalid character ${quoteByte(b[i] as number)} ${ctx}`);
  };
  const ws = () => {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const need = () => {
    if (i >= b.length) throw new JSONSyntaxError(END);
  };
  const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
  const isHex = (c: number | undefined) =>
    c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46));
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      need();
      if (b[i] !== word.charCodeAt(k)) bad(`in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
  };
  const str = () => {
    i++; // opening quote
    for (;;) {
      need();
      const c = b[i] as number;
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        need();
        const e = b[i] as number;
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            need();
            if (!isHex(b[i])) bad('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          bad('in string escape code');
        }
        i++;
        continue;
      }
      if (c < 0x20) bad('in string literal');
      i++;
    }
  };
  const num = () => {
    if (b[i] === 0x2d) {
      i++;
      need();
      if (!isDigit(b[i])) bad('in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else while (isDigit(b[i])) i++;
    if (b[i] === 0x2e) {
      i++;
      need();
      if (!isDigit(b[i])) bad('after decimal point in numeric literal');
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      need();
      if (b[i] === 0x2b || b[i] === 0x2d) {
        i++;
        need();
      }
      if (!isDigit(b[i])) bad('in exponent of numeric literal');
      while (isDigit(b[i])) i++;
    }
  };
  const value = (): void => {
    ws();
    need();
    const c = b[i] as number;
    if (c === 0x7b) {
      i++;
      ws();
      need();
      if (b[i] === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        if (b[i] !== 0x22) bad('looking for beginning of object key string');
        str();
        ws();
        need();
        if (b[i] !== 0x3a) bad('after object key');
        i++;
        value();
        ws();
        need();
        if (b[i] === 0x2c) {
          i++;
          ws();
          need();
          continue;
        }
        if (b[i] === 0x7d) {
          i++;
          return;
        }
        bad('after object key:value pair');
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      need();
      if (b[i] === 0x5d) {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        need();
        if (b[i] === 0x2c) {
          i++;
          continue;
        }
        if (b[i] === 0x5d) {
          i++;
          return;
        }
        bad('after array element');
      }
    }
    if (c === 0x22) str();
    else if (c === 0x2d || isDigit(c)) num();
    else if (c === 0x74) literal('true');
    else if (c === 0x66) literal('false');
    else if (c === 0x6e) literal('null');
    else bad('looking for beginning of value');
  };
  try {
    value();
    ws();
    if (i < b.length) bad('after top-level value');
  } catch (e) {
    if (e instanceof JSONSyntaxError) return e.message;
    throw e;
  }
  // The text was valid for this scanner (should not happen when JSON.parse failed).
  return 'invalid JSON';
}
