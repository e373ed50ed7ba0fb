/**
 * The Shopify GraphQL Admin bridge: POST `https://{shop}/admin/api/{version}/graphql.json` with
 * `X-Shopify-Access-Token`, on the shared resilience layer (`bridges/resilience/`: bulkhead,
 * retries for idempotent operations only, circuit breaker, shared rate limit, per-attempt
 * timeout), and with Shopify's cost-based throttling respected.
 *
 * Throttling: every answer carries `extensions.cost`; the bridge keeps a local picture of the
 * bucket (`CostBudget`) and waits before a request whose last known `requestedQueryCost` would
 * not fit. When Shopify still answers `THROTTLED` the query did not run, so the bridge waits for
 * the points to be restored and sends it again — for mutations too, since nothing happened.
 * Shopify's cost throttle is Shopify's own per-shop budget; the layer's rate limit
 * (`CONNECTOR_RESILIENCE`) is ours, a cap on requests per period shared by every replica. Both
 * apply: the cost budget is checked before each send, the layer's limit inside it. A THROTTLED
 * answer is a successful exchange for the layer (the peer is healthy and said "later"), so it
 * never counts against the breaker.
 *
 * Retries on transport failures (timeout, network, 5xx) are only made for operations the caller
 * marks `idempotent` (queries, `draftOrderCalculate`): a timed-out `draftOrderComplete` may have
 * run, and running it twice would be worse than failing.
 *
 * The token is held in a private field and sent only in its header; redirects are refused (a
 * redirect could carry the header to another host), and any text echoed back from Shopify is
 * stripped of it before it reaches an error message.
 */
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
import { CostBudget } from './cost-budget.ts';
import {
  type GraphqlAnswer,
  graphqlEndpoint,
  isThrottled,
  parseAnswer,
  type QueryCost,
  SHOPIFY_API_VERSION,
} from './protocol.ts';

export { SHOPIFY_API_VERSION } from './protocol.ts';

export interface ShopifyAdminBridgeOptions {
  /** `SHOPIFY_SHOP_DOMAIN`, e.g. `demo.myshopify.com` (`127.0.0.1:port` for a local stand-in). */
  readonly shopDomain: string;
  /** `SHOPIFY_ADMIN_TOKEN`, the Admin API access token. Never logged nor put in errors. */
  readonly accessToken: string;
  /** @defaultValue {@link SHOPIFY_API_VERSION} */
  readonly apiVersion?: string;
  /** Per attempt: request and body together. @defaultValue 10_000 */
  readonly timeoutMs?: number;
  /** Retries of calls that may be repeated; see {@link RetryOptions}. */
  readonly retry?: RetryOptions;
  /**
   * Circuit breaker of the shop (one for queries and mutations: a failing shop fails both).
   * Consecutive transport failures (timeouts, network, 5xx) open it; `halfOpenAfterMs` later one
   * probe is let through. @defaultValue { consecutiveFailures: 5, halfOpenAfterMs: 30_000 }
   */
  readonly breaker?: BreakerOptions;
  /** Our request rate limit, shared across replicas through Redis. @defaultValue none */
  readonly rateLimit?: RateLimitOptions;
  /** Concurrent and waiting calls per replica. @defaultValue { concurrency: 16, queue: 256 } */
  readonly bulkhead?: BulkheadOptions;
  /** Typed events for metrics (requests, errors, latency, breaker state). @defaultValue none */
  readonly onEvent?: ResilienceListener;
  readonly throttle?: {
    /** THROTTLED answers tolerated per call before giving up (RATE_LIMITED). @defaultValue 5 */
    readonly maxRetries?: number;
    /** Longest single wait for points; a longer one fails fast as RATE_LIMITED. @defaultValue 30_000 */
    readonly maxWaitMs?: number;
    /** Cost assumed for a query never sent before (Shopify's mutation base cost is 10). @defaultValue 10 */
    readonly defaultCost?: number;
  };
  /** Name in error envelopes. @defaultValue 'shopify-admin' */
  readonly name?: string;
  /** Largest response body read. @defaultValue 2_097_152 */
  readonly maxResponseBytes?: number;
  /** @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Clock for the cost budget (tests move it). @defaultValue Date.now */
  readonly now?: () => number;
}

