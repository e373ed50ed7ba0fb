/**
 * Go's `x509.ParseCertificateRequest` (PKCS #10) and the JSON OPA makes of the request.
 * Go parses requests with `encoding/asn1`; its structural error texts are approximated.
 */
import { ipString } from './net-ip.ts';
import { extensionsJSON } from './x509-cert.ts';
import {
  asn1String,
  b64,
  bitString,
  Der,
  type Element,
  int64,
  mapOrNull,
  oidEqual,
  readOID,
  rightAlign,
  TAG,
} from './x509-der.ts';
import { type Extension, parseExtension } from './x509-ext.ts';
import {
  asn1StructError,
  fail,
  type J,
  parseAI,
  parseName,
  readAny,
  signatureAlgorithm,
  X509Error,
} from './x509-pkix.ts';
import { parseSPKI } from './x509-pubkey.ts';
import { parseSAN, type SANs } from './x509-san.ts';

const EXTENSION_REQUEST = [1, 2, 840, 113549, 1, 9, 14];

/** encoding/asn1's error for bytes that are not a certificate request (approximated). */
function structureError(der: Uint8Array): never {
  fail(asn1StructError(der, 'certificateRequest', { tag: 16, name: 'tbsCertificateRequest' }));
}

/** An `any` field as encoding/asn1 fills it: universal primitives it knows, else nil. */
function asn1Any(e: Element): J {
  if ((e.tag & 0x20) !== 0 || e.tag >> 6 !== 0 || e.tag === TAG.BOOLEAN || e.tag === TAG.NULL) return null;
  if (
    [
      TAG.PrintableString,
      TAG.NumericString,
      TAG.IA5String,
      TAG.T61String,
      TAG.UTF8String,
      TAG.BMPString,
    ].includes(e.tag as never)
  ) {
    const s = asn1String(e.tag, e.body);
    if (s instanceof Error) throw new X509Error(`asn1: syntax error: ${s.message}`);
    return s;
  }
  if (
    [TAG.INTEGER, TAG.BIT_STRING, TAG.OID, TAG.UTCTime, TAG.GeneralizedTime, TAG.OCTET_STRING].includes(
      e.tag as never,
    )
  ) {
    return readAny(e);
  }
  return null;
}

/** parseRawAttributes: the attributes that parse as pkix.AttributeTypeAndValueSET. */
function parseAttributes(attrs: Element[]): J {
  const out: J[] = [];
  for (const a of attrs) {
    try {
      const d = new Der(a.full).sub(TAG.SEQUENCE);
      const type = d && readOID(d);
      const set = d?.sub(TAG.SET);
      if (!d || !type || !set || !d.empty()) continue;
      const values: J[] = [];
      while (!set.empty()) {
        const seq = set.sub(TAG.SEQUENCE);
        if (!seq) throw new Error('not a sequence');
        const atvs: J[] = [];
        while (!seq.empty()) {
          const atv = seq.sub(TAG.SEQUENCE);
          const t = atv && readOID(atv);
          const v = atv?.readAny();
          if (!t || !v) throw new Error('bad attribute');
          atvs.push({ Type: t, Value: asn1Any(v) });
        }
        values.push(atvs);
      }
      out.push({ Type: type, Value: values });
    } catch {
      // Go ignores attributes that do not parse (challengePassword, unstructuredName).
    }
  }
  return out.length > 0 ? out : null;
}

/** parseCSRExtensions: the extensions of the extensionRequest attributes. */
function parseCSRExtensions(attrs: Element[]): Extension[] | null {
  let out: Extension[] | null = null;
  for (const a of attrs) {
    const d = new Der(a.full).sub(TAG.SEQUENCE);
    const type = d && readOID(d);
    const first = d?.sub(TAG.SET)?.readAny();
    if (!type || !first || !oidEqual(type, EXTENSION_REQUEST)) continue;
    const seq = new Der(first.full).sub(TAG.SEQUENCE);
    if (!seq) structureError(first.full);
    const seen = new Set<string>();
    const exts: Extension[] = [];
    while (!seq.empty()) {
      const body = seq.read(TAG.SEQUENCE);
      if (!body) fail('asn1: structure error: sequence tag mismatch');
      const e = parseExtension(body);
      const id = e.id.join('.');
      if (seen.has(id)) fail('x509: certificate request contains duplicate requested extensions');
      seen.add(id);
      exts.push(e);
    }
    out = [...(out ?? []), ...exts];
  }
  return out;
}

/** x509.ParseCertificateRequest as OPA returns it. */
export function parseCertificateRequest(der: Uint8Array): J {
  const top = new Der(der);
  const raw = top.readElement(TAG.SEQUENCE);
  if (!raw) structureError(der);
  if (!top.empty()) fail('asn1: syntax error: trailing data');
  const csr = new Der(raw).sub(TAG.SEQUENCE);
  const rawTBS = csr?.readElement(TAG.SEQUENCE);
  const tbs = rawTBS && new Der(rawTBS).sub(TAG.SEQUENCE);
  if (!csr || !rawTBS || !tbs) fail('asn1: structure error: sequence truncated');
  const versionBody = tbs.read(TAG.INTEGER);
  const version = versionBody && int64(versionBody);
  const rawSubject = tbs.readElement(TAG.SEQUENCE);
  const rawSPKI = tbs.readElement(TAG.SEQUENCE);
  if (version === undefined || !rawSubject || !rawSPKI) fail('asn1: structure error: sequence truncated');
  const attrs: Element[] = [];
  const attrBody = tbs.readOptional(0xa0);
  if (attrBody === undefined) fail('asn1: structure error: sequence truncated');
  const ad = new Der(attrBody ?? new Uint8Array());
  while (!ad.empty()) {
    const e = ad.readAny();
    if (!e) fail('asn1: syntax error: data truncated');
    attrs.push(e);
  }
  const sigAI = csr.read(TAG.SEQUENCE);
  const sigBody = csr.read(TAG.BIT_STRING);
  const sig = sigBody && bitString(sigBody);
  if (!sigAI || !sig) fail('asn1: structure error: sequence truncated');

  const { alg, key } = parseSPKI(rawSPKI);
  const subject = parseName(rawSubject);
  const extensions = parseCSRExtensions(attrs);
  let san: SANs = { dnsNames: null, emails: null, ips: null, uris: null };
  for (const e of extensions ?? []) {
    if (e.id.join('.') === '2.5.29.17') san = parseSAN(e.value);
  }
  return {
    Raw: b64(raw),
    RawTBSCertificateRequest: b64(rawTBS),
    RawSubjectPublicKeyInfo: b64(rawSPKI),
    RawSubject: b64(rawSubject),
    Version: version,
    Signature: b64(rightAlign(sig)),
    SignatureAlgorithm: signatureAlgorithm(parseAI(sigAI)),
    PublicKeyAlgorithm: alg,
    PublicKey: key,
    Subject: subject,
    Attributes: parseAttributes(attrs),
    Extensions: extensionsJSON(extensions),
    ExtraExtensions: null,
    DNSNames: san.dnsNames,
    EmailAddresses: san.emails,
    IPAddresses: mapOrNull(san.ips, ipString),
    URIs: mapOrNull(san.uris, (u) => u.url),
  };
}
