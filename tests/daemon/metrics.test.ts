import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../daemon/core/events.ts';
import type { PolicyDecision } from '../../daemon/core/types.ts';
import { createMetrics, LabelGuard } from '../../daemon/metrics.ts';
import { apiFixture } from '../support/api-fixture.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const decision: PolicyDecision = {
  action: 'block',
  risk: 'HIGH',
  reasons: ['New integrations require manual security and permissions review.'],
  alert: { severity: 'high', teams: ['security'] },
  revision: 'b'.repeat(64),
  explanation: [],
  evalMicros: 37,
};

/** Emits one of every event the metrics listen to. */
function emitAll(bus: EventBus): void {
  const base = { agentId: 'agent-a', actionId: 'x-1', commandType: 'CONNECT_INTEGRATION' };
  bus.emit('transition', { ...base, from: undefined, to: 'QUEUED', payload: {} });
  bus.emit('transition', { ...base, from: 'QUEUED', to: 'EVALUATING', payload: {} });
  bus.emit('transition', { ...base, from: 'EVALUATING', to: 'BLOCKED', payload: {} });
  bus.emit('decided', { ...base, decision });
  bus.emit('stage', { stage: 'policy', ms: 0.2, commandType: 'CONNECT_INTEGRATION' });
  bus.emit('stage', { stage: 'total', ms: 12, commandType: 'CONNECT_INTEGRATION' });
  bus.emit('executed', { ...base, connector: 'apps_script', ms: 340, ok: true });
  bus.emit('executed', {
    ...base,
    connector: 'apps_script',
    ms: 5_000,
    ok: false,
    errorCode: 'ORC_ERR_BRIDGE_TIMEOUT',
  });
  bus.emit('policy.loaded', { engine: 'rego', revision: 'r1' });
  bus.emit('policy.reload_failed', { engine: 'rego', error: 'parse error', keptRevision: 'r1' });
  bus.emit('alert', {
    kind: 'policy_block',
    summary: 'blocked',
    alert: { severity: 'high', teams: ['security'] },
    details: {},
    actionId: 'x-1',
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('createMetrics', () => {
  it('counts every event kind under the documented names and labels', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const bus = new EventBus();
    m.attach(bus);
    emitAll(bus);
    const text = await m.render();
    expect(text).toContain(
      'orchestrator_commands_total{command_type="CONNECT_INTEGRATION",status="QUEUED"} 1',
    );
    expect(text).toContain(
      'orchestrator_commands_total{command_type="CONNECT_INTEGRATION",status="BLOCKED"} 1',
    );
    expect(text).toContain(
      'orchestrator_policy_decisions_total{command_type="CONNECT_INTEGRATION",action="block",risk="HIGH"} 1',
    );
    expect(text).toContain('orchestrator_stage_duration_seconds_count{stage="policy"} 1');
    expect(text).toContain('orchestrator_stage_duration_seconds_bucket{le="0.025",stage="total"} 1');
    expect(text).toContain('orchestrator_policy_eval_seconds_count 1');
    expect(text).toContain('orchestrator_policy_eval_seconds_bucket{le="0.00005"} 1');
    expect(text).toContain('orchestrator_connector_calls_total{connector="apps_script",outcome="ok"} 1');
    expect(text).toContain('orchestrator_connector_calls_total{connector="apps_script",outcome="error"} 1');
    expect(text).toContain('orchestrator_connector_duration_seconds_sum{connector="apps_script"} 5.34');
    expect(text).toContain('orchestrator_policy_revision_info{engine="rego",revision="r1"} 1');
    expect(text).toContain('orchestrator_policy_reload_failures_total 1');
    expect(text).toContain('orchestrator_alerts_total{kind="policy_block",severity="high"} 1');
    expect(text).toContain('# TYPE orchestrator_queue_jobs gauge');
  });

  it('shows only the revision in force', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const bus = new EventBus();
    m.attach(bus);
    bus.emit('policy.loaded', { engine: 'rego', revision: 'r1' });
    bus.emit('policy.loaded', { engine: 'rego', revision: 'r2' });
    const text = await m.render();
    expect(text).toContain('orchestrator_policy_revision_info{engine="rego",revision="r2"} 1');
    expect(text).not.toContain('revision="r1"');
  });

  it('keeps labels in closed sets: unknown command types, malformed and excess values become "other"', async () => {
    const m = createMetrics({ defaultMetrics: false, commandTypes: ['CHECK_INTEGRATION_STATUS'] });
    const bus = new EventBus();
    m.attach(bus);
    const t = (commandType: string) =>
      bus.emit('transition', {
        agentId: 'a',
        actionId: 'x',
        commandType,
        from: undefined,
        to: 'REJECTED',
        payload: {},
      });
    t('CHECK_INTEGRATION_STATUS');
    t('"}\n# evil');
    t('RANDOM_1');
    const text = await m.render();
    expect(text).toContain(
      'orchestrator_commands_total{command_type="CHECK_INTEGRATION_STATUS",status="REJECTED"} 1',
    );
    expect(text).toContain('orchestrator_commands_total{command_type="other",status="REJECTED"} 2');
    expect(text).not.toContain('evil');

    const g = new LabelGuard(2);
    expect(['A', 'B', 'C', 'A', 'bad value', ''].map((v) => g.value(v))).toEqual([
      'A',
      'B',
      'other',
      'A',
      'other',
      'other',
    ]);
  });

  it('caps open labels without an allow-list', async () => {
    const m = createMetrics({ defaultMetrics: false, maxLabelValues: 3 });
    const bus = new EventBus();
    m.attach(bus);
    for (let i = 0; i < 10; i++) {
      bus.emit('transition', {
        agentId: 'a',
        actionId: 'x',
        commandType: `T_${i}`,
        from: undefined,
        to: 'QUEUED',
        payload: {},
      });
    }
    const text = await m.render();
    const series = text.split('\n').filter((l) => l.startsWith('orchestrator_commands_total{'));
    expect(series).toHaveLength(4);
    expect(text).toContain('orchestrator_commands_total{command_type="other",status="QUEUED"} 7');
  });

  it('stops counting after detach', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const bus = new EventBus();
    const detach = m.attach(bus);
    bus.emit('policy.reload_failed', { engine: 'rego', error: 'x', keptRevision: undefined });
    detach();
    bus.emit('policy.reload_failed', { engine: 'rego', error: 'x', keptRevision: undefined });
    expect(await m.render()).toContain('orchestrator_policy_reload_failures_total 1');
  });

  it('attaching the same bus again adds queues without counting events twice', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const bus = new EventBus();
    m.attach(bus);
    bus.emit('policy.loaded', { engine: 'rego', revision: 'early' });
    const removeQueue = m.attach(bus, {
      queues: [{ name: 'later', getJobCounts: async () => ({ waiting: 2 }) }],
    });
    bus.emit('policy.reload_failed', { engine: 'rego', error: 'x', keptRevision: 'early' });
    let text = await m.render();
    expect(text).toContain('orchestrator_policy_revision_info{engine="rego",revision="early"} 1');
    expect(text).toContain('orchestrator_policy_reload_failures_total 1');
    expect(text).toContain('orchestrator_queue_jobs{queue="later",role="commands",state="waiting"} 2');
    removeQueue();
    bus.emit('policy.reload_failed', { engine: 'rego', error: 'x', keptRevision: 'early' });
    text = await m.render();
    expect(text).toContain('orchestrator_policy_reload_failures_total 2');
    expect(text).not.toContain('queue="later",role');
  });

  it('has its own registry with process metrics by default', async () => {
    const a = createMetrics();
    const b = createMetrics();
    expect(a.registry).not.toBe(b.registry);
    expect(await a.render()).toContain('process_cpu_user_seconds_total');
  });
});

