/**
 * Miscellaneous builtins: `walk` (graph), `uuid.rfc4122`, `uuid.parse`, `semver.is_valid`,
 * `semver.compare`, `opa.runtime`, `trace`. (`print` is implemented by the evaluator.)
 */
import { randomUUID } from 'node:crypto';
import {
  canonical,
  compareStrings,
  emptyObject,
  isObject,
  makeObject,
  normNum,
  objSortedEntries,
  RegoSet,
  type Value,
} from '../value.ts';
import { goQuote } from './strings-go.ts';
import { argString, type BuiltinRegistry, builtinError } from './registry.ts';

// ---------------------------------------------------------------------------------------------
// walk

/**
 * Every `[path, value]` pair of `root`, pre-order, object keys and set elements in sorted
 * order, array elements by index (set elements are their own path key), as OPA's `walk`.
 */
function walk(root: Value): Value[] {
  const out: Value[] = [];
  const visit = (path: Value[], v: Value): void => {
    out.push([path, v]);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit([...path, i], v[i] as Value);
    } else if (v instanceof RegoSet) {
      for (const e of v.sorted()) visit([...path, e], e);
    } else if (isObject(v)) {
      for (const [k, x] of objSortedEntries(v)) visit([...path, k], x);
    }
  };
  visit([], root);
  return out;
}

// ---------------------------------------------------------------------------------------------
// uuid.parse (the accepted forms and decoded fields of Go's github.com/google/uuid, as OPA)

function hexByte(s: Uint8Array, i: number): number | undefined {
  const h = (c: number | undefined): number => {
    if (c === undefined) return -1;
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
    return -1;
  };
  const a = h(s[i]);
  const b = h(s[i + 1]);
  return a < 0 || b < 0 ? undefined : a * 16 + b;
}

const URN_PREFIX = 'urn:uuid:';
const DASHED_OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34] as const;

