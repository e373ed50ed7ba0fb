/**
 * The resilience layer of every bridge: `createResilience(connector, options)` composes a
 * timeout, retries for idempotent calls, a circuit breaker, a rate limit shared through Redis and
 * a bulkhead (see `resilience.ts` for the order and why), reports health and emits typed events.
 *
 * @example
 * ```ts
 * import { createResilience } from '../resilience/index.ts';
 * const r = createResilience('shopify-admin', { timeoutMs: 5_000, onEvent: sink });
 * ```
 */
export type { BreakerState, ResilienceEvent, ResilienceListener } from './events.ts';
export {
  type BreakerOptions,
  type BulkheadOptions,
  RESILIENCE_DEFAULTS,
  type RateLimitOptions,
  type ResilienceOptions,
  type RetryOptions,
  resolveResilienceOptions,
  type BridgeResilienceOptions,
  withBridgeDefaults,
} from './options.ts';
export { GCRA_SCRIPT, RedisRateLimiter } from './rate-limit.ts';
export {
  type AttemptContext,
  type CallOptions,
  type ConnectorCounters,
  type ConnectorHealth,
  ConnectorResilience,
  createResilience,
} from './resilience.ts';
export { type HttpJsonRequest, httpJson } from './http-json.ts';
