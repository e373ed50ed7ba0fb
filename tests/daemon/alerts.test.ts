/**
 * The alert model, routing rules and their configuration, and the sinks' request shapes
 * checked against the stand-ins (which validate the documented protocols). Delivery through
 * the queue (retries, dedup, outages) is in alerts-delivery.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertFromEvent,
  createAlert,
  defaultDedupKey,
  InvalidAlertError,
  MAX_DEDUP_KEY,
} from '../../daemon/alerts/model.ts';
import { DEFAULT_ROUTES, parseRoutes, route, type SinkName } from '../../daemon/alerts/routes.ts';
import { createPagerDutySink, PAGERDUTY_SEVERITY } from '../../daemon/alerts/sinks/pagerduty.ts';
import { createSlackSink, slackMessage } from '../../daemon/alerts/sinks/slack.ts';
import { SinkRejectedError, SinkUnavailableError } from '../../daemon/alerts/sinks/types.ts';
import { createWebhookSink, verifyWebhookSignature } from '../../daemon/alerts/sinks/webhook.ts';
import { cappedBackoff } from '../../daemon/alerts/worker.ts';
import { configSummary, loadConfig } from '../../daemon/config/index.ts';
import { OrchestratorError } from '../../daemon/errors/index.ts';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../support/pagerduty-standin.ts';
import { blockProblem, startSlackStandIn } from '../support/slack-standin.ts';
import type { HttpStandIn } from '../support/http-standin.ts';
import { startWebhookStandIn, type WebhookStandIn } from '../support/webhook-standin.ts';

/** The parts of a PagerDuty event the assertions read. */
type PdEvent = { payload: { severity: string; source: string; custom_details: Record<string, unknown> } };

const blocked = () =>
  createAlert({
    kind: 'blocked',
    severity: 'high',
    summary: 'Blocked REFRESH_TOKEN for service shopify requested by agent agent-7',
    details: {
      agent: 'agent-7',
      service: 'shopify',
      action_id: 'refresh-1',
      command_type: 'REFRESH_TOKEN',
      reasons: ['Agent agent-7 is not on the allowlist for REFRESH_TOKEN.'],
    },
    teams: ['security', 'engineering'],
  });