/** Parses the 16 bytes of a UUID, or undefined. Lengths are in UTF-8 bytes, as in Go. */
function parseUUIDBytes(str: string): Uint8Array | undefined {
  let s = new TextEncoder().encode(str);
  const out = new Uint8Array(16);
  switch (s.length) {
    case 36:
      break;
    case 36 + 9: {
      const prefix = new TextDecoder().decode(s.subarray(0, 9));
      if (prefix.toLowerCase() !== URN_PREFIX) return undefined;
      s = s.subarray(9);
      break;
    }
    case 36 + 2:
      // Go accepts any first and last character here (meant for braces).
      s = s.subarray(1);
      break;
    case 32:
      for (let i = 0; i < 16; i++) {
        const b = hexByte(s, i * 2);
        if (b === undefined) return undefined;
        out[i] = b;
      }
      return out;
    default:
      return undefined;
  }
  const dash = 0x2d;
  if (s[8] !== dash || s[13] !== dash || s[18] !== dash || s[23] !== dash) return undefined;
  for (let i = 0; i < 16; i++) {
    const b = hexByte(s, DASHED_OFFSETS[i]!);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

function variantName(b8: number): string {
  if ((b8 & 0xc0) === 0x80) return 'RFC4122';
  if ((b8 & 0xe0) === 0xc0) return 'Microsoft';
  if ((b8 & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macVariables(b: number): string {
  if ((b & 0b11) === 0b11) return 'local:multicast';
  if ((b & 0b01) === 0b01) return 'global:multicast';
  if ((b & 0b10) === 0b10) return 'local:unicast';
  return 'global:unicast';
}

/** 100-ns intervals between 1582-10-15 (the UUID epoch) and 1970-01-01. */
const GREGORIAN_TO_UNIX_100NS = 122192928000000000n;

function uuidParse(str: string): Value | undefined {
  const u = parseUUIDBytes(str);
  if (!u) return undefined;
  const byte = (i: number): number => u[i] ?? 0;
  const version = byte(6) >> 4;
  const entries: [Value, Value][] = [
    ['version', version],
    ['variant', variantName(byte(8))],
  ];
  if (version === 1 || version === 2) {
    const be = (from: number, n: number): bigint => {
      let x = 0n;
      for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(byte(from + i));
      return x;
    };
    const t = be(0, 4) | (be(4, 2) << 32n) | ((be(6, 2) & 0xfffn) << 48n);
    // Go computes this in int64 (wrapping); the result is nanoseconds since the Unix epoch.
    const ns = BigInt.asIntN(64, (t - GREGORIAN_TO_UNIX_100NS) * 100n);
    const node: string[] = [];
    for (let i = 10; i < 16; i++) node.push(byte(i).toString(16).padStart(2, '0'));
    entries.push(
      ['time', normNum(ns)],
      ['nodeid', node.join('-')],
      ['macvariables', macVariables(byte(10))],
      ['clocksequence', ((byte(8) & 0x3f) << 8) | byte(9)],
    );
    if (version === 2) {
      const domain = byte(9);
      const names = ['Person', 'Group', 'Org'];
      entries.push(['id', Number(be(0, 4))], ['domain', names[domain] ?? `Domain${domain}`]);
    }
  }
  return makeObject(entries);
}

// ---------------------------------------------------------------------------------------------
// semver: strict SemVer 2.0.0 (https://semver.org), with an optional leading "v" as OPA accepts.
// MAJOR.MINOR.PATCH without leading zeros, an optional non-empty `-pre-release` whose numeric
// identifiers have no leading zeros, and an optional non-empty `+build` (ignored for precedence).

interface SemVer {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: readonly string[];
}

const NUMERIC_RE = /^(0|[1-9][0-9]*)$/;
const IDENT_RE = /^[0-9A-Za-z-]+$/;
const INT64_MAX = 2n ** 63n - 1n;

function parseCore(s: string): bigint | undefined {
  if (!NUMERIC_RE.test(s)) return undefined;
  const n = BigInt(s);
  return n > INT64_MAX ? undefined : n;
}

function parseSemVer(version: string): SemVer | undefined {
  let s = version.startsWith('v') ? version.slice(1) : version;
  const plus = s.indexOf('+');
  if (plus >= 0) {
    // Build metadata: non-empty dot-separated alphanumeric identifiers (leading zeros allowed).
    if (
      !s
        .slice(plus + 1)
        .split('.')
        .every((id) => IDENT_RE.test(id))
    )
      return undefined;
    s = s.slice(0, plus);
  }
  let pre: string[] = [];
  const dash = s.indexOf('-');
  if (dash >= 0) {
    pre = s.slice(dash + 1).split('.');
    for (const id of pre) {
      if (!IDENT_RE.test(id)) return undefined;
      if (/^[0-9]+$/.test(id) && !NUMERIC_RE.test(id)) return undefined;
    }
    s = s.slice(0, dash);
  }
  const parts = s.split('.');
  if (parts.length !== 3) return undefined;
  const [major, minor, patch] = parts.map(parseCore);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, pre };
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pre-release precedence (SemVer 2.0.0 §11.3–11.4); no pre-release ranks above any. */
function comparePre(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  for (let i = 0; ; i++) {
    const p = a[i];
    const q = b[i];
    if (p === undefined && q === undefined) return 0;
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pNum = NUMERIC_RE.test(p);
    const qNum = NUMERIC_RE.test(q);
    if (pNum && !qNum) return -1;
    if (!pNum && qNum) return 1;
    const c = pNum ? cmp(BigInt(p), BigInt(q)) : compareStrings(p, q);
    if (c !== 0) return c;
  }
}

function compareSemVer(a: SemVer, b: SemVer): number {
  return cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch) || comparePre(a.pre, b.pre);
}

// ---------------------------------------------------------------------------------------------

export function register(r: BuiltinRegistry): void {
  r.def('walk', 1, 'graph', (args) => walk(args[0] as Value), { relation: true });

  r.def(
    'uuid.rfc4122',
    1,
    'uuid',
    (args, ctx) => {
      // One UUID per seed value per evaluation, as OPA caches it.
      const key = `uuid.rfc4122\u0000${canonical(args[0] as Value)}`;
      const hit = ctx.cache.get(key);
      if (hit !== undefined) return hit;
      const id = randomUUID();
      ctx.cache.set(key, id);
      return id;
    },
    { nondeterministic: true },
  );

  // Undefined (not an error) for a string that is not a UUID, as in OPA.
  r.def('uuid.parse', 1, 'uuid', (args) => uuidParse(argString(args, 0)));

  r.def('semver.is_valid', 1, 'semver', (args) => {
    const v = args[0] as Value;
    return typeof v === 'string' && parseSemVer(v) !== undefined;
  });

  r.def('semver.compare', 2, 'semver', (args) => {
    const x = argString(args, 0);
    const y = argString(args, 1);
    const a = parseSemVer(x);
    if (!a) builtinError(`operand 1: string ${goQuote(x)} is not a valid SemVer`);
    const b = parseSemVer(y);
    if (!b) builtinError(`operand 2: string ${goQuote(y)} is not a valid SemVer`);
    return compareSemVer(a, b);
  });

  // This library exposes no runtime information (OPA returns its config, env, version, …).
  r.def('opa.runtime', 0, 'opa', () => emptyObject(), { nondeterministic: true });

  // Explanations are the evaluator's business; the builtin only checks its operand.
  r.def('trace', 1, 'tracing', (args) => {
    argString(args, 0);
    return true;
  });
}
