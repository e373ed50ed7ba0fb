/**
 * Private keys as Go's `crypto/x509` parses them (PKCS #1, PKCS #8, SEC 1), rendered the two
 * ways OPA renders them: Go's `encoding/json` of the key (`crypto.parse_private_keys`,
 * `tls.Certificate.PrivateKey`) and OPA's JWK (`crypto.x509.parse_rsa_private_key`). Key
 * material is decoded by `node:crypto` (OpenSSL); the DER structure is checked here.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { bitString, Der, oidText, rightAlign, TAG, unsigned } from './x509-der.ts';
import { asn1StructError, type J, X509Error } from './x509-pkix.ts';
import { namedCurve } from './x509-pubkey.ts';

/** A parsed private key: its Go type name, Go's JSON of it, and the KeyObject. */
export interface PrivateKey {
  readonly goType: '*rsa.PrivateKey' | '*ecdsa.PrivateKey' | 'ed25519.PrivateKey' | '*ecdh.PrivateKey';
  readonly json: J;
  readonly key: KeyObject;
}

const fromB64url = (s: unknown): bigint => unsigned(Buffer.from(String(s), 'base64url'));

type Shape = 'pkcs1' | 'pkcs8' | 'sec1';

/**
 * Which of Go's three private-key structures the DER has (what asn1.Unmarshal would accept):
 * all start with an INTEGER version, then an INTEGER modulus (PKCS #1), an AlgorithmIdentifier
 * (PKCS #8) or an OCTET STRING (SEC 1). OpenSSL's decoders are laxer, so this is checked first.
 */
function shapeOf(der: Uint8Array): Shape | undefined {
  const d = new Der(der);
  const seq = d.sub(TAG.SEQUENCE);
  if (!seq || !d.empty() || seq.read(TAG.INTEGER) === undefined) return undefined;
  if (seq.peekTag(TAG.INTEGER)) return 'pkcs1';
  if (seq.peekTag(TAG.SEQUENCE)) return 'pkcs8';
  if (seq.peekTag(TAG.OCTET_STRING)) return 'sec1';
  return undefined;
}

const HINT: Record<Shape, string> = {
  pkcs1: 'x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)',
  pkcs8: 'x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)',
  sec1: 'x509: failed to parse private key (use ParseECPrivateKey instead for this key format)',
};

/** Parses `der` as `want`, or throws Go's error (with its hint when the DER is another format). */
function parseAs(der: Uint8Array, want: Shape, others: Shape[], asn1Type: string, prefix = ''): PrivateKey {
  const shape = shapeOf(der);
  if (shape === want) {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: want });
    } catch {
      throw new X509Error(`${prefix}x509: failed to parse private key`);
    }
    try {
      return fromKeyObject(key, der);
    } catch (e) {
      if (e instanceof X509Error) throw e;
      throw new X509Error(`${prefix}x509: failed to parse private key`);
    }
  }
  for (const o of others) if (shape === o) throw new X509Error(HINT[o]);
  throw new X509Error(prefix + asn1StructError(der, asn1Type));
}

function rsaJSON(key: KeyObject): J {
  const j = key.export({ format: 'jwk' });
  return {
    N: fromB64url(j.n),
    E: fromB64url(j.e),
    D: fromB64url(j.d),
    Primes: [fromB64url(j.p), fromB64url(j.q)],
    Precomputed: { Dp: fromB64url(j.dp), Dq: fromB64url(j.dq), Qinv: fromB64url(j.qi), CRTValues: [] },
  };
}

