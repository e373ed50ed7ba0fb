/**
 * The kill switch in one process with real parts: Redis (random key prefix and queue names),
 * the Postgres ledger (fresh schema), the shipped Rego policy, BullMQ queues and a counting
 * connector. Two "replicas" are two kill-switch instances on the same prefix, each with its own
 * Redis connections, exactly as two daemon processes have them.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { type KillSwitch, createKillSwitch } from '../../daemon/control/create.ts';
import { SwitchReplica } from '../../daemon/control/replica.ts';
import { SwitchStore } from '../../daemon/control/store.ts';
import { EventBus, type OrchestratorEvents } from '../../daemon/core/events.ts';
import type { ActionRecord, Connector, Ledger } from '../../daemon/core/types.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { redisOptions } from '../../daemon/main.ts';
import { Pipeline } from '../../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { Poller } from '../../daemon/poller/poller.ts';
import { eventually, randomName } from '../support/daemon-process.ts';
import { closedPort, freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';

const POLICIES = resolve(import.meta.dirname, '../../policies');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function countingConnector(): Connector & { calls: string[]; gate?: Promise<void> } {
  const c: Connector & { calls: string[]; gate?: Promise<void> } = {
    name: 'counting',
    commandTypes: ['CHECK_INTEGRATION_STATUS', 'REFRESH_TOKEN'],
    calls: [],
    async execute(cmd) {
      c.calls.push(cmd.action_id);
      if (c.gate) await c.gate;
      return { status: 'success', integration_status: 'CONNECTED', last_checked: new Date().toISOString() };
    },
  };
  return c;
}

const check = (id: string, agent = 'agent-1') => ({
  agent_id: agent,
  command: { action_id: id, command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'mailchimp' } },
});

const refresh = (id: string, agent = 'agent-r') => ({
  agent_id: agent,
  command: { action_id: id, command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
});

const CONFIG = {
  killSwitchRefreshMs: 100,
  killSwitchStaleMs: 400,
  killSwitchAckTimeoutMs: 600,
  killSwitchTwoPerson: false,
  killSwitchReleaseRequestTtlMs: 60_000,
  killSwitchHeldSweepMs: 60_000,
  anomalyAutoPause: true,
  anomalyRefreshThreshold: 3,
  anomalyRefreshWindowMs: 60_000,
};

describe('kill switch', () => {
  let schema: TestSchema;
  let ledger: Ledger;
  let policy: RegoPolicyEngine;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    await requirePostgres();
    policy = await RegoPolicyEngine.load({ dir: POLICIES, watch: false });
  }, 60_000);

  // One ledger per test: it is one deployment's audit, which a fresh switch restores from.
  beforeEach(async () => {
    schema = await freshSchema();
    ledger = await createLedger({ databaseUrl: schema.databaseUrl, dataDir: '.data', schema: schema.schema });
    await ledger.migrate();
  }, 60_000);

  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
    await ledger?.close();
    await schema?.drop();
  });

  afterAll(async () => {
    await policy?.close();
  });

  /** One replica: its kill switch, a pipeline gated by it, and what it requeued. */
  async function replica(
    prefix: string,
    opts: {
      queues?: Map<string, Queue>;
      twoPerson?: boolean;
      policy?: RegoPolicyEngine;
      requeueFails?: boolean;
    } = {},
  ) {
    const bus = new EventBus();
    const alerts: OrchestratorEvents['alert'][] = [];
    bus.on('alert', (a) => alerts.push(a));
    const connector = countingConnector();
    const connectors = new ConnectorRegistry();
    connectors.register(connector);
    const requeued: ActionRecord[] = [];
    const ks: KillSwitch = await createKillSwitch(
      { ...CONFIG, killSwitchPrefix: prefix, killSwitchTwoPerson: opts.twoPerson ?? false },
      {
        connection: redisOptions(REDIS_URL),
        ledger,
        bus,
        queues: opts.queues ?? new Map(),
        connectorOf: () => connector.name,
        requeue: async (a) => {
          if (opts.requeueFails) throw new Error('replica died while requeueing');
          requeued.push(a);
        },
      },
    );
    cleanup.push(() => ks.stop());
    const pipeline = new Pipeline({
      ledger,
      policy: opts.policy ?? policy,
      connectors,
      bus,
      historyWindowMs: 3_600_000,
      maxCommandBytes: 16_384,
      maxStringLength: 2_048,
      deadLetter: async () => {},
      gate: ks.replica,
    });
    return { ks, bus, alerts, connector, pipeline, requeued };
  }

  it('halts on every replica before it returns, keeps commands HELD, and a release runs them once', async () => {
    const prefix = randomName('ks');
    const a = await replica(prefix);
    const b = await replica(prefix);
    const halt = await a.ks.control.halt({ by: 'alice', reason: 'policy bypass suspected' });
    expect(halt.acknowledged_by).toEqual(expect.arrayContaining([a.ks.replica.id, b.ks.replica.id]));
    // "Returned" means "stopped": the other replica already applied the version.
    expect(b.ks.replica.state?.version).toBe(halt.version);
    expect(b.ks.replica.state?.master.halted).toBe(true);

    expect((await b.pipeline.process('q', check('held-1'))).status).toBe('HELD');
    expect(b.connector.calls).toEqual([]);
    const events = (await ledger.events('agent-1', 'held-1')).map((e) => e.status);
    expect(events).toEqual(['QUEUED', 'EVALUATING', 'ALLOWED', 'HELD']);
    // A redelivered job changes nothing while the switch is on.
    expect((await b.pipeline.process('q', check('held-1'))).status).toBe('HELD');

    const rel = await a.ks.control.release({ by: 'bob', reason: 'bypass ruled out' });
    expect(rel.requeued).toBeGreaterThanOrEqual(1);
    const job = a.requeued.find((r) => r.actionId === 'held-1')!;
    expect(job.status).toBe('HELD');
    // The requeued job: the current policy decides again, then it runs once.
    const data = { agent_id: job.agentId, command: job.command };
    expect((await b.pipeline.process('q', data)).status).toBe('SUCCESS');
    expect((await a.pipeline.process('q', data)).status).toBe('DUPLICATE');
    expect(b.connector.calls).toEqual(['held-1']);
    expect((await ledger.events('agent-1', 'held-1')).map((e) => e.status)).toEqual([
      'QUEUED',
      'EVALUATING',
      'ALLOWED',
      'HELD',
      'EVALUATING',
      'ALLOWED',
      'EXECUTING',
      'SUCCESS',
    ]);
    expect(await ledger.decisions('agent-1', 'held-1')).toHaveLength(2);

    // Audit: who, why, what, version; and a critical alert for each master flip.
    const flips = await ledger.switchFlips({ limit: 10 });
    expect(flips.slice(0, 2).map((f) => [f.operation, f.scopeKind, f.subject, f.reason, f.version])).toEqual([
      ['release', 'master', 'bob', 'bypass ruled out', rel.version],
      ['halt', 'master', 'alice', 'policy bypass suspected', halt.version],
    ]);
    const ksAlerts = a.alerts.filter((x) => x.kind === 'kill_switch');
    expect(ksAlerts.map((x) => [x.details.operation, x.alert.severity])).toEqual([
      ['halt', 'critical'],
      ['release', 'critical'],
    ]);
  });

  it('a sweep requeues the HELD actions a release left behind, and nothing while halted', async () => {
    const prefix = randomName('ks');
    const a = await replica(prefix);
    const dying = await replica(prefix, { requeueFails: true });
    await a.ks.control.halt({ by: 'alice', reason: 'incident' });
    expect((await a.pipeline.process('q', check('left-1'))).status).toBe('HELD');
    expect(await a.ks.control.sweepHeld()).toBe(0);
    // The release is recorded, but its replica fails before requeueing anything.
    await expect(dying.ks.control.release({ by: 'bob', reason: 'over' })).rejects.toThrow(/requeueing/);
    expect(a.requeued).toEqual([]);
    await a.ks.replica.refresh();
    expect(await a.ks.control.sweepHeld()).toBe(1);
    expect(a.requeued.map((r) => r.actionId)).toEqual(['left-1']);
  });

  it('halts by connector, command type and agent: only matching commands are held', async () => {
    const prefix = randomName('ks');
    const a = await replica(prefix);
    await a.ks.control.halt({
      by: 'alice',
      reason: 'agent misbehaves',
      scope: { kind: 'agent', value: 'agent-bad' },
    });
    expect((await a.pipeline.process('q', check('sc-1', 'agent-bad'))).status).toBe('HELD');
    expect((await a.pipeline.process('q', check('sc-2', 'agent-good'))).status).toBe('SUCCESS');
    await a.ks.control.halt({
      by: 'alice',
      reason: 'status checks hammer the bridge',
      scope: { kind: 'command_type', value: 'CHECK_INTEGRATION_STATUS' },
    });
    expect((await a.pipeline.process('q', check('sc-3', 'agent-good'))).status).toBe('HELD');
    await a.ks.control.release({
      by: 'bob',
      reason: 'bridge fixed',
      scope: { kind: 'command_type', value: 'CHECK_INTEGRATION_STATUS' },
    });
    await a.ks.control.halt({
      by: 'alice',
      reason: 'bridge down',
      scope: { kind: 'connector', value: 'counting' },
    });
    expect((await a.pipeline.process('q', check('sc-4', 'agent-good'))).status).toBe('HELD');
    const status = await a.ks.control.status();
    expect(Object.keys(status.scopes.agent)).toEqual(['agent-bad']);
    expect(Object.keys(status.scopes.connector)).toEqual(['counting']);
    expect(status.scopes.command_type).toEqual({});
    // Releasing the connector frees sc-3 and sc-4, not sc-1 (its agent is still halted).
    a.requeued.length = 0;
    await a.ks.control.release({
      by: 'bob',
      reason: 'bridge back',
      scope: { kind: 'connector', value: 'counting' },
    });
    expect(a.requeued.map((r) => r.actionId).sort()).toEqual(['sc-3', 'sc-4']);
    await expect(
      a.ks.control.release({ by: 'bob', reason: 'again', scope: { kind: 'connector', value: 'counting' } }),
    ).rejects.toMatchObject({ code: 'ORC_ERR_CONTROL_NOT_HALTED' });
    expect(a.connector.calls).toEqual(['sc-2']);
  });

  it('records a call already in flight when the halt lands, and reconciles its outcome', async () => {
    const prefix = randomName('ks');
    const a = await replica(prefix);
    let finish!: () => void;
    a.connector.gate = new Promise<void>((r) => {
      finish = r;
    });
    const running = a.pipeline.process('q', check('flight-1'));
    await eventually(async () => (a.connector.calls.length === 1 ? true : undefined), 5_000, 10);
    await a.ks.control.halt({ by: 'alice', reason: 'stop now' });
    expect(a.alerts.map((x) => x.kind)).toContain('kill_switch_in_flight');
    finish();
    expect((await running).status).toBe('SUCCESS');
    const last = (await ledger.events('agent-1', 'flight-1')).at(-1)!;
    expect(last.status).toBe('SUCCESS');
    expect(last.payload.in_flight_at_halt).toMatchObject({ halted_by: 'master' });
  });

  it('a replica that cannot read Redis executes nothing (fail closed)', async () => {
    const port = await closedPort();
    const dead = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    dead.on('error', () => {});
    const sub = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    sub.on('error', () => {});
    const replicaDown = new SwitchReplica({
      store: new SwitchStore(dead, randomName('ks')),
      subscriber: sub,
      refreshMs: 100,
      staleMs: 400,
    });
    await replicaDown.start().catch(() => {});
    cleanup.push(() => replicaDown.stop());
    const gate = replicaDown.check({
      agentId: 'a',
      actionId: 'x',
      commandType: 'CHECK_INTEGRATION_STATUS',
      connector: 'counting',
    });
    expect(gate).toMatchObject({ open: false, scope: 'stale' });

    // A replica that could read, then lost Redis, stops once its last read is too old.
    const a = await replica(randomName('ks'));
    expect((await a.pipeline.process('q', check('stale-0'))).status).toBe('SUCCESS');
    const b = await replica(randomName('ks'));
    const pipeline = new Pipeline({
      ledger,
      policy,
      connectors: (() => {
        const r = new ConnectorRegistry();
        r.register(b.connector);
        return r;
      })(),
      bus: new EventBus(),
      historyWindowMs: 3_600_000,
      maxCommandBytes: 16_384,
      maxStringLength: 2_048,
      deadLetter: async () => {},
      gate: replicaDown,
    });
    expect((await pipeline.process('q', check('stale-1'))).status).toBe('HELD');
    expect(b.connector.calls).toEqual([]);
    const held = (await ledger.events('agent-1', 'stale-1')).at(-1)!;
    expect(held.payload.halted_by).toBe('stale');
  });

  it('two-person rule: a release needs a second, different person', async () => {
    const prefix = randomName('ks');
    const a = await replica(prefix, { twoPerson: true });
    await a.ks.control.halt({ by: 'alice', reason: 'bypass' });
    const first = await a.ks.control.release({ by: 'alice', reason: 'looks fine' });
    expect(first.operation).toBe('release_requested');
    expect(first.pending?.requested_by).toBe('alice');
    expect(a.ks.replica.state?.master.halted).toBe(true);
    await expect(a.ks.control.release({ by: 'alice', reason: 'really' })).rejects.toMatchObject({
      code: 'ORC_ERR_CONTROL_SAME_PERSON',
    });
    expect((await a.ks.control.status()).pending_release?.by).toBe('alice');
    const second = await a.ks.control.release({ by: 'bob', reason: 'confirmed with alice' });
    expect(second.operation).toBe('release');
    expect(a.ks.replica.state?.master.halted).toBe(false);
    const ops = (await ledger.switchFlips({ limit: 3 })).map((f) => [f.operation, f.subject]);
    expect(ops).toEqual([
      ['release', 'bob'],
      ['release_requested', 'alice'],
      ['halt', 'alice'],
    ]);
    // A scoped release is not subject to the rule.
    await a.ks.control.halt({ by: 'alice', reason: 'x', scope: { kind: 'agent', value: 'agent-z' } });
    const scoped = await a.ks.control.release({
      by: 'alice',
      reason: 'y',
      scope: { kind: 'agent', value: 'agent-z' },
    });
    expect(scoped.operation).toBe('release');
  });

  it('keeps the switch across restarts, and restores it halted from the ledger when Redis lost it', async () => {
    const prefix = randomName('ks');
    const a = await replica(prefix);
    const halt = await a.ks.control.halt({ by: 'alice', reason: 'incident 42' });
    await a.ks.stop();
    const again = await replica(prefix);
    expect(again.ks.replica.state).toMatchObject({
      version: halt.version,
      master: { halted: true, by: 'alice' },
    });
    await again.ks.stop();

    // Redis lost the state (flushed, restarted empty): the ledger's last flip says halted.
    const r = new Redis(REDIS_URL);
    await r.del(`${prefix}:{ks}:state`);
    r.disconnect();
    const restored = await replica(prefix);
    expect(restored.ks.replica.state).toMatchObject({ version: halt.version + 1, master: { halted: true } });
    expect((await restored.pipeline.process('q', check('restored-1'))).status).toBe('HELD');
  });

  it('pause holds queued commands; after resume the policy in force then decides them', async () => {
    const queue = randomName('ksq');
    const q = new Queue(queue, { connection: redisOptions(REDIS_URL) });
    cleanup.push(async () => {
      await q.obliterate({ force: true });
      await q.close();
    });
    const dir = mkdtempSync(join(tmpdir(), 'orch-policy-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    cpSync(POLICIES, dir, { recursive: true });
    // The shipped tests pin the shipped risk table; this copy's policy changes it below.
    writeFileSync(
      join(dir, 'orchestrator_test.rego'),
      'package orchestrator_test\n\ntest_loads if { true }\n',
    );
    const engine = await RegoPolicyEngine.load({ dir, watch: false });
    cleanup.push(() => engine.close());
    const a = await replica(randomName('ks'), { queues: new Map([[queue, q]]), policy: engine });
    const poller = new Poller(a.pipeline, {
      queues: [queue],
      deadLetterQueue: `${queue}-dead`,
      concurrency: 4,
      lockMs: 5_000,
      connection: redisOptions(REDIS_URL),
    });
    poller.start();
    cleanup.push(() => poller.stop(2_000));
    await poller.ready();

    await a.ks.control.pause({ by: 'alice', reason: 'maintenance' });
    expect((await a.ks.control.status()).paused).toBe(true);
    await q.add('CHECK_INTEGRATION_STATUS', check('paused-1'));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ledger.getAction('agent-1', 'paused-1')).toBeUndefined();
    expect(a.connector.calls).toEqual([]);

    // The policy changes while paused: status checks are now HIGH risk (blocked).
    const dataPath = join(dir, 'data.json');
    const data = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(dataPath, 'utf8')));
    data.orchestrator.config.risk_by_type.CHECK_INTEGRATION_STATUS = 'HIGH';
    writeFileSync(dataPath, JSON.stringify(data));
    expect((await engine.reload()).ok).toBe(true);

    await a.ks.control.resume({ by: 'alice', reason: 'maintenance done' });
    const action = await eventually(async () => {
      const x = await ledger.getAction('agent-1', 'paused-1');
      return x && x.status !== 'QUEUED' && x.status !== 'EVALUATING' ? x : undefined;
    }, 10_000);
    expect(action.status).toBe('BLOCKED');
    expect(a.connector.calls).toEqual([]);
    expect((await ledger.decisions('agent-1', 'paused-1'))[0]?.revision).toBe(engine.revision);
    const ops = (await ledger.switchFlips({ limit: 2 })).map((f) => [f.operation, f.subject, f.reason]);
    expect(ops).toEqual([
      ['resume', 'alice', 'maintenance done'],
      ['pause', 'alice', 'maintenance'],
    ]);
  });

  it('a refresh storm raises a critical alert with the evidence and pauses the poller itself', async () => {
    const queue = randomName('ksq');
    const q = new Queue(queue, { connection: redisOptions(REDIS_URL) });
    cleanup.push(async () => {
      await q.obliterate({ force: true });
      await q.close();
    });
    const a = await replica(randomName('ks'), { queues: new Map([[queue, q]]) });
    const agent = randomName('agent');
    for (let i = 0; i < 3; i++) {
      // No jury: the shipped policy sends REFRESH_TOKEN (MEDIUM) to a person.
      expect((await a.pipeline.process('q', refresh(`storm-${i}`, agent))).status).toBe('NEEDS_APPROVAL');
    }
    await Promise.all([...a.ks.detector.pending]);
    const storm = a.alerts.filter((x) => x.kind === 'anomaly');
    expect(storm.length).toBeGreaterThanOrEqual(1);
    const byAgent = storm.find((x) => x.details.dimension === 'agent')!;
    expect(byAgent.alert.severity).toBe('critical');
    expect(byAgent.details).toMatchObject({
      type: 'refresh_token_storm',
      agent,
      service: 'google',
      count: 3,
      threshold: 3,
      window_ms: 60_000,
      auto_paused: true,
    });
    expect([...(byAgent.details.action_ids as string[])].sort()).toEqual(
      [0, 1, 2].map((i) => `${agent}/storm-${i}`),
    );
    expect(await q.isPaused()).toBe(true);
    const [flip] = await ledger.switchFlips({ limit: 1 });
    expect(flip).toMatchObject({ operation: 'pause', subject: 'system:anomaly-detector' });
    // It fires once per window, not on every further attempt.
    // (The shipped policy now blocks this agent's refreshes: it too saw the denials.)
    expect(['NEEDS_APPROVAL', 'BLOCKED']).toContain(
      (await a.pipeline.process('q', refresh('storm-3', agent))).status,
    );
    await Promise.all([...a.ks.detector.pending]);
    expect(a.alerts.filter((x) => x.kind === 'anomaly' && x.details.dimension === 'agent')).toHaveLength(1);
  });
});
