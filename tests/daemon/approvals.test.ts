/**
 * Human approvals with real parts: the Postgres ledger (fresh schema), the real Rego engine on
 * the shipped policy (REFRESH_TOKEN is judge-bound; without a jury it waits for a person) and a
 * counting connector. Plus the `/v1/approvals` routes through `app.inject`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { EventBus, type OrchestratorEvents } from '../../daemon/core/events.ts';
import type { Connector, Ledger, NewGrant, PolicyEngine } from '../../daemon/core/types.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { registerJuryReportMetrics } from '../../daemon/metrics-jury-report.ts';
import { Pipeline } from '../../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { apiFixture, TOKENS } from '../support/api-fixture.ts';
import { decideApproval, juryReport, listApprovals } from '../../daemon/sdk/index.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';
import { freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';

const POLICIES = resolve(import.meta.dirname, '../../policies');
const HOUR = 3_600_000;

function countingConnector(): Connector & { calls: number } {
  const c = {
    name: 'counting',
    commandTypes: ['REFRESH_TOKEN'],
    calls: 0,
    async execute() {
      c.calls++;
      return { status: 'success', refreshed: true };
    },
  };
  return c;
}

function setup(ledger: Ledger, policy: PolicyEngine, connector = countingConnector()) {
  const bus = new EventBus();
  const alerts: OrchestratorEvents['alert'][] = [];
  bus.on('alert', (a) => alerts.push(a));
  const connectors = new ConnectorRegistry();
  connectors.register(connector);
  const pipeline = new Pipeline({
    ledger,
    policy,
    connectors,
    bus,
    historyWindowMs: HOUR,
    maxCommandBytes: 16_384,
    maxStringLength: 2_048,
    deadLetter: async () => {},
  });
  return { pipeline, connector, alerts };
}

// One agent and service per action: the policy's refresh-storm rule counts both per hour.
const refresh = (id: string) => ({
  agent_id: `agent-${id}`,
  command: { action_id: id, command_type: 'REFRESH_TOKEN', params: { service: `svc-${id}` } },
});

describe('human approvals (pipeline)', () => {
  let schema: TestSchema;
  let ledger: Ledger;
  let policy: RegoPolicyEngine;
  let blocking: RegoPolicyEngine;
  let dir: string;

  beforeAll(async () => {
    await requirePostgres();
    schema = await freshSchema();
    ledger = await createLedger({ databaseUrl: schema.databaseUrl, dataDir: '.data', schema: schema.schema });
    await ledger.migrate();
    policy = await RegoPolicyEngine.load({ dir: POLICIES, watch: false });
    // The same policy after an edit: only someone else may refresh tokens now.
    dir = mkdtempSync(join(tmpdir(), 'orch-approvals-'));
    cpSync(POLICIES, dir, { recursive: true });
    // Its tests assume the shipped data (REFRESH_TOKEN judged), which this edit changes on
    // purpose; the engine only loads tested policies, so one test states the new rule.
    rmSync(join(dir, 'orchestrator_test.rego'));
    writeFileSync(
      join(dir, 'edit_test.rego'),
      [
        'package edit_test',
        '',
        'import data.orchestrator',
        '',
        'test_refresh_is_blocked_for_other_agents if {',
        '\torchestrator.decision.action == "block" with input as {"command": {"action_id": "x", "command_type": "REFRESH_TOKEN", "params": {"service": "gmail"}}, "agent": {"id": "agent-x", "queue": "q"}, "context": {"history": {"service": {"attempts_1h": 0, "denials_1h": 0}, "agent": {"attempts_1h": 0, "denials_1h": 0}}}, "now": "2026-01-01T00:00:00Z"}',
        '}',
        '',
      ].join('\n'),
    );
    const data = JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8'));
    data.orchestrator.config.allowlists.REFRESH_TOKEN = ['someone-else'];
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data));
    blocking = await RegoPolicyEngine.load({ dir, watch: false });
  }, 60_000);

  afterAll(async () => {
    await blocking?.close();
    await policy?.close();
    await ledger?.close();
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Submits a REFRESH_TOKEN (→ NEEDS_APPROVAL) and returns what a grant for it needs. */
  async function waiting(id: string, p: Pipeline): Promise<NewGrant> {
    expect((await p.process('q', refresh(id))).status).toBe('NEEDS_APPROVAL');
    const a = (await ledger.getAction(`agent-${id}`, id))!;
    return {
      agentId: `agent-${id}`,
      actionId: id,
      approver: 'alice',
      decision: 'approve',
      reason: 'owner asked',
      paramsDigest: a.payloadHash,
      policyRevision: policy.revision!,
      expiresAt: new Date(Date.now() + HOUR).toISOString(),
    };
  }

  it('executes an approved command exactly once; replays do nothing', async () => {
    const { pipeline, connector } = setup(ledger, policy);
    const g = await waiting('ap-1', pipeline);
    // No grant yet: the job does nothing.
    expect((await pipeline.process('q', refresh('ap-1'))).status).toBe('DUPLICATE');
    expect(await ledger.grantApproval(g)).toBe(true);
    expect(await ledger.grantApproval({ ...g, approver: 'bob' })).toBe(false);
    expect((await pipeline.process('q', refresh('ap-1'))).status).toBe('SUCCESS');
    expect((await pipeline.process('q', refresh('ap-1'))).status).toBe('DUPLICATE');
    expect(await ledger.consumeGrant('agent-ap-1', 'ap-1')).toBeUndefined();
    expect(connector.calls).toBe(1);
    const events = await ledger.events('agent-ap-1', 'ap-1');
    expect(events.map((e) => e.status)).toEqual([
      'QUEUED',
      'EVALUATING',
      'JUDGING',
      'NEEDS_APPROVAL',
      'APPROVED',
      'EXECUTING',
      'SUCCESS',
    ]);
    expect(events[4]!.payload).toMatchObject({ approver: 'alice', reason: 'owner asked' });
    expect(await ledger.decisions('agent-ap-1', 'ap-1')).toHaveLength(2);
  });

  it("pairs the jury's outcomes with people's decisions for the agreement report", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    for (const [id, human] of [
      ['jr-1', 'approve'],
      ['jr-2', 'reject'],
    ] as const) {
      await ledger.createAction({
        agentId: 'agent-jr',
        actionId: id,
        commandType: 'REFRESH_TOKEN',
        command: { action_id: id, command_type: 'REFRESH_TOKEN', params: { service: 'gmail' } },
        payloadHash: 'h',
        queue: 'q',
      });
      for (const st of ['EVALUATING', 'JUDGING'] as const) await ledger.transition('agent-jr', id, st, {});
      await ledger.transition('agent-jr', id, 'NEEDS_APPROVAL', {
        jury: {
          outcome: 'needs_approval',
          votes: [{ verdict: 'approve' }, { verdict: 'reject' }, { verdict: null }],
        },
      });
      await ledger.grantApproval({
        agentId: 'agent-jr',
        actionId: id,
        approver: 'alice',
        decision: human,
        reason: 'checked',
        paramsDigest: 'h',
        policyRevision: 'rev',
        expiresAt: new Date(Date.now() + HOUR).toISOString(),
      });
    }
    const rows = await ledger.juryReviews(since);
    expect(rows).toEqual(
      expect.arrayContaining([
        { jury: 'needs_approval', human: 'approve', verdicts: ['approve', 'reject', null] },
        { jury: 'needs_approval', human: 'reject', verdicts: ['approve', 'reject', null] },
      ]),
    );
    // Grants without a jury record (the pipeline above has no jury) are not reviews.
    expect(rows).toHaveLength(2);
  });

  it('lets two racing jobs consume one grant once', async () => {
    const { pipeline, connector } = setup(ledger, policy);
    const g = await waiting('ap-race', pipeline);
    await ledger.grantApproval(g);
    const r = await Promise.all([
      pipeline.process('q', refresh('ap-race')),
      pipeline.process('q', refresh('ap-race')),
    ]);
    // The loser either finds the grant used (DUPLICATE) or, arriving mid-call, takes the
    // existing EXECUTING-redelivery path (FAILED, outcome unknown); either way one call.
    expect(r.filter((x) => x.status === 'SUCCESS')).toHaveLength(1);
    expect(connector.calls).toBe(1);
  });

  it('refuses an approver equal to the agent (in the ledger too)', async () => {
    const { pipeline } = setup(ledger, policy);
    const g = await waiting('ap-self', pipeline);
    await expect(ledger.grantApproval({ ...g, approver: g.agentId })).rejects.toThrow();
  });

  it('blocks when the current policy blocks, even with an approval', async () => {
    const first = setup(ledger, policy);
    const g = await waiting('ap-block', first.pipeline);
    await ledger.grantApproval(g);
    const now = setup(ledger, blocking);
    expect((await now.pipeline.process('q', refresh('ap-block'))).status).toBe('BLOCKED');
    expect(now.connector.calls).toBe(0);
    expect(now.alerts.map((a) => a.kind)).toContain('approval_overridden');
    expect((await ledger.getAction('agent-ap-block', 'ap-block'))!.status).toBe('BLOCKED');
  });

  it('ends EXPIRED, without executing, a command whose approval lapsed', async () => {
    const { pipeline, connector, alerts } = setup(ledger, policy);
    const g = await waiting('ap-old', pipeline);
    await ledger.grantApproval({ ...g, expiresAt: new Date(Date.now() - 1_000).toISOString() });
    expect((await pipeline.process('q', refresh('ap-old'))).status).toBe('EXPIRED');
    const a = (await ledger.getAction('agent-ap-old', 'ap-old'))!;
    expect(a.status).toBe('EXPIRED');
    expect(a.error?.code).toBe('ORC_ERR_APPROVAL_GRANT_EXPIRED');
    expect((await ledger.events('agent-ap-old', 'ap-old')).at(-1)).toMatchObject({
      status: 'EXPIRED',
      payload: { approver: 'alice' },
    });
    expect(alerts.find((x) => x.kind === 'approval_expired')?.alert.teams).toEqual(['operations']);
    // A replay finds a terminal action.
    expect((await pipeline.process('q', refresh('ap-old'))).status).toBe('DUPLICATE');
    expect(connector.calls).toBe(0);
  });

  it('sweeps lapsed approvals whose job never ran, once across racing sweepers', async () => {
    const { pipeline, connector } = setup(ledger, policy);
    const other = setup(ledger, policy).pipeline;
    const g = await waiting('ap-sweep', pipeline);
    const fresh = await waiting('ap-fresh', pipeline);
    await ledger.grantApproval({ ...g, expiresAt: new Date(Date.now() - 1_000).toISOString() });
    await ledger.grantApproval(fresh);
    const [x, y] = await Promise.all([pipeline.expireLapsedApprovals(), other.expireLapsedApprovals()]);
    expect(x + y).toBe(1);
    expect((await ledger.getAction('agent-ap-sweep', 'ap-sweep'))!.status).toBe('EXPIRED');
    // An approval still within its time is left alone, and runs.
    expect((await ledger.getAction('agent-ap-fresh', 'ap-fresh'))!.status).toBe('NEEDS_APPROVAL');
    expect((await pipeline.process('q', refresh('ap-fresh'))).status).toBe('SUCCESS');
    expect(connector.calls).toBe(1);
  });

  it('does nothing with a grant for another command', async () => {
    const { pipeline, connector, alerts } = setup(ledger, policy);
    const h = await waiting('ap-other', pipeline);
    await ledger.grantApproval({ ...h, paramsDigest: 'f'.repeat(64) });
    expect((await pipeline.process('q', refresh('ap-other'))).status).toBe('DUPLICATE');
    expect(alerts.map((a) => a.kind)).toContain('approval_mismatch');
    expect(connector.calls).toBe(0);
    expect((await ledger.getAction('agent-ap-other', 'ap-other'))!.status).toBe('NEEDS_APPROVAL');
  });

  it('never executes a rejected action', async () => {
    const { pipeline, connector } = setup(ledger, policy);
    const g = await waiting('ap-no', pipeline);
    await ledger.grantApproval({ ...g, decision: 'reject' });
    expect((await pipeline.process('q', refresh('ap-no'))).status).toBe('DUPLICATE');
    expect(
      await ledger.transition(
        'agent-ap-no',
        'ap-no',
        'REJECTED',
        { approver: 'alice' },
        { from: ['NEEDS_APPROVAL'] },
      ),
    ).toBe(true);
    expect((await pipeline.process('q', refresh('ap-no'))).status).toBe('DUPLICATE');
    expect(connector.calls).toBe(0);
  });
});

