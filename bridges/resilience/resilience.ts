/**
 * The resilience layer every bridge runs its calls through (cockatiel policies plus a Redis rate
 * limit), composed outside in as:
 *
 *   bulkhead → retry (idempotent calls only) → open-breaker gate → shared rate limit
 *     → circuit breaker → timeout (per attempt, cooperative) → the attempt
 *
 * Why this order: the bulkhead holds one slot for a whole call, so backoff sleeps cannot let a
 * replica exceed its concurrency. Retry wraps the breaker, so a breaker that opens mid-call stops
 * the retries (an open breaker is not retried). The gate fails fast while the breaker is open,
 * before a rate-limit slot is spent on a call that would not be sent. The rate limit is outside
 * the breaker, so a local refusal never counts as the peer failing, and outside the timeout, so
 * waiting for a slot does not eat the attempt's budget.
 */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  type IPolicy,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  noop,
  type BulkheadPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import {
  CircuitOpenError,
  ConnectorError,
  type ConnectorErrorEnvelope,
  RateLimitedError,
  RetryableConnectorError,
} from '../errors.ts';
import type { BreakerState, ResilienceEvent } from './events.ts';
import {
  type ResilienceOptions,
  type ResolvedResilienceOptions,
  resolveResilienceOptions,
} from './options.ts';
import { RedisRateLimiter } from './rate-limit.ts';

/** How one call may be treated. */
export interface CallOptions {
  /** Repeating the call has no further effect (a read, a status check). @defaultValue false */
  readonly idempotent?: boolean;
  /**
   * A key the peer deduplicates on (Apps Script's action_id, Shopify's idempotency key): a
   * repeated call returns the first one's result, so retrying is safe. @defaultValue undefined
   */
  readonly idempotencyKey?: string;
  /** The caller's cancellation (shutdown, its own deadline). */
  readonly signal?: AbortSignal | undefined;
}

/** What one attempt receives. */
export interface AttemptContext {
  /** Fires when the attempt times out or the caller cancels. Pass it to fetch. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** Counters since start, per connector (this replica). */
export interface ConnectorCounters {
  readonly calls: number;
  readonly failures: number;
  readonly attempts: number;
  readonly retries: number;
  /** Calls refused because the breaker was open. */
  readonly circuitOpen: number;
  /** Calls that waited for a rate-limit slot, and calls refused one. */
  readonly rateLimitWaits: number;
  readonly rateLimitRefusals: number;
  /** Failed calls by envelope code. */
  readonly errorsByCode: Readonly<Record<string, number>>;
}

/** The connector's health for `/readyz` details. */
export interface ConnectorHealth {
  /** `half-open` also when the open delay has passed and the next call will be the probe. */
  readonly state: BreakerState;
  readonly lastError?: ConnectorErrorEnvelope & { readonly at: string };
  readonly counters?: ConnectorCounters;
}

type MutableCounters = { -readonly [K in keyof ConnectorCounters]: ConnectorCounters[K] } & {
  errorsByCode: Record<string, number>;
};

/**
 * Timeout, retry with full-jitter backoff for idempotent calls, circuit breaker with half-open
 * probes, a shared rate limit and a bulkhead, for one connector.
 *
 * @example
 * ```ts
 * const r = new ConnectorResilience('shopify-admin', { timeoutMs: 5_000, rateLimit: { redis, limit: 2 } });
 * const body = await r.execute(
 *   async ({ signal }) => (await fetch(url, { signal })).json(),
 *   { idempotent: true, signal: ctx.signal },
 * );
 * r.health(); // → { state: 'closed', counters: { calls: 1, … } }
 * ```
 */
export class ConnectorResilience {
  readonly connector: string;
  readonly options: ResolvedResilienceOptions;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #timeout: TimeoutPolicy;
  readonly #retry: IPolicy;
  readonly #bulkhead: BulkheadPolicy;
  readonly #limiter: RedisRateLimiter | undefined;
  #openedAt: number | undefined;
  #lastError: (ConnectorErrorEnvelope & { at: string }) | undefined;
  readonly #counters: MutableCounters = {
    calls: 0,
    failures: 0,
    attempts: 0,
    retries: 0,
    circuitOpen: 0,
    rateLimitWaits: 0,
    rateLimitRefusals: 0,
    errorsByCode: {},
  };