describe('queue gauge', () => {
  it('reads job counts by state from a real BullMQ queue on scrape', async () => {
    const name = `metrics-test-${randomUUID()}`;
    const queue = new Queue(name, { connection: { url: REDIS_URL } });
    cleanups.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    await queue.add('CHECK_INTEGRATION_STATUS', { n: 1 });
    await queue.add('CHECK_INTEGRATION_STATUS', { n: 2 });
    await queue.add('REFRESH_TOKEN', { n: 3 }, { delay: 60_000 });

    const m = createMetrics({ defaultMetrics: false });
    m.attach(new EventBus(), { queues: [queue] });
    const text = await m.render();
    expect(text).toContain(`orchestrator_queue_jobs{queue="${name}",role="commands",state="waiting"} 2`);
    expect(text).toContain(`orchestrator_queue_jobs{queue="${name}",role="commands",state="delayed"} 1`);
    expect(text).toContain(`orchestrator_queue_jobs{queue="${name}",role="commands",state="failed"} 0`);

    await queue.add('CHECK_INTEGRATION_STATUS', { n: 4 });
    expect(await m.render()).toContain(
      `orchestrator_queue_jobs{queue="${name}",role="commands",state="waiting"} 3`,
    );
  });

  it('answers the scrape within the timeout when a queue hangs, leaving that queue out', async () => {
    const m = createMetrics({ defaultMetrics: false, queueTimeoutMs: 100 });
    const hung = { name: 'hung', getJobCounts: () => new Promise<Record<string, number>>(() => {}) };
    const ok = { name: 'ok', getJobCounts: async () => ({ waiting: 4 }) };
    const broken = {
      name: 'broken',
      getJobCounts: async (): Promise<Record<string, number>> => Promise.reject(new Error('ECONNREFUSED')),
    };
    m.attach(new EventBus(), { queues: [hung, ok, broken] });
    const t0 = Date.now();
    const text = await m.render();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(text).toContain('orchestrator_queue_jobs{queue="ok",role="commands",state="waiting"} 4');
    expect(text).not.toContain('queue="hung",role');
    expect(text).toContain('orchestrator_queue_collect_failures_total{queue="hung"} 1');
    expect(text).toContain('orchestrator_queue_collect_failures_total{queue="broken"} 1');
  });
});

describe('/metrics on the API', () => {
  it('exposes every documented metric after events on the bus', async () => {
    const f = apiFixture();
    cleanups.push(() => f.close());
    const bus = new EventBus();
    f.metrics.attach(bus, {
      queues: [{ name: 'agent-commands', getJobCounts: async () => ({ waiting: 1, active: 0 }) }],
    });
    emitAll(bus);
    await f.app.inject({ method: 'GET', url: '/healthz' });
    const res = await f.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'orchestrator_commands_total',
      'orchestrator_policy_decisions_total',
      'orchestrator_stage_duration_seconds',
      'orchestrator_policy_eval_seconds',
      'orchestrator_connector_calls_total',
      'orchestrator_connector_duration_seconds',
      'orchestrator_policy_revision_info',
      'orchestrator_policy_reload_failures_total',
      'orchestrator_alerts_total',
      'orchestrator_queue_jobs',
      'orchestrator_http_requests_total',
    ]) {
      expect(res.body, name).toMatch(new RegExp(`^${name}(_bucket|_sum|_count)?[{ ]`, 'm'));
    }
    expect(res.body).toContain(
      'orchestrator_queue_jobs{queue="agent-commands",role="commands",state="waiting"} 1',
    );
  });
});
