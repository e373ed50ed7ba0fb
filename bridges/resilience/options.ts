/**
 * Options of the resilience layer, their defaults and their validation. One connector's options
 * come from three places only: this interface (with `@defaultValue`s), {@link RESILIENCE_DEFAULTS}
 * (with units) and {@link resolveResilienceOptions}, which refuses a bad value naming its field.
 */
import type { Redis } from 'ioredis';
import type { ResilienceListener } from './events.ts';

export interface RetryOptions {
  /** Attempts per call, the first included (1 = no retry). @defaultValue 3 */
  readonly attempts?: number;
  /** Base of the exponential backoff; each delay is drawn in [0, baseMs·2ⁿ) (full jitter). @defaultValue 250 */
  readonly baseMs?: number;
  /** Cap on one delay. @defaultValue 5_000 */
  readonly maxDelayMs?: number;
}

export interface BreakerOptions {
  /**
   * `consecutive`: opens after `consecutiveFailures` failures in a row. `sampling`: opens when
   * more than `threshold` of the calls in the last `samplingMs` failed (with at least
   * `minimumRps` calls per second, so a single failure at night does not open it).
   * @defaultValue 'consecutive'
   */
  readonly kind?: 'consecutive' | 'sampling';
  /** @defaultValue 5 */
  readonly consecutiveFailures?: number;
  /** Failure ratio in (0, 1) for the sampling breaker. @defaultValue 0.5 */
  readonly threshold?: number;
  /** Window of the sampling breaker. @defaultValue 30_000 */
  readonly samplingMs?: number;
  /** Least calls per second for the sampling breaker to judge. @defaultValue 1 */
  readonly minimumRps?: number;
  /** How long it stays open before one probe call is let through (half-open). @defaultValue 30_000 */
  readonly halfOpenAfterMs?: number;
}

export interface RateLimitOptions {
  /**
   * The Redis every replica shares; the bucket lives at `<keyPrefix><connector>`. `bridges/`
   * imports nothing of ours, so the daemon passes its own client here.
   */
  readonly redis: Redis;
  /** Requests (attempts) allowed per `periodMs`, across all replicas. */
  readonly limit: number;
  /** @defaultValue 1_000 */
  readonly periodMs?: number;
  /** Requests allowed back to back after a quiet spell (GCRA burst). @defaultValue 1 */
  readonly burst?: number;
  /** Longest wait for a slot; beyond it the call fails with a retryable RATE_LIMITED. @defaultValue 2_000 */
  readonly maxWaitMs?: number;
  /** @defaultValue 'orc:ratelimit:' */
  readonly keyPrefix?: string;
}

export interface BulkheadOptions {
  /** Calls of this connector running at once (per replica). @defaultValue 16 */
  readonly concurrency?: number;
  /** Calls waiting for a slot; beyond it a call fails at once with BULKHEAD_FULL. @defaultValue 256 */
  readonly queue?: number;
}

export interface ResilienceOptions {
  /** Per attempt; cooperative: the attempt's AbortSignal fires. @defaultValue 10_000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
  /** Without it, no rate limit applies (nothing to share it through). @defaultValue undefined */
  readonly rateLimit?: RateLimitOptions;
  readonly bulkhead?: BulkheadOptions;
  /**
   * Which failures say the peer is unhealthy and count towards opening the breaker.
   * @defaultValue TIMEOUT, NETWORK, HTTP_5XX and a RATE_LIMITED answered by the peer
   */
  readonly breakerCodes?: readonly string[];
  /** Receives typed events for metrics (the daemon wires it to Prometheus). @defaultValue none */
  readonly onEvent?: ResilienceListener;
}

/** Defaults of {@link ResilienceOptions}. */
export const RESILIENCE_DEFAULTS = {
  timeoutMs: 10_000, // per attempt
  retry: { attempts: 3, baseMs: 250, maxDelayMs: 5_000 }, // attempts include the first; delays in ms
  breaker: {
    kind: 'consecutive',
    consecutiveFailures: 5, // failures in a row
    threshold: 0.5, // failure ratio (sampling)
    samplingMs: 30_000, // window (sampling)
    minimumRps: 1, // calls per second before the sampling breaker judges
    halfOpenAfterMs: 30_000, // ms open before a probe
  },
  rateLimit: { periodMs: 1_000, burst: 1, maxWaitMs: 2_000, keyPrefix: 'orc:ratelimit:' }, // ms, requests, ms
  bulkhead: { concurrency: 16, queue: 256 }, // calls running, calls waiting (per replica)
  breakerCodes: ['TIMEOUT', 'NETWORK', 'HTTP_5XX', 'RATE_LIMITED'],
} as const;

/** Every option filled in and checked. */
export interface ResolvedResilienceOptions {
  readonly timeoutMs: number;
  readonly retry: Required<RetryOptions>;
  readonly breaker: Required<BreakerOptions>;
  readonly rateLimit: (Required<Omit<RateLimitOptions, 'redis'>> & { readonly redis: Redis }) | undefined;
  readonly bulkhead: Required<BulkheadOptions>;
  readonly breakerCodes: ReadonlySet<string>;
  readonly onEvent: ResilienceListener | undefined;
}

