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
import { fromUtf8 } from './encoding-go.ts';
import { goMarshal } from './encoding-json.ts';
import { escapedPath, type NetURL, parseURL, URLError } from './go-url.ts';
import { argObject, type BuiltinRegistry, builtinError, operandError } from './registry.ts';

const enc = new TextEncoder();

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
  url: NetURL,
  body: Uint8Array,
  service: string,
  creds: Credentials,
  ns: bigint,
  disablePayloadSigning: boolean,
): [string, Map<string, string>] {
  const contentSha256 = disablePayloadSigning ? 'UNSIGNED-PAYLOAD' : sha256Hex(body);
  const [dateNow, isoNow] = amzDates(ns);

  const awsHeaders = new Map<string, string>([
    ['host', fromUtf8(url.host)],
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
    escapedPath(url),
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
  let url: NetURL;
  try {
    url = parseURL(urlValue as string);
  } catch (e) {
    if (e instanceof URLError) builtinError(e.message);
    throw e;
  }
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
