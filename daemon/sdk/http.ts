/**
 * The SDK over HTTP: submit a command with the agent's bearer token, read what became of it.
 * Every failure is an {@link SdkError}; the token never appears in one.
 *
 * @example
 * ```ts
 * const client = { baseUrl: 'http://127.0.0.1:8080', token: process.env.ORCHESTRATOR_TOKEN! };
 * const { action_id } = await submitCommand(client, command, { retries: 3 });
 * const action = await waitForAction(client, action_id);
 * ```
 */
import type { ActionListView, ActionView, SubmitView } from '../api/views.ts';
import { type ActionStatus, TERMINAL_STATUSES } from '../core/types.ts';
import { SdkErrors } from '../errors/api.ts';
import { isRecord, localError, SDK_DEFAULTS, SdkError } from './common.ts';

/** Where the daemon is and who the agent is. */
export interface Client {
  /** The daemon's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** The agent's bearer token. Never logged, never put in an error. */
  readonly token: string;
  /**
   * The fetch implementation.
   * @defaultValue globalThis.fetch
   */
  readonly fetch?: typeof fetch;
}

export interface RequestOptions {
  /**
   * Give up on one HTTP request after this long.
   * @defaultValue 10000 (ms)
   */
  readonly timeoutMs?: number;
  /** Cancels the call; the abort reason is rethrown as is. */
  readonly signal?: AbortSignal;
}

export interface SubmitOptions extends RequestOptions {
  /**
   * Retries after a retryable failure (network, timeout, 429, 5xx). Safe because the daemon
   * deduplicates on action_id; a retry that finds the first attempt recorded answers 200.
   * @defaultValue 0
   */
  readonly retries?: number;
}

export interface WaitOptions extends RequestOptions {
  /**
   * Statuses that end the wait.
   * @defaultValue the terminal statuses: BLOCKED, REJECTED, NEEDS_APPROVAL, SUCCESS, FAILED, EXPIRED
   */
  readonly terminal?: Iterable<ActionStatus>;
  /**
   * Overall time to wait (`timeoutMs` is per request).
   * @defaultValue 60000 (ms)
   */
  readonly waitTimeoutMs?: number;
  /**
   * Pause between polls.
   * @defaultValue 500 (ms)
   */
  readonly intervalMs?: number;
}

/** What {@link submitCommand} resolves to. */
export interface SubmitResult extends SubmitView {
  /** 202 when the command was new, 200 when this action_id was already submitted. */
  readonly httpStatus: 200 | 202;
}

/** Origin and path only: a base URL with `user:pass@` must not leak into messages. */
function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function endpoint(client: Client, path: string): URL {
  return new URL(`${client.baseUrl.replace(/\/+$/, '')}${path}`);
}

