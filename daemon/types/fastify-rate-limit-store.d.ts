// @fastify/rate-limit ships its Redis store as CommonJS without a declaration; the plugin's own
// FastifyRateLimitStore interface describes it (see daemon/api/rate-limit-store.ts).
declare module '@fastify/rate-limit/store/RedisStore.js' {
  const RedisStore: unknown;
  export default RedisStore;
}
