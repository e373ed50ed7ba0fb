/**
 * General names as Go's `crypto/x509` parses them: subject alternative names and name
 * constraints (with Go's validity checks and error texts), plus the mailbox and domain parsing
 * that verification shares.
 */
import { goQuote } from './strings-go.ts';
import { parseIP, to4 } from './net-ip.ts';
import { ctx, Der, isIA5, TAG } from './x509-der.ts';
import { fail } from './x509-pkix.ts';
import { type ParsedURL, parseURL } from './x509-url.ts';

export interface IPNet {
  readonly ip: Uint8Array;
  readonly mask: Uint8Array;
}

/** The names of a SubjectAltName extension (null for Go's nil slices). */
export interface SANs {
  dnsNames: string[] | null;
  emails: string[] | null;
  ips: Uint8Array[] | null;
  uris: ParsedURL[] | null;
}

/** One side (permitted or excluded) of a NameConstraints extension. */
export interface Subtrees {
  dns: string[] | null;
  ips: IPNet[] | null;
  emails: string[] | null;
  uris: string[] | null;
}

const push = <T>(list: T[] | null, v: T): T[] => [...(list ?? []), v];
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Go's domainNameValid. */
export function domainNameValid(s: string, constraint: boolean): boolean {
  if (s.length === 0) return true;
  if (s.endsWith('.')) return false;
  if (constraint && s.startsWith('.')) s = s.slice(1);
  let lastDot = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = s.charCodeAt(i);
    if (i < s.length && (c < 33 || c > 126)) return false;
    if (i === s.length || c === 0x2e) {
      if (i - (lastDot + 1) === 0) return false;
      lastDot = i;
    }
  }
  return true;
}

/** forEachSAN over a GeneralNames SEQUENCE; the callback gets the context tag number. */
export function forEachSAN(value: Uint8Array, cb: (tag: number, data: Uint8Array) => void): void {
  const d = new Der(value).sub(TAG.SEQUENCE);
  if (!d) fail('x509: invalid subject alternative names');
  while (!d.empty()) {
    const e = d.readAny();
    if (!e) fail('x509: invalid subject alternative name');
    cb(e.tag ^ 0x80, e.body);
  }
}

/** parseSANExtension: DNS names, emails, IPs and URIs. */
export function parseSAN(value: Uint8Array): SANs {
  const out: SANs = { dnsNames: null, emails: null, ips: null, uris: null };
  forEachSAN(value, (tag, data) => {
    switch (tag) {
      case 1:
        if (!isIA5(data)) fail('x509: SAN rfc822Name is malformed');
        out.emails = push(out.emails, latin1(data));
        break;
      case 2:
        if (!isIA5(data)) fail('x509: SAN dNSName is malformed');
        out.dnsNames = push(out.dnsNames, latin1(data));
        break;
      case 6: {
        if (!isIA5(data)) fail('x509: SAN uniformResourceIdentifier is malformed');
        const s = latin1(data);
        let u: ParsedURL;
        try {
          u = parseURL(s);
        } catch (e) {
          fail(`x509: cannot parse URI ${goQuote(s)}: ${(e as Error).message}`);
        }
        if (u.url.Host.length > 0 && !domainNameValid(u.url.Host, false)) {
          fail(`x509: cannot parse URI ${goQuote(s)}: invalid domain`);
        }
        out.uris = push(out.uris, u);
        break;
      }
      case 7:
        if (data.length === 16 && to4(data)) fail('x509: SAN iPAddress contains IPv4-mapped IPv6 address');
        if (data.length !== 16 && data.length !== 4) {
          fail(`x509: cannot parse IP address of length ${data.length}`);
        }
        out.ips = push(out.ips, Uint8Array.from(data));
        break;
    }
  });
  return out;
}

function isValidIPMask(mask: Uint8Array): boolean {
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if ([0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].includes(b)) seenZero = true;
    else if (b !== 0xff) return false;
  }
  return true;
}

