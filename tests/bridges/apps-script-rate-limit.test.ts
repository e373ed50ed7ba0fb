/**
 * Two Apps Script bridges — two daemon replicas — sharing one connector rate limit through the
 * real Redis: together they never exceed it, measured at the stand-in.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppsScriptBridge } from '../../bridges/apps-script/bridge.ts';
import { type AppsScriptStandIn, startAppsScriptStandIn } from '../support/apps-script-standin.ts';

const SECRET = 'rate-limit-test-secret-0123456789';
const prefix = `test:ratelimit:${randomBytes(6).toString('hex')}:`;
let standin: AppsScriptStandIn;
const clients: Redis[] = [];

beforeAll(async () => {
  standin = await startAppsScriptStandIn({ secret: SECRET });
});
afterAll(async () => {
  await standin.close();
  const keys = await clients[0]?.keys(`${prefix}*`);
  if (keys && keys.length > 0) await clients[0]?.del(...keys);
  for (const c of clients) c.disconnect();
});

it('two bridges (replicas) together stay within the shared rate', async () => {
  const replica = (): AppsScriptBridge => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    clients.push(redis);
    return new AppsScriptBridge({
      url: standin.url,
      secret: SECRET,
      timeoutMs: 5_000,
      rateLimit: { redis, limit: 8, periodMs: 1_000, burst: 2, maxWaitMs: 10_000, keyPrefix: prefix },
    });
  };
  const a = replica();
  const b = replica();
  const tag = randomBytes(4).toString('hex');
  const before = standin.requests.length;
  const call = (bridge: AppsScriptBridge, i: number) =>
    bridge.call({
      action_id: `rl-${tag}-${i}`,
      command_type: 'CHECK_INTEGRATION_STATUS',
      params: { service: 'google' },
    });
  await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => call(a, i)),
    ...Array.from({ length: 10 }, (_, i) => call(b, 100 + i)),
  ]);
  const posts = standin.requests
    .slice(before)
    .filter((r) => r.method === 'POST')
    .map((r) => r.at)
    .sort((x, y) => x - y);
  expect(posts).toHaveLength(20);
  // 20 requests at 8/s with a burst of 2: at least 18 intervals of 125 ms from first to last.
  expect(posts.at(-1)! - posts[0]!).toBeGreaterThanOrEqual(18 * 125 - 100);
  for (const t of posts) {
    // Within any second: the limit, the burst, and one for timer jitter at the edge.
    expect(posts.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(8 + 2 + 1);
  }
  expect(a.health().counters?.rateLimitWaits).toBeGreaterThan(0);
  expect(b.health().counters?.rateLimitWaits).toBeGreaterThan(0);
});
