/**
 * YAML as OPA reads and writes it. OPA goes through `sigs.k8s.io/yaml`, i.e. go-yaml v2 with
 * YAML 1.1 scalars (`yes`/`no`/`on`/`off` are booleans, `0777` is octal), timestamps kept as
 * strings, non-string map keys turned into strings, duplicate keys allowed (last wins), and
 * only the first document of a stream used (later documents must still be well formed).
 *
 * Output imitates go-yaml v2: keys sorted with its "natural" order, sequences not indented
 * under their key, strings that would read back as another type double-quoted, multi-line
 * strings as literal blocks, floats in Go's `%g` form.
 */
import YAML, { type Pair, type Scalar, type ScalarTag, type Tags } from 'yaml';
import { normNum, type Value } from '../value.ts';
import { fromUtf8 } from './encoding-go.ts';
import { goMarshal, parseJSON } from './encoding-json.ts';

/** Thrown for invalid YAML or data JSON cannot hold; the message is user-facing. */
export class YAMLError extends Error {}

const GO_UNSUPPORTED_FORMATS = new Set(['TIME']);

/** go-yaml v2 has no sexagesimal numbers and decodes timestamps into strings. */
function goTags(tags: Tags): Tags {
  return tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && !GO_UNSUPPORTED_FORMATS.has(tag.format ?? '');
  });
}

const PARSE_OPTIONS = {
  version: '1.1',
  uniqueKeys: false,
  intAsBigInt: true,
  customTags: goTags,
} as const;

function parseDocuments(text: string) {
  const docs = YAML.parseAllDocuments(text, PARSE_OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    const err = d.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const message = err.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
      throw new YAMLError(`yaml: ${line !== undefined ? `line ${line}: ` : ''}${message}`);
    }
  }
  return list;
}

/** True when the text parses as YAML (`yaml.is_valid`). */
export function isValidYAML(text: string): boolean {
  try {
    const [first] = parseDocuments(text);
    if (first) convert(first.toJS({ mapAsMap: true, maxAliasCount: 100 }));
    return true;
  } catch {
    return false;
  }
}

/** `yaml.unmarshal`: the first document as a Value. */
export function parseYAML(text: string): Value {
  const [first] = parseDocuments(text);
  if (!first) return null;
  let js: unknown;
  try {
    js = first.toJS({ mapAsMap: true, maxAliasCount: 100 });
  } catch (e) {
    throw new YAMLError(`yaml: ${(e as Error).message}`);
  }
  return convert(js);
}

/** Converts parsed YAML to a Value the way YAML→JSON→Value does in OPA. */
function convert(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'bigint':
      return normNum(x);
    case 'number':
      if (!Number.isFinite(x)) throw new YAMLError(`json: unsupported value: ${goFloatText(x)}`);
      return Number.isInteger(x) && !Number.isSafeInteger(x) ? normNum(BigInt(x)) : x === 0 ? 0 : x;
    case 'undefined':
      return null;
  }
  if (x === null) return null;
  if (x instanceof Uint8Array) return fromUtf8(x);
  if (Array.isArray(x)) return x.map(convert);
  if (x instanceof Date) return x.toISOString();
  if (x instanceof Set) {
    const o: Record<string, Value> = Object.create(null);
    for (const k of x) o[mapKey(k, null)] = null;
    return o;
  }
  if (x instanceof Map) {
    const o: Record<string, Value> = Object.create(null);
    for (const [k, v] of x) o[mapKey(k, v)] = convert(v);
    return o;
  }
  if (typeof x === 'object') {
    const o: Record<string, Value> = Object.create(null);
    for (const [k, v] of Object.entries(x as object)) o[k] = convert(v);
    return o;
  }
  throw new YAMLError(`yaml: unsupported value of type ${typeof x}`);
}

/** sigs.k8s.io/yaml's conversion of a map key to a JSON object key. */
function mapKey(k: unknown, v: unknown): string {
  switch (typeof k) {
    case 'string':
      return k;
    case 'bigint':
      return k.toString();
    case 'boolean':
      return k ? 'true' : 'false';
    case 'number': {
      if (Number.isNaN(k)) return '.nan';
      if (k === Number.POSITIVE_INFINITY) return '.inf';
      if (k === Number.NEGATIVE_INFINITY) return '-.inf';
      return goFloatText(shortestFloat32(k));
    }
  }
  throw new YAMLError(
    `yaml: unsupported map key of type ${k === null ? 'nil' : typeof k}: ${String(k)}, value: ${String(v)}`,
  );
}

