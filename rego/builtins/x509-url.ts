/**
 * Go's `net/url.Parse` for the URIs of X.509 subject alternative names: the fields of
 * `url.URL` (which OPA marshals to JSON as they are), `URL.String()` (OPA's `URIStrings`), and
 * Go's error texts. The input is an IA5String, so ASCII; escapes may decode to other bytes.
 */
import { fromUtf8, goQuote } from './encoding-go.ts';

/** url.URL as Go marshals it: `User` is `{}` when userinfo is present (its fields are unexported). */
export interface GoURL {
  readonly Scheme: string;
  readonly Opaque: string;
  readonly User: Record<string, never> | null;
  readonly Host: string;
  readonly Path: string;
  readonly RawPath: string;
  readonly OmitHost: boolean;
  readonly ForceQuery: boolean;
  readonly RawQuery: string;
  readonly Fragment: string;
  readonly RawFragment: string;
}

/** The URL and what `String()` needs that the JSON fields do not keep. */
export interface ParsedURL {
  readonly url: GoURL;
  readonly rawUser: string | null;
}

type Mode = 'path' | 'host' | 'zone' | 'user' | 'fragment';

const isAlnum = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);

/** Go's shouldEscape. */
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

/** Go's escape (percent-encodes the UTF-8 bytes that need it). */
function goEscape(s: string, mode: Mode): string {
  let out = '';
  for (const c of Buffer.from(s, 'utf8')) {
    out += shouldEscape(c, mode) ? `%${HEX[c >> 4]}${HEX[c & 15]}` : String.fromCharCode(c);
  }
  return out;
}

const hexVal = (c: string | undefined): number =>
  c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;

class URLError extends Error {}

/** Go's unescape; throws URLError with Go's message. */
function goUnescape(s: string, mode: Mode): string {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexVal(s[i + 1]);
      const lo = hexVal(s[i + 2]);
      if (i + 2 >= s.length || hi < 0 || lo < 0) {
        throw new URLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      if (mode === 'host' && hi < 8 && s.slice(i, i + 3) !== '%25') {
        throw new URLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      out.push((hi << 4) | lo);
      i += 2;
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) {
        throw new URLError(`invalid character ${goQuote(s[i] as string)} in host name`);
      }
      out.push(c);
    }
  }
  return fromUtf8(Uint8Array.from(out));
}

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

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      return (
        goUnescape(host.slice(0, zone), 'host') +
        goUnescape(host.slice(zone, i), 'zone') +
        goUnescape(host.slice(i), 'host')
      );
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0 && !validOptionalPort(host.slice(i))) {
      throw new URLError(`invalid port ${goQuote(host.slice(i))} after host`);
    }
  }
  return goUnescape(host, 'host');
}

const USERINFO_OK = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

/** url.Parse; throws an Error whose message is Go's (`parse "…": …`). */
export function parseURL(raw: string): ParsedURL {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  let url: Omit<GoURL, 'Fragment' | 'RawFragment'>;
  let rawUser: string | null = null;
  try {
    if ([...u].some((c) => c < ' ' || c === '\x7f'))
      throw new URLError('net/url: invalid control character in URL');
    if (u === '*') {
      url = blank({ Path: '*' });
    } else {
      let [scheme, rest] = getScheme(u);
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
        if (scheme !== '') {
          url = blank({ Scheme: scheme, Opaque: rest, ForceQuery: forceQuery, RawQuery: rawQuery });
          return withFragment(url, frag, raw, null);
        }
        const segment = rest.split('/')[0] as string;
        if (segment.includes(':')) throw new URLError('first path segment in URL cannot contain colon');
      }
      let host = '';
      let user: Record<string, never> | null = null;
      let omitHost = false;
      if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
        let authority = rest.slice(2);
        rest = '';
        const slash = authority.indexOf('/');
        if (slash >= 0) {
          rest = authority.slice(slash);
          authority = authority.slice(0, slash);
        }
        const at = authority.lastIndexOf('@');
        host = parseHost(at < 0 ? authority : authority.slice(at + 1));
        if (at >= 0) {
          rawUser = authority.slice(0, at);
          if (!USERINFO_OK.test(rawUser)) throw new URLError('net/url: invalid userinfo');
          for (const part of rawUser.split(':')) goUnescape(part, 'user');
          user = {};
        }
      } else if (scheme !== '' && rest.startsWith('/')) {
        omitHost = true;
      }
      const path = goUnescape(rest, 'path');
      url = blank({
        Scheme: scheme,
        User: user,
        Host: host,
        Path: path,
        RawPath: goEscape(path, 'path') === rest ? '' : rest,
        OmitHost: omitHost,
        ForceQuery: forceQuery,
        RawQuery: rawQuery,
      });
    }
  } catch (e) {
    if (e instanceof URLError) throw new Error(`parse ${goQuote(u)}: ${e.message}`);
    throw e;
  }
  return withFragment(url, frag, raw, rawUser);
}

function blank(fields: Partial<GoURL>): Omit<GoURL, 'Fragment' | 'RawFragment'> {
  return {
    Scheme: '',
    Opaque: '',
    User: null,
    Host: '',
    Path: '',
    RawPath: '',
    OmitHost: false,
    ForceQuery: false,
    RawQuery: '',
    ...fields,
  };
}

function withFragment(
  url: Omit<GoURL, 'Fragment' | 'RawFragment'>,
  frag: string,
  raw: string,
  rawUser: string | null,
): ParsedURL {
  let fragment = '';
  try {
    fragment = goUnescape(frag, 'fragment');
  } catch (e) {
    if (e instanceof URLError) throw new Error(`parse ${goQuote(raw)}: ${e.message}`);
    throw e;
  }
  const rawFragment = goEscape(fragment, 'fragment') === frag ? '' : frag;
  return { url: { ...url, Fragment: fragment, RawFragment: rawFragment }, rawUser };
}

/** URL.String() */
export function urlString(p: ParsedURL): string {
  const u = p.url;
  let out = '';
  if (u.Scheme !== '') out += `${u.Scheme}:`;
  if (u.Opaque !== '') {
    out += u.Opaque;
  } else {
    if (u.Scheme !== '' || u.Host !== '' || u.User !== null) {
      if (!(u.OmitHost && u.Host === '' && u.User === null)) {
        if (u.Host !== '' || u.Path !== '' || u.User !== null) out += '//';
        if (p.rawUser !== null) out += `${p.rawUser}@`;
        if (u.Host !== '') out += goEscape(u.Host, 'host');
      }
    }
    const path = u.RawPath !== '' ? u.RawPath : goEscape(u.Path, 'path');
    if (path !== '' && path[0] !== '/' && u.Host !== '') out += '/';
    if (out === '' && (path.split('/')[0] as string).includes(':')) out += './';
    out += path;
  }
  if (u.ForceQuery || u.RawQuery !== '') out += `?${u.RawQuery}`;
  if (u.Fragment !== '') out += `#${u.RawFragment !== '' ? u.RawFragment : goEscape(u.Fragment, 'fragment')}`;
  return out;
}
