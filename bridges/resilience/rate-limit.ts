/**
 * A rate limit per connector shared by every daemon replica: GCRA (the generic cell rate
 * algorithm, a token bucket kept as one timestamp) in a Lua script, so reading and moving the
 * bucket is one atomic step on the Redis all replicas share. Redis' own clock (`TIME`) is the only
 * clock, so replicas whose clocks disagree still agree on the bucket.
 *
 * A call that fits within `maxWaitMs` reserves its slot at once and sleeps until it; one that
 * does not reserves nothing and fails with a retryable `RATE_LIMITED` ({@link RateLimitedError}).
 * Reserving before sleeping is what keeps the combined rate bounded: a waiting caller already
 * holds its place, so no other replica can take it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '../errors.ts';
import type { ResilienceListener } from './events.ts';

/**
 * KEYS[1] the bucket; ARGV[1] emission interval (µs), ARGV[2] burst, ARGV[3] max wait (µs).
 * Returns {1, wait µs} when a slot was reserved, {0, wait µs} when it would exceed the max wait.
 * `TIME` in a script is allowed since Redis 5 (effects replication).
 */
export const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - burst * interval - now
if wait > max_wait then return {0, wait} end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.max(1, math.ceil((new_tat - now) / 1000)))
if wait < 0 then wait = 0 end
return {1, wait}
`;

export interface RedisRateLimiterOptions {
  readonly connector: string;
  readonly redis: Redis;
  /** Requests per `periodMs` across all replicas. */
  readonly limit: number;
  readonly periodMs: number;
  readonly burst: number;
  readonly maxWaitMs: number;
  readonly keyPrefix: string;
  readonly onEvent?: ResilienceListener | undefined;
}

/**
 * One connector's shared bucket.
 *
 * @example
 * ```ts
 * const limiter = new RedisRateLimiter({ connector: 'shopify-admin', redis, limit: 2, periodMs: 1_000,
 *   burst: 1, maxWaitMs: 2_000, keyPrefix: 'orc:ratelimit:' });
 * await limiter.acquire(signal); // resolves when this replica may send one request
 * ```
 */
export class RedisRateLimiter {
  readonly #o: RedisRateLimiterOptions;
  readonly #key: string;
  readonly #intervalUs: number;

  constructor(options: RedisRateLimiterOptions) {
    this.#o = options;
    this.#key = `${options.keyPrefix}${options.connector}`;
    this.#intervalUs = Math.max(1, Math.floor((options.periodMs * 1000) / options.limit));
  }

  /**
   * Waits for a slot (at most `maxWaitMs`).
   *
   * @example
   * ```ts
   * await limiter.acquire(AbortSignal.timeout(5_000));
   * ```
   * @throws RateLimitedError when the next slot is further than `maxWaitMs` away, or when Redis
   *   does not answer (fail closed: an unknown rate is not a licence to exceed it).
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    const { connector, maxWaitMs } = this.#o;
    let answer: unknown;
    try {
      answer = await withTimeout(
        this.#o.redis.eval(GCRA_SCRIPT, 1, this.#key, this.#intervalUs, this.#o.burst, maxWaitMs * 1000),
        Math.max(1_000, maxWaitMs),
      );
    } catch {
      throw new RateLimitedError({
        connector,
        message: `the shared rate limit of ${connector} could not be checked (Redis did not answer); the call was not sent`,
      });
    }
    const [granted, waitUs] = Array.isArray(answer) ? (answer as unknown[]).map(Number) : [Number.NaN, 0];
    const waitMs = Math.ceil((waitUs ?? 0) / 1000);
    if (granted !== 1) {
      this.#emit(waitMs, true);
      throw new RateLimitedError({
        connector,
        message: `rate limit of ${connector} (${this.#o.limit} per ${this.#o.periodMs} ms): the next slot is ${waitMs} ms away, more than the ${maxWaitMs} ms a call may wait`,
      });
    }
    if (waitMs > 0) {
      this.#emit(waitMs, false);
      // The slot is reserved: an abort here only gives it up unused.
      await sleep(waitMs, undefined, signal ? { signal } : {});
    }
  }

  #emit(waitMs: number, refused: boolean): void {
    try {
      this.#o.onEvent?.({ type: 'rate_limit', connector: this.#o.connector, waitMs, refused });
    } catch {
      // Metrics never change the outcome of a call.
    }
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
