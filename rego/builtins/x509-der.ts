/**
 * A DER reader with the strictness of Go's `golang.org/x/crypto/cryptobyte` (which
 * `crypto/x509` parses certificates with): minimal lengths, no indefinite lengths, no
 * high-tag-number form, minimal INTEGER encodings, DER booleans. Every reader returns
 * `undefined` where cryptobyte returns false; callers turn that into Go's error text.
 */
import { civilFromDays, daysFromCivil, daysIn } from './time-civil.ts';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUM: 0x0a,
  UTF8String: 0x0c,
  NumericString: 0x12,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag `[n]`, constructed when `constructed`. */
export function ctx(n: number, constructed = false): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One element: its tag, the whole encoding and the contents. */
export interface Element {
  readonly tag: number;
  readonly full: Uint8Array;
  readonly body: Uint8Array;
}

/** A cursor over DER bytes (cryptobyte.String). */
export class Der {
  b: Uint8Array;

  constructor(b: Uint8Array) {
    this.b = b;
  }

  empty(): boolean {
    return this.b.length === 0;
  }

  peekTag(tag: number): boolean {
    return this.b.length > 0 && this.b[0] === tag;
  }

  /** ReadAnyASN1Element: the next element, whatever its tag. */
  readAny(): Element | undefined {
    const b = this.b;
    if (b.length < 2) return undefined;
    const tag = b[0] as number;
    if ((tag & 0x1f) === 0x1f) return undefined; // high-tag-number form is not supported
    const lenByte = b[1] as number;
    let header = 2;
    let len: number;
    if ((lenByte & 0x80) === 0) {
      len = lenByte;
    } else {
      const lenLen = lenByte & 0x7f;
      if (lenLen === 0 || lenLen > 4 || b.length < 2 + lenLen) return undefined;
      len = 0;
      for (let i = 0; i < lenLen; i++) len = len * 256 + (b[2 + i] as number);
      if (len < 128) return undefined; // should have used the short form
      if ((b[2] as number) === 0) return undefined; // leading zero byte
      header = 2 + lenLen;
    }
    if (b.length < header + len) return undefined;
    const full = b.subarray(0, header + len);
    this.b = b.subarray(header + len);
    return { tag, full, body: full.subarray(header) };
  }

  /** ReadASN1Element: the whole next element, which must have this tag. */
  readElement(tag: number): Uint8Array | undefined {
    const save = this.b;
    const e = this.readAny();
    if (!e || e.tag !== tag) {
      this.b = save;
      return undefined;
    }
    return e.full;
  }

  /** ReadASN1: the contents of the next element, which must have this tag. */
  read(tag: number): Uint8Array | undefined {
    const save = this.b;
    const e = this.readAny();
    if (!e || e.tag !== tag) {
      this.b = save;
      return undefined;
    }
    return e.body;
  }

  /** ReadOptionalASN1: `null` when absent, `undefined` on a malformed element. */
  readOptional(tag: number): Uint8Array | null | undefined {
    if (!this.peekTag(tag)) return null;
    return this.read(tag);
  }

