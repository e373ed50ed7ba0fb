/**
 * Go's `x509.ParseCertificates` and the JSON OPA makes of an `x509.Certificate` (Go 1.24's
 * field set; `[]byte` as base64, nil slices as null, times as RFC 3339).
 */
import {
  b64,
  mapOrNull,
  bitString,
  Der,
  type GoTime,
  generalizedTime,
  int64,
  intBig,
  rightAlign,
  TAG,
  timeJSON,
  utcTime,
} from './x509-der.ts';
import {
  emptyExtFields,
  type ExtFields,
  type Extension,
  extJSON,
  parseExtension,
  processExtensions,
} from './x509-ext.ts';
import { fail, type J, parseAI, parseName, signatureAlgorithm } from './x509-pkix.ts';
import { parseSPKI } from './x509-pubkey.ts';
import { urlString } from './x509-url.ts';

/** A parsed certificate: what Go's x509.Certificate holds. */
export interface Certificate extends ExtFields {
  readonly raw: Uint8Array;
  readonly rawTBS: Uint8Array;
  readonly rawSPKI: Uint8Array;
  readonly rawSubject: Uint8Array;
  readonly rawIssuer: Uint8Array;
  readonly signature: Uint8Array;
  readonly sigAlg: number;
  readonly pubAlg: number;
  readonly publicKey: J;
  readonly version: number;
  readonly serial: bigint;
  readonly issuer: Record<string, J>;
  readonly subject: Record<string, J>;
  readonly notBefore: GoTime;
  readonly notAfter: GoTime;
  readonly extensions: Extension[] | null;
}

/** readASN1Time */
function readTime(d: Der): GoTime {
  if (d.peekTag(TAG.UTCTime)) {
    const body = d.read(TAG.UTCTime);
    const t = body && utcTime(body);
    if (!t) fail('x509: malformed UTCTime');
    return t;
  }
  if (d.peekTag(TAG.GeneralizedTime)) {
    const body = d.read(TAG.GeneralizedTime);
    const t = body && generalizedTime(body);
    if (!t) fail('x509: malformed GeneralizedTime');
    return t;
  }
  fail('x509: unsupported time format');
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b);