describe('alert model', () => {
  it('derives the dedup key from kind, agent, service and action id', () => {
    const a = blocked();
    expect(a.dedupKey).toBe('blocked:agent-7:shopify:refresh-1');
    expect(Date.parse(a.createdAt)).not.toBeNaN();
  });

  it('keeps a dedup key the caller set', () => {
    const a = createAlert({ ...blocked(), dedupKey: 'my-key', createdAt: undefined });
    expect(a.dedupKey).toBe('my-key');
  });

  it('tells apart alerts that name no agent, service or action by their summary', () => {
    const one = defaultDedupKey('policy_reload_failed', {}, 'parse error at line 3');
    const two = defaultDedupKey('policy_reload_failed', {}, 'parse error at line 9');
    expect(one).toMatch(/^policy_reload_failed:-:-:-:[0-9a-f]{16}$/);
    expect(one).not.toBe(two);
  });

  it('keeps derived keys within PagerDuty’s 255 characters', () => {
    const long = 'x'.repeat(200);
    const key = defaultDedupKey('blocked', { agent: long, service: long, action_id: long });
    expect(key.length).toBeLessThanOrEqual(MAX_DEDUP_KEY);
    expect(key).toMatch(/^blocked:[0-9a-f]{64}$/);
  });

  it('refuses a bad alert, naming each field and why', () => {
    let err: unknown;
    try {
      createAlert({ kind: 'Blocked!', severity: 'urgent' as 'high', summary: '', details: {}, teams: [] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidAlertError);
    const paths = (err as InvalidAlertError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['kind', 'severity', 'summary']));
    expect((err as Error).message).toMatch(/kind: must be 1 to 64 characters/);
  });

  it('refuses details too large to page with', () => {
    expect(() =>
      createAlert({ ...blocked(), details: { agent: 'a', dump: 'x'.repeat(9_000) }, dedupKey: 'k' }),
    ).toThrow(/details: must serialize to at most 8192 bytes/);
  });

  it('raises a block to at least high, for security and engineering, whatever the policy said', () => {
    const a = alertFromEvent({
      kind: 'blocked',
      summary: 'Blocked X',
      alert: { severity: 'warning', teams: ['security'] },
      details: { agent: 'agent-7', service: 'meta', command_type: 'REFRESH_TOKEN' },
      actionId: 'r-9',
    });
    expect(a.severity).toBe('high');
    expect(a.teams).toEqual(['security', 'engineering']);
    expect(a.details.action_id).toBe('r-9');
    expect(a.dedupKey).toBe('blocked:agent-7:meta:r-9');
    const critical = alertFromEvent({
      kind: 'blocked',
      summary: 'Blocked Y',
      alert: { severity: 'critical', teams: ['security', 'engineering'] },
      details: {},
    });
    expect(critical.severity).toBe('critical');
  });
  it('never drops an event for its shape: what fits is kept, what was wrong is said', () => {
    const a = alertFromEvent({
      kind: 'jury_unavailable',
      summary: 'Jury could not decide j-1',
      alert: { severity: 'high', teams: ['operations', 'Night Shift'] },
      details: { agent: 'agent-7', service: 'google', stack: 'x'.repeat(20_000) },
      actionId: 'j-1',
    });
    expect(a.kind).toBe('jury_unavailable');
    expect(a.teams).toEqual(['operations']);
    expect(a.details).toMatchObject({ agent: 'agent-7', service: 'google', action_id: 'j-1' });
    expect(a.details.stack).toBeUndefined();
    expect(String(a.details.invalid)).toMatch(/details: must serialize to at most 8192 bytes/);
    expect(a.dedupKey).toBe('jury_unavailable:agent-7:google:j-1');
  });
});

describe('routing rules', () => {
  const all = new Set<SinkName>(['log', 'slack', 'pagerduty', 'webhook']);

  it('by default: blocks and critical/high everywhere, needs_approval to Slack, the rest to the log', () => {
    const r = (kind: string, severity: 'critical' | 'high' | 'warning' | 'info') =>
      route({ kind, severity, teams: [] }, DEFAULT_ROUTES, all);
    expect(r('blocked', 'warning')).toEqual(['log', 'slack', 'pagerduty', 'webhook']);
    expect(r('policy_reload_failed', 'high')).toEqual(['log', 'slack', 'pagerduty', 'webhook']);
    expect(r('needs_approval', 'warning')).toEqual(['log', 'slack']);
    expect(r('something_else', 'info')).toEqual(['log']);
    // Only configured sinks receive anything.
    expect(
      route({ kind: 'blocked', severity: 'high', teams: [] }, DEFAULT_ROUTES, new Set(['log', 'pagerduty'])),
    ).toEqual(['log', 'pagerduty']);
  });

  it('takes the union of every matching rule, by kind, severity and team', () => {
    const parsed = parseRoutes(
      JSON.stringify([
        { kinds: ['jury_unavailable'], sinks: ['slack'] },
        { severities: ['critical'], sinks: ['pagerduty'] },
        { teams: ['operations'], sinks: ['webhook'] },
      ]),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(
      route({ kind: 'jury_unavailable', severity: 'high', teams: ['operations'] }, parsed.routes, all),
    ).toEqual(['log', 'slack', 'webhook']);
    expect(route({ kind: 'anomaly', severity: 'critical', teams: ['security'] }, parsed.routes, all)).toEqual(
      ['log', 'pagerduty'],
    );
  });

  it('names the bad rule and field', () => {
    const r = parseRoutes(
      JSON.stringify([
        { kinds: ['blocked'], sinks: ['slack'] },
        { severities: ['urgent'], sinks: ['email'] },
      ]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'rule 2: severities[0]: must be one of critical, high, warning, info (got "urgent")',
      'rule 2: sinks[0]: must be one of log, slack, pagerduty, webhook, all (got "email")',
    ]);
    expect(parseRoutes('{"kinds":[]}')).toEqual({ ok: false, problems: ['must be a JSON array of rules'] });
  });
});

describe('alert configuration', () => {
  const base = { LOG_LEVEL: 'silent' };

  it('refuses a route to a sink that is not configured, naming the rule and the variable', () => {
    expect(() =>
      loadConfig({ ...base, ALERT_ROUTES: '[{"kinds":["blocked"],"sinks":["pagerduty"]}]' }),
    ).toThrow(/ALERT_ROUTES: rule 1: sink "pagerduty" is not configured \(set PAGERDUTY_ROUTING_KEY\)/);
    expect(() => loadConfig({ ...base, ALERT_ROUTES: '[{"kinds":["blocked"],"sinks":[]}]' })).toThrow(
      /ALERT_ROUTES: rule 1: sinks:/,
    );
  });

  it('needs a secret with the webhook, a 32-character routing key, and a queue of its own', () => {
    let err: unknown;
    try {
      loadConfig({
        ...base,
        ALERT_WEBHOOK_URL: 'https://hooks.example.com/x',
        PAGERDUTY_ROUTING_KEY: 'short-key-value',
        ALERT_QUEUE: 'agent-commands',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OrchestratorError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set/);
    expect(msg).toMatch(/PAGERDUTY_ROUTING_KEY: must be the 32-character integration key/);
    expect(msg).toMatch(/ALERT_QUEUE: must differ from ORCHESTRATOR_QUEUES/);
    // The value of a secret variable is never echoed.
    expect(msg).not.toContain('short-key-value');
  });

  it('masks every sink credential in the start-up summary', () => {
    const config = loadConfig({
      ...base,
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B2/slacksecretvalue',
      PAGERDUTY_ROUTING_KEY: 'abcdefabcdefabcdefabcdefabcdef12',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/in/tokenvalue?sig=queryvalue',
      ALERT_WEBHOOK_SECRET: 'webhook-secret-value-123',
      ALERT_ROUTES: '[{"kinds":["blocked"],"sinks":["all"]}]',
    });
    expect(config.alertRoutes).toEqual([{ kinds: ['blocked'], sinks: ['all'] }]);
    const text = JSON.stringify(configSummary(config));
    for (const secret of [
      'slacksecretvalue',
      'abcdefabcdef',
      'tokenvalue',
      'queryvalue',
      'webhook-secret-value',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('https://hooks.example.com');
  });
});

describe('sinks against the stand-ins', () => {
  let slack: HttpStandIn;
  let pd: PagerDutyStandIn;
  let hook: WebhookStandIn;
  const secret = 'a-webhook-secret-of-some-length';
  const signal = new AbortController().signal;

  beforeAll(async () => {
    [slack, pd, hook] = await Promise.all([
      startSlackStandIn(),
      startPagerDutyStandIn(),
      startWebhookStandIn(secret),
    ]);
  });
  afterAll(async () => {
    await Promise.all([slack.close(), pd.close(), hook.close()]);
  });

  it('Slack: Block Kit with header, summary, the fields and the dedup key; accepted by the stand-in', async () => {
    const a = blocked();
    await createSlackSink({ url: slack.url, timeoutMs: 2_000 }).send(a, signal);
    const req = slack.accepted().at(-1)!;
    const body = req.body as ReturnType<typeof slackMessage>;
    expect(body.text).toContain('Blocked REFRESH_TOKEN for service shopify');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':red_circle: HIGH: blocked', emoji: true },
    });
    const fields = (body.blocks[2] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(fields).toEqual([
      '*Severity*\nhigh',
      '*Agent*\nagent-7',
      '*Service*\nshopify',
      '*Action id*\nrefresh-1',
      '*Command type*\nREFRESH_TOKEN',
      '*Teams*\nsecurity, engineering',
    ]);
    const context = (body.blocks[3] as { elements: { text: string }[] }).elements[0]!.text;
    expect(context).toBe('dedup key: `blocked:agent-7:shopify:refresh-1`');
  });

  it('Slack: agent-chosen text cannot ping a channel', () => {
    const a = createAlert({ ...blocked(), details: { agent: '<!channel>', service: 'a&b' }, dedupKey: 'k' });
    const m = slackMessage(a);
    expect(JSON.stringify(m)).not.toContain('<!channel>');
    expect(JSON.stringify(m)).toContain('&lt;!channel&gt;');
    expect(blockProblem(m.blocks)).toBeUndefined();
  });

  it('Slack: a 400 is final, a 503 or 429 is retryable (with Retry-After)', async () => {
    const sink = createSlackSink({ url: `${slack.url}-wrong`, timeoutMs: 2_000 });
    await expect(sink.send(blocked(), signal)).rejects.toBeInstanceOf(SinkRejectedError);
    const ok = createSlackSink({ url: slack.url, timeoutMs: 2_000 });
    slack.failNext(1, 503);
    await expect(ok.send(blocked(), signal)).rejects.toBeInstanceOf(SinkUnavailableError);
    slack.failNext(1, 429, { 'retry-after': '7' });
    const err = await ok.send(blocked(), signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkUnavailableError);
    expect((err as SinkUnavailableError).retryAfterMs).toBe(7_000);
    expect(cappedBackoff(10, 60_000)(1, err as Error)).toBe(7_000);
  });

  it('PagerDuty: severities map onto PagerDuty’s four; trigger then resolve close the incident', async () => {
    expect(PAGERDUTY_SEVERITY).toEqual({
      critical: 'critical',
      high: 'error',
      warning: 'warning',
      info: 'info',
    });
    const sink = createPagerDutySink({ routingKey: pd.routingKey, url: pd.url, timeoutMs: 2_000 });
    const a = blocked();
    await sink.send(a, signal);
    expect(pd.incidents.get(a.dedupKey)).toBe('triggered');
    const trigger = pd.accepted().at(-1)!.body as PdEvent;
    expect(trigger).toMatchObject({
      routing_key: pd.routingKey,
      event_action: 'trigger',
      dedup_key: a.dedupKey,
      payload: {
        summary: a.summary,
        severity: 'error',
        component: 'shopify',
        class: 'blocked',
        custom_details: {
          agent: 'agent-7',
          service: 'shopify',
          action_id: 'refresh-1',
          command_type: 'REFRESH_TOKEN',
        },
      },
    });
    expect(trigger.payload.source).toMatch(/^mcp-orchestrator@/);
    await sink.resolve!(a.dedupKey, signal);
    expect(pd.incidents.get(a.dedupKey)).toBe('resolved');
    expect(pd.accepted().at(-1)!.body).toEqual({
      routing_key: pd.routingKey,
      event_action: 'resolve',
      dedup_key: a.dedupKey,
    });
  });

  it('PagerDuty: a wrong routing key is a final 400', async () => {
    const sink = createPagerDutySink({ routingKey: 'f'.repeat(32), url: pd.url, timeoutMs: 2_000 });
    const err = await sink.send(blocked(), signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkRejectedError);
    expect((err as SinkRejectedError).httpStatus).toBe(400);
    expect((err as Error).message).not.toContain('f'.repeat(32));
  });

  it('webhook: the receiver verifies the HMAC as documented; a wrong secret is refused', async () => {
    const a = blocked();
    await createWebhookSink({ url: hook.url, secret, timeoutMs: 2_000 }).send(a, signal);
    const last = hook.verified().at(-1)!;
    expect(last).toEqual({ type: 'alert.trigger', alert: a });
    const req = hook.accepted().at(-1)!;
    expect(
      verifyWebhookSignature({
        secret,
        rawBody: req.raw,
        timestamp: req.headers['x-orchestrator-timestamp'] as string,
        signature: req.headers['x-orchestrator-signature'] as string,
      }),
    ).toBe(true);
    // One changed byte of the body, or another secret, and the signature no longer holds.
    expect(
      verifyWebhookSignature({
        secret,
        rawBody: req.raw.replace('agent-7', 'agent-8'),
        timestamp: req.headers['x-orchestrator-timestamp'] as string,
        signature: req.headers['x-orchestrator-signature'] as string,
      }),
    ).toBe(false);
    const wrong = createWebhookSink({ url: hook.url, secret: 'another-secret-entirely', timeoutMs: 2_000 });
    await expect(wrong.send(a, signal)).rejects.toBeInstanceOf(SinkRejectedError);
    // A replay of an old, correctly signed body is refused for its timestamp.
    const old = createWebhookSink({
      url: hook.url,
      secret,
      timeoutMs: 2_000,
      now: () => Date.now() - 3_600_000,
    });
    await expect(old.send(a, signal)).rejects.toThrow(/HTTP 401 stale/);
  });

  it('an unreachable sink is retryable and the error names no URL', async () => {
    const sink = createSlackSink({ url: 'http://127.0.0.1:1/services/secret-path', timeoutMs: 1_000 });
    const err = await sink.send(blocked(), signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkUnavailableError);
    expect((err as Error).message).toMatch(/^alert sink slack unavailable: /);
    expect((err as Error).message).not.toContain('secret-path');
  });
});