  /** `read(tag)` as a new cursor. */
  sub(tag: number): Der | undefined {
    const body = this.read(tag);
    return body ? new Der(body) : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Primitive contents

/** INTEGER contents as a bigint (two's complement), or undefined when not minimally encoded. */
export function intBig(body: Uint8Array): bigint | undefined {
  if (body.length === 0) return undefined;
  if (body.length > 1) {
    const a = body[0] as number;
    const b = body[1] as number;
    if ((a === 0 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) === 0x80)) return undefined;
  }
  let x = 0n;
  for (const v of body) x = (x << 8n) | BigInt(v);
  if (((body[0] as number) & 0x80) !== 0) x -= 1n << BigInt(body.length * 8);
  return x;
}

const INT64_MAX = (1n << 63n) - 1n;

/** INTEGER contents that must fit an int64 (Go's `ReadASN1Integer(&int64)`). */
export function int64(body: Uint8Array): bigint | undefined {
  const x = intBig(body);
  if (x === undefined || x > INT64_MAX || x < -INT64_MAX - 1n) return undefined;
  return x;
}

/** An INTEGER element read from the cursor as int64. */
export function readInt64(d: Der, tag: number = TAG.INTEGER): bigint | undefined {
  const body = d.read(tag);
  return body === undefined ? undefined : int64(body);
}

/** OBJECT IDENTIFIER contents (asn1.ObjectIdentifier: arcs below 2^31). */
export function oid(body: Uint8Array): number[] | undefined {
  if (body.length === 0) return undefined;
  const arcs: number[] = [];
  let i = 0;
  const next = (): number | undefined => {
    let ret = 0;
    for (let n = 0; i < body.length; n++) {
      if (n === 5 || ret >= 1 << 24) return undefined;
      const b = body[i++] as number;
      if (n === 0 && b === 0x80) return undefined;
      ret = ret * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return ret;
    }
    return undefined;
  };
  const first = next();
  if (first === undefined) return undefined;
  if (first < 80) arcs.push(Math.floor(first / 40), first % 40);
  else arcs.push(2, first - 80);
  while (i < body.length) {
    const v = next();
    if (v === undefined) return undefined;
    arcs.push(v);
  }
  return arcs;
}

/** OBJECT IDENTIFIER contents as dotted text with arbitrarily large arcs (x509.OID), or undefined. */
export function oidText(body: Uint8Array): string | undefined {
  if (body.length === 0 || ((body[body.length - 1] as number) & 0x80) !== 0) return undefined;
  const arcs: bigint[] = [];
  let cur = 0n;
  let start = true;
  for (const b of body) {
    if (start && b === 0x80) return undefined;
    cur = (cur << 7n) | BigInt(b & 0x7f);
    start = (b & 0x80) === 0;
    if (start) {
      arcs.push(cur);
      cur = 0n;
    }
  }
  const first = arcs[0] as bigint;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** An OBJECT IDENTIFIER element read from the cursor. */
export function readOID(d: Der): number[] | undefined {
  const body = d.read(TAG.OID);
  return body === undefined ? undefined : oid(body);
}

export function oidEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** BIT STRING contents. */
export interface BitString {
  readonly bytes: Uint8Array;
  readonly bitLength: number;
}

export function bitString(body: Uint8Array): BitString | undefined {
  if (body.length === 0) return undefined;
  const pad = body[0] as number;
  const last = body[body.length - 1] as number;
  if (pad > 7 || (body.length === 1 && pad > 0) || (last & ((1 << pad) - 1)) !== 0) return undefined;
  return { bytes: body.subarray(1), bitLength: (body.length - 1) * 8 - pad };
}

/** asn1.BitString.RightAlign */
export function rightAlign(bs: BitString): Uint8Array {
  const shift = 8 - (bs.bitLength % 8);
  if (shift === 8 || bs.bytes.length === 0) return bs.bytes;
  const out = new Uint8Array(bs.bytes.length);
  out[0] = (bs.bytes[0] as number) >> shift;
  for (let i = 1; i < bs.bytes.length; i++) {
    out[i] = (((bs.bytes[i - 1] as number) << (8 - shift)) | ((bs.bytes[i] as number) >> shift)) & 0xff;
  }
  return out;
}

/** asn1.BitString.At */
export function bitAt(bs: BitString, i: number): number {
  if (i < 0 || i >= bs.bitLength) return 0;
  return ((bs.bytes[i >> 3] as number) >> (7 - (i % 8))) & 1;
}

/** BOOLEAN contents (DER: 0x00 or 0xff). */
export function bool(body: Uint8Array): boolean | undefined {
  if (body.length !== 1) return undefined;
  if (body[0] === 0) return false;
  if (body[0] === 0xff) return true;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Times

/** A time as Go keeps it: seconds since the epoch, nanoseconds, and the zone offset in seconds. */
export interface GoTime {
  readonly sec: number;
  readonly nsec: number;
  readonly offset: number;
}

/** Nanoseconds since the epoch. */
export function timeNs(t: GoTime): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** time.Time.MarshalJSON (RFC 3339 with nanoseconds, trailing zeros dropped). */
export function timeJSON(t: GoTime): string {
  const local = t.sec + t.offset;
  const days = Math.floor(local / 86400);
  const secOfDay = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  let s = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(secOfDay / 3600), 2)}:${pad(Math.floor((secOfDay % 3600) / 60), 2)}:${pad(secOfDay % 60, 2)}`;
  if (t.nsec > 0) s += `.${pad(t.nsec, 9).replace(/0+$/, '')}`;
  if (t.offset === 0) return `${s}Z`;
  const off = Math.abs(t.offset) / 60;
  return `${s}${t.offset < 0 ? '-' : '+'}${pad(Math.floor(off / 60), 2)}:${pad(off % 60, 2)}`;
}

/** time.Time.Format(time.RFC3339) in UTC, for error messages. */
export function timeRFC3339(t: GoTime): string {
  return timeJSON({ sec: t.sec, nsec: 0, offset: t.offset });
}

const TIME_RE = {
  utc: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/,
  gen: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{4})$/,
};

function makeTime(
  year: number,
  month: number,
  day: number,
  h: number,
  mi: number,
  s: number,
  nsec: number,
  zone: string,
): GoTime | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || h > 23 || mi > 59 || s > 59) {
    return undefined;
  }
  let offset = 0;
  if (zone === '+0000' || zone === '-0000') return undefined; // Go re-serialises a zero offset as Z
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const sec = daysFromCivil(year, month, day) * 86400 + h * 3600 + mi * 60 + s - offset;
  return { sec, nsec, offset };
}

/** UTCTime contents (YYMMDDHHMM[SS]Z, years before 50 are 20xx), as cryptobyte reads them. */
export function utcTime(body: Uint8Array): GoTime | undefined {
  const m = TIME_RE.utc.exec(Buffer.from(body).toString('latin1'));
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  const yy = n(1);
  const year = yy >= 50 ? 1900 + yy : 2000 + yy;
  return makeTime(year, n(2), n(3), n(4), n(5), m[6] === undefined ? 0 : n(6), 0, m[7] as string);
}

/** GeneralizedTime contents (YYYYMMDDHHMMSS[.fff]Z; fractions without trailing zeros). */
export function generalizedTime(body: Uint8Array): GoTime | undefined {
  const m = TIME_RE.gen.exec(Buffer.from(body).toString('latin1'));
  if (!m) return undefined;
  const frac = m[7];
  if (frac?.endsWith('0')) return undefined; // Go re-serialises and compares
  const n = (i: number): number => Number(m[i]);
  const nsec = frac === undefined ? 0 : Number(frac.padEnd(9, '0'));
  return makeTime(n(1), n(2), n(3), n(4), n(5), n(6), nsec, m[8] as string);
}

// ---------------------------------------------------------------------------------------------
// Strings (x509's parseASN1String)

function isPrintable(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x27 && b <= 0x29) ||
    (b >= 0x2b && b <= 0x2f) ||
    b === 0x20 ||
    b === 0x3a ||
    b === 0x3d ||
    b === 0x3f ||
    b === 0x2a ||
    b === 0x26
  );
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True when every byte is ASCII (Go's isIA5String). */
export function isIA5(b: Uint8Array): boolean {
  return b.every((c) => c < 0x80);
}

/** The string types of a Name; returns an Error with Go's message for bad contents. */
export function asn1String(tag: number, body: Uint8Array): string | Error {
  switch (tag) {
    case TAG.T61String:
      return Buffer.from(body).toString('latin1');
    case TAG.PrintableString:
      return body.every(isPrintable)
        ? Buffer.from(body).toString('latin1')
        : new Error('invalid PrintableString');
    case TAG.UTF8String:
      try {
        return utf8Strict.decode(body);
      } catch {
        return new Error('invalid UTF-8 string');
      }
    case TAG.BMPString: {
      if (body.length % 2 !== 0) return new Error('invalid BMPString');
      let v = body;
      if (v.length >= 2 && v[v.length - 1] === 0 && v[v.length - 2] === 0) v = v.subarray(0, v.length - 2);
      let s = '';
      for (let i = 0; i < v.length; i += 2) {
        const p = ((v[i] as number) << 8) | (v[i + 1] as number);
        if (p === 0xfffe || p === 0xffff || (p >= 0xfdd0 && p <= 0xfdef) || (p >= 0xd800 && p <= 0xdfff)) {
          return new Error('invalid BMPString');
        }
        s += String.fromCharCode(p);
      }
      return s;
    }
    case TAG.IA5String:
      return isIA5(body) ? Buffer.from(body).toString('latin1') : new Error('invalid IA5String');
    case TAG.NumericString:
      return body.every((b) => (b >= 0x30 && b <= 0x39) || b === 0x20)
        ? Buffer.from(body).toString('latin1')
        : new Error('invalid NumericString');
  }
  return new Error(`unsupported string type: ${tag}`);
}

/** Bytes as a Go JSON `[]byte` (standard base64; `null` for a nil slice). */
export function b64(b: Uint8Array | null | undefined): string | null {
  return b ? Buffer.from(b).toString('base64') : null;
}

/** `l.map(f)`, keeping Go's nil slice (null) as null. */
export function mapOrNull<T, U>(l: readonly T[] | null, f: (x: T) => U): U[] | null {
  return l === null ? null : l.map(f);
}

/** Unsigned big-endian bytes as a bigint. */
export function unsigned(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}
