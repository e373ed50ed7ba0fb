/**
 * The per-agent request counts of `@fastify/rate-limit`, kept in Redis (the plugin's own Redis
 * store) so every replica counts together, with one change: when Redis cannot answer, the
 * request is refused with `ORC_ERR_API_RATE_LIMIT_UNAVAILABLE` (503, retryable) — fail closed,
 * and a clear error instead of an anonymous 500.
 */
import type {
  FastifyRateLimitOptions,
  FastifyRateLimitStore,
  FastifyRateLimitStoreCtor,
} from '@fastify/rate-limit';
// The plugin's Redis store (CommonJS, no types of its own: FastifyRateLimitStore describes it).
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { Redis } from 'ioredis';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
type Inner = FastifyRateLimitStore & {
  read?: (key: string, cb: Callback, timeWindow: number, max: number) => void;
};
type InnerCtor = new (
  continueExceeding: boolean | undefined,
  exponentialBackoff: boolean | undefined,
  redis: Redis,
  nameSpace: string,
) => Inner;

const unavailable = (err: Error): OrchestratorError =>
  new OrchestratorError(ApiErrors.RATE_LIMIT_UNAVAILABLE, {}, { cause: err });

class FailClosedStore implements FastifyRateLimitStore {
  readonly #inner: Inner;
  constructor(inner: Inner) {
    this.#inner = inner;
  }
  incr(key: string, cb: Callback, timeWindow: number, max: number): void {
    this.#inner.incr(key, (err, res) => (err ? cb(unavailable(err)) : cb(null, res)), timeWindow, max);
  }
  read(key: string, cb: Callback, timeWindow: number, max: number): void {
    if (!this.#inner.read) {
      cb(null, { current: 0, ttl: 0 });
      return;
    }
    this.#inner.read(key, (err, res) => (err ? cb(unavailable(err)) : cb(null, res)), timeWindow, max);
  }
  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new FailClosedStore(this.#inner.child(routeOptions) as Inner);
  }
}

/**
 * A store constructor for the plugin's `store` option.
 *
 * @example
 * ```ts
 * app.register(rateLimit, { global: false, store: sharedRateLimitStore(redis, 'orc-ratelimit:') });
 * ```
 */
export function sharedRateLimitStore(redis: Redis, nameSpace: string): FastifyRateLimitStoreCtor {
  const Ctor = RedisStore as unknown as InnerCtor;
  return class extends FailClosedStore {
    constructor(options: FastifyRateLimitOptions) {
      // The plugin passes its global parameters, which carry these two beside the public options.
      const o = options as FastifyRateLimitOptions & {
        continueExceeding?: boolean;
        exponentialBackoff?: boolean;
      };
      super(new Ctor(o.continueExceeding, o.exponentialBackoff, redis, nameSpace));
    }
  };
}
