/**
 * X.509 builtins (OPA's topdown/crypto.go): certificates, certificate requests, key pairs and
 * private keys, parsed as Go's `crypto/x509` parses them and returned as OPA returns them —
 * Go's structs marshalled to JSON (`Subject.CommonName`, `NotBefore`, `Raw` as base64…).
 *
 * Inputs are PEM text, base64 of PEM, or base64 of DER, as OPA accepts them; Go's error texts
 * (`illegal base64 data at input byte N`, `x509: malformed certificate`, …) are kept. Chain
 * verification uses the evaluation's clock (`time.now_ns()`), not the wall clock.
 */
import { base64DecodeGo, GoDecodeError } from './encoding-go.ts';
import { pemDecode } from './jwt-keys.ts';
import { argObject, argString, type BuiltinRegistry, builtinError, typeError } from './registry.ts';
import { type Certificate, certJSON, parseCertificates, parseOneCertificate } from './x509-cert.ts';
import { parseCertificateRequest } from './x509-csr.ts';
import { b64 } from './x509-der.ts';
import {
  type PrivateKey,
  parsePKCS1,
  parsePKCS8,
  parseSEC1,
  parseTLSPrivateKey,
  privateKeyJWK,
} from './x509-keys.ts';
import { type J, X509Error } from './x509-pkix.ts';
import { type VerifyOptions, verifyChain } from './x509-verify.ts';
import { fromJSON, isInteger, isNumber, objSortedEntries, RegoSet, type Value } from '../value.ts';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const BEGIN = '-----BEGIN';

/** Runs a parser, turning Go-worded failures into builtin errors. */
function goCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof X509Error || e instanceof GoDecodeError) builtinError(e.message);
    throw e;
  }
}

/** base64.StdEncoding.DecodeString */
function stdBase64(s: string): Uint8Array {
  return goCall(() => base64DecodeGo(s, false));
}

/** The PEM blocks of a text, in order (pem.Decode until it finds no more). */
function pemBlocks(text: string): { type: string; bytes: Uint8Array }[] {
  const out: { type: string; bytes: Uint8Array }[] = [];
  let rest = text;
  for (;;) {
    const p = pemDecode(rest);
    if (!p) return out;
    out.push(p.block);
    rest = p.rest;
  }
}

/** getX509CertsFromPem */
function certsFromPem(text: string): Certificate[] {
  const der: Uint8Array[] = [];
  for (const b of pemBlocks(text)) {
    if (b.type !== 'CERTIFICATE') builtinError(`PEM block type is '${b.type}', expected CERTIFICATE`);
    der.push(b.bytes);
  }
  return goCall(() => parseCertificates(Buffer.concat(der)));
}

/** getX509CertsFromString: PEM, base64 of PEM, or base64 of DER. */
function certsFromString(s: string): Certificate[] {
  if (s.startsWith(BEGIN)) return certsFromPem(s);
  const bytes = stdBase64(s);
  if (latin1(bytes.subarray(0, BEGIN.length)) === BEGIN) return certsFromPem(latin1(bytes));
  return goCall(() => parseCertificates(bytes));
}

/** getPrivateKeysFromPEMData */
function privateKeysFromPEM(data: string): PrivateKey[] {
  let text = data;
  try {
    text = latin1(base64DecodeGo(data, false));
  } catch {
    // not base64: the text itself
  }
  const keys: PrivateKey[] = [];
  for (const b of pemBlocks(text)) {
    const parse =
      b.type === 'RSA PRIVATE KEY'
        ? parsePKCS1
        : b.type === 'PRIVATE KEY'
          ? parsePKCS8
          : b.type === 'EC PRIVATE KEY'
            ? parseSEC1
            : undefined;
    if (parse) keys.push(goCall(() => parse(b.bytes)));
  }
  return keys;
}

const EXT_KEY_USAGES: Record<string, number> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

const INT64_MAX = (1n << 63n) - 1n;

