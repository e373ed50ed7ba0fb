/**
 * Key handling for the JWT builtins: PEM certificates and public keys (Go's `encoding/pem`
 * block rules), JSON Web Keys and key sets, and the JWS signing and verification primitives
 * (RFC 7518 algorithms) on top of `node:crypto`.
 *
 * Errors are thrown as {@link JwtKeyError} with OPA's wording where OPA has its own (e.g.
 * `failed to parse a PEM certificate: …`); the builtins turn them into builtin errors.
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import { isObject, objGet, type Value } from '../value.ts';
import { JSONSyntaxError, parseJSON } from './encoding-json.ts';

/** A key problem; the message is the one the builtin reports. */
export class JwtKeyError extends Error {}

/** Key material: an HMAC secret, or an asymmetric key (possibly private, from a JWK with `d`). */
export type KeyMaterial =
  | { readonly kind: 'secret'; readonly bytes: Buffer }
  | { readonly kind: 'asymmetric'; readonly key: KeyObject; readonly isPrivate: boolean };

/** A verification key with the `alg` and `kid` a JWKS may attach to it ('' when absent). */
export interface VerificationKey {
  readonly material: KeyMaterial;
  readonly alg: string;
  readonly kid: string;
}

type Scheme = 'HS' | 'RS' | 'PS' | 'ES' | 'EdDSA';
type Hash = 'sha256' | 'sha384' | 'sha512';

/** The algorithms OPA knows (`tokenAlgorithms` in topdown/tokens.go). */
const ALGORITHMS: ReadonlyMap<string, { readonly scheme: Scheme; readonly hash: Hash | null }> = new Map([
  ['HS256', { scheme: 'HS', hash: 'sha256' }],
  ['HS384', { scheme: 'HS', hash: 'sha384' }],
  ['HS512', { scheme: 'HS', hash: 'sha512' }],
  ['RS256', { scheme: 'RS', hash: 'sha256' }],
  ['RS384', { scheme: 'RS', hash: 'sha384' }],
  ['RS512', { scheme: 'RS', hash: 'sha512' }],
  ['PS256', { scheme: 'PS', hash: 'sha256' }],
  ['PS384', { scheme: 'PS', hash: 'sha384' }],
  ['PS512', { scheme: 'PS', hash: 'sha512' }],
  ['ES256', { scheme: 'ES', hash: 'sha256' }],
  ['ES384', { scheme: 'ES', hash: 'sha384' }],
  ['ES512', { scheme: 'ES', hash: 'sha512' }],
  ['EdDSA', { scheme: 'EdDSA', hash: null }],
]);

/** True for an algorithm name OPA supports. */
export function isKnownAlgorithm(alg: string): boolean {
  return ALGORITHMS.has(alg);
}

// ---------------------------------------------------------------------------------------------
// PEM (Go's encoding/pem.Decode)

interface PemBlock {
  readonly type: string;
  readonly bytes: Buffer;
}

/** Go's getLine: the line without its trailing CR/space/tab, and the text after the newline. */
function getLine(s: string): [string, string] {
  const i = s.indexOf('\n');
  const line = i < 0 ? s : s.slice(0, i);
  const rest = i < 0 ? '' : s.slice(i + 1);
  return [line.replace(/[ \t\r]+$/, ''), rest];
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Finds the first well-formed PEM block (BEGIN at the start of the text or of a line, matching
 * END line, valid base64 body) and returns it with the text after its END line.
 */
export function pemDecode(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  for (;;) {
    if (rest.startsWith('-----BEGIN ')) {
      rest = rest.slice('-----BEGIN '.length);
    } else {
      const i = rest.indexOf('\n-----BEGIN ');
      if (i < 0) return undefined;
      rest = rest.slice(i + '\n-----BEGIN '.length);
    }
    let typeLine: string;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.endsWith('-----')) continue;
    const type = typeLine.slice(0, -5);
    let headers = 0;
    for (;;) {
      if (rest.length === 0) return undefined;
      const [line, next] = getLine(rest);
      if (!line.includes(':')) break;
      headers++;
      rest = next;
    }
    let endIndex: number;
    let endTrailerIndex: number;
    if (headers === 0 && rest.startsWith('-----END ')) {
      endIndex = 0;
      endTrailerIndex = '-----END '.length;
    } else {
      endIndex = rest.indexOf('\n-----END ');
      endTrailerIndex = endIndex + '\n-----END '.length;
    }
    if (endIndex < 0) continue;
    const trailer = rest.slice(endTrailerIndex);
    const trailerLen = type.length + 5;
    if (trailer.length < trailerLen) continue;
    const restOfEndLine = trailer.slice(trailerLen);
    if (!trailer.startsWith(type) || trailer.slice(type.length, trailerLen) !== '-----') continue;
    if (getLine(restOfEndLine)[0].length !== 0) continue;
    const body = rest.slice(0, endIndex).replace(/[ \t\r\n]/g, '');
    if (body.length % 4 !== 0 || !STD_BASE64.test(body)) continue;
    const bytes = Buffer.from(body, 'base64');
    const after = getLine(rest.slice(endIndex + '\n-----END '.length - 1))[1];
    return { block: { type, bytes }, rest: after };
  }
}

