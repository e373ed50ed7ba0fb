/**
 * Encoding builtins: base64, base64url, hex, urlquery, json.{marshal,unmarshal,is_valid},
 * yaml.{marshal,unmarshal,is_valid}. Semantics and messages follow OPA (Go's encoders).
 */
import {
  compareStrings,
  isObject,
  objSortedEntries,
  RegoSet,
  toRegoString,
  typeName,
  type Value,
} from '../value.ts';
import {
  base64DecodeGo,
  base64Encode,
  fromUtf8,
  GoDecodeError,
  hexDecodeGo,
  parseQuery,
  queryEscape,
  queryUnescape,
} from './encoding-go.ts';
import { goMarshal, goMarshalIndent, isValidJSON, JSONSyntaxError, parseJSON } from './encoding-json.ts';
import { isValidYAML, parseYAML, stringifyYAML, YAMLError } from './encoding-yaml.ts';
import {
  argObject,
  argString,
  type BuiltinRegistry,
  builtinError,
  operandError,
  typeError,
} from './registry.ts';

/** Runs fn, turning decoder errors into builtin errors with their (Go) message. */
function decoding<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GoDecodeError || e instanceof JSONSyntaxError || e instanceof YAMLError) {
      builtinError(e.message);
    }
    throw e;
  }
}

function marshalWithOptions(args: Value[]): string {
  const v = args[0] as Value;
  const opts = argObject(args, 1);
  let indent = '\t';
  let prefix = '';
  let implicitPretty = false;
  let explicitPretty: boolean | undefined;
  objSortedEntries(opts).forEach(([k, val], idx) => {
    if (typeof k !== 'string') {
      operandError(
        2,
        `failed to stringify key ${toRegoString(k)} at index ${idx}: operand ${idx} must be string but got ${typeName(k)}`,
      );
    }
    switch (k) {
      case 'prefix':
      case 'indent':
        if (typeof val !== 'string') {
          operandError(
            2,
            `key ${k} failed cast to string: operand ${idx} must be string but got ${typeName(val)}`,
          );
        }
        if (k === 'prefix') prefix = val;
        else indent = val;
        implicitPretty = true;
        break;
      case 'pretty':
        if (typeof val !== 'boolean') operandError(2, `key ${k} failed cast to bool`);
        explicitPretty = val;
        break;
      default:
        operandError(2, `object contained unknown key ${k}`);
    }
  });
  const pretty = explicitPretty ?? implicitPretty;
  return pretty ? prefix + goMarshalIndent(v, prefix, indent) : goMarshal(v);
}

const ENCODE_OBJECT_ERROR = 'values must be string, array[string], or set[string]';

function encodeObject(args: Value[]): string {
  const o = args[0] as Value;
  if (!isObject(o)) typeError(1, 'object', o);
  // OPA converts to JSON first: non-string keys become their JSON text, sets become arrays.
  const byKey = new Map<string, string[]>();
  for (const [k, v] of objSortedEntries(o)) {
    const key = typeof k === 'string' ? k : goMarshal(k);
    let values: string[];
    if (typeof v === 'string') {
      values = [v];
    } else if (Array.isArray(v) || v instanceof RegoSet) {
      const items = Array.isArray(v) ? v : v.sorted();
      values = items.map((x) => (typeof x === 'string' ? x : operandError(1, ENCODE_OBJECT_ERROR)));
    } else {
      operandError(1, ENCODE_OBJECT_ERROR);
    }
    byKey.set(key, values);
  }
  const parts: string[] = [];
  for (const key of [...byKey.keys()].sort(compareStrings)) {
    const ek = queryEscape(key);
    for (const v of byKey.get(key) ?? []) parts.push(`${ek}=${queryEscape(v)}`);
  }
  return parts.join('&');
}

function decodeObject(args: Value[]): Value {
  const q = argString(args, 0);
  const m = decoding(() => parseQuery(q));
  const o: Record<string, Value> = Object.create(null);
  for (const [k, vs] of m) o[k] = vs;
  return o;
}

/**
 * `base64url.decode` on bytes: missing padding is added; errors carry Go's message after
 * `prefix` (the JWT builtins name the part of the token that failed).
 */
export function base64urlBytes(s: string, prefix: string): Uint8Array {
  let padded = s;
  if (!s.endsWith('=')) {
    switch (Buffer.byteLength(s, 'utf8') % 4) {
      case 0:
        break;
      case 2:
        padded += '==';
        break;
      case 3:
        padded += '=';
        break;
      default:
        builtinError(`${prefix}illegal base64url string: ${s}`);
    }
  }
  try {
    return base64DecodeGo(padded, true);
  } catch (e) {
    if (e instanceof GoDecodeError) builtinError(prefix + e.message);
    throw e;
  }
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'encoding';

  r.def('base64.encode', 1, cat, (a) => base64Encode(argString(a, 0), false, true));
  r.def('base64.decode', 1, cat, (a) => {
    const s = argString(a, 0);
    return fromUtf8(decoding(() => base64DecodeGo(s, false)));
  });
  r.def('base64.is_valid', 1, cat, ([x]) => {
    if (typeof x !== 'string') return false;
    try {
      base64DecodeGo(x, false);
      return true;
    } catch {
      return false;
    }
  });
  r.def('base64url.encode', 1, cat, (a) => base64Encode(argString(a, 0), true, true));
  r.def('base64url.encode_no_pad', 1, cat, (a) => base64Encode(argString(a, 0), true, false));
  r.def('base64url.decode', 1, cat, (a) => fromUtf8(base64urlBytes(argString(a, 0), '')));

  r.def('hex.encode', 1, cat, (a) => Buffer.from(argString(a, 0), 'utf8').toString('hex'));
  r.def('hex.decode', 1, cat, (a) => {
    const s = argString(a, 0);
    return fromUtf8(decoding(() => hexDecodeGo(s)));
  });

  r.def('urlquery.encode', 1, cat, (a) => queryEscape(argString(a, 0)));
  r.def('urlquery.decode', 1, cat, (a) => {
    const s = argString(a, 0);
    return decoding(() => queryUnescape(s));
  });
  r.def('urlquery.encode_object', 1, cat, encodeObject);
  r.def('urlquery.decode_object', 1, cat, decodeObject);

  r.def('json.marshal', 1, cat, ([x]) => goMarshal(x as Value));
  r.def('json.marshal_with_options', 2, cat, marshalWithOptions);
  r.def('json.unmarshal', 1, cat, (a) => {
    const s = argString(a, 0);
    return decoding(() => parseJSON(s));
  });
  r.def('json.is_valid', 1, cat, ([x]) => typeof x === 'string' && isValidJSON(x));

  r.def('yaml.marshal', 1, cat, ([x]) => decoding(() => stringifyYAML(x as Value)));
  r.def('yaml.unmarshal', 1, cat, (a) => {
    const s = argString(a, 0);
    return decoding(() => parseYAML(s));
  });
  r.def('yaml.is_valid', 1, cat, ([x]) => typeof x === 'string' && isValidYAML(x));
}
