/**
 * Go's `net/url.Parse`, shared by the AWS SigV4 builtins (aws.ts needs `URL.Host` and
 * `URL.EscapedPath()`) and the X.509 builtins (x509-url.ts marshals `url.URL` as OPA does).
 * A port rather than WHATWG `URL`, because signatures cover the path exactly as Go escapes it,
 * OPA's JSON shows Go's fields, and the error messages are Go's `*url.Error` text.
 *
 * Go strings are bytes: the input is taken as UTF-8, and the fields that percent-decoding
 * produces (host, path, fragment) stay bytes, so that escaping them again gives Go's text even
 * when an escape decodes to invalid UTF-8.
 */
import { fromUtf8, utf8 } from './encoding-go.ts';
import { goQuote } from './strings-go.ts';

/** A parse error; the message is Go's `*url.Error` text (`parse "…": …`). */
export class URLError extends Error {}

/** Go's `encoding` modes (the ones parsing uses). */
export type Mode = 'path' | 'host' | 'zone' | 'user' | 'fragment';

/** `url.URL`, with Go's byte strings as bytes and the userinfo as written. */
export interface NetURL {
  readonly scheme: string;
  readonly opaque: string;
  /** The userinfo as written (Go keeps it escaped for `String()`); null when absent. */
  readonly rawUser: string | null;
  readonly host: Uint8Array;
  readonly path: Uint8Array;
  readonly rawPath: string;
  readonly omitHost: boolean;
  readonly forceQuery: boolean;
  readonly rawQuery: string;
  readonly fragment: Uint8Array;
  readonly rawFragment: string;
}

/** Thrown inside the parser with Go's inner error text; parseURL wraps it. */
class InnerError extends Error {}

const isAlnum = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);

/** Go's `shouldEscape`. */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'user':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'fragment':
        return false;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

const HEX = '0123456789ABCDEF';

/** Go's `escape`: the bytes that need it become `%XX`. */
export function goEscape(b: Uint8Array, mode: Mode): string {
  let out = '';
  for (const c of b) {
    out += shouldEscape(c, mode) ? `%${HEX[c >> 4]}${HEX[c & 15]}` : String.fromCharCode(c);
  }
  return out;
}

const hexVal = (c: number | undefined): number => {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
};

/** Go's `unescape` (no `+` handling: no query mode here). */
function goUnescape(text: string, mode: Mode): Uint8Array {
  const s = utf8(text);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as number;
    if (c === 0x25) {
      const hi = hexVal(s[i + 1]);
      const lo = hexVal(s[i + 2]);
      const bad = (): never => {
        throw new InnerError(`invalid URL escape ${goQuote(fromUtf8(s.subarray(i, i + 3)))}`);
      };
      if (i + 2 >= s.length || hi < 0 || lo < 0) bad();
      const v = (hi << 4) | lo;
      // In a host only non-ASCII bytes may be escaped, but `%25` introduces an IPv6 zone.
      if (mode === 'host' && hi < 8 && v !== 0x25) bad();
      // A zone may escape only what it could hold unescaped, or a space (Windows uses them).
      if (mode === 'zone' && v !== 0x25 && v !== 0x20 && shouldEscape(v, 'host')) bad();
      out.push(v);
      i += 2;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) {
        throw new InnerError(`invalid character ${goQuote(String.fromCharCode(c))} in host name`);
      }
      out.push(c);
    }
  }
  return Uint8Array.from(out);
}

/** Go's `validEncoded(s, encodePath)`. */
function validEncodedPath(s: string): boolean {
  for (const c of utf8(s)) {
    if ("!$&'()*+,;=:@[]%".includes(String.fromCharCode(c))) continue;
    if (shouldEscape(c, 'path')) return false;
  }
  return true;
}

/** Go's `getScheme`: the scheme (as written) and the rest. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new InnerError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function checkPort(colonPort: string): void {
  if (colonPort !== '' && !/^:[0-9]*$/.test(colonPort)) {
    throw new InnerError(`invalid port ${goQuote(colonPort)} after host`);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** Go's `parseHost`: the host with its port, percent-decoded (an IPv6 zone by its own rules). */
