/**
 * End to end: the real daemon process with Slack and PagerDuty stand-ins. A BLOCKED connect
 * request produces exactly one Slack and one PagerDuty delivery carrying the service and the
 * agent, although the Slack stand-in refuses the first attempts (issue 6, "done when").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../daemon/main.ts';
import { type DaemonProcess, eventually, randomName, startDaemonProcess } from '../support/daemon-process.ts';
import type { HttpStandIn } from '../support/http-standin.ts';
import { type PagerDutyStandIn, startPagerDutyStandIn } from '../support/pagerduty-standin.ts';
import { startSlackStandIn } from '../support/slack-standin.ts';

const AGENT_TOKEN = 'agent-token-alerts-0123456789';

describe('alerts through the real daemon', () => {
  let daemon: DaemonProcess;
  let slack: HttpStandIn;
  let pd: PagerDutyStandIn;
  let dataDir: string;
  const alertQueue = randomName('alerts-e2e');

  beforeAll(async () => {
    [slack, pd] = await Promise.all([startSlackStandIn(), startPagerDutyStandIn()]);
    dataDir = mkdtempSync(join(tmpdir(), 'orch-alerts-e2e-'));
    daemon = await startDaemonProcess({
      DATA_DIR: dataDir,
      ORCHESTRATOR_QUEUES: randomName('e2e'),
      DEAD_LETTER_QUEUE: randomName('e2e-dead'),
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${AGENT_TOKEN}`,
      POLICY_WATCH: 'false',
      ALERT_QUEUE: alertQueue,
      ALERT_BACKOFF_MS: '50',
      ALERT_BACKOFF_MAX_MS: '200',
      SLACK_WEBHOOK_URL: slack.url,
      PAGERDUTY_ROUTING_KEY: pd.routingKey,
      PAGERDUTY_EVENTS_URL: pd.url,
      LOG_LEVEL: 'info',
    });
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await Promise.all([slack?.close(), pd?.close()]);
    const q = new Queue(alertQueue, { connection: redisOptions('redis://127.0.0.1:6379') });
    await q.obliterate({ force: true });
    await q.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a BLOCKED connect request: one Slack and one PagerDuty delivery naming service and agent', async () => {
    slack.failNext(3, 503);
    const r = await fetch(`${daemon.url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        action_id: 'alert-connect-1',
        command_type: 'CONNECT_INTEGRATION',
        params: { service: 'chatwoot' },
        severity: 'HIGH',
      }),
    });
    expect(r.status).toBe(202);
    await eventually(async () =>
      slack.accepted().length === 1 && pd.accepted().length === 1 ? true : undefined,
    );
    // Give a duplicate the time to show up, had there been one.
    await new Promise((res) => setTimeout(res, 500));
    expect(slack.accepted()).toHaveLength(1);
    expect(pd.accepted()).toHaveLength(1);
    expect(slack.requests.filter((q) => q.status === 503)).toHaveLength(3);
    const slackText = slack.accepted()[0]!.raw;
    expect(slackText).toContain('*Service*\\nchatwoot');
    expect(slackText).toContain('*Agent*\\nagent-7');
    const event = pd.accepted()[0]!.body as {
      dedup_key: string;
      payload: { custom_details: Record<string, unknown> };
    };
    expect(event.dedup_key).toBe('blocked:agent-7:chatwoot:alert-connect-1');
    expect(event.payload.custom_details).toMatchObject({
      service: 'chatwoot',
      agent: 'agent-7',
      action_id: 'alert-connect-1',
      command_type: 'CONNECT_INTEGRATION',
    });
    const out = daemon.output();
    expect(out).toMatch(
      /ALERT (critical|high): Blocked CONNECT_INTEGRATION for service chatwoot requested by agent agent-7/,
    );
    expect(out).not.toContain(pd.routingKey);
    expect(out).not.toContain(new URL(slack.url).pathname);
  });
});
