/**
 * `providers.aws.sign_req(request, aws_config, time_ns)`: signs an `http.send` request object
 * with AWS Signature Version 4, as OPA does (`v1/topdown/providers.go` and
 * `internal/providers/aws/signing_v4.go`). Only the signature is computed here; nothing is sent.
 *
 * OPA's quirks, kept on purpose because the signatures depend on them:
 * - the method is signed as written (`get` stays lowercase) and the path as Go's
 *   `url.URL.EscapedPath()` gives it (empty for `http://example.com`, no `/` added);
 * - the payload hash is the SHA-256 of `raw_body` (which wins over `body`), else of `body` as
 *   Go's `json.Marshal` writes it, else of the empty string; `UNSIGNED-PAYLOAD` when the config
 *   has `disable_payload_signing: true`. `x-amz-content-sha256` is added for `s3` and `glacier`;
 * - the request's own headers are signed too (lower-cased, except `authorization`, `user-agent`
 *   and `x-amzn-trace-id`) and win over the AWS headers in the canonical request, but the output
 *   headers are the request's headers, then `Authorization`, then the AWS headers (which win):
 *   an existing `x-amz-content-sha256` is signed with its old value and then replaced;
 * - operand positions in the error messages are OPA's (the config and time type errors say
 *   "operand 1").
 */
import { createHash, createHmac } from 'node:crypto';
import { BuiltinError } from '../errors.ts';
import {
  isObject,
  makeObject,
  objEntries,
  objGet,
  objKeys,
  type PlainObject,
  type RegoObject,
  RegoSet,
  toRegoString,
  typeName,
  type Value,
} from '../value.ts';
import { goQuote } from './encoding-go.ts';
import { goMarshal } from './encoding-json.ts';
import { argObject, type BuiltinRegistry, builtinError } from './registry.ts';

// ---------------------------------------------------------------------------------------------
// The parts of Go's net/url that SigV4 needs: url.Parse, URL.Host and URL.EscapedPath().

class URLError extends Error {}

const enc = new TextEncoder();
const dec = new TextDecoder();

type Mode = 'path' | 'host' | 'fragment' | 'userinfo';

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(String.fromCharCode(c));
}

/** Go's `shouldEscape`. */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === 'host' && '!$&\'()*+,;=:[]<>"'.includes(String.fromCharCode(c))) return false;
  const ch = String.fromCharCode(c);
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    if (mode === 'path') return ch === '?';
    if (mode === 'userinfo') return '@/?:'.includes(ch);
    if (mode === 'fragment') return false;
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

/** Go's `unescape` (no `+` handling: no query mode here). Returns the decoded bytes. */
function percentDecode(s: Uint8Array, mode: Mode): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i] as number;
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        throw new URLError(`invalid URL escape ${goQuote(dec.decode(s.subarray(i, i + 3)))}`);
      }
      const hi = Number.parseInt(String.fromCharCode(s[i + 1] as number), 16);
      const lo = Number.parseInt(String.fromCharCode(s[i + 2] as number), 16);
      if (mode === 'host' && hi < 8 && !(hi === 2 && lo === 5)) {
        throw new URLError(`invalid URL escape ${goQuote(dec.decode(s.subarray(i, i + 3)))}`);
      }
      out.push(hi * 16 + lo);
      i += 3;
    } else {
      if (mode === 'host' && c < 0x80 && shouldEscape(c, mode)) {
        throw new URLError(`invalid character ${goQuote(String.fromCharCode(c))} in host name`);
      }
      out.push(c);
      i++;
    }
  }
  return Uint8Array.from(out);
}

/** Go's `escape` for the path: bytes that must be escaped become `%XX`. */
function escapePath(b: Uint8Array): string {
  let out = '';
  for (const c of b) {
    out += shouldEscape(c, 'path')
      ? `%${c.toString(16).toUpperCase().padStart(2, '0')}`
      : String.fromCharCode(c);
  }
  return out;
}

/** Go's `validEncoded(s, encodePath)`. */
function validEncodedPath(s: Uint8Array): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]%".includes(String.fromCharCode(c))) continue;
    if (shouldEscape(c, 'path')) return false;
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return /^:[0-9]*$/.test(port);
}

/** Go's `parseHost`: the host with its port, percent-decoded. */
function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return dec.decode(percentDecode(enc.encode(host), 'host'));
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(authority: string): string {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i >= 0) {
    const userinfo = authority.slice(0, i);
    if (!validUserinfo(userinfo)) throw new URLError('net/url: invalid userinfo');
    percentDecode(enc.encode(userinfo), 'userinfo');
  }
  return host;
}

interface ParsedURL {
  readonly host: string;
  readonly escapedPath: string;
  readonly rawQuery: string;
}

