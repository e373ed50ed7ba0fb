/**
 * The refund webhook: how the daemon asks the payment side to refund a payment whose checkout
 * could not be completed. One signed JSON POST to `PAYMENT_REFUND_WEBHOOK_URL`.
 *
 * Wire format (also in docs/checkout.md):
 * - body: `{"event":"refund.requested","idempotency_key":…,"payment_reference":…,"amount":"48.20",
 *   "currency":"USD","draft_order_id":…,"session_id":…|null,"reason":{"code":…,"message":…},
 *   "requested_at":"<RFC 3339>"}`
 * - `X-Orchestrator-Timestamp`: Unix seconds;
 *   `X-Orchestrator-Signature`: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`;
 *   `Idempotency-Key`: the body's `idempotency_key` (`refund-` + sha256 of the payment reference).
 * - any 2xx means accepted. 408, 429 and 5xx are retried when the receiver honours the key
 *   (`honoursIdempotencyKey`, the default): a repeat is then answered without refunding twice.
 *   A receiver that does not honour it gets exactly one attempt — a timed-out POST may have been
 *   acted on, and a second refund is worse than a failed request (the daemon then alerts for a
 *   refund by hand). Other statuses are final.
 *
 * Calls run on the shared resilience layer (`bridges/resilience/`) as connector
 * `payment-webhook`: bulkhead, retry (as above), circuit breaker, optional shared rate limit,
 * per-attempt timeout, health and metrics.
 *
 * The daemon calls this once per payment reference (a ledger row with a unique key guards it);
 * the idempotency key is the receiver's second line of defence, not the first.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError, type ConnectorErrorInit, RetryableConnectorError } from '../errors.ts';
import { classifyStatus, networkCode } from '../http.ts';
import {
  type BreakerOptions,
  type BreakerState,
  type BulkheadOptions,
  type ConnectorHealth,
  ConnectorResilience,
  type RateLimitOptions,
  type ResilienceListener,
} from '../resilience/index.ts';

/** What is refunded and why. Amounts are decimal strings, exactly as Shopify wrote them. */
export interface RefundRequest {
  readonly paymentReference: string;
  readonly amount: string;
  readonly currency: string;
  readonly draftOrderId: string;
  readonly sessionId: string | null;
  readonly reason: { readonly code: string; readonly message: string };
}

