/**
 * The Shopify GraphQL Admin bridge: POST `https://{shop}/admin/api/{version}/graphql.json` with
 * `X-Shopify-Access-Token`, behind a per-attempt timeout, a circuit breaker and (for idempotent
 * operations only) retries with full-jitter backoff (cockatiel), and with Shopify's cost-based
 * throttling respected.
 *
 * Throttling: every answer carries `extensions.cost`; the bridge keeps a local picture of the
 * bucket (`CostBudget`) and waits before a request whose last known `requestedQueryCost` would
 * not fit. When Shopify still answers `THROTTLED` the query did not run, so the bridge waits for
 * the points to be restored and sends it again — for mutations too, since nothing happened.
 *
 * Retries on transport failures (timeout, network, 5xx) are only made for operations the caller
 * marks `idempotent` (queries, `draftOrderCalculate`): a timed-out `draftOrderComplete` may have
 * run, and running it twice would be worse than failing.
 *
 * The token is held in a private field and sent only in its header; redirects are refused (a
 * redirect could carry the header to another host), and any text echoed back from Shopify is
 * stripped of it before it reaches an error message.
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
  readonly retry?: {
    /** Attempts of an idempotent call, the first included. @defaultValue 3 */
    readonly attempts?: number;
    /** Base of the exponential backoff (full jitter). @defaultValue 250 */
    readonly baseMs?: number;
    /** Cap on one delay. @defaultValue 5_000 */
    readonly maxDelayMs?: number;
  };
  readonly breaker?: {
    /** Consecutive transport failures that open it. @defaultValue 5 */
    readonly consecutiveFailures?: number;
    /** How long it stays open before one probe is let through. @defaultValue 30_000 */
    readonly halfOpenAfterMs?: number;
  };
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

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ShopifyBridgeHealth {
  readonly state: BreakerState;
  readonly lastError?: ConnectorErrorEnvelope & { readonly at: string };
  /** Points available by the last answer (restored since), when known. */
  readonly availablePoints?: number;
  /** Waits made for the budget or after THROTTLED since start. */
  readonly throttleWaits: number;
}

const TRANSPORT_CODES: ReadonlySet<string> = new Set(['TIMEOUT', 'NETWORK', 'HTTP_5XX', 'RATE_LIMITED']);

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
  readonly #halfOpenAfterMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxThrottleRetries: number;
  readonly #maxWaitMs: number;
  readonly #defaultCost: number;
  readonly #fetch: typeof fetch;
  readonly #budget: CostBudget;
  readonly #costs = new Map<string, number>();
  readonly #breaker: CircuitBreakerPolicy;
  readonly #retrying: IPolicy;
  readonly #once: IPolicy;
  #openedAt: number | undefined;
  #lastError: (ConnectorErrorEnvelope & { at: string }) | undefined;
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

    // One breaker for both paths: a failing shop is failing for queries and mutations alike.
    this.#breaker = circuitBreaker(
      handleWhen((err) => err instanceof RetryableConnectorError && TRANSPORT_CODES.has(err.code)),
      { halfOpenAfter: this.#halfOpenAfterMs, breaker: new ConsecutiveBreaker(Math.floor(failures)) },
    );
    this.#breaker.onBreak(() => {
      this.#openedAt = Date.now();
    });
    const perAttempt = timeout(this.#timeoutMs, TimeoutStrategy.Cooperative);
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
    this.#retrying = wrap(retryPolicy, this.#breaker, perAttempt);
    this.#once = wrap(this.#breaker, perAttempt);
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
      throw this.#remember(
        new ConnectorError(this.#init('INVALID_REQUEST', 'a GraphQL operation needs a query and a name')),
      );
    }
    try {
      for (let throttled = 0; ; throttled++) {
        const estimate = this.#costs.get(req.query) ?? this.#defaultCost;
        const wait = this.#budget.waitMs(estimate);
        if (wait > this.#maxWaitMs) {
          throw new RetryableConnectorError({
            ...this.#init(
              'RATE_LIMITED',
              `Shopify's cost budget needs ${wait} ms to hold ${req.operation}; not waiting that long`,
            ),
            remoteCode: 'THROTTLED',
          });
        }
        if (wait > 0) await this.#pause(wait, signal);
        this.#budget.reserve(estimate);
        const policy = req.idempotent ? this.#retrying : this.#once;
        const outcome = await policy.execute(
          ({ signal: attempt }) => this.#attempt(req, attempt, signal),
          signal,
        );
        if (outcome.kind === 'data') return { data: outcome.data, cost: outcome.cost };
        if (throttled >= this.#maxThrottleRetries) {
          throw new RetryableConnectorError({
            ...this.#init(
              'RATE_LIMITED',
              `Shopify throttled ${req.operation} ${throttled + 1} times; giving up for now`,
              200,
            ),
            remoteCode: 'THROTTLED',
          });
        }
        // The next turn waits for the budget computed from the answer's throttleStatus; a
        // Retry-After (429) is honoured on top, since the bucket picture may be missing.
        if (outcome.retryAfterMs > 0)
          await this.#pause(Math.min(outcome.retryAfterMs, this.#maxWaitMs), signal);
      }
    } catch (err) {
      throw this.#remember(this.#normalise(err, signal));
    }
  }

  /**
   * Breaker state, the last error and the cost budget, for `/readyz` details.
   *
   * @example
   * ```ts
   * shopify.health(); // → { state: 'closed', throttleWaits: 0, availablePoints: 1990 }
   * ```
   */
  health(): ShopifyBridgeHealth {
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
    const available = this.#budget.available();
    return {
      state,
      throttleWaits: this.#throttleWaits,
      ...(available === undefined ? {} : { availablePoints: Math.floor(available) }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
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
      if (signal?.aborted) return reject(this.#cancelled());
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(this.#cancelled());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #normalise(err: unknown, callerSignal: AbortSignal | undefined): unknown {
    if (err instanceof ConnectorError) return err;
    if (err instanceof BrokenCircuitError) {
      return new CircuitOpenError({
        connector: this.name,
        message: 'circuit breaker is open; Shopify was not called',
      });
    }
    if (err instanceof TaskCancelledError || callerSignal?.aborted) return this.#cancelled();
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