/** Go's `getScheme`. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new URLError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseNoFragment(raw: string): ParsedURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new URLError('net/url: invalid control character in URL');
  if (raw === '*') return { host: '', escapedPath: '*', rawQuery: '' };
  const [scheme, afterScheme] = getScheme(raw);
  let rest = afterScheme;
  let rawQuery = '';
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    // A rootless path with a scheme is opaque (its EscapedPath is empty).
    if (scheme !== '') return { host: '', escapedPath: '', rawQuery };
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) {
      throw new URLError('first path segment in URL cannot contain colon');
    }
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    host = parseAuthority(authority);
  }
  const rawPath = enc.encode(rest);
  const path = percentDecode(rawPath, 'path');
  const escapedPath = validEncodedPath(rawPath) ? rest : escapePath(path);
  return { host, escapedPath, rawQuery };
}

/** Go's `url.Parse`; errors are worded as Go's `*url.Error`. */
function parseURL(raw: string): ParsedURL {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  let parsed: ParsedURL;
  try {
    parsed = parseNoFragment(u);
  } catch (e) {
    if (e instanceof URLError) builtinError(`parse ${goQuote(u)}: ${e.message}`);
    throw e;
  }
  if (hash >= 0) {
    try {
      percentDecode(enc.encode(raw.slice(hash + 1)), 'fragment');
    } catch (e) {
      if (e instanceof URLError) builtinError(`parse ${goQuote(raw)}: ${e.message}`);
      throw e;
    }
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Signature Version 4

/** Headers a proxy may change, left out of the signature (as the AWS SDK and OPA do). */
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  readonly sessionToken: string;
}

const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** Go's `time.Format` of a UTC instant: `20060102` and `20060102T150405Z`. */
function amzDates(ns: bigint): [string, string] {
  let secs = ns / 1_000_000_000n;
  if (ns < 0n && secs * 1_000_000_000n !== ns) secs -= 1n; // floor, as time.Unix normalises
  const d = new Date(Number(secs) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
  return [date, `${date}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`];
}

/**
 * OPA's `aws.SignV4`: returns the Authorization header and the AWS headers to add.
 * `headers` are the request's headers (name → value) as OPA's Go map holds them.
 */
function signV4(
  headers: Map<string, string>,
  method: string,
  url: ParsedURL,
  body: Uint8Array,
  service: string,
  creds: Credentials,
  ns: bigint,
  disablePayloadSigning: boolean,
): [string, Map<string, string>] {
  const contentSha256 = disablePayloadSigning ? 'UNSIGNED-PAYLOAD' : sha256Hex(body);
  const [dateNow, isoNow] = amzDates(ns);

  const awsHeaders = new Map<string, string>([
    ['host', url.host],
    ['x-amz-date', isoNow],
  ]);
  if (service === 's3' || service === 'glacier') awsHeaders.set('x-amz-content-sha256', contentSha256);
  if (creds.sessionToken !== '') awsHeaders.set('x-amz-security-token', creds.sessionToken);

  const toSign = new Map(awsHeaders);
  for (const [k, v] of headers) {
    const lower = k.toLowerCase();
    if (!IGNORED_HEADERS.has(lower)) toSign.set(lower, v);
  }
  // Go's sort.Strings: byte order, which for these UTF-16 keys is code point order.
  const keys = [...toSign.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const signedHeaders = keys.join(';');
  const canonical = [
    method,
    url.escapedPath,
    url.rawQuery,
    ...keys.map((k) => `${k}:${toSign.get(k)}`),
    '',
    signedHeaders,
    contentSha256,
  ].join('\n');

  const scope = `${dateNow}/${creds.region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${isoNow}\n${scope}\n${sha256Hex(canonical)}`;
  let key = hmac(`AWS4${creds.secretKey}`, dateNow);
  key = hmac(key, creds.region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');

  const auth =
    `AWS4-HMAC-SHA256 Credential=${creds.accessKey}/${scope},` +
    `SignedHeaders=${signedHeaders},Signature=${signature}`;
  return [auth, awsHeaders];
}

// ---------------------------------------------------------------------------------------------
// The builtin

/** The keys `http.send` accepts (OPA checks the request against them). */
const ALLOWED_REQUEST_KEYS = new Set([
  'method',
  'url',
  'body',
  'enable_redirect',
  'force_json_decode',
  'force_yaml_decode',
  'headers',
  'raw_body',
  'tls_use_system_certs',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'timeout',
  'cache',
  'force_cache',
  'force_cache_duration_seconds',
  'raise_error',
  'caching_mode',
  'max_retry_attempts',
  'cache_ignored_headers',
]);

const REQUIRED_CONFIG_KEYS = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** OPA's `builtins.NewOperandErr`, a type error. */
function operandError(pos: number, message: string): never {
  throw new BuiltinError('eval_type_error', `operand ${pos} ${message}`);
}

/** A set rendered as OPA's `%v` of an `ast.Set` (sorted, Rego syntax). */
function setText(items: Value[]): string {
  return toRegoString(new RegoSet(items));
}

/** OPA's `stringFromTerm`: the string, or "" for any other value. */
function str(v: Value | undefined): string {
  return typeof v === 'string' ? v : '';
}

function signReq(args: Value[]): Value {
  const req = argObject(args, 0);
  const config = args[1] as Value;
  if (!isObject(config)) operandError(1, `must be object but got ${typeName(config)}`);

  const configKeys = objKeys(config);
  const missingConfig = REQUIRED_CONFIG_KEYS.filter((k) => !configKeys.includes(k));
  if (missingConfig.length > 0) {
    operandError(2, `missing required AWS config parameters(s): ${setText(missingConfig)}`);
  }
  const invalidConfig = REQUIRED_CONFIG_KEYS.filter((k) => typeof objGet(config, k) !== 'string');
  if (invalidConfig.length > 0) {
    operandError(2, `invalid values for required AWS config parameters(s): ${setText(invalidConfig)}`);
  }
  const service = str(objGet(config, 'aws_service'));
  const creds: Credentials = {
    accessKey: str(objGet(config, 'aws_access_key')),
    secretKey: str(objGet(config, 'aws_secret_access_key')),
    region: str(objGet(config, 'aws_region')),
    sessionToken: str(objGet(config, 'aws_session_token')),
  };

  const time = args[2] as Value;
  if (typeof time !== 'number' && typeof time !== 'bigint') {
    operandError(1, `must be number but got ${typeName(time)}`);
  }
  if (typeof time === 'number' && !Number.isInteger(time)) {
    operandError(3, 'could not convert time_ns value into a unix timestamp');
  }
  const ns = BigInt(time);
  if (ns < INT64_MIN || ns > INT64_MAX)
    operandError(3, 'could not convert time_ns value into a unix timestamp');

  const reqKeys = objKeys(req);
  const invalidReq = reqKeys.filter((k) => typeof k !== 'string' || !ALLOWED_REQUEST_KEYS.has(k));
  if (invalidReq.length > 0) operandError(1, `invalid request parameters(s): ${setText(invalidReq)}`);
  const missingReq = ['method', 'url'].filter((k) => !reqKeys.includes(k));
  if (missingReq.length > 0)
    operandError(1, `missing required request parameters(s): ${setText(missingReq)}`);

  const headersValue = objGet(req, 'headers');
  let headers: PlainObject | RegoObject | undefined;
  if (headersValue !== undefined) {
    if (!isObject(headersValue)) operandError(0, `must be object but got ${typeName(headersValue)}`);
    headers = headersValue;
  }

  const urlValue = objGet(req, 'url');
  const methodValue = objGet(req, 'method');
  const invalidParams: Value[] = [];
  if (typeof urlValue !== 'string') invalidParams.push('url');
  if (typeof methodValue !== 'string') invalidParams.push('method');
  if (invalidParams.length > 0) {
    operandError(1, `invalid values for required request parameters(s): ${setText(invalidParams)}`);
  }
  const url = parseURL(urlValue as string);
  const method = methodValue as string;

  const rawBody = objGet(req, 'raw_body');
  const bodyValue = objGet(req, 'body');
  let body: Uint8Array;
  if (rawBody !== undefined) body = enc.encode(str(rawBody));
  else if (bodyValue !== undefined) body = enc.encode(goMarshal(bodyValue));
  else body = new Uint8Array();

  // OPA's objectToMap: keys and values that are not strings become "" (later keys win).
  const headerMap = new Map<string, string>();
  if (headers) for (const [k, v] of objEntries(headers)) headerMap.set(str(k), str(v));

  let disablePayloadSigning = false;
  const dps = objGet(config, 'disable_payload_signing');
  if (dps !== undefined) {
    if (typeof dps !== 'boolean')
      operandError(2, "invalid value for 'disable_payload_signing' in AWS config");
    disablePayloadSigning = dps;
  }

  const [auth, awsHeaders] = signV4(headerMap, method, url, body, service, creds, ns, disablePayloadSigning);
  const signed: [Value, Value][] = [...headerMap, ['Authorization', auth], ...awsHeaders];
  const out: [Value, Value][] = objEntries(req).filter(([k]) => k !== 'headers');
  out.push(['headers', makeObject(signed)]);
  return makeObject(out);
}

export function register(r: BuiltinRegistry): void {
  r.def('providers.aws.sign_req', 3, 'providers.aws', signReq);
}
