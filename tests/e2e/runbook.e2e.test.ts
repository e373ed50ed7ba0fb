/**
 * End to end: the real daemon process, real Redis, the embedded PGlite ledger, and a local
 * Apps Script stand-in. The runbook's commands (runbooks/integration-management.md) must end
 * SUCCESS / NEEDS_APPROVAL / BLOCKED, duplicates must not execute twice, and malformed commands
 * must be rejected with field-level reasons.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, eventually, randomName, startDaemonProcess } from '../support/daemon-process.ts';
import { startAppsScriptStandIn } from '../support/apps-script-standin.ts';

const AGENT_TOKEN = 'agent-token-0123456789abcdef';
const ONCALL_TOKEN = 'oncall-token-0123456789abcdef';
const SECRET = 'standin-shared-secret-for-tests';

type Json = Record<string, unknown>;

describe('runbook commands through the real daemon', () => {
  let daemon: DaemonProcess;
  let standin: Awaited<ReturnType<typeof startAppsScriptStandIn>>;
  let dataDir: string;

  beforeAll(async () => {
    standin = await startAppsScriptStandIn({ secret: SECRET });
    dataDir = mkdtempSync(join(tmpdir(), 'orch-e2e-'));
    daemon = await startDaemonProcess({
      DATA_DIR: dataDir,
      ORCHESTRATOR_QUEUES: randomName('e2e'),
      DEAD_LETTER_QUEUE: randomName('e2e-dead'),
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${AGENT_TOKEN},oncall:alice:${ONCALL_TOKEN}`,
      APPS_SCRIPT_URL: standin.url,
      APPS_SCRIPT_SECRET: SECRET,
      POLICY_WATCH: 'false',
    });
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await standin?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = async (body: unknown, token = AGENT_TOKEN): Promise<{ status: number; body: Json }> => {
    const r = await fetch(`${daemon.url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Json };
  };

  const terminal = (actionId: string): Promise<Json> =>
    eventually(async () => {
      const r = await fetch(`${daemon.url}/v1/actions/${actionId}`, {
        headers: { authorization: `Bearer ${AGENT_TOKEN}` },
      });
      if (r.status !== 200) return undefined;
      const a = (await r.json()) as Json;
      return ['SUCCESS', 'FAILED', 'BLOCKED', 'REJECTED', 'NEEDS_APPROVAL'].includes(a.status as string)
        ? a
        : undefined;
    });

  it('CHECK_INTEGRATION_STATUS (LOW) runs without a jury and returns the bridge result', async () => {
    const s = await submit({
      action_id: 'rb-check-1',
      command_type: 'CHECK_INTEGRATION_STATUS',
      params: { service: 'mailchimp' },
      severity: 'LOW',
    });
    expect(s.status).toBe(202);
    expect(s.body).toEqual({ action_id: 'rb-check-1', status: 'QUEUED' });
    const a = await terminal('rb-check-1');
    expect(a.status).toBe('SUCCESS');
    expect(a.result).toMatchObject({ status: 'success', integration_status: 'CONNECTED' });
    expect(typeof (a.result as Json).last_checked).toBe('string');
    expect((a.decision as Json).risk).toBe('LOW');
    expect(standin.executions('rb-check-1')).toBe(1);
  });

  it('REFRESH_TOKEN (MEDIUM) goes to the jury path and, with no jury, ends NEEDS_APPROVAL', async () => {
    await submit({
      action_id: 'rb-refresh-1',
      command_type: 'REFRESH_TOKEN',
      params: { service: 'google' },
      severity: 'MEDIUM',
    });
    const a = await terminal('rb-refresh-1');
    expect(a.status).toBe('NEEDS_APPROVAL');
    expect((a.decision as Json).action).toBe('judge');
    expect(standin.executions('rb-refresh-1')).toBe(0);
  });

  it('a REFRESH_TOKEN declared LOW still goes to the jury path', async () => {
    await submit({
      action_id: 'rb-refresh-low',
      command_type: 'REFRESH_TOKEN',
      params: { service: 'meta' },
      severity: 'LOW',
    });
    const a = await terminal('rb-refresh-low');
    expect(a.status).toBe('NEEDS_APPROVAL');
    expect((a.decision as Json).risk).toBe('MEDIUM');
  });

  it('CONNECT_INTEGRATION (HIGH) ends BLOCKED with the rationale and an alert naming service and agent', async () => {
    await submit({
      action_id: 'rb-connect-1',
      command_type: 'CONNECT_INTEGRATION',
      params: { service: 'chatwoot' },
      severity: 'HIGH',
    });
    const a = await terminal('rb-connect-1');
    expect(a.status).toBe('BLOCKED');
    expect((a.result as Json).rationale).toBe(
      'Action blocked by policy: New integrations require manual security and permissions review.',
    );
    const blocked = (a.events as Json[]).find((e) => e.status === 'BLOCKED')!;
    const alert = (blocked.payload as Json).alert as Json;
    expect(alert).toMatchObject({ severity: 'critical', service: 'chatwoot', agent: 'agent-7' });
    expect(standin.executions('rb-connect-1')).toBe(0);
  });

  it('the same action_id again returns the existing record and never executes twice', async () => {
    const body = {
      action_id: 'rb-dup-1',
      command_type: 'CHECK_INTEGRATION_STATUS',
      params: { service: 'shopify' },
    };
    expect((await submit(body)).status).toBe(202);
    await terminal('rb-dup-1');
    const again = await submit(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ action_id: 'rb-dup-1', status: 'SUCCESS' });
    const conflict = await submit({ ...body, params: { service: 'google' } });
    expect(conflict.status).toBe(409);
    expect(standin.executions('rb-dup-1')).toBe(1);
  });

  it('malformed commands are rejected with field-level reasons', async () => {
    const r = await submit({
      action_id: 'rb-bad-1',
      command_type: 'REFRESH_TOKEN',
      params: { service: 42 },
      extra: true,
    });
    expect(r.status).toBe(400);
    const issues = ((r.body.error as Json).details as Json).issues as Json[];
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('params.service');
    expect(issues.every((i) => typeof i.message === 'string' && (i.message as string).length > 0)).toBe(true);
  });

  it('serves readiness and metrics', async () => {
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    const m = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(m).toContain('orchestrator_commands_total');
    expect(m).toContain('orchestrator_policy_revision_info');
  });
});