  constructor(connector: string, options: ResilienceOptions = {}) {
    this.connector = connector;
    const o = resolveResilienceOptions(connector, options);
    this.options = o;
    this.#retry = retry(
      handleWhen((err) => err instanceof RetryableConnectorError && !(err instanceof CircuitOpenError)),
      {
        maxAttempts: o.retry.attempts - 1,
        backoff: new ExponentialBackoff({
          generator: fullJitterGenerator,
          initialDelay: o.retry.baseMs,
          maxDelay: o.retry.maxDelayMs,
        }),
      },
    );
    this.#breaker = circuitBreaker(
      handleWhen(
        (err) =>
          err instanceof RetryableConnectorError &&
          !(err instanceof RateLimitedError) &&
          o.breakerCodes.has(err.code),
      ),
      {
        halfOpenAfter: o.breaker.halfOpenAfterMs,
        breaker:
          o.breaker.kind === 'sampling'
            ? new SamplingBreaker({
                threshold: o.breaker.threshold,
                duration: o.breaker.samplingMs,
                minimumRps: o.breaker.minimumRps,
              })
            : new ConsecutiveBreaker(o.breaker.consecutiveFailures),
      },
    );
    this.#breaker.onBreak(() => {
      this.#openedAt = Date.now();
    });
    this.#breaker.onStateChange((s) => this.#emit({ type: 'breaker', connector, state: stateName(s) }));
    this.#timeout = timeout(o.timeoutMs, TimeoutStrategy.Cooperative);
    this.#bulkhead = bulkhead(o.bulkhead.concurrency, o.bulkhead.queue);
    this.#limiter = o.rateLimit
      ? new RedisRateLimiter({
          connector,
          ...o.rateLimit,
          onEvent: (e) => {
            if (e.type === 'rate_limit') {
              if (e.refused) this.#counters.rateLimitRefusals++;
              else this.#counters.rateLimitWaits++;
            }
            this.#emit(e);
          },
        })
      : undefined;
  }

  /**
   * Runs `attempt` under every policy. Retries only when the call is idempotent or carries an
   * idempotency key; otherwise a failure is final after one attempt, whatever its kind.
   *
   * `attempt` should throw `ConnectorError`s. When it throws anything else after its signal
   * fired, the layer reports TIMEOUT (the attempt's deadline) or CANCELLED (the caller's); any
   * other foreign error is a bug and surfaces unchanged.
   *
   * @example
   * ```ts
   * await resilience.execute(({ signal }) => postDraftOrder(body, signal), { idempotencyKey: actionId, signal });
   * ```
   * @throws ConnectorError (CIRCUIT_OPEN, RATE_LIMITED, BULKHEAD_FULL, TIMEOUT, CANCELLED, or
   *   whatever the attempt threw last).
   */
  async execute<T>(attempt: (ctx: AttemptContext) => Promise<T>, call: CallOptions = {}): Promise<T> {
    const t0 = performance.now();
    const caller = call.signal;
    const retrying = call.idempotent === true || (call.idempotencyKey ?? '') !== '';
    let n = 0;
    const once = async (signal: AbortSignal): Promise<T> => {
      this.#gate();
      if (this.#limiter) await this.#limiter.acquire(signal);
      return this.#breaker.execute(
        ({ signal: s }) =>
          this.#timeout.execute(
            ({ signal: attemptSignal }) => this.#run(attempt, ++n, attemptSignal, caller),
            s,
          ),
        signal,
      );
    };
    const policy: IPolicy = retrying ? this.#retry : noop;
    try {
      const out = await this.#bulkhead.execute(
        ({ signal }) => policy.execute(({ signal: s }) => once(s), signal),
        caller,
      );
      this.#finish('ok', t0, n);
      return out;
    } catch (err) {
      const e = this.#normalise(err, caller);
      if (e instanceof ConnectorError) {
        this.#finish(e.code, t0, n);
        this.#remember(e);
      }
      throw e;
    }
  }

  /**
   * Counts a call that failed before reaching the layer (a request the bridge refused to build),
   * so health and metrics see every failure.
   *
   * @example
   * ```ts
   * throw resilience.recordFailure(new ConnectorError({ connector, code: 'INVALID_REQUEST', message }));
   * ```
   */
  recordFailure<E extends ConnectorError>(err: E): E {
    this.#finish(err.code, performance.now(), 0);
    this.#remember(err);
    return err;
  }

  /**
   * The breaker's state, the last error and the counters.
   *
   * @example
   * ```ts
   * const { state, lastError, counters } = resilience.health();
   * ```
   */
  health(): ConnectorHealth {
    const s = this.#breaker.state;
    let state = stateName(s);
    if (
      state === 'open' &&
      this.#openedAt !== undefined &&
      Date.now() - this.#openedAt >= this.options.breaker.halfOpenAfterMs
    ) {
      state = 'half-open';
    }
    const counters: ConnectorCounters = {
      ...this.#counters,
      errorsByCode: { ...this.#counters.errorsByCode },
    };
    return this.#lastError === undefined
      ? { state, counters }
      : { state, lastError: this.#lastError, counters };
  }

  /**
   * Calls `listener` on every breaker transition.
   *
   * @example
   * ```ts
   * const sub = resilience.onStateChange((s) => log.warn({ connector, state: s }, 'breaker'));
   * sub.dispose();
   * ```
   */
  onStateChange(listener: (state: BreakerState) => void): { dispose(): void } {
    return this.#breaker.onStateChange((s) => listener(stateName(s)));
  }

  /** Fails fast while the breaker is open and its delay has not passed (no slot, no call). */
  #gate(): void {
    if (
      this.#breaker.state === CircuitState.Open &&
      this.#openedAt !== undefined &&
      Date.now() - this.#openedAt < this.options.breaker.halfOpenAfterMs
    ) {
      throw this.#circuitOpen();
    }
  }

  async #run<T>(
    attempt: (ctx: AttemptContext) => Promise<T>,
    n: number,
    signal: AbortSignal,
    caller: AbortSignal | undefined,
  ): Promise<T> {
    if (n > 1) this.#counters.retries++;
    this.#counters.attempts++;
    const t0 = performance.now();
    try {
      const out = await attempt({ signal, attempt: n });
      this.#emit({
        type: 'attempt',
        connector: this.connector,
        code: 'ok',
        ms: performance.now() - t0,
        attempt: n,
      });
      return out;
    } catch (err) {
      let e = err;
      if (!(err instanceof ConnectorError) && signal.aborted) {
        e = caller?.aborted
          ? this.#cancelled()
          : new RetryableConnectorError(
              {
                connector: this.connector,
                code: 'TIMEOUT',
                message: `${this.connector} did not answer within ${this.options.timeoutMs} ms`,
              },
              { cause: err },
            );
      }
      const code = e instanceof ConnectorError ? e.code : 'BUG';
      this.#emit({
        type: 'attempt',
        connector: this.connector,
        code,
        ms: performance.now() - t0,
        attempt: n,
      });
      throw e;
    }
  }

  #normalise(err: unknown, caller: AbortSignal | undefined): unknown {
    if (err instanceof ConnectorError) return err;
    if (err instanceof BrokenCircuitError) return this.#circuitOpen();
    if (err instanceof BulkheadRejectedError) {
      return new RetryableConnectorError({
        connector: this.connector,
        code: 'BULKHEAD_FULL',
        message: `${this.connector} has ${this.options.bulkhead.concurrency} calls running and ${this.options.bulkhead.queue} waiting; the call was not attempted`,
      });
    }
    if (err instanceof TaskCancelledError || caller?.aborted) return this.#cancelled();
    return err;
  }

  #circuitOpen(): CircuitOpenError {
    this.#counters.circuitOpen++;
    return new CircuitOpenError({
      connector: this.connector,
      message: `circuit breaker is open; ${this.connector} was not called`,
    });
  }

  #cancelled(): ConnectorError {
    return new ConnectorError({
      connector: this.connector,
      code: 'CANCELLED',
      message: 'the call was cancelled by its caller',
    });
  }

  #finish(code: string, t0: number, attempts: number): void {
    this.#counters.calls++;
    if (code !== 'ok') {
      this.#counters.failures++;
      this.#counters.errorsByCode[code] = (this.#counters.errorsByCode[code] ?? 0) + 1;
    }
    this.#emit({ type: 'call', connector: this.connector, code, ms: performance.now() - t0, attempts });
  }

  #remember(err: ConnectorError): void {
    this.#lastError = { ...err.toJSON(), at: new Date().toISOString() };
  }

  #emit(e: ResilienceEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      // Metrics never change the outcome of a call.
    }
  }
}

/**
 * A {@link ConnectorResilience} for `connector`.
 *
 * @example
 * ```ts
 * const r = createResilience('shopify-mcp', { timeoutMs: 3_000, retry: { attempts: 2 } });
 * ```
 */
export function createResilience(connector: string, options: ResilienceOptions = {}): ConnectorResilience {
  return new ConnectorResilience(connector, options);
}

function stateName(s: CircuitState): BreakerState {
  return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half-open' : 'open';
}
