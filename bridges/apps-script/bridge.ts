/**
 * The Apps Script bridge: signed JSON POSTs to a deployed `Code.gs` web app, behind a
 * timeout, a circuit breaker and retries (cockatiel).
 *
 * Apps Script web apps cannot read request headers, so the timestamp, nonce and HMAC signature
 * travel in the body (see `signAppsScriptRequest`). Apps Script answers a POST with a 302 to a
 * `script.googleusercontent.com` URL that serves the output; `fetch` follows it (turning the POST
 * into a GET, as the script expects) and one timeout covers the POST, the redirect and the body.
 *
 * Retrying is safe because every call carries `action_id`, which the script uses as an
 * idempotency key: an action that already ran returns its stored result. Each attempt is signed
 * afresh (new nonce and timestamp), so a retry is never mistaken for a replay.
 */
import type { CredentialsProvider } from '../credentials.ts';
import { ConnectorError, type ConnectorErrorInit, RetryableConnectorError } from '../errors.ts';
import { BodyTooLargeError, classifyStatus, networkCode, readBodyLimited } from '../http.ts';
import {
  type BreakerOptions,
  type BreakerState,
  type BulkheadOptions,
  type ConnectorHealth,
  ConnectorResilience,
  type RateLimitOptions,
  type ResilienceListener,
  type RetryOptions,
  withBridgeDefaults,
} from '../resilience/index.ts';
import {
  type AppsScriptRequest,
  checkAppsScriptRequest,
  parseAppsScriptAnswer,
  signAppsScriptRequest,
} from './protocol.ts';

export type { AppsScriptRequest, AppsScriptRequestBody } from './protocol.ts';
export { signAppsScriptRequest } from './protocol.ts';

export interface AppsScriptBridgeOptions {
  /** The web app URL, `https://script.google.com/macros/s/<deployment id>/exec`. */
  readonly url: string;
  /**
   * The shared secret (Script Property `ORCHESTRATOR_SECRET`). Never logged nor put in errors.
   * Give either this or `credentials`.
   */
  readonly secret?: string;
  /**
   * Where to read the secret on each call (so a rotated secret is picked up without a restart):
   * `provider.get(name)`. The daemon passes its credentials provider and `APPS_SCRIPT_SECRET`.
   */
  readonly credentials?: { readonly provider: CredentialsProvider; readonly name: string };
  /** Per attempt: POST, redirect and body together. @defaultValue 10_000 */
  readonly timeoutMs?: number;
  /** Retries of calls that may be repeated; see {@link RetryOptions}. */
  readonly retry?: RetryOptions;
  /**
   * Circuit breaker: consecutive transport failures (timeouts, network, 5xx, 429) open it by
   * default (5); `halfOpenAfterMs` (30_000) later one probe call is let through.
   */
  readonly breaker?: BreakerOptions;
  /** Shared rate limit across replicas (Redis). @defaultValue none */
  readonly rateLimit?: RateLimitOptions;
  /** Concurrent calls and waiting calls. @defaultValue { concurrency: 16, queue: 256 } */
  readonly bulkhead?: BulkheadOptions;
  /** Typed events for metrics. @defaultValue none */
  readonly onEvent?: ResilienceListener;
  /** Name in error envelopes. @defaultValue 'apps-script' */
  readonly name?: string;
  /** Largest response body read. @defaultValue 1_048_576 */
  readonly maxResponseBytes?: number;
  /** Clock in milliseconds for the signed timestamp (tests move it). @defaultValue Date.now */
  readonly now?: () => number;
  /** The fetch to use. @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Defaults of {@link AppsScriptBridgeOptions}. */
export const APPS_SCRIPT_BRIDGE_DEFAULTS = {
  timeoutMs: 10_000, // per attempt (POST + redirect + body); Apps Script cold starts take seconds
  retry: { attempts: 3, baseMs: 250, maxDelayMs: 5_000 }, // attempts include the first; delays in ms
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 }, // failures in a row; ms open
  name: 'apps-script',
  maxResponseBytes: 1_048_576, // bytes
} as const;

