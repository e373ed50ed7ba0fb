/**
 * Subject public keys as Go's `crypto/x509` parses them (parsePublicKey), in the shape Go's
 * `encoding/json` gives them.
 */
import { createPublicKey } from 'node:crypto';
import {
  b64,
  bitString,
  Der,
  intBig,
  int64,
  oidEqual,
  readOID,
  rightAlign,
  TAG,
  unsigned,
} from './x509-der.ts';
import { type AlgorithmIdentifier, fail, type J, parseAI, publicKeyAlgorithm } from './x509-pkix.ts';

const o = (s: string): number[] => s.split('.').map(Number);

const CURVES: { oid: number[]; bytes: number; name: string }[] = [
  { oid: o('1.3.132.0.33'), bytes: 28, name: 'P-224' },
  { oid: o('1.2.840.10045.3.1.7'), bytes: 32, name: 'P-256' },
  { oid: o('1.3.132.0.34'), bytes: 48, name: 'P-384' },
  { oid: o('1.3.132.0.35'), bytes: 66, name: 'P-521' },
];

/** The curve of a namedCurve parameter element, if Go supports it. */
export function namedCurve(params: Uint8Array | null): { name: string; bytes: number } | undefined {
  const c = params ? readOID(new Der(params)) : undefined;
  return c ? CURVES.find((x) => oidEqual(x.oid, c)) : undefined;
}

function positiveInt(d: Der): bigint | undefined {
  const body = d.read(TAG.INTEGER);
  return body === undefined ? undefined : intBig(body);
}

/**
 * parsePublicKey: the public key as Go marshals it (`*rsa.PublicKey` → {N, E},
 * `*ecdsa.PublicKey` → {Curve: {}, X, Y}, `ed25519.PublicKey` → base64, `*dsa.PublicKey` →
 * {P, Q, G, Y}). `spki` is the whole SubjectPublicKeyInfo (to check EC points with OpenSSL).
 */
export function parsePublicKey(ai: AlgorithmIdentifier, keyBits: Uint8Array, spki: Uint8Array): J {
  const alg = publicKeyAlgorithm(ai.algorithm);
  const params = ai.params;
  switch (alg) {
    case 1: {
      if (params?.length !== 2 || params[0] !== 0x05 || params[1] !== 0) {
        fail('x509: RSA key missing NULL parameters');
      }
      const d = new Der(keyBits).sub(TAG.SEQUENCE);
      if (!d) fail('x509: invalid RSA public key');
      const n = positiveInt(d);
      if (n === undefined) fail('x509: invalid RSA modulus');
      const eBody = d.read(TAG.INTEGER);
      const e = eBody === undefined ? undefined : int64(eBody);
      if (e === undefined) fail('x509: invalid RSA public exponent');
      if (n <= 0n) fail('x509: RSA modulus is not a positive number');
      if (e <= 0n) fail('x509: RSA public exponent is not a positive number');
      return { N: n, E: e };
    }
    case 3: {
      if (!params || !readOID(new Der(params))) fail('x509: invalid ECDSA parameters');
      const curve = namedCurve(params);
      if (!curve) fail('x509: unsupported elliptic curve');
      if (keyBits.length !== 1 + 2 * curve.bytes || keyBits[0] !== 4) {
        fail('x509: failed to unmarshal elliptic curve point');
      }
      try {
        createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      } catch {
        fail('x509: failed to unmarshal elliptic curve point');
      }
      return {
        Curve: {},
        X: unsigned(keyBits.subarray(1, 1 + curve.bytes)),
        Y: unsigned(keyBits.subarray(1 + curve.bytes)),
      };
    }
    case 4:
      if (params !== null) fail('x509: Ed25519 key encoded with illegal parameters');
      if (keyBits.length !== 32) fail('x509: wrong Ed25519 public key size');
      return b64(keyBits);
    case 2: {
      const y = positiveInt(new Der(keyBits));
      if (y === undefined) fail('x509: invalid DSA public key');
      const p = params ? new Der(params).sub(TAG.SEQUENCE) : undefined;
      const P = p && positiveInt(p);
      const Q = p && positiveInt(p);
      const G = p && positiveInt(p);
      if (P === undefined || Q === undefined || G === undefined) fail('x509: invalid DSA parameters');
      if (y <= 0n || P <= 0n || Q <= 0n || G <= 0n) fail('x509: zero or negative DSA parameter');
      return { P, Q, G, Y: y };
    }
    default:
      fail('x509: unknown public key algorithm');
  }
}

/** A SubjectPublicKeyInfo element: Go's PublicKeyAlgorithm and PublicKey (null when unknown). */
export function parseSPKI(spki: Uint8Array): { alg: number; key: J } {
  const d = new Der(spki).sub(TAG.SEQUENCE);
  if (!d) fail('x509: malformed spki');
  const aiBody = d.read(TAG.SEQUENCE);
  if (!aiBody) fail('x509: malformed public key algorithm identifier');
  const ai = parseAI(aiBody);
  const alg = publicKeyAlgorithm(ai.algorithm);
  const bitsBody = d.read(TAG.BIT_STRING);
  const bits = bitsBody && bitString(bitsBody);
  if (!bits) fail('x509: malformed subjectPublicKey');
  return { alg, key: alg === 0 ? null : parsePublicKey(ai, rightAlign(bits), spki) };
}
