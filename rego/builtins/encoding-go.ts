/**
 * Byte-level encodings as Go's standard library implements them (OPA strings are Go byte
 * strings; here they are JS strings, converted to UTF-8 at the edges).
 */
import { goIsPrint, goQuote } from './strings-go.ts';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as Go would store them). */
export function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

/** A string from bytes; invalid UTF-8 sequences become U+FFFD (what Go prints for them). */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

// ---------------------------------------------------------------------------------------------
// base64 (encoding/base64 StdEncoding / URLEncoding, non-strict)

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}
const STD_MAP = decodeMap(STD);
const URL_MAP = decodeMap(URL);

/** Thrown for invalid input; the message is Go's. */
export class GoDecodeError extends Error {}

function corrupt(offset: number): never {
  throw new GoDecodeError(`illegal base64 data at input byte ${offset}`);
}

/**
 * Go's padded base64 decoding: `\r` and `\n` are skipped, padding is required, trailing
 * garbage after padding is an error, non-zero trailing bits are accepted.
 */
export function base64DecodeGo(s: string, url: boolean): Uint8Array {
  const src = utf8(s);
  const map = url ? URL_MAP : STD_MAP;
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        corrupt(si - j);
      }
      const c = src[si] as number;
      si++;
      const d = map[c] as number;
      if (d >= 0) {
        dbuf[j] = d;
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        j--;
        continue;
      }
      if (c !== 0x3d) corrupt(si - 1);
      // padding
      if (j < 2) corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
        if (si === src.length) corrupt(src.length);
        if (src[si] !== 0x3d) corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < src.length) corrupt(si);
      dlen = j;
      break;
    }
    const val =
      ((dbuf[0] as number) << 18) |
      ((dbuf[1] as number) << 12) |
      ((dbuf[2] as number) << 6) |
      (dbuf[3] as number);
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out.push(bytes[k] as number);
  }
  return Uint8Array.from(out);
}

export function base64Encode(s: string, url: boolean, pad: boolean): string {
  const b = Buffer.from(s, 'utf8');
  if (!url) return b.toString('base64');
  const e = b.toString('base64url');
  return pad ? e + '='.repeat((4 - (e.length % 4)) % 4) : e;
}

// ---------------------------------------------------------------------------------------------
// hex (encoding/hex)

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Go's `%#U` of a byte: `U+0067 'g'`. */
function runeVerbose(c: number): string {
  const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return goIsPrint(c) ? `${code} '${String.fromCodePoint(c)}'` : code;
}

export function hexDecodeGo(s: string): Uint8Array {
  const src = utf8(s);
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const p = src[j - 1] as number;
    const q = src[j] as number;
    const a = hexVal(p);
    const b = hexVal(q);
    if (a < 0) throw new GoDecodeError(`encoding/hex: invalid byte: ${runeVerbose(p)}`);
    if (b < 0) throw new GoDecodeError(`encoding/hex: invalid byte: ${runeVerbose(q)}`);
    out[(j - 1) >> 1] = (a << 4) | b;
  }
  if (src.length % 2 === 1) {
    const last = src[j - 1] as number;
    if (hexVal(last) < 0) throw new GoDecodeError(`encoding/hex: invalid byte: ${runeVerbose(last)}`);
    throw new GoDecodeError('encoding/hex: odd length hex string');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// URL query encoding (net/url QueryEscape / QueryUnescape / ParseQuery / Values.Encode)

const UPPER_HEX = '0123456789ABCDEF';

function unreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x7e
  );
}

export function queryEscape(s: string): string {
  let out = '';
  for (const c of utf8(s)) {
    if (unreserved(c)) out += String.fromCharCode(c);
    else if (c === 0x20) out += '+';
    else out += `%${UPPER_HEX[c >> 4]}${UPPER_HEX[c & 0xf]}`;
  }
  return out;
}

export function queryUnescape(s: string): string {
  const src = utf8(s);
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number;
    if (c === 0x25) {
      if (i + 2 >= src.length || hexVal(src[i + 1] as number) < 0 || hexVal(src[i + 2] as number) < 0) {
        const bad = fromUtf8(src.subarray(i, Math.min(i + 3, src.length)));
        throw new GoDecodeError(`invalid URL escape ${goQuote(bad)}`);
      }
      out.push((hexVal(src[i + 1] as number) << 4) | hexVal(src[i + 2] as number));
      i += 2;
    } else if (c === 0x2b) {
      out.push(0x20);
    } else {
      out.push(c);
    }
  }
  return fromUtf8(Uint8Array.from(out));
}

/** `url.ParseQuery`: values per key in order; the first error is reported after parsing. */
export function parseQuery(query: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let err: Error | undefined;
  for (const part of query.split('&')) {
    if (part.includes(';')) {
      err = new GoDecodeError('invalid semicolon separator in query');
      continue;
    }
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = queryUnescape(rawKey);
      value = queryUnescape(rawValue);
    } catch (e) {
      err ??= e as Error;
      continue;
    }
    const list = m.get(key);
    if (list) list.push(value);
    else m.set(key, [value]);
  }
  if (err) throw err;
  return m;
}
