/**
 * CIDR builtins (IPv4 and IPv6) with OPA's semantics, including its quirks:
 * - operand type errors of `net.cidr_contains`/`net.cidr_intersects` name operand 1 for either
 *   operand, as OPA's implementation does;
 * - `net.cidr_merge` gives a bare IPv4 address its classful default mask (`192.0.2.1` counts as
 *   `192.0.2.0/24`), as Go's `IP.DefaultMask` does in OPA; bare IPv6 addresses are an error.
 * `net.cidr_expand` refuses networks of more than {@link MAX_EXPAND} addresses (OPA has no
 * limit and relies on cancellation).
 */
import { BuiltinError } from '../errors.ts';
import { isObject, objSortedEntries, RegoSet, type Value } from '../value.ts';
import {
  contains,
  defaultMask,
  fromBigInt,
  type IPNet,
  ipString,
  maskIP,
  maskSize,
  netString,
  parseCIDR,
  parseIP,
  to4,
  to16,
  toBigInt,
} from './net-ip.ts';
import { type BuiltinRegistry, builtinError, typeError } from './registry.ts';

/** Largest network `net.cidr_expand` expands. */
export const MAX_EXPAND = 65_536;

/** OPA's getNetFromOperand (type errors always name operand 1). */
function netOperand(v: Value): IPNet {
  if (typeof v !== 'string') typeError(1, 'string', v);
  const parsed = parseCIDR(v);
  if (!parsed) builtinError(`invalid CIDR address: ${v}`);
  return parsed.net;
}

/** The last address of a network (getLastIP). */
function lastIP(n: IPNet): Uint8Array {
  const [ones, bits] = maskSize(n.mask);
  if (ones === 0 && bits === 0) builtinError('CIDR mask is in non-standard format');
  if (ones === bits) return n.ip;
  const hostBits = BigInt(bits - ones);
  return fromBigInt(toBigInt(n.ip) | ((1n << hostBits) - 1n), bits / 8);
}

function cidrContains(a: Value, b: Value): boolean {
  const netA = netOperand(a);
  if (typeof b !== 'string') typeError(1, 'string', b);
  const ip = parseIP(b);
  if (ip) return contains(netA, ip);
  const parsed = parseCIDR(b);
  if (!parsed) builtinError(`not a valid textual representation of an IP address or CIDR: ${b}`);
  const netB = parsed.net;
  return contains(netA, netB.ip) && contains(netA, lastIP(netB));
}

function cidrIntersects(a: Value, b: Value): boolean {
  const netA = netOperand(a);
  const netB = netOperand(b);
  return contains(netA, netB.ip) || contains(netB, netA.ip);
}

