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
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  type IPolicy,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import {
  CircuitOpenError,
  ConnectorError,
  type ConnectorErrorEnvelope,
  type ConnectorErrorInit,
  RetryableConnectorError,
} from '../errors.ts';
import { BodyTooLargeError, classifyStatus, networkCode, readBodyLimited } from '../http.ts';
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
  /** The shared secret (Script Property `ORCHESTRATOR_SECRET`). Never logged nor put in errors. */
  readonly secret: string;
  /** Per attempt: POST, redirect and body together. @defaultValue 10_000 */
  readonly timeoutMs?: number;
  readonly retry?: {
    /** Attempts per call, the first included (1 = no retry). @defaultValue 3 */
    readonly attempts?: number;
    /** Base of the exponential backoff; each delay is drawn in [0, baseMs·2ⁿ). @defaultValue 250 */
    readonly baseMs?: number;
    /** Cap on one delay. @defaultValue 5_000 */
    readonly maxDelayMs?: number;
  };
  readonly breaker?: {
    /** Consecutive transport failures (timeouts, network, 5xx, 429) that open it. @defaultValue 5 */
    readonly consecutiveFailures?: number;
    /** How long it stays open before one probe call is let through. @defaultValue 30_000 */
    readonly halfOpenAfterMs?: number;
  };
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

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BridgeHealth {
  /** `half-open` also when the open delay has passed and the next call will be the probe. */
  readonly state: BreakerState;
  readonly lastError?: ConnectorErrorEnvelope & { readonly at: string };
}