describe('/v1/approvals', () => {
  it('lists, validates, refuses self-approval, approves once and rejects', async () => {
    const requeued: string[] = [];
    const bus = new EventBus();
    const moves: OrchestratorEvents['transition'][] = [];
    bus.on('transition', (e) => moves.push(e));
    const f = apiFixture({
      approvals: {
        bus,
        policyRevision: () => 'rev-1',
        requeue: async (agentId, actionId) => void requeued.push(`${agentId}/${actionId}`),
      },
    });
    try {
      const put = async (agentId: string, actionId: string) => {
        await f.ledger.createAction({
          agentId,
          actionId,
          commandType: 'REFRESH_TOKEN',
          command: { action_id: actionId, command_type: 'REFRESH_TOKEN', params: { service: 'gmail' } },
          payloadHash: 'h',
          queue: 'q',
        });
        for (const s of ['EVALUATING', 'JUDGING'] as const)
          await f.ledger.transition(agentId, actionId, s, {});
        await f.ledger.transition(agentId, actionId, 'NEEDS_APPROVAL', {
          reason: 'jury',
          jury: { outcome: 'needs_approval', votes: [{ verdict: 'reject' }, { verdict: 'approve' }] },
        });
      };
      await put('agent-a', 'r-1');
      await put('alice', 'r-2'); // submitted by an agent whose id equals the oncall's subject
      await put('agent-b', 'r-3');

      expect(
        (await f.app.inject({ method: 'GET', url: '/v1/approvals', headers: f.auth('agentA') })).statusCode,
      ).toBe(403);
      expect((await f.app.inject({ method: 'GET', url: '/v1/approvals' })).statusCode).toBe(401);
      const list = await f.app.inject({ method: 'GET', url: '/v1/approvals', headers: f.auth('security') });
      expect(list.statusCode).toBe(200);
      const items = list.json().approvals as { action_id: string; jury: unknown }[];
      expect(items.map((i) => i.action_id).sort()).toEqual(['r-1', 'r-2', 'r-3']);
      expect(items[0]!.jury).toMatchObject({ outcome: 'needs_approval' });

      const post = (id: string, who: 'oncall' | 'agentA' | 'security', payload: unknown) =>
        f.app.inject({
          method: 'POST',
          url: `/v1/approvals/${id}`,
          headers: f.auth(who),
          payload: payload as object,
        });

      const bad = await post('r-1', 'oncall', { decision: 'maybe', reason: '' });
      expect(bad.statusCode).toBe(400);
      const paths = (bad.json().error.details.issues as { path: string }[]).map((i) => i.path);
      expect(paths.some((p) => p.startsWith('body.'))).toBe(true);
      expect(paths.join(' ')).toMatch(/body\.(decision|reason)/);
      expect(
        (await post('r-1', 'oncall', { decision: 'approve', reason: 'x'.repeat(501) })).json().error.details
          .issues[0].path,
      ).toBe('body.reason');
      expect((await post('r-1', 'agentA', { decision: 'approve', reason: 'mine' })).statusCode).toBe(403);
      expect((await post('nope', 'oncall', { decision: 'approve', reason: 'ok' })).statusCode).toBe(404);

      const self = await post('r-2', 'oncall', { decision: 'approve', reason: 'ok' });
      expect(self.statusCode).toBe(403);
      expect(self.json().error.code).toBe('ORC_ERR_APPROVAL_SELF_APPROVAL');

      const ok = await post('r-1', 'oncall', { decision: 'approve', reason: 'owner asked' });
      expect(ok.statusCode).toBe(202);
      expect(requeued).toEqual(['agent-a/r-1']);
      const again = await post('r-1', 'security', { decision: 'approve', reason: 'again' });
      expect(again.statusCode).toBe(409);
      expect(requeued).toHaveLength(1);
      const grant = await f.ledger.consumeGrant('agent-a', 'r-1');
      expect(grant).toMatchObject({ approver: 'alice', decision: 'approve', policyRevision: 'rev-1' });

      // The SDK (and so the CLI) over a real port.
      const url = await f.app.listen({ port: 0, host: '127.0.0.1' });
      const client = { baseUrl: url, token: TOKENS.security.token };
      // r-1 waits (approved, not yet re-run by a worker) until its job runs.
      expect((await listApprovals(client)).map((a) => a.action_id).sort()).toEqual(['r-1', 'r-2', 'r-3']);
      await expect(
        decideApproval(client, 'r-1', { decision: 'approve', reason: 'again' }),
      ).rejects.toMatchObject({
        code: 'ORC_ERR_APPROVAL_ALREADY_DECIDED',
      });

      const no = await post('r-3', 'security', { decision: 'reject', reason: 'not now' });
      expect(no.statusCode).toBe(200);
      expect((await f.ledger.getAction('agent-b', 'r-3'))!.status).toBe('REJECTED');
      // Announced like the pipeline's own transitions (metrics and alerts listen to these).
      expect(moves).toEqual([
        expect.objectContaining({
          actionId: 'r-3',
          from: 'NEEDS_APPROVAL',
          to: 'REJECTED',
          payload: { approver: 'sec-team', reason: 'not now' },
        }),
      ]);
      expect(
        (await post('r-3', 'security', { decision: 'approve', reason: 'changed my mind' })).statusCode,
      ).toBe(404);

      // r-1: the jury did not approve, a person approved (an override); r-3: both said no.
      const report = await f.app.inject({
        method: 'GET',
        url: '/v1/jury/report?days=1',
        headers: f.auth('security'),
      });
      expect(report.statusCode).toBe(200);
      expect(report.json()).toMatchObject({
        reviews: 2,
        agreement: 0.5,
        kappa: 0,
        overrideRate: 0.5,
        dissentRate: 1,
      });
      expect(
        (await f.app.inject({ method: 'GET', url: '/v1/jury/report', headers: f.auth('agentA') })).statusCode,
      ).toBe(403);
      expect(await juryReport(client, 1)).toMatchObject({ reviews: 2, agreement: 0.5 });

      // The same figures as metrics.
      const registry = new Registry();
      registerJuryReportMetrics(registry, f.ledger, { windowDays: 1 });
      const text = await registry.metrics();
      expect(text).toMatch(/^orchestrator_jury_reviews 2$/m);
      expect(text).toMatch(/^orchestrator_jury_agreement_ratio 0\.5$/m);
      expect(text).toMatch(/^orchestrator_jury_cohen_kappa 0$/m);
      expect(text).toMatch(/^orchestrator_jury_override_ratio 0\.5$/m);
      expect(text).toMatch(/^orchestrator_jury_dissent_ratio 1$/m);
      const empty = new Registry();
      registerJuryReportMetrics(empty, new MemoryLedger());
      expect(await empty.metrics()).toMatch(/^orchestrator_jury_agreement_ratio NaN$/im);
    } finally {
      await f.close();
    }
  });
});
