/**
 * The policy's history counts in Redis (real Redis), and the same counts driving the shipped
 * policy's refresh-storm rule through the real pipeline.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { RedisHistory } from '../../daemon/history/redis-history.ts';
import { Pipeline } from '../../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisHistory', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys('test-history-*');
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  const fresh = (opts: { windowMs?: number; bucketMs?: number } = {}) => {
    prefix = `test-history-${randomBytes(4).toString('hex')}`;
    return new RedisHistory(redis, { prefix, ...opts });
  };
  const key = (
    actionId: string,
    over: Partial<{ agentId: string; service: string; commandType: string }> = {},
  ) => ({
    agentId: 'agent-1',
    commandType: 'REFRESH_TOKEN',
    service: 'google',
    actionId,
    ...over,
  });

  it('counts other actions by service and by agent, each action once', async () => {
    const h = fresh();
    expect(await h.observe(key('a1'))).toEqual({
      service: { attempts_1h: 0, denials_1h: 0 },
      agent: { attempts_1h: 0, denials_1h: 0 },
    });
    await h.observe(key('a2'));
    await h.observe(key('a3', { agentId: 'agent-2' }));
    await h.observe(key('a4', { service: 'meta' }));
    // A redelivered job looks its action up again: it is neither counted twice nor counted in
    // its own lookup.
    await h.observe(key('a2'));
    const c = await h.observe(key('a5'));
    expect(c.service.attempts_1h).toBe(3); // a1, a2, a3 on google
    expect(c.agent.attempts_1h).toBe(3); // a1, a2, a4 by agent-1
    const again = await h.observe(key('a2'));
    expect(again.service.attempts_1h).toBe(3); // a1, a3, a5: not itself
  });

  it('counts denials once per action and leaves the action’s own denial out', async () => {
    const h = fresh();
    await h.observe(key('d1'));
    await h.recordDenial(key('d1'));
    await h.recordDenial(key('d1'));
    await h.observe(key('d2'));
    await h.recordDenial(key('d2'));
    const other = await h.observe(key('d3'));
    expect(other.service.denials_1h).toBe(2);
    expect(other.agent.denials_1h).toBe(2);
    const self = await h.observe(key('d1'));
    expect(self.service).toEqual({ attempts_1h: 2, denials_1h: 1 });
  });

  it('keeps command types apart and gives commands without a service zero service counts', async () => {
    const h = fresh();
    await h.observe(key('t1'));
    await h.observe(key('t2', { commandType: 'CHECK_INTEGRATION_STATUS' }));
    const noService = await h.observe({ agentId: 'agent-1', actionId: 't3', commandType: 'REFRESH_TOKEN' });
    expect(noService.service).toEqual({ attempts_1h: 0, denials_1h: 0 });
    expect(noService.agent.attempts_1h).toBe(1);
  });

  it('forgets what falls out of the window', async () => {
    const h = fresh({ windowMs: 300, bucketMs: 100 });
    await h.observe(key('w1'));
    await h.recordDenial(key('w1'));
    expect((await h.observe(key('w2'))).service).toEqual({ attempts_1h: 1, denials_1h: 1 });
    await new Promise((r) => setTimeout(r, 450));
    expect((await h.observe(key('w3'))).service).toEqual({ attempts_1h: 0, denials_1h: 0 });
    // Expired buckets are removed from the hash, not only skipped.
    const fields = await redis.hkeys(`${prefix}:{h}:svc:REFRESH_TOKEN:google`);
    expect(fields.length).toBeLessThanOrEqual(2);
  });

  it('refuses a window shorter than one bucket', () => {
    expect(() => new RedisHistory(redis, { windowMs: 10, bucketMs: 100 })).toThrow(/at least one bucket/);
  });

  it('rejects when Redis cannot answer, so the command is not evaluated', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const h = new RedisHistory(dead);
    await expect(h.observe(key('x'))).rejects.toThrow();
    dead.disconnect();
  });

  it('drives the shipped policy: the sixth refresh of a service within the hour is blocked', async () => {
    const h = fresh();
    const ledger = new MemoryLedger();
    const policy = await RegoPolicyEngine.load({
      dir: resolve(import.meta.dirname, '../../policies'),
      watch: false,
    });
    const pipeline = new Pipeline({
      ledger,
      policy,
      history: h,
      connectors: new ConnectorRegistry(),
      bus: new EventBus(),
      historyWindowMs: 3_600_000,
      maxCommandBytes: 16_384,
      maxStringLength: 2_048,
      deadLetter: async () => {},
    });
    const statuses: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await pipeline.process('q', {
        agent_id: `agent-${i}`,
        command: { action_id: `r${i}`, command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
      });
      statuses.push(r.status);
    }
    await policy.close();
    // Without a jury, refreshes wait for a person (denials) until the storm rule blocks them.
    expect(statuses.slice(0, 3)).toEqual(['NEEDS_APPROVAL', 'NEEDS_APPROVAL', 'NEEDS_APPROVAL']);
    expect(statuses.at(-1)).toBe('BLOCKED');
  });
});
