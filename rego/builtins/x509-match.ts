/**
 * Name checks of Go's chain verification: name constraints of CA certificates against the
 * names below them (checkNameConstraints), and Certificate.VerifyHostname.
 */
import { ipString, parseIP, to16 } from './net-ip.ts';
import type { Certificate } from './x509-cert.ts';
import { fail, X509Error } from './x509-pkix.ts';
import { forEachSAN, type IPNet, parseMailbox, reverseLabels } from './x509-san.ts';
import { parseURL } from './x509-url.ts';

const SAN = '2.5.29.17';

function matchDomain(domain: string, constraint: string): boolean {
  if (constraint === '') return true;
  const labels = reverseLabels(domain);
  if (!labels) throw new X509Error(`x509: internal error: cannot parse domain "${domain}"`);
  let mustHaveSubdomains = false;
  if (constraint.startsWith('.')) {
    mustHaveSubdomains = true;
    constraint = constraint.slice(1);
  }
  const cl = reverseLabels(constraint);
  if (!cl) throw new X509Error(`x509: internal error: cannot parse domain "${constraint}"`);
  if (labels.length < cl.length || (mustHaveSubdomains && labels.length === cl.length)) return false;
  return cl.every((l, i) => l.toLowerCase() === (labels[i] as string).toLowerCase());
}

function matchIP(ip: Uint8Array, n: IPNet): boolean {
  if (ip.length !== n.ip.length) return false;
  return ip.every((b, i) => (b & (n.mask[i] as number)) === ((n.ip[i] as number) & (n.mask[i] as number)));
}

function matchURI(uri: string, constraint: string): boolean {
  let host = parseURL(uri).url.Host;
  if (host === '')
    throw new X509Error(`URI with empty host ("${uri}") cannot be matched against constraints`);
  if (host.includes(':') && !host.endsWith(']')) host = host.slice(0, host.lastIndexOf(':'));
  if ((host.startsWith('[') && host.endsWith(']')) || parseIP(host)) {
    throw new X509Error(`URI with IP ("${uri}") cannot be matched against constraints`);
  }
  return matchDomain(host, constraint);
}

/** checkNameConstraints for one name. */
function checkConstraint<T, C>(
  count: { n: number; max: number },
  kind: string,
  name: string,
  parsed: T,
  match: (parsed: T, constraint: C) => boolean,
  permitted: C[] | null,
  excluded: C[] | null,
  show: (constraint: C) => string,
): void {
  const notAuthorized = 'x509: a root or intermediate certificate is not authorized to sign for this name: ';
  count.n += excluded?.length ?? 0;
  if (count.n > count.max) fail('x509: unknown error');
  for (const x of excluded ?? []) {
    let m: boolean;
    try {
      m = match(parsed, x);
    } catch (e) {
      fail(notAuthorized + (e as Error).message);
    }
    if (m) fail(`${notAuthorized}${kind} "${name}" is excluded by constraint "${show(x)}"`);
  }
  count.n += permitted?.length ?? 0;
  if (count.n > count.max) fail('x509: unknown error');
  let ok = true;
  for (const p of permitted ?? []) {
    try {
      ok = match(parsed, p);
    } catch (e) {
      fail(notAuthorized + (e as Error).message);
    }
    if (ok) break;
  }
  if (!ok) fail(`${notAuthorized}${kind} "${name}" is not permitted by any constraint`);
}

/** The name constraints of CA `c` against the SANs of the certificates below it (isValid). */
export function checkNameConstraints(c: Certificate, chain: Certificate[], maxComparisons: number): void {
  const count = { n: 0, max: maxComparisons || 250000 };
  const str = (s: string): string => s;
  for (const sanCert of chain) {
    const san = sanCert.extensions?.find((e) => e.id.join('.') === SAN)?.value;
    if (!san) continue;
    forEachSAN(san, (tag, data) => {
      const name = Buffer.from(data).toString('latin1');
      switch (tag) {
        case 1: {
          const mailbox = parseMailbox(name);
          if (!mailbox) fail(`x509: cannot parse rfc822Name "${name}"`);
          const match = (mb: [string, string], constraint: string): boolean => {
            if (!constraint.includes('@')) return matchDomain(mb[1], constraint);
            const cm = parseMailbox(constraint);
            if (!cm) throw new X509Error(`x509: internal error: cannot parse constraint "${constraint}"`);
            return mb[0] === cm[0] && mb[1].toLowerCase() === cm[1].toLowerCase();
          };
          checkConstraint(
            count,
            'email address',
            name,
            mailbox,
            match,
            c.permittedEmail,
            c.excludedEmail,
            str,
          );
          break;
        }
        case 2:
          if (!reverseLabels(name)) fail(`x509: cannot parse dnsName "${name}"`);
          checkConstraint(count, 'DNS name', name, name, matchDomain, c.permittedDNS, c.excludedDNS, str);
          break;
        case 6:
          checkConstraint(count, 'URI', name, name, matchURI, c.permittedURI, c.excludedURI, str);
          break;
        case 7:
          if (data.length !== 4 && data.length !== 16) fail('x509: internal error: IP SAN failed to parse');
          checkConstraint(
            count,
            'IP address',
            ipString(data),
            data,
            matchIP,
            c.permittedIP,
            c.excludedIP,
            (n) => `${ipString(n.ip)}/${Buffer.from(n.mask).toString('hex')}`,
          );
          break;
      }
    });
  }
}

/** VerifyHostname */
export function verifyHostname(c: Certificate, h: string): void {
  const candidateIP = h.length >= 3 && h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  const ip = parseIP(candidateIP);
  if (ip) {
    if (c.ips?.some((x) => Buffer.from(x.length === 4 ? to16(x) : x).equals(ip))) return;
    fail(`x509: certificate is not valid for ${candidateIP}`);
  }
  const name = h.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  const validName = validHostname(name, false);
  for (const m of c.dnsNames ?? []) {
    if (validName && validHostname(m, true) ? matchHostnames(m, name) : matchExactly(m, name)) return;
  }
  fail(`x509: certificate is valid for ${(c.dnsNames ?? []).join(', ')}, not ${h}`);
}

function validHostname(host: string, isPattern: boolean): boolean {
  if (!isPattern && host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return false;
  return host.split('.').every((part, i) => {
    if (part === '') return false;
    if (isPattern && i === 0 && part === '*') return true;
    return [...part].every((ch, j) => /[a-zA-Z0-9_]/.test(ch) || (ch === '-' && j !== 0));
  });
}

function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return a.toLowerCase() === b.toLowerCase();
}

function matchHostnames(pattern: string, host: string): boolean {
  pattern = pattern.toLowerCase();
  host = host.toLowerCase().replace(/\.$/, '');
  if (pattern === '' || host === '') return false;
  const pp = pattern.split('.');
  const hp = host.split('.');
  if (pp.length !== hp.length) return false;
  return pp.every((p, i) => (i === 0 && p === '*') || p === hp[i]);
}