/** Defaults of {@link ShopifyAdminBridgeOptions}. */
export const SHOPIFY_ADMIN_BRIDGE_DEFAULTS = {
  timeoutMs: 10_000, // per attempt
  retry: { attempts: 3, baseMs: 250, maxDelayMs: 5_000 }, // idempotent calls only; ms
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 }, // failures in a row; ms open
  throttle: { maxRetries: 5, maxWaitMs: 30_000, defaultCost: 10 }, // answers; ms; cost points
  name: 'shopify-admin',
  maxResponseBytes: 2_097_152, // bytes
} as const;

/** One GraphQL operation. */
export interface ShopifyRequest {
  /** Operation name for errors and logs, e.g. `draftOrderCreate`. */
  readonly operation: string;
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** True only when sending it twice cannot do anything twice (queries, calculations). */
  readonly idempotent: boolean;
}

export interface ShopifyResult {
  readonly data: Record<string, unknown>;
  readonly cost: QueryCost | undefined;
}

export type { BreakerState } from '../resilience/index.ts';

/** The layer's health (breaker state, last error, counters) plus Shopify's cost budget. */
export interface ShopifyBridgeHealth extends ConnectorHealth {
  /** Points available by the last answer (restored since), when known. */
  readonly availablePoints?: number;
  /** Waits made for the budget or after THROTTLED since start. */
  readonly throttleWaits: number;
}

/** Failures that say the shop is unhealthy; only these count towards opening the breaker. */
const TRANSPORT_CODES = ['TIMEOUT', 'NETWORK', 'HTTP_5XX', 'RATE_LIMITED'] as const;

type Outcome =
  | { readonly kind: 'data'; readonly data: Record<string, unknown>; readonly cost: QueryCost | undefined }
  | { readonly kind: 'throttled'; readonly retryAfterMs: number };

/**
 * A resilient client of one shop's GraphQL Admin API.
 *
 * @example
 * ```ts
 * const shopify = new ShopifyAdminBridge({ shopDomain: 'demo.myshopify.com', accessToken: process.env.SHOPIFY_ADMIN_TOKEN! });
 * const { data } = await shopify.request({
 *   operation: 'draftOrder',
 *   query: 'query($id: ID!) { draftOrder(id: $id) { id status } }',
 *   variables: { id: 'gid://shopify/DraftOrder/1' },
 *   idempotent: true,
 * });
 * ```
 */
export class ShopifyAdminBridge {
  readonly name: string;
  readonly apiVersion: string;
  readonly #token: string;
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxThrottleRetries: number;
  readonly #maxWaitMs: number;
  readonly #defaultCost: number;
  readonly #fetch: typeof fetch;
  readonly #budget: CostBudget;
  readonly #costs = new Map<string, number>();
  readonly #resilience: ConnectorResilience;
  #throttleWaits = 0;

