/**
 * IP addresses and networks as Go's `net` package models them, byte for byte, so the CIDR
 * builtins agree with OPA on edge cases: IPv4 addresses parsed by `ParseIP` are 16-byte
 * IPv4-mapped addresses, IPv4 networks from `ParseCIDR` have 4-byte address and mask, and
 * IPv4-mapped IPv6 addresses match IPv4 networks.
 */

/** A network: address and mask of equal length (4 or 16 bytes). */
export interface IPNet {
  ip: Uint8Array;
  mask: Uint8Array;
}

const V4_IN_V6_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** netip's IPv4 parser: exactly four decimal fields, no leading zeros. */
function parseIPv4Fields(s: string, out: Uint8Array, at: number): boolean {
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && val === 0) return false;
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i - 1) === 0x2e) return false;
      if (pos === 3) return false;
      out[at + pos] = val;
      pos++;
      val = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[at + 3] = val;
  return true;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** netip's IPv6 parser (zones are rejected, as net.ParseIP/ParseCIDR do). */
function parseIPv6(input: string): Uint8Array | undefined {
  if (input.includes('%')) return undefined;
  let s = input;
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const d = hexDigit(s.charCodeAt(off));
      if (d < 0) break;
      acc = acc * 16 + d;
      if (off > 3 || acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      if (!parseIPv4Fields(s, ip, i)) return undefined;
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j] as number;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

/** netip.ParseAddr: the address and whether it was written as IPv4. */
function parseAddr(s: string): { ip: Uint8Array; is4: boolean } | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      const v4 = new Uint8Array(4);
      return parseIPv4Fields(s, v4, 0) ? { ip: v4, is4: true } : undefined;
    }
    if (c === ':') {
      const v6 = parseIPv6(s);
      return v6 ? { ip: v6, is4: false } : undefined;
    }
    if (c === '%') return undefined;
  }
  return undefined;
}

/** An IPv4 address as its 16-byte IPv4-mapped form. */
export function to16(v4: Uint8Array): Uint8Array {
  return Uint8Array.from([...V4_IN_V6_PREFIX, ...v4]);
}

/** net.ParseIP: a 16-byte address (IPv4 as IPv4-mapped), or undefined. */
export function parseIP(s: string): Uint8Array | undefined {
  const a = parseAddr(s);
  if (!a) return undefined;
  return a.is4 ? to16(a.ip) : a.ip;
}

/** net.IP.To4 */
export function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && V4_IN_V6_PREFIX.every((b, i) => ip[i] === b)) return ip.subarray(12);
  return undefined;
}

/** net.CIDRMask(ones, bits) */
export function cidrMask(ones: number, bits: number): Uint8Array {
  const m = new Uint8Array(bits / 8);
  for (let i = 0; i < m.length; i++) {
    const n = Math.max(0, Math.min(8, ones - i * 8));
    m[i] = n === 0 ? 0 : (0xff << (8 - n)) & 0xff;
  }
  return m;
}

/** net.IP.Mask */
export function maskIP(ip: Uint8Array, mask: Uint8Array): Uint8Array | undefined {
  let x = ip;
  let m = mask;
  if (m.length === 16 && x.length === 4 && m.subarray(0, 12).every((b) => b === 0xff)) m = m.subarray(12);
  if (m.length === 4 && x.length === 16 && to4(x)) x = x.subarray(12);
  if (x.length !== m.length) return undefined;
  return x.map((b, i) => b & (m[i] as number));
}

/** net.ParseCIDR: the network, or undefined. */
export function parseCIDR(s: string): { ip: Uint8Array; net: IPNet } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const a = parseAddr(s.slice(0, slash));
  if (!a) return undefined;
  const maskText = s.slice(slash + 1);
  if (!/^\d+$/.test(maskText)) return undefined;
  const ones = Number(maskText);
  const bits = a.is4 ? 32 : 128;
  if (ones > bits) return undefined;
  const mask = cidrMask(ones, bits);
  const ip16 = a.is4 ? to16(a.ip) : a.ip;
  return { ip: ip16, net: { ip: maskIP(ip16, mask) as Uint8Array, mask } };
}

/** Go's networkNumberAndMask. */
function networkNumberAndMask(n: IPNet): IPNet | undefined {
  let ip = to4(n.ip);
  if (!ip) {
    ip = n.ip;
    if (ip.length !== 16) return undefined;
  }
  let m = n.mask;
  if (m.length === 4) {
    if (ip.length !== 4) return undefined;
  } else if (m.length === 16) {
    if (ip.length === 4) m = m.subarray(12);
  } else {
    return undefined;
  }
  return { ip, mask: m };
}

/** net.IPNet.Contains */
export function contains(n: IPNet, ip: Uint8Array): boolean {
  const nm = networkNumberAndMask(n);
  if (!nm) return false;
  const x = to4(ip) ?? ip;
  if (x.length !== nm.ip.length) return false;
  for (let i = 0; i < x.length; i++) {
    const m = nm.mask[i] as number;
    if (((nm.ip[i] as number) & m) !== ((x[i] as number) & m)) return false;
  }
  return true;
}

/** net.IPMask.Size: [ones, bits], or [0, 0] for a non-canonical mask. */
export function maskSize(mask: Uint8Array): [number, number] {
  let ones = 0;
  let seenZero = false;
  for (const b of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) {
        if (seenZero) return [0, 0];
        ones++;
      } else {
        seenZero = true;
      }
    }
  }
  return [ones, mask.length * 8];
}

/** net.IP.String */
export function ipString(ip: Uint8Array): string {
  const v4 = to4(ip);
  if (v4) return [...v4].join('.');
  if (ip.length !== 16) return `?${Buffer.from(ip).toString('hex')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i] as number) << 8) | (ip[i + 1] as number));
  // The longest run (first on ties) of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += (groups[i] as number).toString(16);
  }
  return out;
}

/** net.IPNet.String */
export function netString(n: IPNet): string {
  const nm = networkNumberAndMask(n);
  if (!nm) return '<nil>';
  const [ones, bits] = maskSize(nm.mask);
  if (ones === 0 && bits === 0) return `${ipString(nm.ip)}/${Buffer.from(nm.mask).toString('hex')}`;
  return `${ipString(nm.ip)}/${ones}`;
}

/** Big-endian integer of bytes. */
export function toBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}

/** Bytes (big-endian, given length) of an integer. */
export function fromBigInt(x: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Byte-wise comparison (bytes.Compare). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  }
  return a.length - b.length;
}

/** net.IP.DefaultMask: the classful mask of an IPv4 address. */
export function defaultMask(ip: Uint8Array): Uint8Array | undefined {
  const v4 = to4(ip);
  if (!v4) return undefined;
  const first = v4[0] as number;
  return cidrMask(first < 0x80 ? 8 : first < 0xc0 ? 16 : 24, 32);
}