function retryAfter(res: Response): number | undefined {
  const h = res.headers.get('retry-after');
  if (h === null) return undefined;
  const s = Number(h);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/**
 * One authenticated JSON request to the daemon: the timeout, network failures and answers that
 * are not the documented JSON become {@link SdkError}s with the SDK's codes, and an error
 * envelope becomes an SdkError with the daemon's code. `path` starts with `/`.
 *
 * @example
 * ```ts
 * const { status, json } = await request(client, 'GET', '/v1/actions/a-1', undefined, {});
 * ```
 */
export async function request(
  client: Client,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  opts: RequestOptions,
): Promise<{ status: number; json: unknown }> {
  const url = endpoint(client, path);
  const timeoutMs = opts.timeoutMs ?? SDK_DEFAULTS.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const doFetch = client.fetch ?? fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(url, {
      method,
      headers: {
        authorization: `Bearer ${client.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
    });
    text = await res.text();
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (timeout.aborted)
      throw localError(SdkErrors.TIMEOUT, { url: displayUrl(url), timeoutMs }, { cause: err });
    const cause = (err as { cause?: { code?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? cause.code : (err as Error).message;
    throw localError(SdkErrors.NETWORK, { url: displayUrl(url), reason }, { cause: err });
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw localError(
      SdkErrors.BAD_RESPONSE,
      { url: displayUrl(url), httpStatus: res.status },
      { httpStatus: res.status },
    );
  }
  if (res.ok) return { status: res.status, json };
  const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
    throw localError(
      SdkErrors.BAD_RESPONSE,
      { url: displayUrl(url), httpStatus: res.status },
      { httpStatus: res.status },
    );
  }
  const after = retryAfter(res);
  throw new SdkError(error.code, error.message, {
    httpStatus: res.status,
    ...(isRecord(error.details) ? { details: error.details } : {}),
    // The daemon deduplicates on action_id, so a repeat after 429 or any 5xx cannot execute twice.
    retryable: res.status === 429 || res.status >= 500,
    ...(after === undefined ? {} : { retryAfterMs: after }),
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Submits a command over HTTP (`POST /v1/commands`). Resolves with the action's id and status:
 * `httpStatus` 202 when it is new, 200 when the same action_id was already submitted (it will
 * not run twice). Rejects with an {@link SdkError}: `ORC_ERR_CONTRACT_INVALID` (400, fields in
 * `details.issues`), `ORC_ERR_INTAKE_CONFLICT` (409, same action_id, other payload),
 * `ORC_ERR_API_RATE_LIMITED` (429, `retryAfterMs`), `ORC_ERR_INTAKE_UNAVAILABLE` (503), …
 *
 * @example
 * ```ts
 * const r = await submitCommand(
 *   { baseUrl: 'http://127.0.0.1:8080', token: process.env.ORCHESTRATOR_TOKEN! },
 *   { action_id: 'refresh-42', command_type: 'REFRESH_TOKEN', params: { service: 'shopify' }, severity: 'MEDIUM' },
 *   { timeoutMs: 5_000, retries: 3 },
 * );
 * // → { action_id: 'refresh-42', status: 'QUEUED', httpStatus: 202 }
 * ```
 */
export async function submitCommand(
  client: Client,
  command: unknown,
  opts: SubmitOptions = {},
): Promise<SubmitResult> {
  const retries = opts.retries ?? SDK_DEFAULTS.retries;
  for (let attempt = 0; ; attempt++) {
    try {
      const { status, json } = await request(client, 'POST', '/v1/commands', command, opts);
      if ((status !== 200 && status !== 202) || !isRecord(json) || typeof json.action_id !== 'string') {
        throw localError(
          SdkErrors.BAD_RESPONSE,
          { url: '/v1/commands', httpStatus: status },
          { httpStatus: status },
        );
      }
      return { action_id: json.action_id, status: json.status as ActionStatus, httpStatus: status };
    } catch (err) {
      if (!(err instanceof SdkError) || !err.retryable || attempt >= retries) throw err;
      const backoff = Math.min(SDK_DEFAULTS.maxBackoffMs, 250 * 2 ** attempt);
      await sleep(err.retryAfterMs ?? backoff, opts.signal);
    }
  }
}

/**
 * Reads one action (`GET /v1/actions/:action_id`): status, the latest policy decision (risk,
 * reasons, revision), result or error, and every event. Agents see only their own actions;
 * another agent's id answers `ORC_ERR_API_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const a = await getAction(client, 'refresh-42');
 * if (a.status === 'BLOCKED') console.log(a.decision?.reasons);
 * ```
 */
export async function getAction(
  client: Client,
  actionId: string,
  opts: RequestOptions = {},
): Promise<ActionView> {
  const { json } = await request(
    client,
    'GET',
    `/v1/actions/${encodeURIComponent(actionId)}`,
    undefined,
    opts,
  );
  if (!isRecord(json) || typeof json.status !== 'string') {
    throw localError(SdkErrors.BAD_RESPONSE, { url: '/v1/actions/…', httpStatus: 200 }, { httpStatus: 200 });
  }
  return json as unknown as ActionView;
}

/**
 * Lists recent actions (`GET /v1/actions`): an agent's own; staff tokens see every agent's and
 * may filter with `agentId`.
 *
 * @example
 * ```ts
 * const { actions } = await listActions(client, { status: 'NEEDS_APPROVAL', limit: 20 });
 * ```
 */
export async function listActions(
  client: Client,
  query: { readonly status?: ActionStatus; readonly limit?: number; readonly agentId?: string } = {},
  opts: RequestOptions = {},
): Promise<ActionListView> {
  const qs = new URLSearchParams();
  if (query.status !== undefined) qs.set('status', query.status);
  if (query.limit !== undefined) qs.set('limit', String(query.limit));
  if (query.agentId !== undefined) qs.set('agent_id', query.agentId);
  const q = qs.toString();
  const { json } = await request(client, 'GET', `/v1/actions${q ? `?${q}` : ''}`, undefined, opts);
  if (!isRecord(json) || !Array.isArray(json.actions)) {
    throw localError(SdkErrors.BAD_RESPONSE, { url: '/v1/actions', httpStatus: 200 }, { httpStatus: 200 });
  }
  return json as unknown as ActionListView;
}

/**
 * Polls an action until it reaches one of `terminal` (by default any terminal status) and
 * returns it. Transient failures while polling (network, 429, 503) are retried until the
 * deadline; the deadline itself is `ORC_ERR_SDK_WAIT_TIMEOUT` (the action keeps running).
 *
 * @example
 * ```ts
 * const a = await waitForAction(client, 'refresh-42', { waitTimeoutMs: 120_000, intervalMs: 1_000 });
 * // a.status: 'SUCCESS' | 'NEEDS_APPROVAL' | 'BLOCKED' | 'REJECTED' | 'FAILED'
 * const executing = await waitForAction(client, 'refresh-42', { terminal: ['EXECUTING', ...TERMINAL_STATUSES] });
 * ```
 */
export async function waitForAction(
  client: Client,
  actionId: string,
  opts: WaitOptions = {},
): Promise<ActionView> {
  const terminal = new Set<ActionStatus>(opts.terminal ?? TERMINAL_STATUSES);
  const waitTimeoutMs = opts.waitTimeoutMs ?? SDK_DEFAULTS.waitTimeoutMs;
  const intervalMs = opts.intervalMs ?? SDK_DEFAULTS.intervalMs;
  const deadline = Date.now() + waitTimeoutMs;
  let last: string = 'unknown';
  for (;;) {
    try {
      const a = await getAction(client, actionId, opts);
      if (terminal.has(a.status)) return a;
      last = a.status;
    } catch (err) {
      if (!(err instanceof SdkError) || !err.retryable) throw err;
      last = err.code;
    }
    const left = deadline - Date.now();
    if (left <= 0)
      throw localError(SdkErrors.WAIT_TIMEOUT, { actionId, timeoutMs: waitTimeoutMs, status: last });
    await sleep(Math.min(intervalMs, left), opts.signal);
  }
}
