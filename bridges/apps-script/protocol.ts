/**
 * The wire protocol between the bridge and `Code.gs`, without any transport: the request body
 * and its signature, the checks a request must pass before it is sent, and how an answer body
 * is read. Code.gs implements the other side; the stand-in in tests runs that very script.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { canonicalJSON } from '../canonical.ts';

/** What one call asks the script to do. */
export interface AppsScriptRequest {
  /** Idempotency key: the script runs each action_id at most once. */
  readonly action_id: string;
  readonly command_type: string;
  readonly params: Record<string, unknown>;
}

/** The JSON body actually sent. */
export interface AppsScriptRequestBody extends AppsScriptRequest {
  /** Unix seconds; the script accepts ±300 s. */
  readonly timestamp: number;
  /** 128 random bits as 32 hex digits; the script rejects a nonce it has seen. */
  readonly nonce: string;
  /** hex(HMAC-SHA256(secret, timestamp.nonce.action_id.command_type.canonicalJSON(params))). */
  readonly signature: string;
}

/** An answer body, read. */
export type AppsScriptAnswer =
  | { readonly kind: 'result'; readonly result: Record<string, unknown> }
  | { readonly kind: 'error'; readonly code: string; readonly message: string; readonly retryable: boolean }
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Builds the signed body of one request. Each call draws a new nonce, so every attempt of a
 * retried call is a distinct request to the script, never a replay.
 *
 * @example
 * ```ts
 * const body = signAppsScriptRequest(
 *   { action_id: 'a-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } },
 *   process.env.APPS_SCRIPT_SECRET!,
 * );
 * await fetch(url, { method: 'POST', body: JSON.stringify(body) });
 * ```
 * @throws TypeError when params hold values JSON cannot carry unchanged.
 */
export function signAppsScriptRequest(
  request: AppsScriptRequest,
  secret: string,
  opts: { readonly timestamp?: number; readonly nonce?: string } = {},
): AppsScriptRequestBody {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const signed = [
    timestamp,
    nonce,
    request.action_id,
    request.command_type,
    canonicalJSON(request.params),
  ].join('.');
  const signature = createHmac('sha256', secret).update(signed, 'utf8').digest('hex');
  return {
    action_id: request.action_id,
    command_type: request.command_type,
    params: request.params,
    timestamp,
    nonce,
    signature,
  };
}

/**
 * Refuses, before any traffic, a request the script would refuse anyway (its limits are the
 * same) or that cannot be signed.
 *
 * @example
 * ```ts
 * checkAppsScriptRequest({ action_id: '', command_type: 'X', params: {} }); // throws TypeError
 * ```
 * @throws TypeError naming what is wrong (never a value).
 */
export function checkAppsScriptRequest(request: AppsScriptRequest): void {
  const id: unknown = request.action_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 512) {
    throw new TypeError('action_id must be a non-empty string of at most 512 characters');
  }
  if (typeof request.command_type !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(request.command_type)) {
    throw new TypeError('command_type must be an upper-case identifier');
  }
  if (!isPlainObject(request.params)) throw new TypeError('params must be an object');
  canonicalJSON(request.params);
}

/**
 * Reads the body of a 2xx answer. Error codes are kept only when they look like codes, so a
 * misbehaving peer cannot smuggle arbitrary text into the `remoteCode` field.
 *
 * @example
 * ```ts
 * parseAppsScriptAnswer('{"ok":true,"result":{"status":"success"}}', 'application/json');
 * // → { kind: 'result', result: { status: 'success' } }
 * ```
 */
export function parseAppsScriptAnswer(text: string, contentType: string | null): AppsScriptAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Apps Script answers script crashes and Google sign-in pages with HTML and a 200.
    const kind = contentType?.split(';')[0]?.trim() || 'no content type';
    return { kind: 'malformed', reason: `Apps Script answered something that is not JSON (${kind})` };
  }
  if (!isPlainObject(parsed) || typeof parsed.ok !== 'boolean') {
    return { kind: 'malformed', reason: 'Apps Script answer has no boolean "ok"' };
  }
  if (parsed.ok) {
    return isPlainObject(parsed.result)
      ? { kind: 'result', result: parsed.result }
      : { kind: 'malformed', reason: 'Apps Script answer has no "result" object' };
  }
  const error = isPlainObject(parsed.error) ? parsed.error : {};
  return {
    kind: 'error',
    code: typeof error.code === 'string' && /^[A-Z0-9_]{1,64}$/.test(error.code) ? error.code : 'UNKNOWN',
    message: typeof error.message === 'string' ? error.message : '',
    retryable: error.retryable === true,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
