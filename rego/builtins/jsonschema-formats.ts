/**
 * Format checkers for the JSON Schema `format` keyword (gojsonschema's FormatCheckers). Dates
 * and times parse with Go layouts; `email` and `uri` approximate Go's net/mail and net/url.
 */
import { compilePattern } from './jsonschema-schema.ts';
import { parseIP } from './net-ip.ts';
import { parseLayout } from './time-parse.ts';

/** Format checkers (gojsonschema's FormatCheckers); unknown formats pass; only strings are checked. */
export const FORMATS: Record<string, (s: string) => boolean> = {
  date: (s) => parsesAs(['2006-01-02'], s),
  time: (s) => parsesAs(['15:04:05Z07:00', '15:04:05'], s),
  'date-time': (s) =>
    parsesAs(
      [
        '15:04:05',
        '15:04:05Z07:00',
        '2006-01-02',
        '2006-01-02T15:04:05Z07:00',
        '2006-01-02T15:04:05.999999999Z07:00',
      ],
      s,
    ),
  hostname: (s) =>
    /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]))*$/.test(
      s,
    ) && s.length < 256,
  email: isEmail,
  'idn-email': isEmail,
  ipv4: (s) => parseIP(s) !== undefined && s.includes('.'),
  ipv6: (s) => parseIP(s) !== undefined && s.includes(':'),
  uri: (s) => {
    const u = parseURL(s);
    return u !== undefined && u.scheme !== '' && !s.includes('\\');
  },
  'uri-reference': (s) => parseURL(s) !== undefined && !s.includes('\\'),
  iri: (s) => {
    const u = parseURL(s);
    return u !== undefined && u.scheme !== '' && !s.includes('\\');
  },
  'iri-reference': (s) => parseURL(s) !== undefined && !s.includes('\\'),
  'uri-template': (s) => {
    const u = parseURL(s);
    if (u === undefined || s.includes('\\')) return false;
    return /^([^{]*(\{[^}]*\})?)*$/.test(u.path);
  },
  uuid: (s) => /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/i.test(s),
  regex: (s) => s === '' || compilePattern(s) !== undefined,
  'json-pointer': (s) => /^(?:\/(?:[^~/]|~0|~1)*)*$/.test(s),
  'relative-json-pointer': (s) => /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/.test(s),
};

function parsesAs(layouts: string[], s: string): boolean {
  return layouts.some((layout) => {
    try {
      parseLayout(layout, s);
      return true;
    } catch {
      return false;
    }
  });
}

const ATEXT = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]";
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const EMAIL_BARE = new RegExp(`^\\s*${ADDR_SPEC}\\s*$`);
const EMAIL_NAMED = new RegExp(`^\\s*(?:${QUOTED}|[^<>"@]*)\\s*<${ADDR_SPEC}>\\s*$`);

/** Approximates Go's net/mail.ParseAddress: `local@domain` or `Name <local@domain>`. */
function isEmail(s: string): boolean {
  return EMAIL_BARE.test(s) || EMAIL_NAMED.test(s);
}

const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** Approximates Go's net/url.Parse: returns the scheme and path, or undefined when Go would fail. */
function parseURL(s: string): { scheme: string; path: string } | undefined {
  if (/[\x00-\x1f\x7f]/.test(s)) return undefined;
  let rest = s;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (BAD_ESCAPE.test(rest.slice(hash + 1))) return undefined;
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const sm = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (sm) {
    scheme = sm[1] as string;
    rest = rest.slice(scheme.length + 1);
  } else if (rest.startsWith(':')) {
    return undefined;
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (scheme !== '' && !rest.startsWith('/')) {
    // An opaque URL such as mailto:x; Go accepts it as is.
    return { scheme, path: '' };
  }
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const end = rest.indexOf('/', 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = authority.lastIndexOf('@');
    const host = at < 0 ? authority : authority.slice(at + 1);
    if (at >= 0 && BAD_ESCAPE.test(authority.slice(0, at))) return undefined;
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) return undefined;
      const port = host.slice(close + 1);
      if (port !== '' && !/^:\d*$/.test(port)) return undefined;
    } else {
      const colon = host.lastIndexOf(':');
      if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) return undefined;
      const name = colon >= 0 ? host.slice(0, colon) : host;
      if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9a-fA-F]{2})*$/.test(name)) return undefined;
    }
  } else if (scheme === '') {
    const slash = rest.indexOf('/');
    const first = slash < 0 ? rest : rest.slice(0, slash);
    if (first.includes(':')) return undefined;
  }
  if (BAD_ESCAPE.test(rest)) return undefined;
  let path = rest;
  try {
    path = decodeURIComponent(rest);
  } catch {
    // keep the raw path
  }
  return { scheme, path };
}