/** extractVerifyOpts */
function verifyOptions(options: Value, now: bigint): VerifyOptions {
  let dnsName = '';
  let current = now;
  let max = 0;
  const keyUsages: number[] = [];
  for (const [k, v] of objSortedEntries(options as never)) {
    if (typeof k !== 'string') continue;
    switch (k) {
      case 'DNSName':
        if (typeof v !== 'string') builtinError("'DNSName' should be a string");
        dnsName = v.replace(/^"+|"+$/g, '');
        break;
      case 'CurrentTime': {
        if (!isNumber(v)) builtinError("'CurrentTime' should be a number");
        const n = isInteger(v) ? BigInt(v) : undefined;
        if (n === undefined || n > INT64_MAX || n < -INT64_MAX - 1n) {
          builtinError("'CurrentTime' should be a valid int64 number");
        }
        current = n;
        break;
      }
      case 'MaxConstraintComparisons':
        if (!isNumber(v)) builtinError("'MaxConstraintComparisons' should be a number");
        if (!isInteger(v) || BigInt(v) > INT64_MAX || BigInt(v) < -INT64_MAX - 1n) {
          builtinError("'MaxConstraintComparisons' should be a valid number");
        }
        max = Number(v);
        break;
      case 'KeyUsages': {
        if (!Array.isArray(v) && !(v instanceof RegoSet))
          builtinError("'KeyUsages' should be an Array or Set");
        const invalid: string[] = [];
        for (const u of Array.isArray(v) ? v : v.sorted()) {
          if (typeof u !== 'string') continue;
          const name = u.replace(/^"+|"+$/g, '');
          const ku = EXT_KEY_USAGES[name];
          if (ku === undefined) invalid.push(name);
          else keyUsages.push(ku);
        }
        if (invalid.length > 0) builtinError(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
        break;
      }
      default:
        builtinError('invalid key option');
    }
  }
  return { dnsName, now: current, keyUsages, maxConstraintComparisons: max };
}

/** parse_and_verify_certificates[_with_options]: [true, chain] or [false, []]. */
function parseAndVerify(
  input: string,
  options: ((now: bigint) => VerifyOptions) | undefined,
  now: bigint,
  uriStrings: boolean,
): Value {
  let certs: Certificate[];
  try {
    certs = certsFromString(input);
  } catch {
    return [false, []];
  }
  const opts = options ? options(now) : { dnsName: '', now, keyUsages: [], maxConstraintComparisons: 0 };
  let chain: Certificate[];
  try {
    chain = verifyChain(certs, opts);
  } catch {
    return [false, []]; // OPA answers false whatever the verification error
  }
  return [true, fromJSON(chain.map((c) => certJSON(c, uriStrings)))];
}

/** The bytes of a key pair operand: PEM text, or base64 of PEM or DER (getTLSx509KeyPairFromString). */
function pemOrDer(s: string): { pem: string } | { der: Uint8Array } {
  if (s.startsWith(`${BEGIN} `)) return { pem: s };
  const bytes = stdBase64(s);
  const text = latin1(bytes);
  return text.startsWith(BEGIN) ? { pem: text } : { der: bytes };
}

/** tls.X509KeyPair, as OPA returns it (Go's tls.Certificate with Leaf). */
function keyPair(certInput: string, keyInput: string): J {
  const c = pemOrDer(certInput);
  const k = pemOrDer(keyInput);
  let certDER: Uint8Array[];
  if ('der' in c) {
    certDER = [c.der];
  } else {
    const blocks = pemBlocks(c.pem);
    certDER = blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => b.bytes);
    if (certDER.length === 0) {
      const skipped = blocks.map((b) => b.type);
      if (skipped.length === 0) builtinError('tls: failed to find any PEM data in certificate input');
      if (skipped.length === 1 && skipped[0]?.endsWith('PRIVATE KEY')) {
        builtinError(
          'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched',
        );
      }
      builtinError(
        `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`,
      );
    }
  }
  let keyDER: Uint8Array;
  if ('der' in k) {
    keyDER = k.der;
  } else {
    const blocks = pemBlocks(k.pem);
    const i = blocks.findIndex((b) => b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY'));
    if (i < 0) {
      const skipped = blocks.map((b) => b.type);
      if (skipped.length === 0) builtinError('tls: failed to find any PEM data in key input');
      if (skipped.length === 1 && skipped[0] === 'CERTIFICATE') {
        builtinError('tls: found a certificate rather than a key in the PEM for the private key');
      }
      builtinError(
        `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`,
      );
    }
    keyDER = (blocks[i] as { bytes: Uint8Array }).bytes;
  }
  const leaf = goCall(() => parseOneCertificate(certDER[0] as Uint8Array));
  const priv = goCall(() => parseTLSPrivateKey(keyDER));
  checkKeyMatch(leaf, priv);
  return {
    Certificate: certDER.map(b64),
    PrivateKey: priv.json,
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: certJSON(leaf, false),
  };
}

function checkKeyMatch(leaf: Certificate, priv: PrivateKey): void {
  const pub = leaf.publicKey as Record<string, unknown> | string | null;
  const mismatch = (): never => builtinError('tls: private key does not match public key');
  const wrongType = (): never => builtinError('tls: private key type does not match public key type');
  const p = priv.json as Record<string, unknown> | string;
  switch (leaf.pubAlg) {
    case 1:
      if (priv.goType !== '*rsa.PrivateKey') wrongType();
      if ((pub as Record<string, unknown>).N !== (p as Record<string, unknown>).N) mismatch();
      return;
    case 3: {
      if (priv.goType !== '*ecdsa.PrivateKey') wrongType();
      const a = pub as Record<string, unknown>;
      const b = p as Record<string, unknown>;
      if (a.X !== b.X || a.Y !== b.Y) mismatch();
      return;
    }
    case 4:
      if (priv.goType !== 'ed25519.PrivateKey') wrongType();
      if (
        Buffer.from(p as string, 'base64')
          .subarray(32)
          .toString('base64') !== pub
      )
        mismatch();
      return;
    default:
      builtinError('tls: unknown public key algorithm');
  }
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'crypto';

  r.def('crypto.x509.parse_certificates', 1, cat, (a) => {
    const certs = certsFromString(argString(a, 0));
    return fromJSON(certs.map((c) => certJSON(c, true)));
  });

  r.def('crypto.x509.parse_and_verify_certificates', 1, cat, (a, ctx) =>
    parseAndVerify(argString(a, 0), undefined, ctx.nowNs, true),
  );

  r.def('crypto.x509.parse_and_verify_certificates_with_options', 2, cat, (a, ctx) => {
    const input = argString(a, 0);
    const options = argObject(a, 1);
    return parseAndVerify(input, (now) => verifyOptions(options, now), ctx.nowNs, false);
  });

  r.def('crypto.x509.parse_certificate_request', 1, cat, (a) => {
    const input = argString(a, 0);
    const isPem = input.startsWith('-----BEGIN CERTIFICATE REQUEST-----');
    const bytes = isPem ? Buffer.from(input, 'utf8') : stdBase64(input);
    const p = pemDecode(isPem ? input : latin1(bytes));
    if (p && p.block.type !== 'CERTIFICATE REQUEST')
      builtinError('invalid PEM-encoded certificate signing request');
    const der = p ? p.block.bytes : bytes;
    return fromJSON(goCall(() => parseCertificateRequest(der)));
  });

  r.def('crypto.x509.parse_keypair', 2, cat, (a) => {
    const cert = argString(a, 0);
    const key = a[1] as Value;
    if (typeof key !== 'string') typeError(1, 'string', key);
    return fromJSON(keyPair(cert, key));
  });

  r.def('crypto.x509.parse_rsa_private_key', 1, cat, (a) => {
    let pem = argString(a, 0);
    if (pem === '') builtinError('input PEM data was empty');
    if (!pem.startsWith(BEGIN)) pem = latin1(stdBase64(pem));
    const keys = privateKeysFromPEM(pem);
    const first = keys[0];
    if (!first) return null;
    return fromJSON(goCall(() => privateKeyJWK(first)));
  });

  r.def('crypto.parse_private_keys', 1, cat, (a) => {
    const input = argString(a, 0);
    if (input === '') return null;
    return fromJSON(privateKeysFromPEM(input).map((k) => k.json));
  });
}