// ---------------------------------------------------------------------------------------------
// JWK

/** A parsed JWK (the JSON object) and the key it denotes. */
export interface ParsedJwk {
  readonly material: KeyMaterial;
  readonly alg: string;
  readonly kid: string;
}

function jwkString(jwk: Record<string, unknown>, name: string): string {
  const v = jwk[name];
  return typeof v === 'string' ? v : '';
}

/** Turns one JWK object into key material. */
function jwkMaterial(jwk: Record<string, unknown>): KeyMaterial {
  const kty = jwk.kty;
  if (typeof kty !== 'string') throw new JwtKeyError('invalid JWK: missing "kty"');
  switch (kty) {
    case 'oct': {
      const k = jwk.k;
      if (typeof k !== 'string') throw new JwtKeyError('invalid JWK: missing "k" for key type oct');
      return { kind: 'secret', bytes: Buffer.from(k, 'base64url') };
    }
    case 'RSA':
    case 'EC':
    case 'OKP': {
      const isPrivate = jwk.d !== undefined;
      try {
        const key = isPrivate
          ? createPrivateKey({ key: jwk as never, format: 'jwk' })
          : createPublicKey({ key: jwk as never, format: 'jwk' });
        return { kind: 'asymmetric', key, isPrivate };
      } catch (e) {
        throw new JwtKeyError(`invalid ${kty} JWK: ${(e as Error).message}`);
      }
    }
    default:
      throw new JwtKeyError(`invalid key type from JSON (${kty})`);
  }
}

/**
 * Parses a JWK or a JWK set (`{"keys": [...]}`) from JSON text. Keys come back in order.
 * Throws {@link JwtKeyError} for invalid JSON or keys.
 */
export function parseJwks(text: string): ParsedJwk[] {
  let checked: Value;
  try {
    checked = parseJSON(text);
  } catch (e) {
    if (e instanceof JSONSyntaxError) throw new JwtKeyError(e.message);
    throw e;
  }
  if (!isObject(checked)) throw new JwtKeyError('invalid JWK: expected a JSON object');
  // node:crypto wants plain JSON objects; the text was checked above, so JSON.parse succeeds.
  const raw = JSON.parse(text) as Record<string, unknown>;
  const keysValue = objGet(checked, 'keys');
  let list: unknown[];
  if (keysValue !== undefined) {
    if (!Array.isArray(raw.keys)) throw new JwtKeyError('invalid JWK set: "keys" must be an array');
    list = raw.keys;
  } else {
    list = [raw];
  }
  return list.map((k) => {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) {
      throw new JwtKeyError('invalid JWK: expected a JSON object');
    }
    const jwk = k as Record<string, unknown>;
    return { material: jwkMaterial(jwk), alg: jwkString(jwk, 'alg'), kid: jwkString(jwk, 'kid') };
  });
}

/**
 * OPA's getKeysFromCertOrJWK: a PEM certificate or public key, or else a JWK / JWK set. Keys
 * of a set whose `alg` OPA does not know are skipped.
 */
export function keysFromCertOrJwk(text: string): VerificationKey[] {
  const pem = pemDecode(text);
  if (pem) {
    if (pem.rest.length > 0) throw new JwtKeyError('extra data after a PEM certificate block');
    const { type, bytes } = pem.block;
    if (type === 'CERTIFICATE') {
      let key: KeyObject;
      try {
        key = new X509Certificate(bytes).publicKey;
      } catch (e) {
        throw new JwtKeyError(`failed to parse a PEM certificate: ${(e as Error).message}`);
      }
      return [{ material: { kind: 'asymmetric', key, isPrivate: false }, alg: '', kid: '' }];
    }
    if (type === 'PUBLIC KEY') {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: bytes, format: 'der', type: 'spki' });
      } catch (e) {
        throw new JwtKeyError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
      return [{ material: { kind: 'asymmetric', key, isPrivate: false }, alg: '', kid: '' }];
    }
    throw new JwtKeyError('failed to extract a Key from the PEM certificate');
  }
  let keys: ParsedJwk[];
  try {
    keys = parseJwks(text);
  } catch (e) {
    if (e instanceof JwtKeyError) throw new JwtKeyError(`failed to parse a JWK key (set): ${e.message}`);
    throw e;
  }
  return keys.filter((k) => k.alg === '' || ALGORITHMS.has(k.alg));
}

