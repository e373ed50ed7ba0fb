/**
 * Alert delivery through the real queue on the real Redis, to the local Slack, PagerDuty and
 * webhook stand-ins: routing from bus events, retries through an outage (delivered exactly
 * once when the sink recovers), suppression of duplicates, a final 400, trigger then resolve,
 * Redis unavailable, and no secret in any log line.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertService, type AlertServiceOptions } from '../../daemon/alerts/service.ts';
import { createLogSink } from '../../daemon/alerts/sinks/log.ts';
import { createPagerDutySink } from '../../daemon/alerts/sinks/pagerduty.ts';
import { createSlackSink } from '../../daemon/alerts/sinks/slack.ts';
import { createWebhookSink } from '../../daemon/alerts/sinks/webhook.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { createLogger } from '../../daemon/logger.ts';
import { redisOptions } from '../../daemon/main.ts';
import type { HttpStandIn } from '../support/http-standin.ts';
import { type PagerDutyStandIn, startPagerDutyStandIn } from '../support/pagerduty-standin.ts';
import { startSlackStandIn } from '../support/slack-standin.ts';
import { startWebhookStandIn, type WebhookStandIn } from '../support/webhook-standin.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const connection = redisOptions(REDIS_URL);
const WEBHOOK_SECRET = `whsec-${randomBytes(12).toString('hex')}`;

/** A logger writing to memory, with the daemon's redaction. */
function memoryLogger() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ logLevel: 'debug' }, stream);
  return { logger, text: () => chunks.join('') };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let slack: HttpStandIn;
let pd: PagerDutyStandIn;
let hook: WebhookStandIn;
const services: AlertService[] = [];
const redis = new Redis(connection);

beforeAll(async () => {
  [slack, pd, hook] = await Promise.all([
    startSlackStandIn(),
    startPagerDutyStandIn(),
    startWebhookStandIn(WEBHOOK_SECRET),
  ]);
});

