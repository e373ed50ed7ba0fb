/**
 * The pipeline's fail-closed behaviour with real parts: the Postgres ledger (fresh schema), the
 * real Rego policy engine on the shipped policy, and a counting connector.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { EventBus, type OrchestratorEvents } from '../../daemon/core/events.ts';
import type { Connector, Ledger, PolicyEngine } from '../../daemon/core/types.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { Pipeline } from '../../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { runJury } from '../../judges/jury.ts';
import { ENV, testPanel } from '../support/jury-fixture.ts';
import { startOpenAIStandIn } from '../support/openai-standin.ts';
import { closedPort, freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';

const POLICIES = resolve(import.meta.dirname, '../../policies');

function countingConnector(): Connector & { calls: number } {
  const c = {
    name: 'counting',
    commandTypes: ['CHECK_INTEGRATION_STATUS'],
    calls: 0,
    async execute() {
      c.calls++;
      return { status: 'success', integration_status: 'CONNECTED', last_checked: new Date().toISOString() };
    },
  };
  return c;
}

function setup(
  ledger: Ledger,
  policy: PolicyEngine,
  extra: Partial<ConstructorParameters<typeof Pipeline>[0]> = {},
) {
  const bus = new EventBus();
  const alerts: OrchestratorEvents['alert'][] = [];
  bus.on('alert', (a) => alerts.push(a));
  const connector = countingConnector();
  const connectors = new ConnectorRegistry();
  connectors.register(connector);
  const dead: unknown[] = [];
  const pipeline = new Pipeline({
    ledger,
    policy,
    connectors,
    bus,
    historyWindowMs: 3_600_000,
    maxCommandBytes: 16_384,
    maxStringLength: 2_048,
    deadLetter: async (job) => {
      dead.push(job);
    },
    ...extra,
  });
  return { pipeline, connector, alerts, dead };
}

const check = (id: string) => ({
  agent_id: 'agent-1',
  command: { action_id: id, command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'mailchimp' } },
});

describe('pipeline fails closed', () => {
  let schema: TestSchema;
  let ledger: Ledger;
  let policy: RegoPolicyEngine;

  beforeAll(async () => {
    await requirePostgres();
    schema = await freshSchema();
    ledger = await createLedger({ databaseUrl: schema.databaseUrl, dataDir: '.data', schema: schema.schema });
    await ledger.migrate();
    policy = await RegoPolicyEngine.load({ dir: POLICIES, watch: false });
  }, 60_000);

  afterAll(async () => {
    await policy?.close();
    await ledger?.close();
    await schema?.drop();
  });

  it('runs an allowed command once and records every transition', async () => {
    const { pipeline, connector } = setup(ledger, policy);
    expect((await pipeline.process('q', check('ok-1'))).status).toBe('SUCCESS');
    expect((await pipeline.process('q', check('ok-1'))).status).toBe('DUPLICATE');
    expect(connector.calls).toBe(1);
    const events = await ledger.events('agent-1', 'ok-1');
    expect(events.map((e) => e.status)).toEqual(['QUEUED', 'EVALUATING', 'ALLOWED', 'EXECUTING', 'SUCCESS']);
    expect(await ledger.decisions('agent-1', 'ok-1')).toHaveLength(1);
  });

  it('asks the policy once per command, whatever it decides', async () => {
    let asked = 0;
    const counting: PolicyEngine = {
      kind: 'rego',
      get revision() {
        return policy.revision;
      },
      decide(input) {
        asked++;
        return policy.decide(input);
      },
      close: async () => {},
    };
    const { pipeline } = setup(ledger, counting);
    const job = (id: string, command_type: string, service: string) => ({
      agent_id: `agent-once-${id}`,
      command: { action_id: id, command_type, params: { service } },
    });
    const outcomes: [string, number][] = [];
    for (const [id, type, service] of [
      ['once-allow', 'CHECK_INTEGRATION_STATUS', 'mailchimp'],
      ['once-judge', 'REFRESH_TOKEN', 'once-svc-1'],
      ['once-block', 'CONNECT_INTEGRATION', 'once-svc-2'],
    ] as const) {
      asked = 0;
      outcomes.push([(await pipeline.process('q', job(id, type, service))).status, asked]);
    }
    expect(outcomes).toEqual([
      ['SUCCESS', 1],
      ['NEEDS_APPROVAL', 1],
      ['BLOCKED', 1],
    ]);
  });

  it('executes nothing and rejects (so the queue retries) when the ledger cannot be written', async () => {
    const port = await closedPort();
    const down = await createLedger({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir: '.data',
    });
    const { pipeline, connector } = setup(down, policy);
    await expect(pipeline.process('q', check('down-1'))).rejects.toMatchObject({
      code: 'ORC_ERR_LEDGER_UNAVAILABLE',
    });
    expect(connector.calls).toBe(0);
    await down.close();
  });

  it('blocks with a critical alert when the policy cannot answer (step limit)', async () => {
    const tiny = await RegoPolicyEngine.load({ dir: POLICIES, watch: false, maxSteps: 3 });
    const { pipeline, connector, alerts } = setup(ledger, tiny);
    expect((await pipeline.process('q', check('limit-1'))).status).toBe('BLOCKED');
    expect(connector.calls).toBe(0);
    const a = await ledger.getAction('agent-1', 'limit-1');
    expect(a?.error?.code).toBe('ORC_ERR_POLICY_LIMIT');
    expect(alerts.map((x) => [x.kind, x.alert.severity])).toContainEqual(['policy_error', 'critical']);
    await tiny.close();
  });

  it('keeps deciding with the last good policy when a reload is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-policy-'));
    cpSync(POLICIES, dir, { recursive: true });
    const engine = await RegoPolicyEngine.load({ dir, watch: false });
    const before = engine.revision;
    writeFileSync(join(dir, 'orchestrator.rego'), 'package orchestrator\n\ndecision := {');
    const r = await engine.reload();
    expect(r.ok).toBe(false);
    expect(engine.revision).toBe(before);
    const { pipeline, connector } = setup(ledger, engine);
    expect((await pipeline.process('q', check('reload-1'))).status).toBe('SUCCESS');
    expect(connector.calls).toBe(1);
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects an invalid job with field-level issues, dead-letters it, and never retries it', async () => {
    const { pipeline, connector, dead } = setup(ledger, policy);
    const bad = {
      agent_id: 'agent-1',
      command: { action_id: 'bad-1', command_type: 'REFRESH_TOKEN', params: { service: 7 } },
    };
    expect((await pipeline.process('q', bad)).status).toBe('REJECTED');
    expect(dead).toHaveLength(1);
    const a = await ledger.getAction('agent-1', 'bad-1');
    expect(a?.status).toBe('REJECTED');
    const rejected = (await ledger.events('agent-1', 'bad-1')).find((e) => e.status === 'REJECTED');
    expect(JSON.stringify(rejected?.payload)).toContain('params.service');
    expect(connector.calls).toBe(0);
  });

  it('shadow mode records the jury verdict but sends the command to a person', async () => {
    const llm = await startOpenAIStandIn();
    try {
      llm.scriptDefault({ verdict: 'approve' });
      const panel = testPanel(llm.baseUrl, 'shadow');
      const jury = (req: Parameters<typeof runJury>[1]) => runJury(panel, req, { env: ENV });
      const refresh = {
        agent_id: 'agent-1',
        command: { action_id: 'shadow-1', command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
      };
      const shadow = setup(ledger, policy, { jury, juryShadow: true });
      expect((await shadow.pipeline.process('q', refresh)).status).toBe('NEEDS_APPROVAL');
      const last = (await ledger.events('agent-1', 'shadow-1')).at(-1)!;
      expect(last.payload).toMatchObject({ jury: { outcome: 'approve', required: 2 } });
      expect(String(last.payload.reason)).toContain('shadow mode');
      // The same jury, trusted: the command is approved (no connector for REFRESH_TOKEN here, so it fails without a call).
      const live = setup(ledger, policy, { jury });
      const r = await live.pipeline.process('q', {
        ...refresh,
        command: { ...refresh.command, action_id: 'shadow-2' },
      });
      expect((await ledger.events('agent-1', 'shadow-2')).map((e) => e.status)).toContain('APPROVED');
      expect(r.status).toBe('FAILED');
    } finally {
      await llm.close();
    }
  });

  it('refuses a queued job whose content differs from the accepted command', async () => {
    const { pipeline, connector, alerts, dead } = setup(ledger, policy);
    expect((await pipeline.process('q', check('tamper-1'))).status).toBe('SUCCESS');
    const forged = {
      agent_id: 'agent-1',
      command: { ...check('tamper-1').command, params: { service: 'google' } },
    };
    expect((await pipeline.process('q', forged)).status).toBe('DUPLICATE');
    expect(dead).toHaveLength(1);
    expect(alerts.map((x) => x.kind)).toContain('payload_mismatch');
    expect(connector.calls).toBe(1);
  });
});
