/**
 * The resilience layer against a real HTTP peer on 127.0.0.1 and the real Redis: retries only
 * for idempotent calls, the breaker opening and half-opening, the bulkhead, the shared rate limit
 * across two "replicas", and 401/403/timeouts turning into envelopes without crashing anything.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  ConnectorError,
  RateLimitedError,
  RetryableConnectorError,
} from '../../bridges/errors.ts';
import {
  type ConnectorResilience,
  createResilience,
  httpJson,
  type ResilienceEvent,
  type ResilienceOptions,
} from '../../bridges/resilience/index.ts';
import { type HttpPeer, startHttpPeer } from '../support/http-peer.ts';

let peer: HttpPeer;
const redises: Redis[] = [];
const prefix = `test:ratelimit:${randomBytes(6).toString('hex')}:`;

beforeAll(async () => {
  peer = await startHttpPeer();
});
afterEach(() => peer.up());
afterAll(async () => {
  await peer.close();
  for (const r of redises) {
    const keys = await r.keys(`${prefix}*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  }
});

function redis(): Redis {
  const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false, maxRetriesPerRequest: 1 });
  redises.push(r);
  return r;
}

const fast = (o: ResilienceOptions = {}): ResilienceOptions => ({
  timeoutMs: 1_000,
  retry: { attempts: 3, baseMs: 2, maxDelayMs: 10 },
  ...o,
});

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectorError)) throw err;
  return err;
}

const get = (r: ConnectorResilience, call: Parameters<typeof httpJson>[2] = {}) =>
  httpJson(r, { url: peer.url }, call);

describe('retries', () => {
  it('retries a retryable failure only when the call is idempotent or carries an idempotency key', async () => {
    const r = createResilience('peer', fast());
    peer.failNext(2, 503);
    let before = peer.requests.length;
    const err = await failure(get(r));
    expect(err).toBeInstanceOf(RetryableConnectorError);
    expect(err.toJSON()).toEqual({
      connector: 'peer',
      code: 'HTTP_5XX',
      retryable: true,
      status: 503,
      message: 'peer answered HTTP 503',
    });
    expect(peer.requests.length - before).toBe(1);

    peer.failNext(2, 503);
    before = peer.requests.length;
    expect(await get(r, { idempotent: true })).toMatchObject({ ok: true });
    expect(peer.requests.length - before).toBe(3);

    peer.failNext(1, 429);
    before = peer.requests.length;
    expect(await get(r, { idempotencyKey: 'order-1' })).toMatchObject({ ok: true });
    expect(peer.requests.length - before).toBe(2);
    expect(r.health().counters).toMatchObject({ calls: 3, failures: 1, retries: 3 });
  });

  it('never retries a 4xx, even for an idempotent call', async () => {
    const r = createResilience('peer', fast());
    peer.failNext(1, 404);
    const before = peer.requests.length;
    const err = await failure(get(r, { idempotent: true }));
    expect(err).toMatchObject({ code: 'HTTP_4XX', status: 404, retryable: false });
    expect(peer.requests.length - before).toBe(1);
  });
});

describe('401, 403 and timeouts', () => {
  it('become envelopes; nothing escapes as an unhandled rejection or exception', async () => {
    const stray: unknown[] = [];
    const onStray = (e: unknown): void => {
      stray.push(e);
    };
    process.on('unhandledRejection', onStray);
    process.on('uncaughtException', onStray);
    try {
      const r = createResilience('peer', fast({ timeoutMs: 100 }));
      peer.failNext(1, 401);
      expect((await failure(get(r, { idempotent: true }))).toJSON()).toEqual({
        connector: 'peer',
        code: 'HTTP_4XX',
        retryable: false,
        status: 401,
        message: 'peer answered HTTP 401',
      });
      peer.failNext(1, 403);
      expect(await failure(get(r))).toMatchObject({ code: 'HTTP_4XX', status: 403, retryable: false });
      peer.hang();
      const t0 = performance.now();
      const timedOut = await failure(get(r));
      expect(performance.now() - t0).toBeLessThan(800);
      expect(timedOut.toJSON()).toEqual({
        connector: 'peer',
        code: 'TIMEOUT',
        retryable: true,
        status: null,
        message: 'peer did not answer within 100 ms',
      });
      // Three timeouts in a row on an idempotent call: each attempt has its own deadline.
      const before = peer.requests.length;
      expect((await failure(get(r, { idempotent: true }))).code).toBe('TIMEOUT');
      expect(peer.requests.length - before).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onStray);
      process.off('uncaughtException', onStray);
    }
    expect(stray).toEqual([]);
  });

  it('reports a caller abort as CANCELLED, and a refused connection as NETWORK', async () => {
    const r = createResilience('peer', fast({ timeoutMs: 2_000 }));
    peer.slow(500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await failure(get(r, { idempotent: true, signal: controller.signal }))).toMatchObject({
      code: 'CANCELLED',
      retryable: false,
    });
    const down = await failure(httpJson(r, { url: 'http://127.0.0.1:1/x' }));
    expect(down).toMatchObject({ code: 'NETWORK', retryable: true, status: null });
    expect(down.message).toMatch(/^could not reach peer \(/);
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failures, fails fast without reaching the peer, half-opens and closes', async () => {
    const events: ResilienceEvent[] = [];
    const r = createResilience(
      'peer',
      fast({
        retry: { attempts: 1 },
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 200 },
        onEvent: (e) => events.push(e),
      }),
    );
    peer.down(502);
    for (let i = 0; i < 3; i++) expect((await failure(get(r))).code).toBe('HTTP_5XX');
    expect(r.health().state).toBe('open');
    const before = peer.requests.length;
    const t0 = performance.now();
    const fastFail = await failure(get(r, { idempotent: true }));
    expect(performance.now() - t0).toBeLessThan(50);
    expect(fastFail).toBeInstanceOf(CircuitOpenError);
    expect(peer.requests.length).toBe(before);
    expect(r.health()).toMatchObject({
      state: 'open',
      lastError: { code: 'CIRCUIT_OPEN' },
      counters: { circuitOpen: 1 },
    });

    peer.up();
    await new Promise((resolve) => setTimeout(resolve, 230));
    expect(r.health().state).toBe('half-open');
    expect(await get(r)).toMatchObject({ ok: true });
    expect(r.health().state).toBe('closed');
    expect(
      events.filter((e) => e.type === 'breaker').map((e) => (e.type === 'breaker' ? e.state : '')),
    ).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed half-open probe opens it again; 4xx answers never count', async () => {
    const r = createResilience(
      'peer',
      fast({ retry: { attempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 100 } }),
    );
    peer.failNext(4, 403);
    for (let i = 0; i < 4; i++) await failure(get(r));
    expect(r.health().state).toBe('closed');
    peer.down(500);
    await failure(get(r));
    await failure(get(r));
    expect(r.health().state).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 130));
    expect((await failure(get(r))).code).toBe('HTTP_5XX');
    expect(await failure(get(r))).toBeInstanceOf(CircuitOpenError);
  });

  it('the sampling breaker opens on a failure ratio', async () => {
    const r = createResilience(
      'peer',
      fast({
        retry: { attempts: 1 },
        breaker: {
          kind: 'sampling',
          threshold: 0.5,
          samplingMs: 5_000,
          minimumRps: 1,
          halfOpenAfterMs: 10_000,
        },
      }),
    );
    peer.down(500);
    let opened = false;
    for (let i = 0; i < 20 && !opened; i++) {
      const e = await failure(get(r));
      opened = e instanceof CircuitOpenError;
    }
    expect(opened).toBe(true);
  });
});

describe('bulkhead', () => {
  it('refuses calls beyond concurrency + queue without reaching the peer', async () => {
    const r = createResilience('peer', fast({ bulkhead: { concurrency: 1, queue: 1 } }));
    peer.slow(150);
    const before = peer.requests.length;
    const results = await Promise.allSettled([get(r), get(r), get(r)]);
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const third = (results[2] as PromiseRejectedResult).reason as ConnectorError;
    expect(third).toBeInstanceOf(RetryableConnectorError);
    expect(third.code).toBe('BULKHEAD_FULL');
    expect(peer.requests.length - before).toBe(2);
  });
});

describe('rate limit shared through Redis', () => {
  it('two replicas together never exceed the configured rate', async () => {
    const rateLimit = { limit: 10, periodMs: 1_000, burst: 1, maxWaitMs: 10_000, keyPrefix: prefix };
    const waits: number[] = [];
    const replica = () =>
      createResilience(
        'shared-peer',
        fast({
          bulkhead: { concurrency: 32 },
          rateLimit: { ...rateLimit, redis: redis() },
          onEvent: (e) => {
            if (e.type === 'rate_limit') waits.push(e.waitMs);
          },
        }),
      );
    const a = replica();
    const b = replica();
    const before = peer.requests.length;
    const t0 = Date.now();
    await Promise.all([
      ...Array.from({ length: 12 }, () => get(a)),
      ...Array.from({ length: 12 }, () => get(b)),
    ]);
    const elapsed = Date.now() - t0;
    const times = peer.requests
      .slice(before)
      .map((q) => q.at)
      .sort((x, y) => x - y);
    expect(times).toHaveLength(24);
    // 24 requests at 10/s with a burst of 1 need at least 23 intervals of 100 ms.
    expect(elapsed).toBeGreaterThanOrEqual(2_200);
    // No one-second window holds more than the limit (+1 for timer jitter at the window's edge).
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1_000).length;
      expect(inWindow).toBeLessThanOrEqual(11);
    }
    expect(waits.length).toBeGreaterThan(20);
    expect(a.health().counters?.rateLimitWaits).toBeGreaterThan(5);
    expect(b.health().counters?.rateLimitWaits).toBeGreaterThan(5);
  });

  it('refuses a call whose slot is beyond the max wait, without sending it or opening the breaker', async () => {
    const shared = { limit: 1, periodMs: 10_000, burst: 1, maxWaitMs: 100, keyPrefix: `${prefix}refuse:` };
    const r = createResilience(
      'slow-peer',
      fast({
        retry: { attempts: 1 },
        breaker: { consecutiveFailures: 1 },
        rateLimit: { ...shared, redis: redis() },
      }),
    );
    const before = peer.requests.length;
    await get(r);
    const refused = await failure(get(r));
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryable: true, status: null });
    expect(refused.message).toMatch(/more than the 100 ms a call may wait/);
    expect(peer.requests.length - before).toBe(1);
    expect(r.health()).toMatchObject({ state: 'closed', counters: { rateLimitRefusals: 1 } });
  });

  it('fails closed when Redis does not answer', async () => {
    const dead = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const r = createResilience(
      'peer',
      fast({ retry: { attempts: 1 }, rateLimit: { redis: dead, limit: 5, maxWaitMs: 100 } }),
    );
    const before = peer.requests.length;
    const err = await failure(get(r));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err.message).toMatch(/could not be checked/);
    expect(peer.requests.length).toBe(before);
    dead.disconnect();
  });
});

describe('options', () => {
  it('refuses bad values naming the field', () => {
    expect(() => createResilience('x', { timeoutMs: 0 })).toThrow(/x: timeoutMs must be a positive number/);
    expect(() => createResilience('x', { retry: { attempts: 0 } })).toThrow(/retry.attempts/);
    expect(() => createResilience('x', { breaker: { threshold: 1 } })).toThrow(/breaker.threshold/);
    expect(() => createResilience('x', { bulkhead: { queue: -1 } })).toThrow(/bulkhead.queue/);
  });
});