export interface RefundWebhookOptions {
  /** `PAYMENT_REFUND_WEBHOOK_URL`. */
  readonly url: string;
  /** `PAYMENT_REFUND_WEBHOOK_SECRET`: HMAC key. Never logged nor put in errors. */
  readonly secret: string;
  /** Per attempt. @defaultValue 10_000 */
  readonly timeoutMs?: number;
  /** Attempts, the first included. @defaultValue 3 */
  readonly attempts?: number;
  /** Base of the backoff between attempts. @defaultValue 250 */
  readonly baseMs?: number;
  /** Cap on one backoff delay. @defaultValue 5_000 */
  readonly maxDelayMs?: number;
  /**
   * The receiver deduplicates on `Idempotency-Key`, so a retry cannot refund twice. False: one
   * attempt per request, whatever the failure. @defaultValue true
   */
  readonly honoursIdempotencyKey?: boolean;
  /** Circuit breaker (transport failures in a row). @defaultValue { consecutiveFailures: 5, halfOpenAfterMs: 30_000 } */
  readonly breaker?: BreakerOptions;
  /** Shared rate limit across replicas (Redis). @defaultValue none */
  readonly rateLimit?: RateLimitOptions;
  /** Concurrent and waiting calls per replica. @defaultValue { concurrency: 16, queue: 256 } */
  readonly bulkhead?: BulkheadOptions;
  /** Typed events for metrics. @defaultValue none */
  readonly onEvent?: ResilienceListener;
  /** Name in error envelopes, health and metrics. @defaultValue 'payment-webhook' */
  readonly name?: string;
  /** @defaultValue Date.now */
  readonly now?: () => number;
  /** @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export const REFUND_WEBHOOK_DEFAULTS = {
  timeoutMs: 10_000, // per attempt
  attempts: 3, // the first included
  baseMs: 250, // backoff base, ms
  maxDelayMs: 5_000, // backoff cap, ms
  honoursIdempotencyKey: true,
  name: 'payment-webhook',
} as const;

/**
 * The idempotency key of a refund: one per payment reference, safe in a header.
 *
 * @example
 * ```ts
 * refundIdempotencyKey('pay_123'); // → 'refund-6f…' (64 hex digits)
 * ```
 */
export function refundIdempotencyKey(paymentReference: string): string {
  return `refund-${createHash('sha256').update(paymentReference, 'utf8').digest('hex')}`;
}

/**
 * The signature header value for `body` sent at `timestamp` (Unix seconds).
 *
 * @example
 * ```ts
 * signRefundBody('{"event":"refund.requested"}', secret, 1_790_000_000); // → 'sha256=…'
 * ```
 */
export function signRefundBody(body: string, secret: string, timestamp: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * Checks a received signature in constant time (for receivers and the test stand-in).
 *
 * @example
 * ```ts
 * verifyRefundSignature(rawBody, secret, req.headers['x-orchestrator-timestamp'], req.headers['x-orchestrator-signature']);
 * ```
 */
export function verifyRefundSignature(
  body: string,
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const expected = Buffer.from(signRefundBody(body, secret, Number(timestamp)));
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/**
 * A client of the payment side's refund webhook.
 *
 * @example
 * ```ts
 * const refunds = new RefundWebhook({ url: process.env.PAYMENT_REFUND_WEBHOOK_URL!, secret: process.env.PAYMENT_REFUND_WEBHOOK_SECRET! });
 * await refunds.request({ paymentReference: 'pay_123', amount: '48.20', currency: 'USD',
 *   draftOrderId: 'gid://shopify/DraftOrder/1', sessionId: null, reason: { code: 'OUT_OF_STOCK', message: '…' } });
 * ```
 */
export class RefundWebhook {
  readonly name: string;
  readonly #url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #honoursKey: boolean;
  readonly #resilience: ConnectorResilience;

  constructor(options: RefundWebhookOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError('RefundWebhook: url is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new TypeError('RefundWebhook: url must be http(s)');
    if (typeof options.secret !== 'string' || options.secret.length < 16) {
      throw new TypeError('RefundWebhook: secret must be at least 16 characters');
    }
    this.#url = url.href;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? REFUND_WEBHOOK_DEFAULTS.timeoutMs;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? globalThis.fetch;
    const d = REFUND_WEBHOOK_DEFAULTS;
    this.name = options.name ?? d.name;
    this.#honoursKey = options.honoursIdempotencyKey ?? d.honoursIdempotencyKey;
    this.#resilience = new ConnectorResilience(this.name, {
      timeoutMs: this.#timeoutMs,
      retry: {
        attempts: Math.max(1, Math.floor(options.attempts ?? d.attempts)),
        baseMs: options.baseMs ?? d.baseMs,
        maxDelayMs: options.maxDelayMs ?? d.maxDelayMs,
      },
      ...(options.breaker ? { breaker: options.breaker } : {}),
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.bulkhead ? { bulkhead: options.bulkhead } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  /**
   * Breaker state, last error and counters, for `/readyz` details.
   *
   * @example
   * ```ts
   * refunds.health(); // → { state: 'closed', counters: { calls: 1, … } }
   * ```
   */
  health(): ConnectorHealth {
    return this.#resilience.health();
  }

  /**
   * Calls `listener` on every breaker transition.
   *
   * @example
   * ```ts
   * refunds.onStateChange((state) => log.warn({ state }, 'payment-webhook breaker')).dispose();
   * ```
   */
  onStateChange(listener: (state: BreakerState) => void): { dispose(): void } {
    return this.#resilience.onStateChange(listener);
  }

  /**
   * Sends the refund request; resolves when the receiver accepted it (2xx).
   *
   * @example
   * ```ts
   * const { idempotencyKey } = await refunds.request(refund, ctx.signal);
   * ```
   * @throws RetryableConnectorError (TIMEOUT, NETWORK, HTTP_5XX, RATE_LIMITED, BULKHEAD_FULL) once
   *   attempts are spent; CircuitOpenError when the breaker is open; ConnectorError (HTTP_4XX,
   *   CANCELLED) otherwise.
   */
  async request(
    refund: RefundRequest,
    signal?: AbortSignal,
  ): Promise<{ readonly status: number; readonly idempotencyKey: string }> {
    const idempotencyKey = refundIdempotencyKey(refund.paymentReference);
    return this.#resilience.execute(
      async ({ signal: attempt }) => {
        const body = JSON.stringify({
          event: 'refund.requested',
          idempotency_key: idempotencyKey,
          payment_reference: refund.paymentReference,
          amount: refund.amount,
          currency: refund.currency,
          draft_order_id: refund.draftOrderId,
          session_id: refund.sessionId,
          reason: refund.reason,
          requested_at: new Date(this.#now()).toISOString(),
        });
        const ts = Math.floor(this.#now() / 1000);
        let res: Response;
        try {
          res = await this.#fetch(this.#url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': idempotencyKey,
              'x-orchestrator-timestamp': String(ts),
              'x-orchestrator-signature': signRefundBody(body, this.#secret, ts),
            },
            body,
            redirect: 'error',
            signal: attempt,
          });
        } catch (err) {
          if (signal?.aborted)
            throw this.#error('CANCELLED', 'the refund request was cancelled by its caller');
          if (attempt.aborted) {
            throw new RetryableConnectorError(
              this.#init('TIMEOUT', `the refund webhook did not answer within ${this.#timeoutMs} ms`),
            );
          }
          throw new RetryableConnectorError(
            this.#init('NETWORK', `could not reach the refund webhook (${networkCode(err)})`),
          );
        }
        await res.body?.cancel().catch(() => {});
        if (res.status >= 200 && res.status <= 299) return { status: res.status, idempotencyKey };
        const { code, retryable } = classifyStatus(res.status);
        const init = this.#init(code, `the refund webhook answered HTTP ${res.status}`, res.status);
        throw retryable ? new RetryableConnectorError(init) : new ConnectorError(init);
      },
      // Retried only when the receiver deduplicates on the key; otherwise exactly one attempt.
      this.#honoursKey ? { idempotencyKey, signal } : { signal },
    );
  }

  #init(code: ConnectorErrorInit['code'], message: string, status?: number): ConnectorErrorInit {
    return { connector: this.name, code, message, status: status ?? null };
  }

  #error(code: ConnectorErrorInit['code'], message: string): ConnectorError {
    return new ConnectorError(this.#init(code, message));
  }
}
