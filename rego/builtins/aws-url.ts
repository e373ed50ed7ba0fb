/**
 * The parts of Go's net/url that AWS SigV4 signing (aws.ts) needs: `url.Parse`, `URL.Host`
 * and `URL.EscapedPath()`. A port rather than WHATWG `URL`, because the signature covers the
 * path exactly as Go escapes it and OPA's error messages are Go's `*url.Error` text.
 */
import { goQuote } from './encoding-go.ts';
import { builtinError } from './registry.ts';

class URLError extends Error {}

const enc = new TextEncoder();
const dec = new TextDecoder();

type Mode = 'path' | 'host' | 'fragment' | 'userinfo';

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(String.fromCharCode(c));
}

/** Go's `shouldEscape`. */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === 'host' && '!$&\'()*+,;=:[]<>"'.includes(String.fromCharCode(c))) return false;
  const ch = String.fromCharCode(c);
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    if (mode === 'path') return ch === '?';
    if (mode === 'userinfo') return '@/?:'.includes(ch);
    if (mode === 'fragment') return false;
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

/** Go's `unescape` (no `+` handling: no query mode here). Returns the decoded bytes. */
function percentDecode(s: Uint8Array, mode: Mode): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i] as number;
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw new URLError(`invalid URL escape ${goQuote(dec.decode(s.subarray(i, i + 3)))}`);
      }
      const hi = Number.parseInt(String.fromCharCode(s[i + 1] as number), 16);
      const lo = Number.parseInt(String.fromCharCode(s[i + 2] as number), 16);
      if (mode === 'host' && hi < 8 && !(hi === 2 && lo === 5)) {
        throw new URLError(`invalid URL escape ${goQuote(dec.decode(s.subarray(i, i + 3)))}`);
      }
      out.push(hi * 16 + lo);
      i += 3;
    } else {
      if (mode === 'host' && c < 0x80 && shouldEscape(c, mode)) {
        throw new URLError(`invalid character ${goQuote(String.fromCharCode(c))} in host name`);
      }
      out.push(c);
      i++;
    }
  }
  return Uint8Array.from(out);
}

/** Go's `escape` for the path: bytes that must be escaped become `%XX`. */
function escapePath(b: Uint8Array): string {
  let out = '';
  for (const c of b) {
    out += shouldEscape(c, 'path')
      ? `%${c.toString(16).toUpperCase().padStart(2, '0')}`
      : String.fromCharCode(c);
  }
  return out;
}

/** Go's `validEncoded(s, encodePath)`. */
function validEncodedPath(s: Uint8Array): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]%".includes(String.fromCharCode(c))) continue;
    if (shouldEscape(c, 'path')) return false;
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return /^:[0-9]*$/.test(port);
}

/** Go's `parseHost`: the host with its port, percent-decoded. */
function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return dec.decode(percentDecode(enc.encode(host), 'host'));
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(authority: string): string {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i >= 0) {
    const userinfo = authority.slice(0, i);
    if (!validUserinfo(userinfo)) throw new URLError('net/url: invalid userinfo');
    percentDecode(enc.encode(userinfo), 'userinfo');
  }
  return host;
}

export interface ParsedURL {
  readonly host: string;
  readonly escapedPath: string;
  readonly rawQuery: string;
}

/** Go's `getScheme`. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new URLError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseNoFragment(raw: string): ParsedURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new URLError('net/url: invalid control character in URL');
  if (raw === '*') return { host: '', escapedPath: '*', rawQuery: '' };
  const [scheme, afterScheme] = getScheme(raw);
  let rest = afterScheme;
  let rawQuery = '';
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    // A rootless path with a scheme is opaque (its EscapedPath is empty).
    if (scheme !== '') return { host: '', escapedPath: '', rawQuery };
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) {
      throw new URLError('first path segment in URL cannot contain colon');
    }
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    host = parseAuthority(authority);
  }
  const rawPath = enc.encode(rest);
  const path = percentDecode(rawPath, 'path');
  const escapedPath = validEncodedPath(rawPath) ? rest : escapePath(path);
  return { host, escapedPath, rawQuery };
}

/** Go's `url.Parse`; errors are worded as Go's `*url.Error`. */
export function parseURL(raw: string): ParsedURL {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  let parsed: ParsedURL;
  try {
    parsed = parseNoFragment(u);
  } catch (e) {
    if (e instanceof URLError) builtinError(`parse ${goQuote(u)}: ${e.message}`);
    throw e;
  }
  if (hash >= 0) {
    try {
      percentDecode(enc.encode(raw.slice(hash + 1)), 'fragment');
    } catch (e) {
      if (e instanceof URLError) builtinError(`parse ${goQuote(raw)}: ${e.message}`);
      throw e;
    }
  }
  return parsed;
}