// ---------------------------------------------------------------------------------------------
// Signatures

/** Constant-time comparison (unequal lengths are unequal). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function keyType(key: KeyObject): string {
  return key.asymmetricKeyType ?? '';
}

function verifyAsymmetric(
  scheme: Scheme,
  hash: Hash | null,
  key: KeyObject,
  data: Buffer,
  sig: Uint8Array,
): boolean {
  const type = keyType(key);
  try {
    switch (scheme) {
      case 'RS':
        return type === 'rsa' && cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'PS':
        return (
          (type === 'rsa' || type === 'rsa-pss') &&
          cryptoVerify(
            hash,
            data,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
            sig,
          )
        );
      case 'ES':
        return type === 'ec' && cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
      case 'EdDSA':
        return type === 'ed25519' && cryptoVerify(null, data, key, sig);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/**
 * The check of the `io.jwt.verify_*` builtins: a fixed scheme and hash, and (as OPA's type
 * assertions require) a public key of the matching type. Private JWKs and secrets never verify.
 */
export function verifyWithScheme(
  scheme: 'RS' | 'PS' | 'ES' | 'EdDSA',
  hash: Hash | null,
  material: KeyMaterial,
  data: Buffer,
  sig: Uint8Array,
): boolean {
  if (material.kind !== 'asymmetric' || material.isPrivate) return false;
  return verifyAsymmetric(scheme, hash, material.key, data, sig);
}

/**
 * JWS verification by algorithm name (what `io.jwt.decode_verify` does): HS* with a secret,
 * the others with an asymmetric key of the right type (a private key's public half is used).
 * Unknown algorithms never verify.
 */
export function verifyJws(alg: string, material: KeyMaterial, data: Buffer, sig: Uint8Array): boolean {
  const a = ALGORITHMS.get(alg);
  if (!a) return false;
  if (a.scheme === 'HS') {
    if (material.kind !== 'secret' || a.hash === null) return false;
    return bytesEqual(createHmac(a.hash, material.bytes).update(data).digest(), sig);
  }
  if (material.kind !== 'asymmetric') return false;
  const key = material.isPrivate ? createPublicKey(material.key) : material.key;
  return verifyAsymmetric(a.scheme, a.hash, key, data, sig);
}

/** Signs `data` with `alg` and the given key; throws {@link JwtKeyError} when they do not fit. */
export function signJws(alg: string, material: KeyMaterial, data: Buffer): Buffer {
  const a = ALGORITHMS.get(alg);
  if (!a) throw new JwtKeyError(`unknown JWS algorithm: ${alg}`);
  if (a.scheme === 'HS') {
    if (material.kind !== 'secret' || a.hash === null) {
      throw new JwtKeyError(`failed to sign payload: ${alg} requires a symmetric (oct) key`);
    }
    return createHmac(a.hash, material.bytes).update(data).digest();
  }
  if (material.kind !== 'asymmetric' || !material.isPrivate) {
    throw new JwtKeyError(`failed to sign payload: ${alg} requires a private key`);
  }
  const { key } = material;
  const type = keyType(key);
  const mismatch = (want: string): never => {
    throw new JwtKeyError(`failed to sign payload: ${alg} requires an ${want} key, got ${type || 'unknown'}`);
  };
  try {
    switch (a.scheme) {
      case 'RS':
        if (type !== 'rsa') mismatch('RSA');
        return cryptoSign(a.hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
      case 'PS':
        if (type !== 'rsa' && type !== 'rsa-pss') mismatch('RSA');
        return cryptoSign(a.hash, data, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        });
      case 'ES':
        if (type !== 'ec') mismatch('EC');
        return cryptoSign(a.hash, data, { key, dsaEncoding: 'ieee-p1363' });
      default:
        if (type !== 'ed25519') mismatch('Ed25519');
        return cryptoSign(null, data, key);
    }
  } catch (e) {
    if (e instanceof JwtKeyError) throw e;
    throw new JwtKeyError(`failed to sign payload: ${(e as Error).message}`);
  }
}