/** parseCertificate: one certificate from the start of `der` (Raw tells how much it used). */
export function parseCertificate(der: Uint8Array): Certificate {
  const top = new Der(der);
  const raw = top.readElement(TAG.SEQUENCE);
  if (!raw) fail('x509: malformed certificate');
  const input = new Der(raw).sub(TAG.SEQUENCE);
  if (!input) fail('x509: malformed certificate');
  const rawTBS = input.readElement(TAG.SEQUENCE);
  const tbs = rawTBS && new Der(rawTBS).sub(TAG.SEQUENCE);
  if (!rawTBS || !tbs) fail('x509: malformed tbs certificate');

  let version = 0n;
  if (tbs.peekTag(0xa0)) {
    const v = tbs.sub(0xa0);
    const body = v?.read(TAG.INTEGER);
    const n = body && int64(body);
    if (n === undefined || !v?.empty()) fail('x509: malformed version');
    version = n;
  }
  if (version < 0n || version > 3n) fail('x509: malformed version');
  version++;
  if (version > 3n) fail('x509: invalid version');

  const serialBody = tbs.read(TAG.INTEGER);
  const serial = serialBody && intBig(serialBody);
  if (serial === undefined) fail('x509: malformed serial number');
  if (serial < 0n) fail('x509: negative serial number');

  const sigAI = tbs.read(TAG.SEQUENCE);
  if (!sigAI) fail('x509: malformed signature algorithm identifier');
  const outerSigAI = input.read(TAG.SEQUENCE);
  if (!outerSigAI) fail('x509: malformed algorithm identifier');
  if (!sameBytes(outerSigAI, sigAI))
    fail("x509: inner and outer signature algorithm identifiers don't match");
  const sigAlg = signatureAlgorithm(parseAI(sigAI));

  const rawIssuer = tbs.readElement(TAG.SEQUENCE);
  if (!rawIssuer) fail('x509: malformed issuer');
  const issuer = parseName(rawIssuer);

  const validity = tbs.sub(TAG.SEQUENCE);
  if (!validity) fail('x509: malformed validity');
  const notBefore = readTime(validity);
  const notAfter = readTime(validity);

  const rawSubject = tbs.readElement(TAG.SEQUENCE);
  if (!rawSubject) fail('x509: malformed issuer');
  const subject = parseName(rawSubject);

  const rawSPKI = tbs.readElement(TAG.SEQUENCE);
  if (!rawSPKI) fail('x509: malformed spki');
  const { alg: pubAlg, key: publicKey } = parseSPKI(rawSPKI);

  const ext = emptyExtFields();
  let extensions: Extension[] | null = null;
  if (version > 1n) {
    for (const [tag, what] of [
      [0x81, 'issuerUniqueID'],
      [0x82, 'subjectUniqueID'],
    ] as const) {
      if (tbs.peekTag(tag) && tbs.read(tag) === undefined) fail(`x509: malformed ${what}`);
    }
    if (version === 3n) {
      const present = tbs.readOptional(0xa3);
      if (present === undefined) fail('x509: malformed extensions');
      if (present !== null) {
        const seq = new Der(present).sub(TAG.SEQUENCE);
        if (!seq) fail('x509: malformed extensions');
        const seen = new Set<string>();
        extensions = [];
        while (!seq.empty()) {
          const body = seq.read(TAG.SEQUENCE);
          if (!body) fail('x509: malformed extension');
          const e = parseExtension(body);
          const id = e.id.join('.');
          if (seen.has(id)) fail(`x509: certificate contains duplicate extension with OID "${id}"`);
          seen.add(id);
          extensions.push(e);
        }
        processExtensions(extensions, ext);
        if (extensions.length === 0) extensions = null;
      }
    }
  }

  const sigBody = input.read(TAG.BIT_STRING);
  const sig = sigBody && bitString(sigBody);
  if (!sig) fail('x509: malformed signature');

  return {
    ...ext,
    raw,
    rawTBS,
    rawSPKI,
    rawSubject,
    rawIssuer,
    signature: rightAlign(sig),
    sigAlg,
    pubAlg,
    publicKey,
    version: Number(version),
    serial,
    issuer,
    subject,
    notBefore,
    notAfter,
    extensions,
  };
}

/** x509.ParseCertificates: concatenated DER certificates. */
export function parseCertificates(der: Uint8Array): Certificate[] {
  const out: Certificate[] = [];
  let rest = der;
  while (rest.length > 0) {
    const c = parseCertificate(rest);
    out.push(c);
    rest = rest.subarray(c.raw.length);
  }
  return out;
}

/** x509.ParseCertificate: exactly one certificate. */
export function parseOneCertificate(der: Uint8Array): Certificate {
  const c = parseCertificate(der);
  if (c.raw.length !== der.length) fail('x509: trailing data');
  return c;
}

/** pkix.Extension list as Go marshals it. */
export function extensionsJSON(exts: Extension[] | null): J {
  return mapOrNull(exts, (e) => ({ Id: e.id, Critical: e.critical, Value: b64(e.value) }));
}

/**
 * The certificate as OPA returns it. `withURIStrings` adds OPA's extra `URIStrings` field
 * (`parse_certificates`, `parse_and_verify_certificates`).
 */
export function certJSON(c: Certificate, withURIStrings: boolean): Record<string, J> {
  const out: Record<string, J> = {
    Raw: b64(c.raw),
    RawTBSCertificate: b64(c.rawTBS),
    RawSubjectPublicKeyInfo: b64(c.rawSPKI),
    RawSubject: b64(c.rawSubject),
    RawIssuer: b64(c.rawIssuer),
    Signature: b64(c.signature),
    SignatureAlgorithm: c.sigAlg,
    PublicKeyAlgorithm: c.pubAlg,
    PublicKey: c.publicKey,
    Version: c.version,
    SerialNumber: c.serial,
    Issuer: c.issuer,
    Subject: c.subject,
    NotBefore: timeJSON(c.notBefore),
    NotAfter: timeJSON(c.notAfter),
    Extensions: extensionsJSON(c.extensions),
    ExtraExtensions: null,
    ...extJSON(c),
  };
  if (withURIStrings) out.URIStrings = mapOrNull(c.uris, urlString);
  return out;
}
