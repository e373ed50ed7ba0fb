/**
 * JSON Web Token builtins: `io.jwt.decode`, `io.jwt.verify_*`, `io.jwt.decode_verify`,
 * `io.jwt.encode_sign` and `io.jwt.encode_sign_raw`.
 *
 * Semantics and messages follow OPA's `topdown/tokens.go`: base64url sections are decoded as
 * `base64url.decode` does (padding added, Go's error offsets), headers and payloads must be
 * JSON objects, `cty: JWT` payloads are nested tokens, verification keys are PEM certificates,
 * PEM public keys, JWKs or JWK sets (matched by `kid`, filtered by `alg`), and
 * `io.jwt.decode_verify` applies the `cert`/`secret`/`alg`/`iss`/`aud`/`time` constraints and
 * the `exp`/`nbf` claims, with `time.now_ns()` of the evaluation when `time` is absent.
 * Signing uses the first key of a JWK (set); headers and payloads of `io.jwt.encode_sign` are
 * serialised as Go's `json.Marshal` does (sorted keys, no spaces).
 */
import { createHmac } from 'node:crypto';
import {
  compareNumbers,
  emptyObject,
  isNumber,
  isObject,
  isPlainObject,
  objGet,
  objSortedEntries,
  type PlainObject,
  type RegoObject,
  stringify,
  toDouble,
  type Value,
} from '../value.ts';
import { fromUtf8 } from './encoding-go.ts';
import { base64urlBytes } from './encoding.ts';
import { goMarshal, isValidJSON, JSONSyntaxError, parseJSON } from './encoding-json.ts';
import {
  bytesEqual,
  isKnownAlgorithm,
  JwtKeyError,
  keysFromCertOrJwk,
  parseJwks,
  signJws,
  type VerificationKey,
  verifyJws,
  verifyWithScheme,
} from './jwt-keys.ts';
import {
  argObject,
  argString,
  type BuiltinContext,
  type BuiltinRegistry,
  builtinError,
  typeError,
} from './registry.ts';

// ---------------------------------------------------------------------------------------------
// Decoding

/** The three base64url sections of a compact JWS. */
interface Token {
  readonly header: string;
  readonly payload: string;
  readonly signature: string;
}

/** OPA's decodeJWT: the token must be a string with exactly two periods. */
function splitToken(jwt: Value): Token {
  if (typeof jwt !== 'string') typeError(1, 'string', jwt);
  if (!jwt.includes('.')) builtinError('encoded JWT had no period separators');
  const parts = jwt.split('.');
  if (parts.length !== 3) builtinError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0] as string, payload: parts[1] as string, signature: parts[2] as string };
}

/** Parses JSON text that must be an object (OPA's extractJSONObject); `prefix` goes before errors. */
function jsonObject(text: string, prefix: string): PlainObject {
  let v: Value;
  try {
    v = parseJSON(text);
  } catch (e) {
    if (e instanceof JSONSyntaxError) builtinError(`${prefix}invalid JSON: ${e.message}`);
    throw e;
  }
  if (!isPlainObject(v)) builtinError(`${prefix}decoded JSON type was not an Object`);
  return v;
}

/** Decodes and checks the header: a JSON object, and not a JWE (no `enc`). */
function decodeHeader(token: Token): PlainObject {
  const text = fromUtf8(base64urlBytes(token.header, 'JWT header had invalid encoding: '));
  const header = jsonObject(text, 'bad JWT header: ');
  if (objGet(header, 'enc') !== undefined) builtinError('JWT is a JWE object, which is not supported');
  return header;
}

function decodePayloadText(token: Token): string {
  return fromUtf8(base64urlBytes(token.payload, 'JWT payload had invalid encoding: '));
}

/** The raw signature bytes (errors are reported without a prefix, as OPA does). */
function decodeSignature(token: Token): Uint8Array {
  return base64urlBytes(token.signature, '');
}