  constructor(options: ShopifyAdminBridgeOptions) {
    const d = SHOPIFY_ADMIN_BRIDGE_DEFAULTS;
    if (typeof options.accessToken !== 'string' || options.accessToken.trim().length < 8) {
      throw new TypeError('ShopifyAdminBridge: accessToken must be a non-empty token');
    }
    this.name = options.name ?? d.name;
    this.apiVersion = options.apiVersion ?? SHOPIFY_API_VERSION;
    this.#endpoint = graphqlEndpoint(options.shopDomain, this.apiVersion);
    this.#token = options.accessToken;
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? d.timeoutMs);
    this.#maxResponseBytes = positive('maxResponseBytes', options.maxResponseBytes ?? d.maxResponseBytes);
    this.#maxThrottleRetries = Math.floor(options.throttle?.maxRetries ?? d.throttle.maxRetries);
    if (!(this.#maxThrottleRetries >= 0))
      throw new TypeError('ShopifyAdminBridge: throttle.maxRetries must be 0 or more');
    this.#maxWaitMs = positive('throttle.maxWaitMs', options.throttle?.maxWaitMs ?? d.throttle.maxWaitMs);
    this.#defaultCost = positive(
      'throttle.defaultCost',
      options.throttle?.defaultCost ?? d.throttle.defaultCost,
    );
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#budget = new CostBudget(options.now);
    // One layer for queries and mutations: a failing shop is failing for both. Whether a call
    // may be retried is decided per request (`idempotent`), never here.
    this.#resilience = new ConnectorResilience(this.name, {
      ...withBridgeDefaults(options, d),
      timeoutMs: this.#timeoutMs,
      breakerCodes: TRANSPORT_CODES,
    });
  }

  /**
   * Sends one operation and returns its `data` (and cost). `userErrors` inside `data` are the
   * caller's to read: they are answers, not transport failures, and are never retried.
   *
   * @example
   * ```ts
   * const { data } = await shopify.request({ operation: 'draftOrderComplete', query, variables: { id }, idempotent: false }, signal);
   * ```
   * @throws RetryableConnectorError (TIMEOUT, NETWORK, HTTP_5XX, RATE_LIMITED) once retries or
   *   throttle waits are spent; CircuitOpenError when the breaker is open; ConnectorError
   *   (HTTP_4XX e.g. a refused token, BAD_RESPONSE, REMOTE_ERROR for GraphQL errors, CANCELLED).
   */
  async request(req: ShopifyRequest, signal?: AbortSignal): Promise<ShopifyResult> {
    if (typeof req.query !== 'string' || req.query.trim() === '' || typeof req.operation !== 'string') {
      throw this.#resilience.recordFailure(
        new ConnectorError(this.#init('INVALID_REQUEST', 'a GraphQL operation needs a query and a name')),
      );
    }
    // Failures raised here, outside the layer (budget waits, THROTTLED given up, a cancelled
    // wait), are recorded on it so health and metrics see them; the layer records its own.
    for (let throttled = 0; ; throttled++) {
      const estimate = this.#costs.get(req.query) ?? this.#defaultCost;
      const wait = this.#budget.waitMs(estimate);
      if (wait > this.#maxWaitMs) {
        throw this.#resilience.recordFailure(
          new RetryableConnectorError({
            ...this.#init(
              'RATE_LIMITED',
              `Shopify's cost budget needs ${wait} ms to hold ${req.operation}; not waiting that long`,
            ),
            remoteCode: 'THROTTLED',
          }),
        );
      }
      if (wait > 0) await this.#pause(wait, signal);
      this.#budget.reserve(estimate);
      const outcome = await this.#resilience.execute(
        ({ signal: attempt }) => this.#attempt(req, attempt, signal),
        { idempotent: req.idempotent, signal },
      );
      if (outcome.kind === 'data') return { data: outcome.data, cost: outcome.cost };
      if (throttled >= this.#maxThrottleRetries) {
        throw this.#resilience.recordFailure(
          new RetryableConnectorError({
            ...this.#init(
              'RATE_LIMITED',
              `Shopify throttled ${req.operation} ${throttled + 1} times; giving up for now`,
              200,
            ),
            remoteCode: 'THROTTLED',
          }),
        );
      }
      // The next turn waits for the budget computed from the answer's throttleStatus; a
      // Retry-After (429) is honoured on top, since the bucket picture may be missing.
      if (outcome.retryAfterMs > 0)
        await this.#pause(Math.min(outcome.retryAfterMs, this.#maxWaitMs), signal);
    }
  }

  /**
   * The layer's breaker state, last error and counters, and the cost budget, for `/readyz`
   * details.
   *
   * @example
   * ```ts
   * shopify.health(); // → { state: 'closed', counters: { calls: 3, … }, throttleWaits: 0, availablePoints: 1990 }
   * ```
   */
  health(): ShopifyBridgeHealth {
    const available = this.#budget.available();
    return {
      ...this.#resilience.health(),
      throttleWaits: this.#throttleWaits,
      ...(available === undefined ? {} : { availablePoints: Math.floor(available) }),
    };
  }

  /**
   * Calls `listener` on every breaker transition.
   *
   * @example
   * ```ts
   * const sub = shopify.onStateChange((state) => log.warn({ state }, 'shopify-admin breaker'));
   * sub.dispose();
   * ```
   */
  onStateChange(listener: (state: BreakerState) => void): { dispose(): void } {
    return this.#resilience.onStateChange(listener);
  }

  async #attempt(
    req: ShopifyRequest,
    attemptSignal: AbortSignal,
    callerSignal: AbortSignal | undefined,
  ): Promise<Outcome> {
    if (callerSignal?.aborted) throw this.#cancelled();
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-shopify-access-token': this.#token,
        },
        body: JSON.stringify({ query: req.query, variables: req.variables ?? {} }),
        redirect: 'error',
        signal: attemptSignal,
      });
      if (res.status !== 200 && res.status !== 429) {
        await res.body?.cancel().catch(() => {});
        const { code, retryable } = classifyStatus(res.status);
        const why =
          res.status === 401 || res.status === 403
            ? 'refused the access token or its scopes'
            : res.status === 404
              ? 'has no such shop or API version'
              : 'failed the request';
        const init = this.#init(code, `Shopify ${why} (HTTP ${res.status}) for ${req.operation}`, res.status);
        throw retryable ? new RetryableConnectorError(init) : new ConnectorError(init);
      }
      text = await readBodyLimited(res, this.#maxResponseBytes);
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      if (err instanceof BodyTooLargeError) {
        throw new ConnectorError(this.#init('BAD_RESPONSE', 'Shopify response exceeds the size limit', 200));
      }
      if (callerSignal?.aborted) throw this.#cancelled();
      if (attemptSignal.aborted) {
        throw new RetryableConnectorError(
          this.#init('TIMEOUT', `Shopify did not answer ${req.operation} within ${this.#timeoutMs} ms`),
        );
      }
      throw new RetryableConnectorError(
        this.#init('NETWORK', `could not reach Shopify (${networkCode(err)})`),
        { cause: err },
      );
    }
    const answer = parseAnswer(text);
    if (typeof answer === 'string') {
      if (res.status === 429) return { kind: 'throttled', retryAfterMs: retryAfterMs(res) };
      throw new ConnectorError(this.#init('BAD_RESPONSE', answer, res.status));
    }
    if (answer.cost) {
      this.#budget.observe(answer.cost);
      this.#costs.set(req.query, answer.cost.requestedQueryCost);
    }
    if (res.status === 429 || isThrottled(answer)) {
      return { kind: 'throttled', retryAfterMs: res.status === 429 ? retryAfterMs(res) : 0 };
    }
    return this.#interpret(req, answer);
  }

  #interpret(req: ShopifyRequest, answer: GraphqlAnswer): Outcome {
    const first = answer.errors[0];
    if (first) {
      const detail = this.#redact(first.message).slice(0, 300);
      const init: ConnectorErrorInit = {
        ...this.#init('REMOTE_ERROR', `Shopify refused ${req.operation}: ${detail}`, 200),
        remoteCode: first.code ?? 'GRAPHQL_ERROR',
      };
      // Shopify's own failures are transient; everything else (access, syntax, cost) is not.
      const transient = answer.errors.every(
        (e) => e.code === 'INTERNAL_SERVER_ERROR' || e.code === 'SERVICE_UNAVAILABLE',
      );
      throw transient ? new RetryableConnectorError(init) : new ConnectorError(init);
    }
    if (answer.data === null)
      throw new ConnectorError(this.#init('BAD_RESPONSE', 'Shopify answered without data', 200));
    return { kind: 'data', data: answer.data, cost: answer.cost };
  }

  async #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    this.#throttleWaits++;
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(this.#resilience.recordFailure(this.#cancelled()));
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(this.#resilience.recordFailure(this.#cancelled()));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #cancelled(): ConnectorError {
    return new ConnectorError(this.#init('CANCELLED', 'the call was cancelled by its caller'));
  }

  #init(code: ConnectorErrorInit['code'], message: string, status?: number): ConnectorErrorInit {
    return { connector: this.name, code, message, status: status ?? null };
  }

  #redact(text: string): string {
    return text.split(this.#token).join('[REDACTED]');
  }
}

/** `Retry-After` in milliseconds (seconds or an HTTP date); 1 s when absent or unreadable. */
function retryAfterMs(res: Response): number {
  const h = res.headers.get('retry-after');
  if (h === null) return 1_000;
  const seconds = Number(h);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 1_000;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`ShopifyAdminBridge: ${name} must be positive`);
  return value;
}