/**
 * Fills in defaults and checks every number, naming the field that is wrong.
 *
 * @example
 * ```ts
 * resolveResilienceOptions('shopify-admin', { timeoutMs: 5_000 }).retry.attempts; // → 3
 * resolveResilienceOptions('x', { timeoutMs: 0 }); // throws TypeError: x: timeoutMs must be a positive number
 * ```
 * @throws TypeError naming the connector and the field.
 */
export function resolveResilienceOptions(connector: string, o: ResilienceOptions): ResolvedResilienceOptions {
  const d = RESILIENCE_DEFAULTS;
  const pos = (field: string, v: number): number => {
    if (!Number.isFinite(v) || v <= 0)
      throw new TypeError(`${connector}: ${field} must be a positive number`);
    return v;
  };
  const whole = (field: string, v: number): number => {
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`${connector}: ${field} must be an integer ≥ 1`);
    return v;
  };
  const kind = o.breaker?.kind ?? d.breaker.kind;
  if (kind !== 'consecutive' && kind !== 'sampling') {
    throw new TypeError(`${connector}: breaker.kind must be consecutive or sampling`);
  }
  const threshold = o.breaker?.threshold ?? d.breaker.threshold;
  if (!(threshold > 0 && threshold < 1)) {
    throw new TypeError(`${connector}: breaker.threshold must be between 0 and 1 (exclusive)`);
  }
  const rl = o.rateLimit;
  const queue = o.bulkhead?.queue ?? d.bulkhead.queue;
  if (!Number.isInteger(queue) || queue < 0)
    throw new TypeError(`${connector}: bulkhead.queue must be an integer ≥ 0`);
  return {
    timeoutMs: pos('timeoutMs', o.timeoutMs ?? d.timeoutMs),
    retry: {
      attempts: whole('retry.attempts', o.retry?.attempts ?? d.retry.attempts),
      baseMs: pos('retry.baseMs', o.retry?.baseMs ?? d.retry.baseMs),
      maxDelayMs: pos('retry.maxDelayMs', o.retry?.maxDelayMs ?? d.retry.maxDelayMs),
    },
    breaker: {
      kind,
      consecutiveFailures: whole(
        'breaker.consecutiveFailures',
        o.breaker?.consecutiveFailures ?? d.breaker.consecutiveFailures,
      ),
      threshold,
      samplingMs: pos('breaker.samplingMs', o.breaker?.samplingMs ?? d.breaker.samplingMs),
      minimumRps: pos('breaker.minimumRps', o.breaker?.minimumRps ?? d.breaker.minimumRps),
      halfOpenAfterMs: pos(
        'breaker.halfOpenAfterMs',
        o.breaker?.halfOpenAfterMs ?? d.breaker.halfOpenAfterMs,
      ),
    },
    rateLimit:
      rl === undefined
        ? undefined
        : {
            redis: rl.redis,
            limit: whole('rateLimit.limit', rl.limit),
            periodMs: whole('rateLimit.periodMs', rl.periodMs ?? d.rateLimit.periodMs),
            burst: whole('rateLimit.burst', rl.burst ?? d.rateLimit.burst),
            maxWaitMs: nonNegative(connector, 'rateLimit.maxWaitMs', rl.maxWaitMs ?? d.rateLimit.maxWaitMs),
            keyPrefix: rl.keyPrefix ?? d.rateLimit.keyPrefix,
          },
    bulkhead: {
      concurrency: whole('bulkhead.concurrency', o.bulkhead?.concurrency ?? d.bulkhead.concurrency),
      queue,
    },
    breakerCodes: new Set(o.breakerCodes ?? d.breakerCodes),
    onEvent: o.onEvent,
  };
}

function nonNegative(connector: string, field: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new TypeError(`${connector}: ${field} must be ≥ 0`);
  return v;
}

/** What a bridge passes through to the layer from its own options. */
export type BridgeResilienceOptions = Pick<
  ResilienceOptions,
  'retry' | 'breaker' | 'rateLimit' | 'bulkhead' | 'onEvent'
>;

/**
 * A bridge's own defaults for retries and the breaker, overridden field by field by what its
 * caller gave; the layer validates the result (`resolveResilienceOptions`), so bridges do not
 * repeat the checks.
 *
 * @example
 * ```ts
 * new ConnectorResilience('shopify-admin', {
 *   ...withBridgeDefaults(options, { retry: { attempts: 3, baseMs: 250, maxDelayMs: 5_000 },
 *     breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 } }),
 *   timeoutMs: 10_000,
 * });
 * ```
 */
export function withBridgeDefaults(
  given: BridgeResilienceOptions,
  defaults: { readonly retry: RetryOptions; readonly breaker: BreakerOptions },
): ResilienceOptions {
  return {
    retry: { ...defaults.retry, ...given.retry },
    breaker: { ...defaults.breaker, ...given.breaker },
    ...(given.rateLimit ? { rateLimit: given.rateLimit } : {}),
    ...(given.bulkhead ? { bulkhead: given.bulkhead } : {}),
    ...(given.onEvent ? { onEvent: given.onEvent } : {}),
  };
}