afterEach(async () => {
  for (const s of services.splice(0)) {
    await s.close();
    const q = new Queue(s.queueName, { connection });
    await q.obliterate({ force: true });
    await q.close();
    const keys = await redis.keys(`orchestrator:alerts:${s.queueName}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
});

afterAll(async () => {
  await Promise.all([slack.close(), pd.close(), hook.close()]);
  redis.disconnect();
});

async function start(
  opts: Partial<AlertServiceOptions> = {},
): Promise<{ service: AlertService; registry: Registry; logs: () => string }> {
  const { logger, text } = memoryLogger();
  const registry = new Registry();
  const service = new AlertService({
    connection,
    queueName: `alerts-test-${randomUUID()}`,
    sinks: [
      createLogSink(logger),
      createSlackSink({ url: slack.url, timeoutMs: 2_000 }),
      createPagerDutySink({ routingKey: pd.routingKey, url: pd.url, timeoutMs: 2_000 }),
      createWebhookSink({ url: hook.url, secret: WEBHOOK_SECRET, timeoutMs: 2_000 }),
    ],
    attempts: 8,
    backoffMs: 20,
    backoffMaxMs: 200,
    registry,
    logger,
    ...opts,
  });
  services.push(service);
  await service.ready();
  service.start();
  await service.workerReady();
  return { service, registry, logs: text };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

/** The parts of a PagerDuty event the assertions read. */
type PdEvent = { payload: { severity: string; source: string; custom_details: Record<string, unknown> } };

const uniq = () => randomUUID().slice(0, 8);

function emitBlocked(bus: EventBus, agent: string, actionId: string, severity: 'high' | 'warning' = 'high') {
  bus.emit('alert', {
    kind: 'blocked',
    summary: `Blocked REFRESH_TOKEN for service shopify requested by agent ${agent}`,
    alert: { severity, teams: ['security'] },
    details: {
      service: 'shopify',
      agent,
      action_id: actionId,
      command_type: 'REFRESH_TOKEN',
      reasons: ['not on the allowlist'],
    },
    actionId,
  });
}

function countFor(s: HttpStandIn, needle: string): number {
  return s.accepted().filter((r) => r.raw.includes(needle)).length;
}

describe('alert delivery', () => {
  it('a BLOCKED event reaches Slack, PagerDuty, the webhook and the log, naming service and agent', async () => {
    const { service, registry, logs } = await start();
    const bus = new EventBus();
    service.attach(bus);
    const agent = `agent-${uniq()}`;
    emitBlocked(bus, agent, 'refresh-1', 'warning');
    await until(
      'deliveries',
      () => countFor(slack, agent) === 1 && countFor(pd, agent) === 1 && countFor(hook, agent) === 1,
    );
    const slackBody = JSON.stringify(slack.accepted().find((r) => r.raw.includes(agent))!.body);
    expect(slackBody).toContain('*Service*\\nshopify');
    expect(slackBody).toContain(`*Agent*\\n${agent}`);
    const pdBody = pd.accepted().find((r) => r.raw.includes(agent))!.body as PdEvent;
    // The policy said warning; a block is raised to high, which PagerDuty calls "error".
    expect(pdBody.payload.severity).toBe('error');
    expect(pdBody.payload.custom_details).toMatchObject({
      service: 'shopify',
      agent,
      teams: ['security', 'engineering'],
    });
    await until('log line', () => logs().includes(`"msg":"ALERT high: Blocked REFRESH_TOKEN`));
    // The stand-in records a request before the worker has read the answer: wait for the count.
    await until(
      'delivery counted',
      async () =>
        (await metric(registry, 'orchestrator_alert_deliveries_total', {
          sink: 'slack',
          outcome: 'delivered',
        })) === 1,
    );
    expect(
      (await registry.getSingleMetric('orchestrator_alert_delivery_seconds')?.get())?.values.length,
    ).toBeGreaterThan(0);
  });

  it('NEEDS_APPROVAL goes to Slack (operations) and the log, not to PagerDuty', async () => {
    const { service } = await start();
    const agent = `agent-${uniq()}`;
    const r = await service.raise({
      kind: 'needs_approval',
      severity: 'warning',
      summary: `CHECKOUT from ${agent} needs approval`,
      details: { agent, service: null, action_id: 'c-1', command_type: 'CHECKOUT' },
      teams: ['operations'],
    });
    expect(r.queued).toEqual(['log', 'slack']);
    await until('slack', () => countFor(slack, agent) === 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(countFor(pd, agent)).toBe(0);
    expect(countFor(hook, agent)).toBe(0);
  });

  it('Slack down for a while: retried with backoff, then delivered exactly once', async () => {
    const { service, registry } = await start();
    const agent = `agent-${uniq()}`;
    slack.failNext(4, 503);
    const before = slack.requests.length;
    await service.raise({
      kind: 'blocked',
      severity: 'high',
      summary: `Blocked for ${agent}`,
      details: { agent, service: 'meta', action_id: 'x-1', command_type: 'REFRESH_TOKEN' },
      teams: ['security'],
    });
    await until('slack recovers', () => countFor(slack, agent) === 1);
    // PagerDuty was not affected by Slack's outage.
    await until('pagerduty', () => countFor(pd, agent) === 1);
    expect(slack.requests.slice(before).filter((r) => r.status === 503)).toHaveLength(4);
    await new Promise((res) => setTimeout(res, 400));
    expect(countFor(slack, agent)).toBe(1);
    expect(
      await metric(registry, 'orchestrator_alert_deliveries_total', { sink: 'slack', outcome: 'retried' }),
    ).toBe(4);
    expect(
      await metric(registry, 'orchestrator_alert_deliveries_total', { sink: 'slack', outcome: 'delivered' }),
    ).toBe(1);
  });

  it('an outage that outlasts the process: a new daemon delivers what the old one queued', async () => {
    const { logger } = memoryLogger();
    const queueName = `alerts-test-${randomUUID()}`;
    const agent = `agent-${uniq()}`;
    // The first daemon only produces (its worker never runs), as if it died before delivering.
    const producer = new AlertService({
      connection,
      queueName,
      sinks: [createSlackSink({ url: slack.url, timeoutMs: 2_000 })],
      routes: [{ sinks: ['all'] }],
      registry: new Registry(),
      logger,
      backoffMs: 20,
    });
    services.push(producer);
    await producer.ready();
    await producer.raise({
      kind: 'anomaly',
      severity: 'critical',
      summary: `storm ${agent}`,
      details: { agent },
      teams: [],
    });
    await producer.close();
    expect(countFor(slack, agent)).toBe(0);
    const { service } = await start({ queueName });
    expect(service.queueName).toBe(queueName);
    await until('delivered by the new worker', () => countFor(slack, agent) === 1);
  });

  it('duplicates inside the window are suppressed per sink and counted; a new key is not', async () => {
    const { service, registry } = await start();
    const bus = new EventBus();
    service.attach(bus);
    const agent = `agent-${uniq()}`;
    for (let i = 0; i < 5; i++) emitBlocked(bus, agent, 'same-action');
    emitBlocked(bus, agent, 'other-action');
    await until('both delivered', () => countFor(pd, agent) === 2 && countFor(slack, agent) === 2);
    await until(
      'suppressions counted',
      async () =>
        (await metric(registry, 'orchestrator_alert_duplicates_suppressed_total', { sink: 'pagerduty' })) ===
        4,
    );
    await new Promise((res) => setTimeout(res, 300));
    expect(countFor(pd, agent)).toBe(2);
    expect(countFor(slack, agent)).toBe(2);
    expect(await metric(registry, 'orchestrator_alert_duplicates_suppressed_total', { sink: 'slack' })).toBe(
      4,
    );
  });

  it('after the window, the same alert is delivered again', async () => {
    const { service } = await start({ dedupWindowMs: 150 });
    const agent = `agent-${uniq()}`;
    const input = {
      kind: 'anomaly',
      severity: 'high' as const,
      summary: `again ${agent}`,
      details: { agent },
      teams: [],
    };
    expect((await service.raise(input)).suppressed).toEqual([]);
    expect((await service.raise(input)).suppressed).toEqual(['log', 'slack', 'pagerduty', 'webhook']);
    await new Promise((res) => setTimeout(res, 200));
    expect((await service.raise(input)).queued).toEqual(['log', 'slack', 'pagerduty', 'webhook']);
    await until('two deliveries', () => countFor(slack, agent) === 2);
  });

  it('a 400 from the sink is not retried: one request, the job failed, logged and counted', async () => {
    const { service, registry, logs } = await start();
    const agent = `agent-${uniq()}`;
    slack.failNext(1, 400);
    const before = slack.requests.length;
    await service.raise({
      kind: 'anomaly',
      severity: 'high',
      summary: `bad ${agent}`,
      details: { agent },
      teams: [],
    });
    await until(
      'failure counted',
      async () =>
        (await metric(registry, 'orchestrator_alert_deliveries_total', {
          sink: 'slack',
          outcome: 'failed',
        })) === 1,
    );
    await new Promise((res) => setTimeout(res, 400));
    expect(slack.requests.length - before).toBe(1);
    const q = new Queue(service.queueName, { connection });
    const failed = await q.getFailed();
    await q.close();
    expect(failed.map((j) => j.data.sink)).toEqual(['slack']);
    expect(logs()).toContain('ORC_ERR_ALERTS_SINK_REJECTED');
    expect(logs()).toContain('alert rejected by sink; not retried');
    // The other sinks were delivered.
    expect(countFor(pd, agent)).toBe(1);

    // On-call fixes the sink and sends the given-up delivery again (`orchestrator alerts retry-failed`).
    expect(await service.retryFailed()).toBe(1);
    await until('the retried delivery to arrive', async () => slack.requests.length - before === 2);
    expect(slack.requests.at(-1)?.status).toBe(200);
    expect(await service.retryFailed()).toBe(0);
  });

  it('out of attempts: the job fails after exactly `attempts` tries', async () => {
    const { service, registry } = await start({ attempts: 3 });
    const agent = `agent-${uniq()}`;
    slack.failNext(5, 502);
    const before = slack.requests.length;
    await service.raise({
      kind: 'anomaly',
      severity: 'high',
      summary: `gone ${agent}`,
      details: { agent },
      teams: [],
    });
    await until(
      'failed',
      async () =>
        (await metric(registry, 'orchestrator_alert_deliveries_total', {
          sink: 'slack',
          outcome: 'failed',
        })) === 1,
    );
    expect(slack.requests.length - before).toBe(3);
    expect(
      await metric(registry, 'orchestrator_alert_deliveries_total', { sink: 'slack', outcome: 'retried' }),
    ).toBe(2);
    slack.failNext(0);
  });

  it('PagerDuty: trigger, then resolve with the same dedup key, in that order even when the trigger is delayed', async () => {
    const { service } = await start();
    const agent = `agent-${uniq()}`;
    pd.failNext(3, 503);
    const r = await service.raise({
      kind: 'blocked',
      severity: 'critical',
      summary: `Blocked ${agent}`,
      details: { agent, service: 'google', action_id: 'a-1' },
      teams: ['security'],
    });
    const resolvedOn = await service.resolve(r.alert.dedupKey);
    expect(resolvedOn).toEqual(['log', 'pagerduty', 'webhook']);
    await until('resolved', () => pd.incidents.get(r.alert.dedupKey) === 'resolved');
    const events = pd
      .accepted()
      .filter((q) => (q.body as { dedup_key?: string }).dedup_key === r.alert.dedupKey)
      .map((q) => (q.body as { event_action: string }).event_action);
    expect(events).toEqual(['trigger', 'resolve']);
    await until('webhook resolve', () =>
      hook.verified().some((b) => b.type === 'alert.resolve' && b.dedupKey === r.alert.dedupKey),
    );
    // Resolving forgets the dedup record: the next occurrence pages again.
    const again = await service.raise({ ...r.alert, createdAt: new Date().toISOString() });
    expect(again.queued).toContain('pagerduty');
    await until('re-triggered', () => pd.incidents.get(r.alert.dedupKey) === 'triggered');
  });

  it('Redis unavailable: raising neither throws nor hangs; the alert goes to the log and is counted', async () => {
    const { logger, text } = memoryLogger();
    const registry = new Registry();
    const service = new AlertService({
      connection: { host: '127.0.0.1', port: 1, retryStrategy: () => 50 },
      queueName: `alerts-test-${randomUUID()}`,
      sinks: [createLogSink(logger)],
      registry,
      logger,
      enqueueTimeoutMs: 500,
    });
    const bus = new EventBus();
    service.attach(bus);
    const t0 = Date.now();
    emitBlocked(bus, 'agent-redis-down', 'r-1');
    const r = await service.raise({
      kind: 'anomaly',
      severity: 'high',
      summary: 'x',
      details: {},
      teams: [],
    });
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(r.failed).toEqual(['log']);
    await until(
      'both counted',
      async () => (await metric(registry, 'orchestrator_alert_enqueue_failures_total', {})) === 2,
    );
    expect(text()).toContain('ORC_ERR_ALERTS_ENQUEUE_FAILED');
    expect(text()).toContain('agent-redis-down');
    await service.close();
  });

  it('no secret reaches the log: routing key, webhook secret and Slack URL', async () => {
    const { service, logs } = await start();
    slack.failNext(1, 503);
    pd.failNext(1, 400);
    hook.failNext(1, 500);
    const agent = `agent-${uniq()}`;
    await service.raise({
      kind: 'anomaly',
      severity: 'critical',
      summary: `s ${agent}`,
      details: { agent },
      teams: [],
    });
    await until('slack', () => countFor(slack, agent) === 1 && countFor(hook, agent) === 1);
    await until('pd rejection logged', () => logs().includes('alert rejected by sink'));
    const text = logs();
    expect(text).toContain('alert delivery failed; will retry');
    expect(text).not.toContain(pd.routingKey);
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toContain(new URL(slack.url).pathname);
    // Nor does any queued job carry one.
    const q = new Queue(service.queueName, { connection });
    const jobs = await q.getJobs(['completed', 'failed', 'delayed', 'waiting']);
    await q.close();
    const jobText = JSON.stringify(jobs.map((j) => j.data));
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobText).not.toContain(pd.routingKey);
    expect(jobText).not.toContain(WEBHOOK_SECRET);
  });
});