/** {Curve: {}, X, Y, D} from the SEC 1 export and the public point; checks Go knows the curve. */
function ecJSON(key: KeyObject): J {
  const sec1 = new Der(key.export({ format: 'der', type: 'sec1' })).sub(TAG.SEQUENCE);
  sec1?.read(TAG.INTEGER);
  const d = sec1?.read(TAG.OCTET_STRING);
  const curve = namedCurve(sec1?.sub(0xa0)?.readElement(TAG.OID) ?? null);
  if (!d || !curve) throw new X509Error('x509: unknown elliptic curve');
  const spki = new Der(createPublicKey(key).export({ format: 'der', type: 'spki' })).sub(TAG.SEQUENCE);
  spki?.read(TAG.SEQUENCE);
  const bitsBody = spki?.read(TAG.BIT_STRING);
  const bits = bitsBody && bitString(bitsBody);
  if (!bits) throw new X509Error('x509: invalid elliptic curve public key');
  const point = rightAlign(bits);
  return {
    Curve: {},
    X: unsigned(point.subarray(1, 1 + curve.bytes)),
    Y: unsigned(point.subarray(1 + curve.bytes)),
    D: unsigned(d),
  };
}

function fromKeyObject(key: KeyObject, der: Uint8Array): PrivateKey {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { goType: '*rsa.PrivateKey', json: rsaJSON(key), key };
    case 'ec':
      return { goType: '*ecdsa.PrivateKey', json: ecJSON(key), key };
    case 'ed25519': {
      const j = key.export({ format: 'jwk' });
      const bytes = Buffer.concat([
        Buffer.from(String(j.d), 'base64url'),
        Buffer.from(String(j.x), 'base64url'),
      ]);
      return { goType: 'ed25519.PrivateKey', json: bytes.toString('base64'), key };
    }
    case 'x25519':
      return { goType: '*ecdh.PrivateKey', json: {}, key };
    default: {
      const alg = new Der(der).sub(TAG.SEQUENCE);
      alg?.read(TAG.INTEGER);
      const body = alg?.sub(TAG.SEQUENCE)?.read(TAG.OID);
      const name = body ? oidText(body) : undefined;
      throw new X509Error(
        `x509: PKCS#8 wrapping contained private key with unknown algorithm: ${name ?? ''}`,
      );
    }
  }
}

/** x509.ParsePKCS1PrivateKey */
export function parsePKCS1(der: Uint8Array): PrivateKey {
  return parseAs(der, 'pkcs1', ['sec1', 'pkcs8'], 'pkcs1PrivateKey');
}

/** x509.ParsePKCS8PrivateKey */
export function parsePKCS8(der: Uint8Array): PrivateKey {
  return parseAs(der, 'pkcs8', ['sec1', 'pkcs1'], 'pkcs8');
}

/** x509.ParseECPrivateKey */
export function parseSEC1(der: Uint8Array): PrivateKey {
  return parseAs(der, 'sec1', ['pkcs8', 'pkcs1'], 'ecPrivateKey', 'x509: failed to parse EC private key: ');
}

/** crypto/tls parsePrivateKey: PKCS #1, then PKCS #8, then SEC 1. */
export function parseTLSPrivateKey(der: Uint8Array): PrivateKey {
  for (const parse of [parsePKCS1, parsePKCS8, parseSEC1]) {
    let k: PrivateKey;
    try {
      k = parse(der);
    } catch {
      continue;
    }
    if (k.goType === '*ecdh.PrivateKey')
      throw new X509Error('tls: found unknown private key type in PKCS#8 wrapping');
    return k;
  }
  throw new X509Error('tls: failed to parse private key');
}

/** OPA's jwk.New on a private key, marshalled: RSA keys in full, EC keys as just their `kty`. */
export function privateKeyJWK(k: PrivateKey): J {
  switch (k.goType) {
    case '*rsa.PrivateKey': {
      const j = k.key.export({ format: 'jwk' });
      return { kty: 'RSA', n: j.n, e: j.e, d: j.d, p: j.p, q: j.q, dp: j.dp, dq: j.dq, qi: j.qi };
    }
    case '*ecdsa.PrivateKey':
      return { kty: 'EC' };
    default:
      throw new X509Error(`invalid key type ${k.goType}`);
  }
}
