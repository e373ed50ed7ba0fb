/**
 * End to end through the real daemon process: a 401, a 403 and a timeout from the Apps Script
 * end as FAILED actions with the connector's envelope code while the daemon keeps serving; the
 * connector's health shows in /readyz and its series in /metrics; and experience sessions work
 * from the admin API through UPDATE_SESSION_LEG commands to GET /v1/sessions/:id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppsScriptStandIn, startAppsScriptStandIn } from '../support/apps-script-standin.ts';
import { type DaemonProcess, eventually, randomName, startDaemonProcess } from '../support/daemon-process.ts';

const AGENT = 'agent-token-connectors-0123456789';
const ADMIN = 'admin-token-connectors-0123456789';
const SECRET = 'standin-secret-connectors-e2e-0123';

type Json = Record<string, unknown>;

describe('connectors through the real daemon', () => {
  let daemon: DaemonProcess;
  let standin: AppsScriptStandIn;
  let dataDir: string;

  beforeAll(async () => {
    standin = await startAppsScriptStandIn({ secret: SECRET });
    dataDir = mkdtempSync(join(tmpdir(), 'orch-conn-e2e-'));
    daemon = await startDaemonProcess({
      DATA_DIR: dataDir,
      ORCHESTRATOR_QUEUES: randomName('conn'),
      DEAD_LETTER_QUEUE: randomName('conn-dead'),
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${AGENT},admin:root:${ADMIN}`,
      APPS_SCRIPT_URL: standin.url,
      APPS_SCRIPT_SECRET: SECRET,
      CONNECTOR_RESILIENCE: JSON.stringify({
        'apps-script': { timeoutMs: 300, retry: { attempts: 1 }, breaker: { consecutiveFailures: 50 } },
      }),
      POLICY_WATCH: 'false',
    });
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await standin?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const r = await fetch(`${daemon.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Json };
  };
  const terminal = (actionId: string): Promise<Json> =>
    eventually(async () => {
      const r = await call('GET', `/v1/actions/${actionId}`, AGENT);
      return ['SUCCESS', 'FAILED', 'BLOCKED', 'REJECTED', 'NEEDS_APPROVAL'].includes(r.body.status as string)
        ? r.body
        : undefined;
    });
  const check = (actionId: string) => ({
    action_id: actionId,
    command_type: 'CHECK_INTEGRATION_STATUS',
    params: { service: 'google' },
  });

  it('401, 403 and a timeout end FAILED with the envelope code; the daemon keeps serving', async () => {
    standin.failNext(1, 401);
    expect((await call('POST', '/v1/commands', AGENT, check('c-401'))).status).toBe(202);
    const a401 = await terminal('c-401');
    expect(a401).toMatchObject({ status: 'FAILED', error: { code: 'ORC_ERR_CONNECTOR_HTTP_4XX' } });

    standin.failNext(1, 403);
    await call('POST', '/v1/commands', AGENT, check('c-403'));
    expect(await terminal('c-403')).toMatchObject({
      status: 'FAILED',
      error: { code: 'ORC_ERR_CONNECTOR_HTTP_4XX' },
    });

    standin.slow(1_500);
    await call('POST', '/v1/commands', AGENT, check('c-timeout'));
    expect(await terminal('c-timeout')).toMatchObject({
      status: 'FAILED',
      error: { code: 'ORC_ERR_CONNECTOR_TIMEOUT' },
    });
    standin.slow(0);

    await call('POST', '/v1/commands', AGENT, check('c-ok'));
    expect(await terminal('c-ok')).toMatchObject({ status: 'SUCCESS' });

    expect(daemon.proc.exitCode).toBeNull();
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.connectors).toMatchObject({
      integrations: {
        state: 'closed',
        counters: { errorsByCode: { HTTP_4XX: 2, TIMEOUT: 1 } },
        lastError: { connector: 'apps-script', code: 'TIMEOUT', retryable: true },
      },
    });
    // The policy in force and this replica's view of the kill switch, as details.
    expect(ready.body.policy).toMatchObject({
      revision: expect.stringMatching(/^[0-9a-f]{64}$/),
      engine: 'rego',
    });
    expect(ready.body.kill_switch).toMatchObject({ master_halted: false, scoped_halts: 0, stale: false });
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(
      /orchestrator_connector_requests_total\{connector="apps-script",code="HTTP_4XX"\} 2/,
    );
    expect(metrics).toMatch(/orchestrator_connector_requests_total\{connector="apps-script",code="ok"\} 1/);
    expect(metrics).toMatch(
      /orchestrator_connector_attempt_duration_seconds_count\{connector="apps-script"\} 4/,
    );
    expect(daemon.output()).not.toContain(SECRET);
  });

  it('experience sessions: admin creates, the owning agent moves legs, refused moves end FAILED', async () => {
    const created = await call('POST', '/v1/admin/sessions', ADMIN, {
      session_id: 'trip-e2e-1',
      owner_agent_id: 'agent-7',
      legs: [{ leg_id: 'stay', kind: 'lodging' }],
    });
    expect(created.status).toBe(201);
    const move = (actionId: string, status: string) =>
      call('POST', '/v1/commands', AGENT, {
        action_id: actionId,
        command_type: 'UPDATE_SESSION_LEG',
        params: { session_id: 'trip-e2e-1', leg_id: 'stay', status },
      });
    await move('leg-skip', 'committed');
    const skipped = await terminal('leg-skip');
    expect(skipped).toMatchObject({
      status: 'FAILED',
      error: { code: 'ORC_ERR_CONNECTOR_INVALID_TRANSITION' },
    });
    expect((skipped.error as Json).message).toContain('cannot move from pending to committed');
    await move('leg-ready', 'ready');
    expect(await terminal('leg-ready')).toMatchObject({
      status: 'SUCCESS',
      result: { from: 'pending', to: 'ready' },
    });

    const read = await call('GET', '/v1/sessions/trip-e2e-1', AGENT);
    expect(read.status).toBe(200);
    expect(read.body.legs).toEqual([
      expect.objectContaining({ leg_id: 'stay', status: 'ready', version: 2 }),
    ]);
    const override = await call('POST', '/v1/admin/sessions/trip-e2e-1/legs/stay/override', ADMIN, {
      status: 'pending',
      reason: 'supplier withdrew the confirmation',
    });
    expect(override.status).toBe(200);
    expect(override.body.override).toMatchObject({
      admin: 'root',
      old_status: 'ready',
      new_status: 'pending',
    });
  });
});
