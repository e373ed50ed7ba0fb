/**
 * Certificate extensions as Go's `crypto/x509` processes them (processExtensions): the fields
 * each known extension fills in, Go's error texts, and the unhandled critical extensions.
 */
import { ipString } from './net-ip.ts';
import {
  b64,
  bitAt,
  bitString,
  bool,
  ctx,
  Der,
  int64,
  mapOrNull,
  oid,
  oidEqual,
  oidText,
  readOID,
  TAG,
} from './x509-der.ts';
import { fail, type J } from './x509-pkix.ts';
import { type IPNet, parseNameConstraints, parseSAN } from './x509-san.ts';
import type { ParsedURL } from './x509-url.ts';

/** pkix.Extension */
export interface Extension {
  readonly id: number[];
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** The Certificate fields filled in from extensions (null for Go's nil slices). */
export interface ExtFields {
  keyUsage: number;
  unhandledCritical: number[][] | null;
  extKeyUsage: number[] | null;
  unknownExtKeyUsage: number[][] | null;
  bcValid: boolean;
  isCA: boolean;
  maxPathLen: number;
  maxPathLenZero: boolean;
  subjectKeyId: Uint8Array | null;
  authorityKeyId: Uint8Array | null;
  ocsp: string[] | null;
  issuingURL: string[] | null;
  dnsNames: string[] | null;
  emails: string[] | null;
  ips: Uint8Array[] | null;
  uris: ParsedURL[] | null;
  permittedCritical: boolean;
  permittedDNS: string[] | null;
  excludedDNS: string[] | null;
  permittedIP: IPNet[] | null;
  excludedIP: IPNet[] | null;
  permittedEmail: string[] | null;
  excludedEmail: string[] | null;
  permittedURI: string[] | null;
  excludedURI: string[] | null;
  crlDP: string[] | null;
  policyIdentifiers: number[][] | null;
  policies: string[] | null;
  inhibitAnyPolicy: number;
  inhibitAnyPolicyZero: boolean;
  inhibitPolicyMapping: number;
  inhibitPolicyMappingZero: boolean;
  requireExplicitPolicy: number;
  requireExplicitPolicyZero: boolean;
  policyMappings: { IssuerDomainPolicy: string; SubjectDomainPolicy: string }[] | null;
}

export function emptyExtFields(): ExtFields {
  return {
    keyUsage: 0,
    unhandledCritical: null,
    extKeyUsage: null,
    unknownExtKeyUsage: null,
    bcValid: false,
    isCA: false,
    maxPathLen: 0,
    maxPathLenZero: false,
    subjectKeyId: null,
    authorityKeyId: null,
    ocsp: null,
    issuingURL: null,
    dnsNames: null,
    emails: null,
    ips: null,
    uris: null,
    permittedCritical: false,
    permittedDNS: null,
    excludedDNS: null,
    permittedIP: null,
    excludedIP: null,
    permittedEmail: null,
    excludedEmail: null,
    permittedURI: null,
    excludedURI: null,
    crlDP: null,
    policyIdentifiers: null,
    policies: null,
    inhibitAnyPolicy: 0,
    inhibitAnyPolicyZero: false,
    inhibitPolicyMapping: 0,
    inhibitPolicyMappingZero: false,
    requireExplicitPolicy: 0,
    requireExplicitPolicyZero: false,
    policyMappings: null,
  };
}

const push = <T>(list: T[] | null, v: T): T[] => [...(list ?? []), v];
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** parseExtension on the contents of an Extension SEQUENCE. */
export function parseExtension(body: Uint8Array): Extension {
  const d = new Der(body);
  const id = readOID(d);
  if (!id) fail('x509: malformed extension OID field');
  let critical = false;
  if (d.peekTag(TAG.BOOLEAN)) {
    const b = d.read(TAG.BOOLEAN);
    const v = b && bool(b);
    if (v === undefined) fail('x509: malformed extension critical field');
    critical = v;
  }
  const value = d.read(TAG.OCTET_STRING);
  if (!value) fail('x509: malformed extension value field');
  return { id, critical, value };
}

const EKU: [string, number][] = [
  ['2.5.29.37.0', 0],
  ['1.3.6.1.5.5.7.3.1', 1],
  ['1.3.6.1.5.5.7.3.2', 2],
  ['1.3.6.1.5.5.7.3.3', 3],
  ['1.3.6.1.5.5.7.3.4', 4],
  ['1.3.6.1.5.5.7.3.5', 5],
  ['1.3.6.1.5.5.7.3.6', 6],
  ['1.3.6.1.5.5.7.3.7', 7],
  ['1.3.6.1.5.5.7.3.8', 8],
  ['1.3.6.1.5.5.7.3.9', 9],
  ['1.3.6.1.4.1.311.10.3.3', 10],
  ['2.16.840.1.113730.4.1', 11],
  ['1.3.6.1.4.1.311.2.1.22', 12],
  ['1.3.6.1.4.1.311.61.1.1', 13],
];

const AIA = [1, 3, 6, 1, 5, 5, 7, 1, 1];
const AIA_OCSP = [1, 3, 6, 1, 5, 5, 7, 48, 1];
const AIA_ISSUERS = [1, 3, 6, 1, 5, 5, 7, 48, 2];

/** An int64 element that must fit Go's int. */
function intField(d: Der, tag: number, message: string): number {
  const body = d.read(tag);
  const v = body && int64(body);
  if (v === undefined) fail(message);
  return Number(v);
}

/** Fills in the name-constraint fields; returns whether some constraint type was not handled. */
function nameConstraints(e: Extension, out: ExtFields): boolean {
  const { permitted: p, excluded: x, unhandled } = parseNameConstraints(e.value);
  out.permittedDNS = p.dns;
  out.permittedIP = p.ips;
  out.permittedEmail = p.emails;
  out.permittedURI = p.uris;
  out.excludedDNS = x.dns;
  out.excludedIP = x.ips;
  out.excludedEmail = x.emails;
  out.excludedURI = x.uris;
  out.permittedCritical = e.critical;
  return unhandled;
}

/** processExtensions for one extension; returns whether it counts as unhandled. */
function processOne(e: Extension, out: ExtFields): boolean {
  const { id } = e;
  if (id.length === 4 && id[0] === 2 && id[1] === 5 && id[2] === 29) {
    const val = new Der(e.value);
    switch (id[3]) {
      case 15: {
        const body = val.read(TAG.BIT_STRING);
        const bits = body && bitString(body);
        if (!bits) fail('x509: invalid key usage');
        out.keyUsage = 0;
        for (let i = 0; i < 9; i++) if (bitAt(bits, i)) out.keyUsage |= 1 << i;
        return false;
      }
      case 19: {
        const bc = val.sub(TAG.SEQUENCE);
        if (!bc) fail('x509: invalid basic constraints');
        let isCA = false;
        if (bc.peekTag(TAG.BOOLEAN)) {
          const b = bc.read(TAG.BOOLEAN);
          const v = b && bool(b);
          if (v === undefined) fail('x509: invalid basic constraints');
          isCA = v;
        }
        let maxPathLen = -1;
        if (bc.peekTag(TAG.INTEGER)) {
          const body = bc.read(TAG.INTEGER);
          const v = body && int64(body);
          if (v === undefined || v < 0n) fail('x509: invalid basic constraints');
          maxPathLen = Number(v);
        }
        out.isCA = isCA;
        out.maxPathLen = maxPathLen;
        out.bcValid = true;
        out.maxPathLenZero = maxPathLen === 0;
        return false;
      }
      case 17: {
        const san = parseSAN(e.value);
        Object.assign(out, san);
        return !(san.dnsNames || san.emails || san.ips || san.uris);
      }
      case 30:
        return nameConstraints(e, out);
      case 31: {
        const seq = val.sub(TAG.SEQUENCE);
        if (!seq) fail('x509: invalid CRL distribution points');
        while (!seq.empty()) {
          const dp = seq.sub(TAG.SEQUENCE);
          if (!dp) fail('x509: invalid CRL distribution point');
          const name = dp.readOptional(ctx(0, true));
          if (name === undefined) fail('x509: invalid CRL distribution point');
          if (name === null) continue;
          const full = new Der(name).sub(ctx(0, true));
          if (!full) fail('x509: invalid CRL distribution point');
          while (!full.empty() && full.peekTag(ctx(6))) {
            const uri = full.read(ctx(6));
            if (!uri) fail('x509: invalid CRL distribution point');
            out.crlDP = push(out.crlDP, latin1(uri));
          }
        }
        return false;
      }
      case 35: {
        if (e.critical) fail('x509: authority key identifier incorrectly marked critical');
        const akid = val.sub(TAG.SEQUENCE);
        if (!akid) fail('x509: invalid authority key identifier');
        if (akid.peekTag(ctx(0))) {
          const v = akid.read(ctx(0));
          if (!v) fail('x509: invalid authority key identifier');
          out.authorityKeyId = v;
        }
        return false;
      }
      case 36: {
        const pc = val.sub(TAG.SEQUENCE);
        if (!pc) fail('x509: invalid policy constraints extension');
        if (pc.peekTag(ctx(0))) {
          out.requireExplicitPolicy = intField(pc, ctx(0), 'x509: invalid policy constraints extension');
          out.requireExplicitPolicyZero = out.requireExplicitPolicy === 0;
        }
        if (pc.peekTag(ctx(1))) {
          out.inhibitPolicyMapping = intField(pc, ctx(1), 'x509: invalid policy constraints extension');
          out.inhibitPolicyMappingZero = out.inhibitPolicyMapping === 0;
        }
        return false;
      }
      case 37: {
        const seq = val.sub(TAG.SEQUENCE);
        if (!seq) fail('x509: invalid extended key usages');
        while (!seq.empty()) {
          const u = readOID(seq);
          if (!u) fail('x509: invalid extended key usages');
          const known = EKU.find(([s]) => s === u.join('.'));
          if (known) out.extKeyUsage = push(out.extKeyUsage, known[1]);
          else out.unknownExtKeyUsage = push(out.unknownExtKeyUsage, u);
        }
        return false;
      }
      case 14: {
        if (e.critical) fail('x509: subject key identifier incorrectly marked critical');
        const skid = val.read(TAG.OCTET_STRING);
        if (!skid) fail('x509: invalid subject key identifier');
        out.subjectKeyId = skid;
        return false;
      }
      case 32: {
        const seq = val.sub(TAG.SEQUENCE);
        if (!seq) fail('x509: invalid certificate policies');
        const seen = new Set<string>();
        const policies: string[] = [];
        const ids: number[][] = [];
        while (!seq.empty()) {
          const body = seq.sub(TAG.SEQUENCE)?.read(TAG.OID);
          const text = body && oidText(body);
          if (!body || !text || seen.has(text)) fail('x509: invalid certificate policies');
          seen.add(text);
          policies.push(text);
          const asn1 = oid(body);
          if (asn1) ids.push(asn1);
        }
        out.policies = policies.length > 0 ? policies : null;
        out.policyIdentifiers = ids;
        return false;
      }
      case 33: {
        const seq = val.sub(TAG.SEQUENCE);
        if (!seq) fail('x509: invalid policy mappings extension');
        while (!seq.empty()) {
          const m = seq.sub(TAG.SEQUENCE);
          const a = m?.read(TAG.OID);
          const b = m?.read(TAG.OID);
          if (!a || !b) fail('x509: invalid policy mappings extension');
          const mapping = { IssuerDomainPolicy: oidText(a) ?? '', SubjectDomainPolicy: oidText(b) ?? '' };
          out.policyMappings = push(out.policyMappings, mapping);
        }
        return false;
      }
      case 54: {
        const body = val.read(TAG.INTEGER);
        const v = body && int64(body);
        if (v === undefined) fail('x509: invalid inhibit any policy extension');
        out.inhibitAnyPolicy = Number(v);
        out.inhibitAnyPolicyZero = v === 0n;
        return false;
      }
      default:
        return true;
    }
  }
  if (oidEqual(id, AIA)) {
    if (e.critical) fail('x509: authority info access incorrectly marked critical');
    const seq = new Der(e.value).sub(TAG.SEQUENCE);
    if (!seq) fail('x509: invalid authority info access');
    while (!seq.empty()) {
      const aia = seq.sub(TAG.SEQUENCE);
      const method = aia && readOID(aia);
      if (!aia || !method) fail('x509: invalid authority info access');
      if (!aia.peekTag(ctx(6))) continue;
      const loc = aia.read(ctx(6));
      if (!loc) fail('x509: invalid authority info access');
      if (oidEqual(method, AIA_OCSP)) out.ocsp = push(out.ocsp, latin1(loc));
      else if (oidEqual(method, AIA_ISSUERS)) out.issuingURL = push(out.issuingURL, latin1(loc));
    }
    return false;
  }
  return true;
}

/** processExtensions */
export function processExtensions(exts: Extension[], out: ExtFields): void {
  for (const e of exts) {
    const unhandled = processOne(e, out);
    if (e.critical && unhandled) out.unhandledCritical = push(out.unhandledCritical, e.id);
  }
}

/** The extension-derived fields of Go's Certificate JSON. */
export function extJSON(f: ExtFields): Record<string, J> {
  const ipNets = (l: IPNet[] | null): J =>
    mapOrNull(l, (n) => ({ IP: ipString(n.ip), Mask: Buffer.from(n.mask).toString('base64') }));
  return {
    KeyUsage: f.keyUsage,
    UnhandledCriticalExtensions: f.unhandledCritical,
    ExtKeyUsage: f.extKeyUsage,
    UnknownExtKeyUsage: f.unknownExtKeyUsage,
    BasicConstraintsValid: f.bcValid,
    IsCA: f.isCA,
    MaxPathLen: f.maxPathLen,
    MaxPathLenZero: f.maxPathLenZero,
    SubjectKeyId: b64(f.subjectKeyId),
    AuthorityKeyId: b64(f.authorityKeyId),
    OCSPServer: f.ocsp,
    IssuingCertificateURL: f.issuingURL,
    DNSNames: f.dnsNames,
    EmailAddresses: f.emails,
    IPAddresses: mapOrNull(f.ips, ipString),
    URIs: mapOrNull(f.uris, (u) => u.url),
    PermittedDNSDomainsCritical: f.permittedCritical,
    PermittedDNSDomains: f.permittedDNS,
    ExcludedDNSDomains: f.excludedDNS,
    PermittedIPRanges: ipNets(f.permittedIP),
    ExcludedIPRanges: ipNets(f.excludedIP),
    PermittedEmailAddresses: f.permittedEmail,
    ExcludedEmailAddresses: f.excludedEmail,
    PermittedURIDomains: f.permittedURI,
    ExcludedURIDomains: f.excludedURI,
    CRLDistributionPoints: f.crlDP,
    PolicyIdentifiers: f.policyIdentifiers,
    Policies: f.policies,
    InhibitAnyPolicy: f.inhibitAnyPolicy,
    InhibitAnyPolicyZero: f.inhibitAnyPolicyZero,
    InhibitPolicyMapping: f.inhibitPolicyMapping,
    InhibitPolicyMappingZero: f.inhibitPolicyMappingZero,
    RequireExplicitPolicy: f.requireExplicitPolicy,
    RequireExplicitPolicyZero: f.requireExplicitPolicyZero,
    PolicyMappings: f.policyMappings,
  };
}