function parseHost(host: string): Uint8Array {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new InnerError("missing ']' in host");
    checkPort(host.slice(i + 1));
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      return concat([
        goUnescape(host.slice(0, zone), 'host'),
        goUnescape(host.slice(zone, i), 'zone'),
        goUnescape(host.slice(i), 'host'),
      ]);
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) checkPort(host.slice(i));
  }
  return goUnescape(host, 'host');
}

interface Authority {
  readonly host: Uint8Array;
  readonly rawUser: string | null;
}

const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

/** Go's `parseAuthority`: the host, then the userinfo is checked (its escapes too). */
function parseAuthority(authority: string): Authority {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return { host, rawUser: null };
  const rawUser = authority.slice(0, at);
  if (!USERINFO_OK.test(rawUser)) throw new InnerError('net/url: invalid userinfo');
  // Username and password are unescaped separately: Go cuts at the first colon.
  const colon = rawUser.indexOf(':');
  if (colon < 0) goUnescape(rawUser, 'user');
  else {
    goUnescape(rawUser.slice(0, colon), 'user');
    goUnescape(rawUser.slice(colon + 1), 'user');
  }
  return { host, rawUser };
}

const EMPTY: Uint8Array = new Uint8Array();

/** Go's `parse(rawURL, false)`: everything but the fragment. */
function parseNoFragment(raw: string): Omit<NetURL, 'fragment' | 'rawFragment'> {
  const blank = {
    scheme: '',
    opaque: '',
    rawUser: null,
    host: EMPTY,
    path: EMPTY,
    rawPath: '',
    omitHost: false,
    forceQuery: false,
    rawQuery: '',
  };
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new InnerError('net/url: invalid control character in URL');
  if (raw === '*') return { ...blank, path: utf8('*') };
  let [scheme, rest] = getScheme(raw);
  scheme = scheme.toLowerCase();
  let forceQuery = false;
  let rawQuery = '';
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    // A rootless path with a scheme is opaque.
    if (scheme !== '') return { ...blank, scheme, opaque: rest, forceQuery, rawQuery };
    // Avoids confusion with malformed schemes, like cache_object:foo/bar.
    if ((rest.split('/')[0] as string).includes(':')) {
      throw new InnerError('first path segment in URL cannot contain colon');
    }
  }
  let authority: Authority = { host: EMPTY, rawUser: null };
  let omitHost = false;
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let text = rest.slice(2);
    rest = '';
    const slash = text.indexOf('/');
    if (slash >= 0) {
      rest = text.slice(slash);
      text = text.slice(0, slash);
    }
    authority = parseAuthority(text);
  } else if (scheme !== '' && rest.startsWith('/')) {
    omitHost = true;
  }
  const path = goUnescape(rest, 'path');
  const rawPath = goEscape(path, 'path') === rest ? '' : rest;
  return { ...blank, ...authority, scheme, path, rawPath, omitHost, forceQuery, rawQuery };
}

function wrapped<T>(raw: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InnerError) throw new URLError(`parse ${goQuote(raw)}: ${e.message}`);
    throw e;
  }
}

/** Go's `url.Parse`; throws a {@link URLError} worded as Go's. */
export function parseURL(raw: string): NetURL {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  const url = wrapped(u, () => parseNoFragment(u));
  // A bad fragment is reported with the whole URL, as Go does.
  const fragment = wrapped(raw, () => goUnescape(frag, 'fragment'));
  const rawFragment = goEscape(fragment, 'fragment') === frag ? '' : frag;
  return { ...url, fragment, rawFragment };
}

/** Go's `URL.EscapedPath()`. */
export function escapedPath(u: NetURL): string {
  // parseURL sets rawPath only to text that unescapes to `path`, so Go's re-check is not needed.
  if (u.rawPath !== '' && validEncodedPath(u.rawPath)) return u.rawPath;
  if (u.path.length === 1 && u.path[0] === 0x2a) return '*'; // not escaped (Go issue 11202)
  return goEscape(u.path, 'path');
}