/** Failures that say the peer is unhealthy; only these count towards opening the breaker. */
const TRANSPORT_CODES: ReadonlySet<string> = new Set(['TIMEOUT', 'NETWORK', 'HTTP_5XX', 'RATE_LIMITED']);

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
  // A private field: util.inspect, JSON.stringify and loggers never see it.
  readonly #secret: string;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #halfOpenAfterMs: number;
  readonly #maxResponseBytes: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #policy: IPolicy;
  #openedAt: number | undefined;
  #lastError: (ConnectorErrorEnvelope & { at: string }) | undefined;

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
    if (typeof options.secret !== 'string' || options.secret.length === 0) {
      throw new TypeError('AppsScriptBridge: secret must be a non-empty string');
    }
    this.name = options.name ?? d.name;
    this.#secret = options.secret;
    this.#url = url.href;
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? d.timeoutMs);
    this.#maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes ?? d.maxResponseBytes);
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? globalThis.fetch;
    const attempts = positive('retry.attempts', options.retry?.attempts ?? d.retry.attempts);
    const baseMs = positive('retry.baseMs', options.retry?.baseMs ?? d.retry.baseMs);
    const maxDelayMs = positive('retry.maxDelayMs', options.retry?.maxDelayMs ?? d.retry.maxDelayMs);
    const failures = positive(
      'breaker.consecutiveFailures',
      options.breaker?.consecutiveFailures ?? d.breaker.consecutiveFailures,
    );
    this.#halfOpenAfterMs = positive(
      'breaker.halfOpenAfterMs',
      options.breaker?.halfOpenAfterMs ?? d.breaker.halfOpenAfterMs,
    );

    // Retry outermost: a breaker that opens mid-call stops the retries (BrokenCircuitError is
    // not retryable), and the timeout is per attempt so each retry gets a full budget.
    const retryPolicy = retry(
      handleWhen((err) => err instanceof RetryableConnectorError),
      {
        maxAttempts: Math.floor(attempts) - 1,
        backoff: new ExponentialBackoff({
          generator: fullJitterGenerator,
          initialDelay: baseMs,
          maxDelay: maxDelayMs,
        }),
      },
    );
    this.#breaker = circuitBreaker(
      handleWhen((err) => err instanceof RetryableConnectorError && TRANSPORT_CODES.has(err.code)),
      { halfOpenAfter: this.#halfOpenAfterMs, breaker: new ConsecutiveBreaker(Math.floor(failures)) },
    );
    this.#breaker.onBreak(() => {
      this.#openedAt = Date.now();
    });
    const timeoutPolicy = timeout(this.#timeoutMs, TimeoutStrategy.Cooperative);
    this.#policy = wrap(retryPolicy, this.#breaker, timeoutPolicy);
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
   * @throws RetryableConnectorError (TIMEOUT, NETWORK, HTTP_5XX, RATE_LIMITED, retryable
   *   REMOTE_ERROR) once retries are spent; CircuitOpenError when the breaker is open;
   *   ConnectorError (HTTP_4XX, BAD_RESPONSE, REMOTE_ERROR, CANCELLED, INVALID_REQUEST) otherwise.
   */
  async call(request: AppsScriptRequest, signal?: AbortSignal): Promise<Record<string, unknown>> {
    try {
      checkAppsScriptRequest(request);
    } catch (err) {
      const message = err instanceof Error ? err.message : 'invalid request';
      throw this.#remember(new ConnectorError(this.#init('INVALID_REQUEST', message)));
    }
    try {
      return await this.#policy.execute(
        ({ signal: attempt }) => this.#attempt(request, attempt, signal),
        signal,
      );
    } catch (err) {
      throw this.#remember(this.#normalise(err, signal));
    }
  }

  /**
   * The breaker's state and the last error seen, for `/readyz` details.
   *
   * @example
   * ```ts
   * const { state, lastError } = bridge.health();
   * ```
   */
  health(): BridgeHealth {
    const s = this.#breaker.state;
    let state: BreakerState =
      s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';
    if (
      s === CircuitState.Open &&
      this.#openedAt !== undefined &&
      Date.now() - this.#openedAt >= this.#halfOpenAfterMs
    ) {
      state = 'half-open';
    }
    return this.#lastError === undefined ? { state } : { state, lastError: this.#lastError };
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
    return this.#breaker.onStateChange((s) =>
      listener(s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open'),
    );
  }

  async #attempt(
    request: AppsScriptRequest,
    attemptSignal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>> {
    if (callerSignal?.aborted) throw this.#cancelled();
    const body = signAppsScriptRequest(request, this.#secret, { timestamp: Math.floor(this.#now() / 1000) });
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
    return this.#interpret(text, res.headers.get('content-type'));
  }

  #interpret(text: string, contentType: string | null): Record<string, unknown> {
    const answer = parseAppsScriptAnswer(text, contentType);
    if (answer.kind === 'result') return answer.result;
    if (answer.kind === 'malformed') throw new ConnectorError(this.#init('BAD_RESPONSE', answer.reason, 200));
    const detail = this.#redact(answer.message).slice(0, 300);
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

  #normalise(err: unknown, callerSignal: AbortSignal | undefined): unknown {
    if (err instanceof ConnectorError) return err;
    if (err instanceof BrokenCircuitError) {
      return new CircuitOpenError({
        connector: this.name,
        message: 'circuit breaker is open; Apps Script was not called',
      });
    }
    if (err instanceof TaskCancelledError || callerSignal?.aborted) return this.#cancelled();
    // Anything else is a bug of ours; let it surface unchanged.
    return err;
  }

  #remember(err: unknown): unknown {
    if (err instanceof ConnectorError) this.#lastError = { ...err.toJSON(), at: new Date().toISOString() };
    return err;
  }

  #cancelled(): ConnectorError {
    return new ConnectorError(this.#init('CANCELLED', 'the call was cancelled by its caller'));
  }

  #init(code: ConnectorErrorInit['code'], message: string, status?: number): ConnectorErrorInit {
    return { connector: this.name, code, message, status: status ?? null };
  }

  /** The script shares the secret; whatever it echoes back must not carry it onwards. */
  #redact(text: string): string {
    return text.split(this.#secret).join('[REDACTED]');
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`AppsScriptBridge: ${name} must be positive`);
  return value;
}