/** The shortest decimal that reads back as the same float32 (Go's FormatFloat(x, 'g', -1, 32)). */
function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === f) return y;
  }
  return x;
}

/** Go's `strconv.FormatFloat(x, 'g', -1, 64)`: exponent form below 1e-4 and from 1e6 on. */
export function goFloatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant = '', e = '0'] = x.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  return String(x);
}

/** go-yaml's float output. */
function goYAMLFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  return goFloatText(x);
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** How go-yaml v2 prints an OPA number after the JSON round trip. */
function yamlNumber(n: number | bigint): string {
  const text = goMarshal(n);
  if (/^-?\d+$/.test(text)) {
    const b = BigInt(text);
    if (b >= INT64_MIN && b <= UINT64_MAX) return text;
  }
  return goYAMLFloat(Number(text));
}

// ---------------------------------------------------------------------------------------------
// Writing

/** go-yaml v2's map key order (numbers by value, strings "naturally": `a2` < `a10`). */
function goKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string) => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined) => c !== undefined && /\p{Nd}/u.test(c);
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ca = ar[i] as string;
    const cb = br[i] as string;
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return (ca.codePointAt(0) as number) < (cb.codePointAt(0) as number);
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ca === '0' || cb === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++)
      an = an * 10n + BigInt((ar[ai] as string).charCodeAt(0) - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++)
      bn = bn * 10n + BigInt((br[bi] as string).charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return (ca.codePointAt(0) as number) < (cb.codePointAt(0) as number);
  }
  return ar.length < br.length;
}

function pairKey(p: Pair): string {
  const k = p.key as Scalar | string;
  return typeof k === 'string' ? k : String((k as Scalar).value);
}

const WRITE_DOC_OPTIONS = { version: '1.1', customTags: goTags } as const;
let scalarTests: RegExp[] | undefined;

/** True when go-yaml would read the plain string back as something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (!scalarTests) {
    const doc = new YAML.Document(null, { version: '1.1' });
    scalarTests = doc.schema.tags
      .map((t) => (t as { test?: RegExp }).test)
      .filter((t): t is RegExp => t instanceof RegExp);
  }
  return scalarTests.some((re) => re.test(s));
}

/** Marker class so numbers are written with Go's formatting. */
class GoNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** JSON-shaped data (after OPA's JSON conversion) for the YAML document. */
function toYAMLData(v: Value): unknown {
  if (typeof v === 'number' || typeof v === 'bigint') return new GoNumber(yamlNumber(v));
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toYAMLData);
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of Object.entries(v)) out[k] = toYAMLData(x as Value);
  return out;
}

/** `yaml.marshal` */
export function stringifyYAML(v: Value): string {
  const goNumberTag: ScalarTag = {
    identify: (x: unknown) => x instanceof GoNumber,
    resolve: (s: string) => s,
    tag: 'tag:yaml.org,2002:go-number',
    default: true,
    stringify: (item: Scalar) => (item.value as GoNumber).text,
  };
  const doc = new YAML.Document(toYAMLData(parseJSON(goMarshal(v))), {
    ...WRITE_DOC_OPTIONS,
    customTags: (tags: Tags) => [goNumberTag, ...goTags(tags)],
    sortMapEntries: (a: Pair, b: Pair) => {
      const x = pairKey(a);
      const y = pairKey(b);
      return goKeyLess(x, y) ? -1 : goKeyLess(y, x) ? 1 : 0;
    },
  });
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (node.value instanceof GoNumber) {
        node.tag = undefined;
        return;
      }
      if (typeof node.value !== 'string') return;
      const s = node.value;
      if (s.includes('\n')) node.type = 'BLOCK_LITERAL';
      else if (s === '' || resolvesToNonString(s)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indentSeq: false, singleQuote: true, lineWidth: 80 });
}