function cidrExpand(v: Value): RegoSet {
  if (typeof v !== 'string') typeError(1, 'string', v);
  const parsed = parseCIDR(v);
  if (!parsed) builtinError(`invalid CIDR address: ${v}`);
  const { net } = parsed;
  const [ones, bits] = maskSize(net.mask);
  const count = 2n ** BigInt(bits - ones);
  if (count > BigInt(MAX_EXPAND)) {
    builtinError(`${v} has ${count} addresses, more than the ${MAX_EXPAND} net.cidr_expand allows`);
  }
  const start = maskIP(parsed.ip, net.mask) as Uint8Array;
  const first = toBigInt(start);
  const out = new RegoSet();
  for (let i = 0n; i < count; i++) out.add(ipString(fromBigInt(first + i, start.length)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// net.cidr_merge

interface Range {
  first: bigint;
  last: bigint;
  /** The original network when the range was not merged. */
  net: IPNet | undefined;
}

const V4_ZERO = toBigInt(to16(new Uint8Array(4)));

/** GetAddressRange: first and last address as 16-byte integers (IPv4 as IPv4-mapped). */
function addressRange(n: IPNet): [bigint, bigint] {
  const masked = maskIP(n.ip, n.mask);
  if (!masked) builtinError('invalid network');
  const first = masked.length === 4 ? to16(masked) : masked;
  const last = Uint8Array.from(first);
  for (let i = 0; i < n.mask.length; i++) {
    const idx = 15 - i;
    last[idx] = (last[idx] as number) | (~(n.mask[n.mask.length - 1 - i] as number) & 0xff);
  }
  return [toBigInt(first), toBigInt(last)];
}

/** The element as a network (generateIPNet). */
function mergeElement(v: Value): IPNet {
  if (typeof v !== 'string') builtinError('element must be string');
  const ip = parseIP(v);
  if (!ip) {
    const parsed = parseCIDR(v);
    if (!parsed) builtinError(`invalid CIDR address: ${v}`);
    return parsed.net;
  }
  const mask = defaultMask(ip);
  if (!mask) builtinError('IPv6 invalid: needs prefix length');
  return { ip, mask };
}

/** Text of the network lo/prefix in 128-bit space (IPv4-mapped ones printed as IPv4). */
function blockString(lo: bigint, prefix: number): string {
  const ip = fromBigInt(lo, 16);
  if (to4(ip) && prefix >= 96) return `${ipString(ip)}/${prefix - 96}`;
  return `${ipString(ip)}/${prefix}`;
}

/** The minimal list of CIDR blocks covering [first, last]. */
function rangeToCIDRs(first: bigint, last: bigint): string[] {
  const out: string[] = [];
  let lo = first;
  while (lo <= last) {
    let size = 1n;
    let prefix = 128;
    while (prefix > 0 && (lo & (size * 2n - 1n)) === 0n && lo + size * 2n - 1n <= last) {
      size *= 2n;
      prefix--;
    }
    out.push(blockString(lo, prefix));
    lo += size;
  }
  return out;
}

function cidrMerge(v: Value): RegoSet {
  let elems: Value[];
  if (Array.isArray(v)) elems = v;
  else if (v instanceof RegoSet) elems = v.sorted();
  else builtinError('operand must be an array');
  const ranges: Range[] = elems.map((e) => {
    const net = mergeElement(e);
    const [first, last] = addressRange(net);
    return { first, last, net };
  });
  ranges.sort((a, b) =>
    a.last !== b.last ? (a.last < b.last ? -1 : 1) : a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
  );
  for (let i = ranges.length - 1; i > 0; i--) {
    const cur = ranges[i] as Range;
    const prev = ranges[i - 1] as Range;
    const previousIP = cur.first === V4_ZERO || cur.first === 0n ? cur.first : cur.first - 1n;
    if (previousIP <= prev.last) {
      let first = cur.first;
      if (prev.first < first) first = prev.first;
      ranges[i - 1] = { first, last: cur.last, net: undefined };
      ranges.splice(i, 1);
    }
  }
  const out = new RegoSet();
  for (const r of ranges) {
    if (r.net) out.add(netString(r.net));
    else for (const s of rangeToCIDRs(r.first, r.last)) out.add(s);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// net.cidr_contains_matches

/** [cidr, index] pairs of an operand (string, array, set or object). */
function matchTerms(operand: number, v: Value): [Value, Value][] {
  const cidrOf = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0] as Value;
    throw new BuiltinError(
      'eval_builtin_error',
      `operand ${operand}: element must be string or non-empty array`,
    );
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [cidrOf(x), i]);
  if (v instanceof RegoSet) return v.sorted().map((x) => [cidrOf(x), x]);
  if (isObject(v)) return objSortedEntries(v).map(([k, x]) => [cidrOf(x), k]);
  return [];
}

function cidrContainsMatches(a: Value, b: Value): RegoSet {
  const out = new RegoSet();
  const left = matchTerms(1, a);
  const right = matchTerms(2, b);
  for (const [c1, i1] of left) {
    for (const [c2, i2] of right) {
      if (cidrContains(c1, c2)) out.add([i1, i2]);
    }
  }
  return out;
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'net';
  r.def('net.cidr_contains', 2, cat, ([a, b]) => cidrContains(a as Value, b as Value));
  // Deprecated OPA alias of net.cidr_contains.
  r.def('net.cidr_overlap', 2, cat, ([a, b]) => cidrContains(a as Value, b as Value));
  r.def('net.cidr_intersects', 2, cat, ([a, b]) => cidrIntersects(a as Value, b as Value));
  r.def('net.cidr_is_valid', 1, cat, ([x]) => typeof x === 'string' && parseCIDR(x) !== undefined);
  r.def('net.cidr_expand', 1, cat, ([x]) => cidrExpand(x as Value));
  r.def('net.cidr_merge', 1, cat, ([x]) => cidrMerge(x as Value));
  r.def('net.cidr_contains_matches', 2, cat, ([a, b]) => cidrContainsMatches(a as Value, b as Value));
}