/** parseNameConstraintsExtension on the extension value. */
export function parseNameConstraints(value: Uint8Array): {
  permitted: Subtrees;
  excluded: Subtrees;
  unhandled: boolean;
} {
  const outer = new Der(value);
  const top = outer.sub(TAG.SEQUENCE);
  const permitted = top?.readOptional(ctx(0, true));
  const excluded = top?.readOptional(ctx(1, true));
  if (!top || !outer.empty() || permitted === undefined || excluded === undefined || !top.empty()) {
    fail('x509: invalid NameConstraints extension');
  }
  if (permitted === null && excluded === null) fail('x509: empty name constraints extension');
  if (permitted?.length === 0 || excluded?.length === 0)
    fail('x509: empty name constraints subtree sequence');
  let unhandled = false;
  const values = (subtrees: Uint8Array | null): Subtrees => {
    const r: Subtrees = { dns: null, ips: null, emails: null, uris: null };
    const d = new Der(subtrees ?? new Uint8Array());
    while (!d.empty()) {
      const seq = d.sub(TAG.SEQUENCE);
      const v = seq?.readAny();
      if (!v) fail('x509: invalid NameConstraints extension');
      const text = latin1(v.body);
      const ia5 = (): void => {
        if (!isIA5(v.body)) {
          fail(`x509: invalid constraint value: x509: ${goQuote(text)} cannot be encoded as an IA5String`);
        }
      };
      switch (v.tag) {
        case ctx(2):
          ia5();
          if (!domainNameValid(text, true)) fail(`x509: failed to parse dnsName constraint ${goQuote(text)}`);
          r.dns = push(r.dns, text);
          break;
        case ctx(7): {
          const l = v.body.length;
          if (l !== 8 && l !== 32) fail(`x509: IP constraint contained value of length ${l}`);
          const ip = Uint8Array.from(v.body.subarray(0, l / 2));
          const mask = Uint8Array.from(v.body.subarray(l / 2));
          if (!isValidIPMask(mask)) {
            fail(`x509: IP constraint contained invalid mask ${Buffer.from(mask).toString('hex')}`);
          }
          if (ip.length === 16 && to4(ip)) fail('x509: IP constraint contained IPv4-mapped IPv6 address');
          r.ips = push(r.ips, { ip, mask });
          break;
        }
        case ctx(1):
          ia5();
          if (text.includes('@') ? !parseMailbox(text) : !domainNameValid(text, true)) {
            fail(`x509: failed to parse rfc822Name constraint ${goQuote(text)}`);
          }
          r.emails = push(r.emails, text);
          break;
        case ctx(6):
          ia5();
          if (parseIP(text)) {
            fail(`x509: failed to parse URI constraint ${goQuote(text)}: cannot be IP address`);
          }
          if (!domainNameValid(text, true)) fail(`x509: failed to parse URI constraint ${goQuote(text)}`);
          r.uris = push(r.uris, text);
          break;
        default:
          unhandled = true;
      }
    }
    return r;
  };
  return { permitted: values(permitted), excluded: values(excluded), unhandled };
}

/** parseRFC2821Mailbox: [local, domain], or undefined. */
export function parseMailbox(s: string): [string, string] | undefined {
  let local = '';
  let i = 0;
  if (s.startsWith('"')) {
    i = 1;
    for (;;) {
      if (i >= s.length) return undefined;
      const c = s.charCodeAt(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const n = s.charCodeAt(i);
        if (i >= s.length || !(n === 11 || n === 12 || (n >= 1 && n <= 9) || (n >= 14 && n <= 127)))
          return undefined;
        local += s[i++];
      } else if (
        c === 11 ||
        c === 12 ||
        c === 32 ||
        c === 33 ||
        c === 127 ||
        (c >= 1 && c <= 8) ||
        (c >= 14 && c <= 31) ||
        (c >= 35 && c <= 91) ||
        (c >= 93 && c <= 126)
      ) {
        local += String.fromCharCode(c);
      } else {
        return undefined;
      }
    }
  } else {
    while (i < s.length) {
      let c = s[i] as string;
      if (c === '\\') {
        i++;
        if (i >= s.length) return undefined;
        c = s[i] as string;
      } else if (!/[0-9A-Za-z!#$%&'*+\-/=?^_`{|}~.]/.test(c)) {
        break;
      }
      local += c;
      i++;
    }
    if (local === '' || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
      return undefined;
  }
  if (s[i] !== '@') return undefined;
  const domain = s.slice(i + 1);
  return reverseLabels(domain) ? [local, domain] : undefined;
}

/** domainToReverseLabels */
export function reverseLabels(domain: string): string[] | undefined {
  const labels = domain === '' ? [] : domain.split('.').reverse();
  if (labels.length > 0 && labels[0] === '') return undefined;
  for (const l of labels) {
    if (l === '' || [...l].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126)) return undefined;
  }
  return labels;
}
