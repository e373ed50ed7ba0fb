/**
 * `/v1/control/*` over the real Fastify API and the real control plane (Redis with a random
 * prefix, a BullMQ queue with a random name): roles, zod validation with named fields, the
 * error registry's codes, and the flip answers.
 */
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KillSwitch, createKillSwitch } from '../../daemon/control/create.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { redisOptions } from '../../daemon/main.ts';
import { registerControlMetrics } from '../../daemon/metrics-control.ts';
import { type ApiFixture, apiFixture } from '../support/api-fixture.ts';
import { randomName } from '../support/daemon-process.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('/v1/control', () => {
  let ks: KillSwitch;
  let f: ApiFixture;
  let queue: Queue;
  const ledger = new MemoryLedger();

  beforeAll(async () => {
    queue = new Queue(randomName('ctlq'), { connection: redisOptions(REDIS_URL) });
    ks = await createKillSwitch(
      {
        killSwitchPrefix: randomName('ctl'),
        killSwitchRefreshMs: 100,
        killSwitchStaleMs: 400,
        killSwitchAckTimeoutMs: 600,
        killSwitchTwoPerson: false,
        killSwitchReleaseRequestTtlMs: 60_000,
        killSwitchHeldSweepMs: 60_000,
        anomalyAutoPause: true,
        anomalyRefreshThreshold: 5,
        anomalyRefreshWindowMs: 600_000,
      },
      {
        connection: redisOptions(REDIS_URL),
        ledger,
        bus: new EventBus(),
        queues: new Map([[queue.name, queue]]),
        connectorOf: () => 'integrations',
        requeue: async () => {},
      },
    );
    f = apiFixture({ control: ks.control });
  });

  afterAll(async () => {
    await f?.close();
    await ks?.stop();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
  });

  const post = (op: string, who: 'oncall' | 'admin' | 'security' | 'agentA', payload: unknown) =>
    f.app.inject({
      method: 'POST',
      url: `/v1/control/${op}`,
      headers: f.auth(who),
      payload: payload as object,
    });

  it('lets oncall and admin flip, and no one else', async () => {
    expect((await post('halt', 'security', { reason: 'x' })).statusCode).toBe(403);
    expect((await post('halt', 'agentA', { reason: 'x' })).statusCode).toBe(403);
    const noAuth = await f.app.inject({ method: 'GET', url: '/v1/control/status' });
    expect(noAuth.statusCode).toBe(401);

    const halt = await post('halt', 'oncall', {
      reason: 'drill',
      scope: { kind: 'agent', value: 'agent-9' },
    });
    expect(halt.statusCode).toBe(200);
    expect(halt.json()).toMatchObject({
      operation: 'halt',
      target: 'agent:agent-9',
      acknowledged_by: [ks.replica.id],
    });
    const st = await f.app.inject({ method: 'GET', url: '/v1/control/status', headers: f.auth('admin') });
    expect(st.json().scopes.agent['agent-9']).toMatchObject({ by: 'alice', reason: 'drill' });
    const rel = await post('release', 'admin', {
      reason: 'drill over',
      scope: { kind: 'agent', value: 'agent-9' },
    });
    expect(rel.json()).toMatchObject({ operation: 'release', requeued: 0 });
    const again = await post('release', 'admin', {
      reason: 'again',
      scope: { kind: 'agent', value: 'agent-9' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ORC_ERR_CONTROL_NOT_HALTED');
    const flips = await ledger.switchFlips({ limit: 5 });
    expect(flips.map((x) => [x.operation, x.subject])).toEqual([
      ['release', 'root'],
      ['halt', 'alice'],
    ]);
  });

  it('names the bad field of a body', async () => {
    const cases: [string, unknown, string][] = [
      ['halt', {}, 'body.reason'],
      ['halt', { reason: '   ' }, 'body.reason'],
      ['halt', { reason: 'x', scope: { kind: 'planet', value: 'earth' } }, 'body.scope.kind'],
      ['halt', { reason: 'x', scope: { kind: 'agent', value: 'a b' } }, 'body.scope.value'],
      ['halt', { reason: 'x', force: true }, 'body'],
      ['pause', { reason: 'x', scope: { kind: 'agent', value: 'a' } }, 'body.scope'],
    ];
    for (const [op, body, path] of cases) {
      const r = await post(op, 'oncall', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.code).toBe('ORC_ERR_API_INVALID_REQUEST');
      expect(r.json().error.details.issues[0].path).toBe(path);
    }
  });

  it('pauses and resumes every queue', async () => {
    expect((await post('pause', 'oncall', { reason: 'maintenance' })).json()).toMatchObject({
      operation: 'pause',
    });
    expect(await queue.isPaused()).toBe(true);
    const st = await f.app.inject({ method: 'GET', url: '/v1/control/status', headers: f.auth('oncall') });
    expect(st.json()).toMatchObject({ paused: true, queues: [{ name: queue.name, paused: true }] });
    await post('resume', 'oncall', { reason: 'done' });
    expect(await queue.isPaused()).toBe(false);
  });

  it('exports the switch and the poller as gauges', async () => {
    const registry = new Registry();
    registerControlMetrics(registry, { replica: ks.replica, queues: [queue], ledger });
    await post('halt', 'oncall', { reason: 'gauge check' });
    await post('halt', 'oncall', {
      reason: 'gauge check',
      scope: { kind: 'connector', value: 'integrations' },
    });
    await post('pause', 'oncall', { reason: 'gauge check' });
    const text = await registry.metrics();
    expect(text).toContain('orchestrator_kill_switch_master_halted 1');
    expect(text).toContain('orchestrator_kill_switch_scoped_halts 1');
    expect(text).toContain('orchestrator_poller_paused 1');
    expect(text).toContain(`orchestrator_kill_switch_version ${ks.replica.state?.version}`);
    expect(text).toContain('orchestrator_kill_switch_stale 0');
    expect(text).toContain('orchestrator_held_actions 0');
    await post('resume', 'oncall', { reason: 'done' });
    await post('release', 'oncall', { reason: 'done' });
    expect(await registry.metrics()).toContain('orchestrator_kill_switch_master_halted 0');
  });
});