export type { BreakerState } from '../resilience/index.ts';

/** Breaker state, last error and counters (see {@link ConnectorHealth}). */
export type BridgeHealth = ConnectorHealth;

/** Failures that say the peer is unhealthy; only these count towards opening the breaker. */
const TRANSPORT_CODES = ['TIMEOUT', 'NETWORK', 'HTTP_5XX', 'RATE_LIMITED'] as const;

/**
 * A resilient client of one deployed `Code.gs`.
 *
 * @example
 * ```ts
 * const bridge = new AppsScriptBridge({ url: process.env.APPS_SCRIPT_URL!, secret: process.env.APPS_SCRIPT_SECRET!, timeoutMs: 10_000 });
 * const result = await bridge.call({ action_id: 'a-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } });
 * // → { status: 'success', integration_status: 'CONNECTED', last_checked: '2025-…' }
 * bridge.health(); // → { state: 'closed' }
 * ```
 */
export class AppsScriptBridge {
  readonly name: string;
  // Private fields: util.inspect, JSON.stringify and loggers never see them.
  readonly #secret: string | undefined;
  readonly #credentials: AppsScriptBridgeOptions['credentials'];
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #resilience: ConnectorResilience;

  constructor(options: AppsScriptBridgeOptions) {
    const d = APPS_SCRIPT_BRIDGE_DEFAULTS;
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError('AppsScriptBridge: url is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError('AppsScriptBridge: url must be http(s)');
    }
    if (options.credentials === undefined) {
      if (typeof options.secret !== 'string' || options.secret.length === 0) {
        throw new TypeError('AppsScriptBridge: secret must be a non-empty string');
      }
    } else if (options.secret !== undefined) {
      throw new TypeError('AppsScriptBridge: give secret or credentials, not both');
    }
    this.name = options.name ?? d.name;
    this.#secret = options.secret;
    this.#credentials = options.credentials;
    this.#url = url.href;
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? d.timeoutMs);
    this.#maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes ?? d.maxResponseBytes);
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? globalThis.fetch;
    // Every call carries action_id, which the script deduplicates on, so every call is retried.
    this.#resilience = new ConnectorResilience(this.name, {
      ...withBridgeDefaults(options, d),
      timeoutMs: this.#timeoutMs,
      breakerCodes: TRANSPORT_CODES,
    });
  }

  /**
   * Runs one command on the script and returns its `result`.
   *
   * @example
   * ```ts
   * const result = await bridge.call(
   *   { action_id: 'a-1', command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
   *   AbortSignal.timeout(60_000),
   * );
   * ```
   * @throws RetryableConnectorError (TIMEOUT, NETWORK, HTTP_5XX, RATE_LIMITED, BULKHEAD_FULL,
   *   retryable REMOTE_ERROR) once retries are spent; CircuitOpenError when the breaker is open;
   *   ConnectorError (HTTP_4XX, BAD_RESPONSE, REMOTE_ERROR, CANCELLED, INVALID_REQUEST,
   *   NOT_CONFIGURED when the credentials provider has no secret) otherwise.
   */
  async call(request: AppsScriptRequest, signal?: AbortSignal): Promise<Record<string, unknown>> {
    try {
      checkAppsScriptRequest(request);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'invalid request';
      throw this.#resilience.recordFailure(new ConnectorError(this.#init('INVALID_REQUEST', message)));
    }
    let secret: string;
    try {
      secret = await this.#readSecret();
    } catch (err) {
      throw err instanceof ConnectorError ? this.#resilience.recordFailure(err) : err;
    }
    return this.#resilience.execute(
      ({ signal: attempt }) => this.#attempt(request, secret, attempt, signal),
      {
        idempotencyKey: request.action_id,
        signal,
      },
    );
  }

  /**
   * The breaker's state, the last error seen and the counters, for `/readyz` details.
   *
   * @example
   * ```ts
   * const { state, lastError } = bridge.health();
   * ```
   */
  health(): BridgeHealth {
    return this.#resilience.health();
  }

  /**
   * Calls `listener` on every breaker transition (for metrics and alerts).
   *
   * @example
   * ```ts
   * const sub = bridge.onStateChange((state) => breakerGauge.set({ connector: bridge.name }, state === 'open' ? 1 : 0));
   * sub.dispose();
   * ```
   */
  onStateChange(listener: (state: BreakerState) => void): { dispose(): void } {
    return this.#resilience.onStateChange(listener);
  }

  async #readSecret(): Promise<string> {
    if (this.#credentials === undefined) return this.#secret as string;
    const { provider, name } = this.#credentials;
    const secret = await provider.get(name);
    if (typeof secret !== 'string' || secret.length === 0) {
      throw new ConnectorError(this.#init('NOT_CONFIGURED', `credential ${name} is empty`));
    }
    return secret;
  }

  async #attempt(
    request: AppsScriptRequest,
    secret: string,
    attemptSignal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>> {
    if (callerSignal?.aborted) throw this.#cancelled();
    const body = signAppsScriptRequest(request, secret, { timestamp: Math.floor(this.#now() / 1000) });
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'follow',
        signal: attemptSignal,
      });
      if (res.status < 200 || res.status > 299) {
        // The body of a failed exchange is not needed; cancelling frees the connection.
        await res.body?.cancel().catch(() => {});
        const { code, retryable } = classifyStatus(res.status);
        const init = this.#init(code, `Apps Script answered HTTP ${res.status}`, res.status);
        throw retryable ? new RetryableConnectorError(init) : new ConnectorError(init);
      }
      text = await readBodyLimited(res, this.#maxResponseBytes);
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      if (err instanceof BodyTooLargeError) {
        throw new ConnectorError(
          this.#init('BAD_RESPONSE', 'Apps Script response exceeds the size limit', 200),
        );
      }
      if (callerSignal?.aborted) throw this.#cancelled();
      if (attemptSignal.aborted) {
        throw new RetryableConnectorError(
          this.#init('TIMEOUT', `Apps Script did not answer within ${this.#timeoutMs} ms`),
        );
      }
      throw new RetryableConnectorError(
        this.#init('NETWORK', `could not reach Apps Script (${networkCode(err)})`),
        { cause: err },
      );
    }
    return this.#interpret(text, res.headers.get('content-type'), secret);
  }

  #interpret(text: string, contentType: string | null, secret: string): Record<string, unknown> {
    const answer = parseAppsScriptAnswer(text, contentType);
    if (answer.kind === 'result') return answer.result;
    if (answer.kind === 'malformed') throw new ConnectorError(this.#init('BAD_RESPONSE', answer.reason, 200));
    const detail = redact(answer.message, secret).slice(0, 300);
    const init: ConnectorErrorInit = {
      ...this.#init(
        'REMOTE_ERROR',
        `Apps Script refused the call: ${answer.code}${detail ? ` (${detail})` : ''}`,
        200,
      ),
      remoteCode: answer.code,
    };
    throw answer.retryable ? new RetryableConnectorError(init) : new ConnectorError(init);
  }

  #cancelled(): ConnectorError {
    return new ConnectorError(this.#init('CANCELLED', 'the call was cancelled by its caller'));
  }

  #init(code: ConnectorErrorInit['code'], message: string, status?: number): ConnectorErrorInit {
    return { connector: this.name, code, message, status: status ?? null };
  }
}

/** The script shares the secret; whatever it echoes back must not carry it onwards. */
function redact(text: string, secret: string): string {
  return text.split(secret).join('[REDACTED]');
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`AppsScriptBridge: ${name} must be positive`);
  return value;
}