/** Go's strings.Trim(s, `"'`). */
function trimQuotes(s: string): string {
  return s.replace(/^["']+/, '').replace(/["']+$/, '');
}

function decode(jwt: Value): Value {
  const token = splitToken(jwt);
  const header = decodeHeader(token);
  const payloadText = decodePayloadText(token);
  // A `cty: JWT` payload is itself a token (quoted, as jwt.io produces it): decode that one.
  if (objGet(header, 'cty') === 'JWT') return decode(trimQuotes(payloadText));
  const payload = jsonObject(payloadText, '');
  const signature = Buffer.from(base64urlBytes(token.signature, 'JWT signature had invalid encoding: '));
  return [header, payload, signature.toString('hex')];
}

/** The JOSE header fields OPA interprets. */
interface TokenHeader {
  alg: string;
  kid: string;
  typ: string;
  cty: string;
  crit: Set<string> | undefined;
  readonly unknown: string[];
}

/** OPA's parseTokenHeader: string fields must be strings; `crit` a non-empty list. */
function parseTokenHeader(header: PlainObject): TokenHeader {
  const h: TokenHeader = { alg: '', kid: '', typ: '', cty: '', crit: undefined, unknown: [] };
  for (const [k, v] of objSortedEntries(header)) {
    const key = k as string;
    switch (key) {
      case 'alg':
      case 'kid':
      case 'typ':
      case 'cty':
        if (typeof v !== 'string') builtinError(`${key}: must be a string`);
        h[key] = v;
        break;
      case 'crit': {
        if (!Array.isArray(v)) builtinError('crit: must be a list');
        // As in OPA, non-string entries are skipped rather than rejected.
        const crit = new Set<string>();
        for (const e of v) if (typeof e === 'string') crit.add(e);
        if (crit.size === 0) builtinError('crit: must be a nonempty list');
        h.crit = crit;
        break;
      }
      default:
        h.unknown.push(key);
    }
  }
  return h;
}

/** RFC 7515: `alg` is required, and unknown parameters listed in `crit` make the JWS invalid. */
function headerValid(h: TokenHeader): boolean {
  if (h.alg === '') return false;
  return !h.unknown.some((u) => h.crit?.has(u) === true);
}

function signingInput(token: Token): Buffer {
  return Buffer.from(`${token.header}.${token.payload}`, 'utf8');
}

function keysOrError(text: string): VerificationKey[] {
  try {
    return keysFromCertOrJwk(text);
  } catch (e) {
    if (e instanceof JwtKeyError) builtinError(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// io.jwt.verify_*

function verifyHmac(args: Value[], hash: 'sha256' | 'sha384' | 'sha512'): boolean {
  const jwt = argString(args, 0);
  const secret = argString(args, 1);
  const token = splitToken(jwt);
  const mac = createHmac(hash, Buffer.from(secret, 'utf8')).update(signingInput(token)).digest();
  return bytesEqual(decodeSignature(token), mac);
}

function verifyAsymmetric(
  args: Value[],
  scheme: 'RS' | 'PS' | 'ES' | 'EdDSA',
  hash: 'sha256' | 'sha384' | 'sha512' | null,
): boolean {
  const token = splitToken(args[0] as Value);
  const keys = keysOrError(argString(args, 1));
  const signature = decodeSignature(token);
  const header = parseTokenHeader(decodeHeader(token));
  const data = signingInput(token);
  // A key whose kid matches the token's is the only one tried.
  if (header.kid !== '') {
    const byKid = keys.find((k) => k.kid === header.kid);
    if (byKid) return verifyWithScheme(scheme, hash, byKid.material, data, signature);
  }
  for (const k of keys) {
    if (k.alg !== '' && k.alg !== header.alg) continue;
    if (verifyWithScheme(scheme, hash, k.material, data, signature)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// io.jwt.decode_verify

interface Constraints {
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  keys: VerificationKey[] | undefined;
  /** Nanoseconds since the epoch (as a double, as OPA keeps it). */
  time: number;
}

function constraintString(name: string, v: Value): string {
  if (typeof v !== 'string') builtinError(`${name} constraint: must be a string`);
  return v;
}

function timeFromValue(v: Value): number {
  if (!isNumber(v)) builtinError('token time constraint: must be a number');
  const t = toDouble(v);
  if (t < 0) builtinError('token time constraint: must not be negative');
  return t;
}

function parseConstraints(o: PlainObject | RegoObject, nowNs: bigint): Constraints {
  const c: Constraints = { secret: '', alg: '', iss: '', aud: '', keys: undefined, time: -1 };
  for (const [k, v] of objSortedEntries(o)) {
    switch (k) {
      case 'cert':
        if (typeof v !== 'string') builtinError('cert constraint: must be a string');
        c.keys = keysOrError(v);
        break;
      case 'secret':
      case 'alg':
      case 'iss':
      case 'aud':
        c[k] = constraintString(k, v);
        break;
      case 'time':
        c.time = timeFromValue(v);
        break;
      default:
        builtinError(`unknown token validation constraint: ${typeof k === 'string' ? k : stringify(k)}`);
    }
  }
  if (c.time === -1) c.time = Number(nowNs);
  const count = (c.keys !== undefined ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (count > 1) builtinError('duplicate key constraints');
  if (count < 1) builtinError('no key constraint');
  return c;
}

function constraintsVerify(c: Constraints, h: TokenHeader, data: Buffer, signature: Uint8Array): boolean {
  if (c.keys !== undefined) {
    if (h.kid !== '') {
      const byKid = c.keys.find((k) => k.kid === h.kid);
      if (byKid) return verifyJws(h.alg, byKid.material, data, signature);
    }
    return c.keys.some(
      (k) => (k.alg === '' || k.alg === h.alg) && verifyJws(h.alg, k.material, data, signature),
    );
  }
  return verifyJws(h.alg, { kind: 'secret', bytes: Buffer.from(c.secret, 'utf8') }, data, signature);
}

function validAudience(aud: Value, want: string): boolean {
  if (typeof aud === 'string') return aud === want;
  if (!Array.isArray(aud)) return false;
  return aud.some((e) => e === want);
}

function unverified(): Value {
  return [false, emptyObject(), emptyObject()];
}

function decodeVerify(args: Value[], ctx: BuiltinContext): Value {
  const c = parseConstraints(argObject(args, 1), ctx.nowNs);
  let jwt: Value = args[0] as Value;
  let token: Token;
  let header: PlainObject;
  let payloadText: string;
  for (;;) {
    token = splitToken(jwt);
    header = decodeHeader(token);
    const h = parseTokenHeader(header);
    if (!headerValid(h)) return unverified();
    if (c.alg !== '' && c.alg !== h.alg) return unverified();
    const signature = decodeSignature(token);
    if (!constraintsVerify(c, h, signingInput(token), signature)) return unverified();
    payloadText = decodePayloadText(token);
    // A nested token: verify it too, with the same constraints.
    if (h.cty.toLowerCase() === 'jwt') {
      jwt = payloadText;
      continue;
    }
    break;
  }
  const payload = jsonObject(payloadText, '');

  if (c.iss !== '') {
    const iss = objGet(payload, 'iss');
    if (iss !== c.iss) return unverified();
  }
  const aud = objGet(payload, 'aud');
  if (aud !== undefined) {
    if (!validAudience(aud, c.aud)) return unverified();
  } else if (c.aud !== '') {
    return unverified();
  }
  // exp and nbf are in seconds; the constraint time is in nanoseconds.
  const now = c.time / 1e9;
  const exp = objGet(payload, 'exp');
  if (exp !== undefined) {
    if (!isNumber(exp)) builtinError('exp value must be a number');
    if (compareNumbers(now, exp) >= 0) return unverified();
  }
  const nbf = objGet(payload, 'nbf');
  if (nbf !== undefined) {
    if (!isNumber(nbf)) builtinError('nbf value must be a number');
    if (compareNumbers(now, nbf) < 0) return unverified();
  }
  return [true, header, payload];
}

// ---------------------------------------------------------------------------------------------
// io.jwt.encode_sign / encode_sign_raw

/** The fastjson type name OPA's header parser reports for a non-string `alg`. */
function fastjsonType(v: Value): string {
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** Reads a string header parameter; returns an error text when absent or not a string. */
function headerString(header: Value, name: string): { value: string } | { error: string } {
  const v = isObject(header) ? objGet(header, name) : undefined;
  if (v === undefined) return { error: `jwsbb: header "${name}" not found` };
  if (typeof v !== 'string') return { error: `value doesn't contain string; it contains ${fastjsonType(v)}` };
  return { value: v };
}

function encodeSign(headerText: string, payloadText: string, jwkText: string): string {
  let keys: ReturnType<typeof parseJwks>;
  try {
    keys = parseJwks(jwkText);
  } catch (e) {
    if (e instanceof JwtKeyError) builtinError(e.message);
    throw e;
  }
  const key = keys[0];
  if (key === undefined) builtinError('no keys found in JWK set');

  let header: Value;
  if (headerText.trim() === '') {
    builtinError(
      `missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string; unparsed tail: ""`,
    );
  }
  try {
    header = parseJSON(headerText);
  } catch (e) {
    if (e instanceof JSONSyntaxError)
      builtinError(`missing or invalid 'alg' header: cannot parse JSON: ${e.message}`);
    throw e;
  }
  const alg = headerString(header, 'alg');
  if ('error' in alg) builtinError(`missing or invalid 'alg' header: ${alg.error}`);
  if (!isKnownAlgorithm(alg.value)) builtinError(`unknown JWS algorithm: ${alg.value}`);
  const typ = headerString(header, 'typ');
  if (('error' in typ || typ.value === 'JWT') && !isValidJSON(payloadText)) {
    builtinError('type is JWT but payload is not JSON');
  }

  const input = `${Buffer.from(headerText, 'utf8').toString('base64url')}.${Buffer.from(payloadText, 'utf8').toString('base64url')}`;
  let signature: Buffer;
  try {
    signature = signJws(alg.value, key.material, Buffer.from(input, 'utf8'));
  } catch (e) {
    if (e instanceof JwtKeyError) builtinError(e.message);
    throw e;
  }
  return `${input}.${signature.toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'tokens';

  r.def('io.jwt.decode', 1, cat, ([jwt]) => decode(jwt as Value));

  r.def('io.jwt.verify_hs256', 2, cat, (a) => verifyHmac(a, 'sha256'));
  r.def('io.jwt.verify_hs384', 2, cat, (a) => verifyHmac(a, 'sha384'));
  r.def('io.jwt.verify_hs512', 2, cat, (a) => verifyHmac(a, 'sha512'));

  for (const [scheme, names] of [
    ['RS', ['rs256', 'rs384', 'rs512']],
    ['PS', ['ps256', 'ps384', 'ps512']],
    ['ES', ['es256', 'es384', 'es512']],
  ] as const) {
    names.forEach((name, i) => {
      const hash = (['sha256', 'sha384', 'sha512'] as const)[i] ?? 'sha256';
      r.def(`io.jwt.verify_${name}`, 2, cat, (a) => verifyAsymmetric(a, scheme, hash));
    });
  }
  r.def('io.jwt.verify_eddsa', 2, cat, (a) => verifyAsymmetric(a, 'EdDSA', null));

  r.def('io.jwt.decode_verify', 2, cat, (a, ctx) => decodeVerify(a, ctx), { nondeterministic: true });

  // ECDSA and PS* signatures are randomised, so signing is nondeterministic (as in OPA).
  r.def(
    'io.jwt.encode_sign',
    3,
    'tokensign',
    (a) => encodeSign(goMarshal(a[0] as Value), goMarshal(a[1] as Value), goMarshal(a[2] as Value)),
    { nondeterministic: true },
  );
  r.def(
    'io.jwt.encode_sign_raw',
    3,
    'tokensign',
    (a) => {
      const jwk = argString(a, 2);
      const headers = argString(a, 0);
      const payload = argString(a, 1);
      return encodeSign(headers, payload, jwk);
    },
    { nondeterministic: true },
  );
}
